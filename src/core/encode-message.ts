import { Message, ownFields, type MessageInit } from "./message.ts";
import { formatFrame, prefixLines, type EventFields } from "./frame.ts";
import { bytesToBase64 } from "./bytes-to-base64.ts";
import { describeError, describeValue } from "./describe-value.ts";
import { isThenable } from "./check.ts";

/** Turns a value that is not a string, a `Message` or bytes into the text of a `data` field. */
export type Serializer = (value: unknown) => string;

/** A value that decides its own event-stream form. */
export interface ServerSentEventConvertible {
  /** Returns the data text, or a whole `Message`. */
  toServerSentEvent(): string | Message;
}

const CONTEXT = "Cannot encode message";

/**
 * Encodes one item as the text of one event-stream frame (ending with the empty line that
 * dispatches it). What an item becomes:
 *
 * - a string: its text as `data:` lines;
 * - a `Message`: its fields;
 * - a `Uint8Array`, another `ArrayBufferView` or an `ArrayBuffer`: its bytes in base64 as `data`;
 * - an object with a `toServerSentEvent()` method: what that returns (a string or a `Message`);
 * - `undefined` or a promise (a thenable): a `TypeError`, since it has no event-stream form;
 * - anything else, `null` included: `serialize(item)` as `data` (by default `JSON.stringify`).
 *
 * @param item - the value to encode
 * @param serialize - turns other values into data text
 * @returns the frame text
 * @throws {TypeError} for `undefined`, a promise, an invalid field, or a serializer that returns no string
 * @example Encode for a stream of your own
 * ```ts
 * import { encodeMessage, Message } from "edge-sse";
 *
 * console.assert(encodeMessage("hi") === "data: hi\n\n");
 * console.assert(encodeMessage({ n: 1 }) === 'data: {"n":1}\n\n');
 * console.assert(encodeMessage(Message.data("x").event("y")) === "event: y\ndata: x\n\n");
 * ```
 */
export function encodeMessage(item: unknown, serialize: Serializer = JSON.stringify): string {
  // A string is the most common item: its frame without an object of fields (the same text).
  if (typeof item === "string") return `${prefixLines("data: ", item)}\n`;
  return formatFrame(itemFields(item, serialize));
}

/**
 * The validated event fields of one item, by the rules of `encodeMessage`.
 *
 * @throws {TypeError} as `encodeMessage` does
 */
export function itemFields(item: unknown, serialize: Serializer): EventFields {
  if (typeof item === "string") return { data: item };
  if (typeof item === "object" && item !== null) {
    const own = ownFields(item);
    if (own !== undefined) return own;
    // Anything else that claims to be a Message (another copy's, a look-alike): checked again.
    if (Message.isMessage(item)) return new Message(lookAlikeFields(item)).fields;
    if (ArrayBuffer.isView(item)) {
      return { data: bytesToBase64(new Uint8Array(item.buffer, item.byteOffset, item.byteLength)) };
    }
    // Not instanceof: an ArrayBuffer from another realm (an iframe, node:vm) must still count.
    const tag = Object.prototype.toString.call(item);
    if (tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]") {
      return { data: bytesToBase64(new Uint8Array(item as ArrayBufferLike)) };
    }
    const convert = (item as Partial<ServerSentEventConvertible>).toServerSentEvent;
    if (typeof convert === "function") {
      const converted: unknown = convert.call(item);
      if (typeof converted === "string") return { data: converted };
      if (Message.isMessage(converted)) return itemFields(converted, serialize);
      throw new TypeError(
        `${CONTEXT}: toServerSentEvent() must return a string or a Message (got ${describeValue(converted)})`,
      );
    }
  }
  if (item === undefined) {
    throw new TypeError(`${CONTEXT}: undefined has no event-stream form (send a string, a Message, or null)`);
  }
  if (isThenable(item)) {
    // JSON.stringify would send `{}`: the value it promises would be lost without a word.
    throw new TypeError(`${CONTEXT}: a promise has no event-stream form (got ${describeValue(item)}); await it first`);
  }
  let data: unknown;
  try {
    data = serialize(item);
  } catch (error) {
    throw new TypeError(`${CONTEXT}: \`serialize\` threw for ${describeValue(item)} (${describeError(error)})`, {
      cause: error,
    });
  }
  if (typeof data !== "string") {
    throw new TypeError(
      `${CONTEXT}: \`serialize\` must return a string (got ${describeValue(data)} for ${describeValue(item)})`,
    );
  }
  return { data };
}

/** The `fields` a look-alike `Message` offers, to be checked again. */
function lookAlikeFields(item: Message): MessageInit {
  try {
    return item.fields;
  } catch (error) {
    // `Object.create(Message.prototype)`: the `fields` getter finds no fields of this copy's own (a
    // TypeError); what a look-alike's own getter throws otherwise is its own error, passed on as it is.
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(`${CONTEXT}: the item claims to be a Message but has no fields (${describeError(error)})`, {
      cause: error,
    });
  }
}
