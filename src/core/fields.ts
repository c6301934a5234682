/**
 * Validators for the event fields whose values the event-stream format cannot carry.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { describeValue } from "./describe-value.ts";

const LINE_BREAK = /[\r\n]/;

/**
 * Checks an `event` value: a string without CR or LF ([spec] a line break would end the field and
 * start a new one, which is an event-injection hole).
 *
 * @throws {TypeError} naming the field and showing the value
 */
export function assertEventName(value: unknown, context: string): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`${context}: \`event\` must be a string (got ${describeValue(value)})`);
  }
  if (LINE_BREAK.test(value)) {
    throw new TypeError(`${context}: \`event\` must not contain a line break (got ${describeValue(value)})`);
  }
}

/**
 * The longest event id, in bytes of UTF-8. The browser sends the id back in a `Last-Event-ID` header
 * when it reconnects, and servers refuse large headers (431), which `EventSource` treats as fatal.
 *
 * @example
 * ```ts
 * import { MAX_EVENT_ID_BYTES, Message } from "edge-sse";
 *
 * const longest = "é".repeat(MAX_EVENT_ID_BYTES / 2); // 2 bytes each in UTF-8
 * console.assert(Message.data("kept").id(longest).fields.id === longest);
 * let refused = false;
 * try {
 *   Message.data("refused").id(longest + "x");
 * } catch (error) {
 *   refused = error instanceof TypeError && error.message.includes("`id` must be at most 1024 bytes");
 * }
 * console.assert(refused);
 * ```
 */
export const MAX_EVENT_ID_BYTES = 1024;

/** An id that breaks none of the rules below: 1 to `MAX_EVENT_ID_BYTES` printable ASCII characters, no space at either end. */
const SAFE_ID = /^[!-~](?:[ -~]{0,1022}[!-~])?$/;

/** Each rule of an id that a pattern can check: what a match breaks, and why. */
const ID_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [LINE_BREAK, "not contain a line break"],
  [/\0/, "not contain NUL, browsers ignore such an id"],
  [/\p{Cc}/u, "not contain control characters, which HTTP refuses or alters"], // C0, DEL, C1
  [/\p{Cs}/u, "not contain lone surrogates, which are sent as U+FFFD"], // with /u, a pair is one code point
  [/^\s|\s$/, "not start or end with whitespace, which headers lose"], // \s: what trim() removes
];

/**
 * Checks an `id` value: a string that comes back intact in the `Last-Event-ID` header of a reconnect.
 * `""` is valid ([spec] it resets the client's last event id). A valid id has:
 *
 * - no CR or LF ([spec] a line break would end the field: event injection), no NUL ([spec] parsers
 *   ignore such an id), and no other control character (C0, DEL, C1): HTTP stacks refuse or change them;
 * - no whitespace at either end (what `String.prototype.trim` removes): HTTP strips spaces and tabs
 *   around a header value, and code that trims removes the rest;
 * - no lone surrogate: it is sent as U+FFFD, so another id would come back;
 * - at most `MAX_EVENT_ID_BYTES` bytes of UTF-8.
 *
 * @throws {TypeError} naming the field, showing the value and saying which rule it breaks
 */
export function assertEventId(value: unknown, context: string): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(
      `${context}: \`id\` must be a string (got ${describeValue(value)})${typeof value === "number" ? "; convert it with String(id)" : ""}`,
    );
  }
  // The common id, printable ASCII with no space at either end and short enough, breaks no rule.
  if (SAFE_ID.test(value)) return;
  for (const [pattern, rule] of ID_RULES) {
    const index = value.search(pattern);
    if (index !== -1) {
      const code = value.charCodeAt(index).toString(16).toUpperCase().padStart(4, "0");
      throw new TypeError(`${context}: \`id\` must ${rule}: U+${code} at ${index} (got ${describeValue(value)})`);
    }
  }
  // Up to 3 bytes per UTF-16 code unit; with no lone surrogate, encoding is exact.
  const bytes = value.length * 3 > MAX_EVENT_ID_BYTES ? new TextEncoder().encode(value).length : 0;
  if (bytes > MAX_EVENT_ID_BYTES) {
    throw new TypeError(
      `${context}: \`id\` must be at most ${MAX_EVENT_ID_BYTES} bytes of UTF-8, or Last-Event-ID may be refused: ${bytes} bytes (got ${describeValue(value)})`,
    );
  }
}

/**
 * Checks a `retry` value: a non-negative safe integer of milliseconds ([spec] anything but ASCII
 * digits is ignored by parsers).
 *
 * @throws {TypeError} naming the field and showing the value
 */
export function assertRetry(value: unknown, context: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(
      `${context}: \`retry\` must be a non-negative integer of milliseconds (got ${describeValue(value)})`,
    );
  }
}

/**
 * Checks a `data` or `comment` value: it must be a string. Line breaks are allowed and split into lines.
 *
 * @throws {TypeError} naming the field and showing the value
 */
export function assertText(field: "data" | "comment", value: unknown, context: string): asserts value is string {
  if (typeof value !== "string") {
    const hint = field === "data" ? "; use Message.json(value) for other values" : "";
    throw new TypeError(`${context}: \`${field}\` must be a string (got ${describeValue(value)})${hint}`);
  }
}
