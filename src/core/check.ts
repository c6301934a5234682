/**
 * The checks every part of the library runs on its options (a `DataStream`, a `Channel`, its brokers,
 * the Node bridge), so that the rules and their messages are written once. One grammar for all:
 * `<context>: \`<name>\` must be <rule> (got <value>)`, where the context says what could not be
 * done ("Cannot create DataStream") and the value is shown by `describeValue`.
 */
import { describeValue } from "./describe-value.ts";
import type { Message } from "./message.ts";

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); it fires a longer one at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A `TypeError` in the grammar above. */
export function refusal(context: string, name: string, rule: string, value: unknown): TypeError {
  return new TypeError(`${context}: \`${name}\` must be ${rule} (got ${describeValue(value)})`);
}

/**
 * Checks that `options` is an object whose every key is known, suggesting the known key a mistyped
 * one differs from only in case.
 *
 * @param name - what the object is called in the message
 * @param kind - what one of its keys is called
 * @throws {TypeError} naming `options`, or the unknown key
 */
export function checkKeys(
  options: unknown,
  known: ReadonlySet<string>,
  context: string,
  name = "options",
  kind = "option",
): asserts options is object {
  if (typeof options !== "object" || options === null) throw refusal(context, name, "an object", options);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = [...known].find((candidate) => candidate.toLowerCase() === key.toLowerCase());
      throw new TypeError(`${context}: unknown ${kind} \`${key}\`${hint ? ` (did you mean \`${hint}\`?)` : ""}`);
    }
  }
}

/**
 * Checks that an option, when given, is a function.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkFunction(name: string, value: unknown, context: string): void {
  if (value !== undefined && typeof value !== "function") throw refusal(context, name, "a function", value);
}

/**
 * Checks that an option, when given, is a string.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkString(name: string, value: unknown, context: string): void {
  if (value !== undefined && typeof value !== "string") throw refusal(context, name, "a string", value);
}

/**
 * Checks that an option, when given, is a positive finite number of `unit`.
 *
 * @throws {TypeError} naming the option, its unit and the bad value
 */
export function checkPositive(name: string, value: unknown, context: string, unit: string): void {
  if (value !== undefined && !isPositive(value)) throw refusal(context, name, `a positive number of ${unit}`, value);
}

/**
 * Checks that an option, when given, is a delay a timer can wait: a positive number of milliseconds up
 * to `MAX_TIMER_MS` (a longer one would not wait: `setTimeout` fires it at once), or `false` when
 * `orFalse` (no timer at all).
 *
 * @throws {TypeError} naming the option, the bound and the bad value
 */
export function checkDelay(name: string, value: unknown, context: string, orFalse = false): void {
  if (value === undefined || (orFalse && value === false) || (isPositive(value) && value <= MAX_TIMER_MS)) return;
  throw refusal(
    context,
    name,
    `a positive number of milliseconds up to ${MAX_TIMER_MS}${orFalse ? ", or false" : ""}`,
    value,
  );
}

/**
 * Checks a `keepAlive` option: a delay (see `checkDelay`) or `false`.
 *
 * @throws {TypeError} naming `keepAlive` and showing the bad value
 */
export function checkKeepAlive(value: unknown, context: string): void {
  checkDelay("keepAlive", value, context, true);
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && value > 0 && value !== Infinity;
}

/**
 * Checks an option that is an instant, when given: milliseconds since the epoch (a finite number) or
 * a valid `Date`.
 *
 * @returns the instant in milliseconds since the epoch, or `undefined` when not given
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkInstant(name: string, value: unknown, context: string): number | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time === "number" && Number.isFinite(time)) return time;
  throw refusal(context, name, "a time: milliseconds since the epoch or a valid Date", value);
}

/**
 * Checks a `request` option: a `Request` or an object with `headers` and, optionally, an `AbortSignal`
 * and a string `url`.
 *
 * @throws {TypeError} naming `request` (or its `signal` or `url`) and showing the bad value
 */
export function checkRequest(request: unknown, context: string): void {
  if (request === undefined) return;
  const headers = (request as { headers?: unknown } | null)?.headers;
  if (typeof request !== "object" || request === null || typeof headers !== "object" || headers === null) {
    throw refusal(context, "request", "a Request or an object with `headers`", request);
  }
  const url = (request as { url?: unknown }).url;
  // Its `lastEventId` query parameter is read: a URL of another type would be ignored unseen.
  if (url !== undefined && typeof url !== "string") throw refusal(context, "request.url", "a string", url);
  const signal = (request as { signal?: unknown }).signal;
  if (signal !== undefined && signal !== null) {
    const s = signal as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
    // Without removeEventListener, the stream could not take its listener off a signal that outlives it.
    if (
      typeof s.aborted !== "boolean" ||
      typeof s.addEventListener !== "function" ||
      typeof s.removeEventListener !== "function"
    ) {
      throw refusal(context, "request.signal", "an AbortSignal", signal);
    }
  }
}

/** What a stream or a channel calls on each item of an event map: it checks the item and returns its `Message`. */
export type ParseItem = (item: unknown) => Message;

/**
 * Checks an `events` option (a `defineEvents` result) and returns the function that checks one item
 * with it, or `undefined` without a map. Only the map's `parse` is called, so the core never loads
 * typed events itself. `serialize` cannot go with it: the map decides how each event's data is written.
 *
 * @throws {TypeError} naming `events` and showing the bad value, or refusing `serialize` beside it
 */
export function checkEvents(events: unknown, serialize: unknown, context: string): ParseItem | undefined {
  if (events === undefined) return undefined;
  const parse = typeof events === "object" && events !== null ? (events as { parse?: unknown }).parse : undefined;
  if (typeof parse !== "function") throw refusal(context, "events", "an event map made by defineEvents()", events);
  if (serialize !== undefined) {
    throw new TypeError(
      `${context}: \`serialize\` cannot go with \`events\`: the event map decides how each event's data is written`,
    );
  }
  return (item) => parse.call(events, item) as Message;
}

/** Tells whether a value is an object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
