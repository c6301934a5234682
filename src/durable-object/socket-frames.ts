import type { EventFields } from "../core/frame.ts";
import { Message } from "../core/message.ts";
import { describeValue } from "../core/describe-value.ts";

/**
 * The frames a `ChannelObject` sends over a subscriber's WebSocket, and their reading in the Worker.
 *
 * One event is one frame: the JSON text of its fields (`id`, `event`, `data`, `comment`, `retry`,
 * absent ones left out). The size of a WebSocket message a Worker receives is limited (1 MiB for
 * years, 32 MiB in Cloudflare's limits today; a larger one closes the socket with code 1009), so a
 * frame longer than `MAX_PIECE_LENGTH` UTF-16 code units goes as several messages, each under the
 * older limit: each but the last starts with `PIECE_MARK`, and the last is the frame's end as it is.
 * A frame's JSON text starts with `{`, so the two never mix.
 */

/** The first character of a message that is a piece of a longer frame, more to come. */
export const PIECE_MARK = "+";
/**
 * The most UTF-16 code units of frame text in one message: at most 3 bytes of UTF-8 each (a surrogate
 * pair is 4 bytes for 2 units), so 786,432 bytes with the mark, under the 1 MiB limit.
 */
export const MAX_PIECE_LENGTH = 262_143;
/** The longest frame a Worker takes, in UTF-16 code units: longer ones end the stream as malformed. */
export const MAX_FRAME_LENGTH = 33_554_432;

const CONTEXT = "Cannot read a frame of the channel's object";
const FIELDS: ReadonlySet<string> = new Set(["id", "event", "data", "comment", "retry"]);

/** The messages that carry one event: its frame, in pieces when it is long. */
export function toSocketMessages(event: EventFields): string[] {
  const frame = JSON.stringify({
    id: event.id,
    event: event.event,
    data: event.data,
    comment: event.comment,
    retry: event.retry,
  });
  if (frame.length <= MAX_PIECE_LENGTH) return [frame];
  const messages: string[] = [];
  let start = 0;
  while (frame.length - start > MAX_PIECE_LENGTH) {
    let end = start + MAX_PIECE_LENGTH;
    // Never between the two halves of a surrogate pair: each piece is sent as UTF-8 by itself.
    const last = frame.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    messages.push(PIECE_MARK + frame.slice(start, end));
    start = end;
  }
  messages.push(frame.slice(start));
  return messages;
}

/**
 * Reads the messages of one WebSocket back into events: feed each message to `read`, which returns
 * the event it completes, or `undefined` while a long frame's pieces come in.
 */
export class SocketFrameReader {
  #pieces: string[] = [];
  #length = 0;

  /**
   * @throws {TypeError} when the message is not text, the frame is too long, not JSON, not an
   *   object of event fields, or a field is invalid (as `new Message()` checks it)
   */
  read(message: unknown): Message | undefined {
    if (typeof message !== "string") {
      throw new TypeError(`${CONTEXT}: a message must be text (got ${describeValue(message)})`);
    }
    const isPiece = message.startsWith(PIECE_MARK);
    this.#length += message.length - (isPiece ? PIECE_MARK.length : 0);
    if (this.#length > MAX_FRAME_LENGTH) {
      throw new TypeError(
        `${CONTEXT}: a frame must be at most ${MAX_FRAME_LENGTH} code units (got ${this.#length} so far)`,
      );
    }
    if (isPiece) {
      this.#pieces.push(message.slice(PIECE_MARK.length));
      return undefined;
    }
    this.#pieces.push(message);
    const frame = this.#pieces.join("");
    this.#pieces = [];
    this.#length = 0;
    return toMessage(frame);
  }
}

function toMessage(frame: string): Message {
  let fields: unknown;
  try {
    fields = JSON.parse(frame);
  } catch {
    throw new TypeError(`${CONTEXT}: a frame must be JSON (got ${describeValue(frame.slice(0, 64))})`);
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new TypeError(`${CONTEXT}: a frame must be an object of event fields (got ${describeValue(fields)})`);
  }
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) {
      throw new TypeError(
        `${CONTEXT}: a frame must have only the fields id, event, data, comment and retry (got ${describeValue(key)})`,
      );
    }
  }
  try {
    return new Message(fields as EventFields);
  } catch (error) {
    throw new TypeError(`${CONTEXT}: ${(error as Error).message}`, { cause: error });
  }
}
