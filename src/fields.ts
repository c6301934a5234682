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
 * Checks an `id` value: a string without CR, LF or NUL ([spec] parsers ignore an `id` field that
 * contains NUL, which would silently break resumption).
 *
 * @throws {TypeError} naming the field and showing the value
 */
const ID_UNSAFE = /[\r\n\0]/;

export function assertEventId(value: unknown, context: string): asserts value is string {
  if (typeof value === "string" && !ID_UNSAFE.test(value)) return;
  if (typeof value !== "string") {
    throw new TypeError(
      `${context}: \`id\` must be a string (got ${describeValue(value)})${typeof value === "number" ? "; convert it with String(id)" : ""}`,
    );
  }
  if (LINE_BREAK.test(value)) {
    throw new TypeError(`${context}: \`id\` must not contain a line break (got ${describeValue(value)})`);
  }
  if (value.includes("\0")) {
    throw new TypeError(`${context}: \`id\` must not contain NUL, browsers ignore such an id (got ${describeValue(value)})`);
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
