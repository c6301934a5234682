/**
 * The composite cursor of a stream of several channels: where the client is in each channel, in one
 * event id, so that the `Last-Event-ID` its browser sends back resumes every channel exactly.
 *
 * Format (version 1): `1` then, for each channel, `;<key>=<position>`, in the order the keys were
 * given. A position is the channel's event id percent-encoded as `encodeURIComponent` does (ids
 * like `1700000000000-0` or `lz3k0a1b2c3d4e5-12` are unchanged), or empty for "from the beginning"
 * (the channel held no event when the client joined it). Example: `1;chat=lz3k0a1b2c3d4e5-12;news=`.
 * Only ASCII letters, digits and `-_.!~*'()%;=` appear, so the cursor is a valid header value.
 */
import { refusal } from "../core/check.ts";
import { encodeIdForHeader } from "./resume-id.ts";

/** The most channels one stream may subscribe to: the cursor carries a position for each. */
export const MAX_CURSOR_CHANNELS = 16;
/** The longest key of a channel in the cursor. */
export const MAX_CURSOR_KEY_LENGTH = 16;
/** The longest position of one channel in the cursor: its id, percent-encoded. */
export const MAX_CURSOR_ID_LENGTH = 256;
/** The longest cursor: longer ones a client sends are not read at all. */
export const MAX_CURSOR_LENGTH = 2 + MAX_CURSOR_CHANNELS * (MAX_CURSOR_KEY_LENGTH + MAX_CURSOR_ID_LENGTH + 2);
/** The version this library writes and reads. */
export const CURSOR_VERSION = "1";

const KEY = /^[A-Za-z0-9_-]{1,16}$/;
const POSITION = /^(?:[\w\-.!~*'()]|%[0-9A-F]{2})*$/;

/** Where a channel resumes: after an id, or from the oldest event its broker holds (`""`). */
export type Position = string;

/**
 * Checks the keys a stream of several channels is given.
 *
 * @throws {TypeError} naming `channels` when there are none or more than `MAX_CURSOR_CHANNELS`, or a key that is not 1 to 16
 *   ASCII letters, digits, `_` or `-`
 */
export function checkCursorKeys(keys: readonly string[], context: string): void {
  if (keys.length === 0 || keys.length > MAX_CURSOR_CHANNELS) {
    throw new TypeError(
      `${context}: \`channels\` must name 1 to ${MAX_CURSOR_CHANNELS} channels, so that the cursor stays small ` +
        `(got ${keys.length})`,
    );
  }
  for (const key of keys) {
    if (!KEY.test(key)) {
      throw refusal(context, "channels", "keyed by 1 to 16 ASCII letters, digits, `_` or `-`", key);
    }
  }
}

/** A position as the cursor writes it; `undefined` when it would be longer than `MAX_CURSOR_ID_LENGTH`. */
export function encodePosition(position: Position): string | undefined {
  const encoded = encodeIdForHeader(position);
  return encoded.length <= MAX_CURSOR_ID_LENGTH ? encoded : undefined;
}

/**
 * The cursor of `positions` (keys in order, positions already encoded by `encodePosition`); a key
 * without a position is left out, and resumes from where its channel is when the client reconnects.
 */
export function writeCursor(positions: ReadonlyMap<string, string | undefined>): string {
  let cursor = CURSOR_VERSION;
  for (const [key, encoded] of positions) if (encoded !== undefined) cursor += `;${key}=${encoded}`;
  return cursor;
}

/**
 * Reads a cursor a client sent: the position of each key it names (keys that the stream does not
 * have are kept too, and ignored by the caller). Remote input, so this never throws: a cursor that
 * is too long, of another version, or malformed in any way (a bad key, a bad percent-encoding, a key
 * twice) gives `undefined`.
 */
export function readCursor(cursor: string): Map<string, Position> | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
  const parts = cursor.split(";");
  if (parts[0] !== CURSOR_VERSION) return undefined;
  const positions = new Map<string, Position>();
  for (const part of parts.slice(1)) {
    const equals = part.indexOf("=");
    if (equals < 0) return undefined;
    const key = part.slice(0, equals);
    const encoded = part.slice(equals + 1);
    if (!KEY.test(key) || positions.has(key)) return undefined;
    if (encoded.length > MAX_CURSOR_ID_LENGTH || !POSITION.test(encoded)) return undefined;
    try {
      positions.set(key, decodeURIComponent(encoded));
    } catch {
      return undefined; // Percent-escapes that are not UTF-8.
    }
  }
  return positions;
}
