/**
 * The event-stream parser: bytes (or text) in, events out, exactly as the WHATWG spec's "Parsing an
 * event stream" and "Interpreting an event stream" say, fed in chunks split anywhere.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
import { describeValue } from "../core/describe-value.ts";
import type { ServerSentEvent } from "./types.ts";

/** What a parser reports, as it meets it. */
export interface EventStreamParserCallbacks {
  /** A dispatched event (a block with at least one `data` field, ended by an empty line). */
  readonly onEvent: (event: ServerSentEvent) => void;
  /** A `retry` field of ASCII digits only: the reconnection time the server asks for, in ms. */
  readonly onRetry?: ((ms: number) => void) | undefined;
  /** A comment line (`:` and what follows, without the colon and one leading space). */
  readonly onComment?: ((text: string) => void) | undefined;
}

/** Options of `createEventStreamParser`. */
export interface EventStreamParserOptions {
  /**
   * The last event id in force before the first event: the `id` of events until the stream sets its own.
   * @default ""
   */
  readonly lastEventId?: string | undefined;
}

/** A streaming parser made by `createEventStreamParser`. */
export interface EventStreamParser {
  /**
   * Parses one chunk: bytes (UTF-8, decoded across chunk boundaries; invalid sequences become U+FFFD) or
   * text. Feed one kind per stream. Events are reported synchronously, before `feed` returns.
   */
  feed(chunk: Uint8Array | string): void;
  /**
   * Ends the stream: the incomplete event after the last empty line is dropped ([spec]), and the parser
   * is ready for a new stream (a reconnection) that keeps the last event id.
   */
  end(): void;
  /** The last event id in force ([spec] the event source's "last event ID string"): `""` when none. */
  readonly lastEventId: string;
}

const LF = 10;
const _CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = 0xfeff;

const CONTEXT = "Cannot create an event-stream parser";

/** Whether the line at `start` is a `data:` field (`first` is its first character code). */
function isData(text: string, start: number, first: number): boolean {
  return (
    first === 100 &&
    text.charCodeAt(start + 1) === 97 &&
    text.charCodeAt(start + 2) === 116 &&
    text.charCodeAt(start + 3) === 97 &&
    text.charCodeAt(start + 4) === COLON
  );
}

/** The value that starts at `valueStart` (after a colon) and ends at `end`, without one leading space. */
function fieldValue(text: string, valueStart: number, end: number): string {
  return text.slice(valueStart < end && text.charCodeAt(valueStart) === SPACE ? valueStart + 1 : valueStart, end);
}

/**
 * Creates a streaming event-stream parser. It takes bytes or text in chunks cut anywhere (inside a
 * UTF-8 sequence, between CR and LF) and reports each event once its empty line arrives: CR, LF and
 * CRLF end lines; one byte order mark at the start is dropped; comments, unknown fields and `id`
 * values with NUL are ignored; `retry` counts only when it is ASCII digits; a field without a colon
 * has an empty value; one space after the colon is removed. Each event's `event` is `"message"` when
 * the stream names none, and its `id` is the last event id in force, as `MessageEvent.lastEventId`.
 *
 * @param callbacks - `onEvent`, and optionally `onRetry` and `onComment`
 * @param options - `lastEventId`: the id in force before the stream sets one
 * @returns the parser: `feed(chunk)`, `end()` and `lastEventId`
 * @throws {TypeError} when `onEvent` is not a function, or `onRetry`, `onComment` or `lastEventId` has the wrong type
 * @example Parse a stream fed in pieces
 * ```ts
 * import { createEventStreamParser, type ServerSentEvent } from "edge-sse/client";
 *
 * const events: ServerSentEvent[] = [];
 * const parser = createEventStreamParser({ onEvent: (event) => events.push(event) });
 * parser.feed("event: tick\nid: 7\nda");
 * parser.feed(new TextEncoder().encode("ta: 😀\r"));
 * parser.feed("\n\ndata: two\n\ndata: never dispatched");
 * parser.end();
 * console.assert(JSON.stringify(events) === JSON.stringify([
 *   { event: "tick", data: "😀", id: "7" },
 *   { event: "message", data: "two", id: "7" },
 * ]));
 * ```
 */
export function createEventStreamParser(
  callbacks: EventStreamParserCallbacks,
  options: EventStreamParserOptions = {},
): EventStreamParser {
  if (typeof callbacks !== "object" || callbacks === null) {
    throw new TypeError(
      `${CONTEXT}: \`callbacks\` must be an object { onEvent, onRetry?, onComment? } (got ${describeValue(callbacks)})`,
    );
  }
  const { onEvent, onRetry, onComment } = callbacks;
  if (typeof onEvent !== "function") {
    throw new TypeError(`${CONTEXT}: \`onEvent\` must be a function (got ${describeValue(onEvent)})`);
  }
  if (onRetry !== undefined && typeof onRetry !== "function") {
    throw new TypeError(`${CONTEXT}: \`onRetry\` must be a function (got ${describeValue(onRetry)})`);
  }
  if (onComment !== undefined && typeof onComment !== "function") {
    throw new TypeError(`${CONTEXT}: \`onComment\` must be a function (got ${describeValue(onComment)})`);
  }
  const initialId = options.lastEventId ?? "";
  if (typeof initialId !== "string") {
    throw new TypeError(`${CONTEXT}: \`lastEventId\` must be a string (got ${describeValue(initialId)})`);
  }

  // The state of one stream. `pending` holds the start of a line whose end has not arrived yet, so
  // each chunk is scanned once however long the line. `skipLF` is set by a CR that ended a chunk: an
  // LF that starts the next one completes that CRLF. `atStart` is true until the first character,
  // where one BOM is dropped.
  let decoder: TextDecoder | undefined;
  let pending = "";
  let skipLF = false;
  let atStart = true;
  // [spec] The data, event type and last event ID buffers, and the event source's last event ID string.
  let data = "";
  let hasData = false;
  let eventType = "";
  let idBuffer = initialId;
  let lastEventId = initialId;

  const dispatch = (): void => {
    // [spec] The last event ID string is set at every dispatch, even of a block without data.
    lastEventId = idBuffer;
    if (hasData) {
      const event: ServerSentEvent = { event: eventType === "" ? "message" : eventType, data, id: lastEventId };
      data = "";
      hasData = false;
      eventType = "";
      onEvent(event);
    } else {
      eventType = "";
    }
  };

  const addData = (value: string): void => {
    if (hasData) data += `\n${value}`;
    else {
      data = value;
      hasData = true;
    }
  };

  const setId = (value: string): void => {
    if (value.indexOf("\0") === -1) idBuffer = value; // [spec] an id with NUL is ignored
  };

  /** Interprets the line `text[start, end)` (it holds no CR or LF). */
  const line = (text: string, start: number, end: number): void => {
    if (start === end) return dispatch();
    const first = text.charCodeAt(start);
    if (first === COLON) {
      if (onComment !== undefined) onComment(fieldValue(text, start + 1, end));
      return;
    }
    // The common fields by their letters and colon, before the general path below.
    if (isData(text, start, first)) return addData(fieldValue(text, start + 5, end));
    if (first === 105 && text.charCodeAt(start + 1) === 100 && text.charCodeAt(start + 2) === COLON) {
      return setId(fieldValue(text, start + 3, end));
    }
    if (
      first === 101 &&
      text.charCodeAt(start + 1) === 118 &&
      text.charCodeAt(start + 2) === 101 &&
      text.charCodeAt(start + 3) === 110 &&
      text.charCodeAt(start + 4) === 116 &&
      text.charCodeAt(start + 5) === COLON
    ) {
      eventType = fieldValue(text, start + 6, end);
      return;
    }
    // [spec] The field name runs to the first colon; a line without one is a name with an empty value.
    let colon = start;
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++;
    const value = colon < end ? fieldValue(text, colon + 1, end) : "";
    switch (text.slice(start, colon)) {
      case "data":
        return addData(value);
      case "id":
        return setId(value);
      case "event":
        eventType = value;
        return;
      case "retry":
        // [spec] Only ASCII digits set the reconnection time.
        if (onRetry !== undefined && /^[0-9]+$/.test(value)) onRetry(Number(value));
        return;
      default:
        return; // [spec] any other field is ignored
    }
  };

  const feedText = (text: string): void => {
    const length = text.length;
    if (length === 0) return;
    let start = 0;
    if (atStart) {
      atStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (skipLF) {
      skipLF = false;
      if (text.charCodeAt(start) === LF) start++;
    }
    // Where the next CR and LF are; -1 once there is none left in this chunk.
    let nextLF = text.indexOf("\n", start);
    let nextCR = text.indexOf("\r", start);
    while (nextLF !== -1 || nextCR !== -1) {
      if (nextCR === -1 && pending === "") {
        // The rest of the chunk ends its lines with LF only (the usual case): empty and data lines, the
        // most common, are read right here, the others by line().
        do {
          if (start === nextLF) dispatch();
          else if (isData(text, start, text.charCodeAt(start))) addData(fieldValue(text, start + 5, nextLF));
          else line(text, start, nextLF);
          start = nextLF + 1;
          nextLF = text.indexOf("\n", start);
        } while (nextLF !== -1);
        break;
      }
      let end: number;
      let after: number;
      if (nextCR === -1 || (nextLF !== -1 && nextLF < nextCR)) {
        end = nextLF;
        after = end + 1;
        nextLF = text.indexOf("\n", after);
      } else {
        end = nextCR;
        after = end + 1;
        if (after === length) skipLF = true;
        else if (text.charCodeAt(after) === LF) {
          after++;
          nextLF = text.indexOf("\n", after);
        }
        nextCR = text.indexOf("\r", after);
      }
      if (pending === "") {
        // As in the LF-only loop above.
        if (start === end) dispatch();
        else if (isData(text, start, text.charCodeAt(start))) addData(fieldValue(text, start + 5, end));
        else line(text, start, end);
      } else {
        const whole = pending + text.slice(start, end);
        pending = "";
        line(whole, 0, whole.length);
      }
      start = after;
    }
    if (start < length) pending += start === 0 ? text : text.slice(start);
  };

  return {
    feed(chunk: Uint8Array | string): void {
      if (typeof chunk === "string") return feedText(chunk);
      if (!ArrayBuffer.isView(chunk)) {
        throw new TypeError(
          `Cannot parse the event stream: a chunk must be a Uint8Array or a string (got ${describeValue(chunk)})`,
        );
      }
      // ignoreBOM: the decoder keeps the BOM, so that one rule drops it from bytes and text alike.
      decoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
      feedText(decoder.decode(chunk, { stream: true }));
    },
    end(): void {
      // Flushing resets the decoder for the next stream (whose BOM it then drops again).
      decoder?.decode();
      pending = "";
      skipLF = false;
      atStart = true;
      data = "";
      hasData = false;
      eventType = "";
      idBuffer = lastEventId;
    },
    get lastEventId(): string {
      return lastEventId;
    },
  };
}
