import type { ChannelOptions, ChannelStreamOptions } from "./types.ts";
import { assertRetry } from "../core/fields.ts";
import { describeValue } from "../core/describe-value.ts";
import { mergeHeaders } from "../core/default-headers.ts";
import { checkOptionKeys } from "../core/check-option-keys.ts";
import { checkRequest } from "../core/resolve-options.ts";

/** Per subscriber, the default number of UTF-16 code units that may wait unread: 1 MiB of ASCII. */
export const DEFAULT_MAX_QUEUE = 1_048_576;

const CHANNEL = "Cannot create Channel";
const STREAM = "Cannot subscribe";
const CHANNEL_KEYS: ReadonlySet<string> = new Set([
  "broker", "history", "serialize", "maxQueue", "keepAlive", "retry", "headers", "onJoin", "onLeave", "onError",
]);
const STREAM_KEYS: ReadonlySet<string> = new Set([
  "request", "lastEventId", "filter", "maxQueue", "keepAlive", "retry", "headers",
]);

/**
 * Checks a channel's options.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkChannelOptions(options: ChannelOptions): void {
  checkOptionKeys(options, CHANNEL_KEYS, CHANNEL);
  const { broker } = options;
  if (broker !== undefined) {
    const methods = broker as unknown as Record<string, unknown>;
    const missing = ["publish", "subscribe", "replay"].filter((name) => typeof methods?.[name] !== "function");
    if (typeof broker !== "object" || broker === null || missing.length > 0) {
      throw new TypeError(
        `${CHANNEL}: \`broker\` must have publish, subscribe and replay methods (got ${describeValue(broker)}${missing.length > 0 && typeof broker === "object" && broker !== null ? `, missing ${missing.join(", ")}` : ""})`,
      );
    }
    if (options.history !== undefined) {
      throw new TypeError(`${CHANNEL}: \`history\` sets the default broker's bounds; with \`broker\`, bound the history in the broker`);
    }
  }
  for (const name of ["serialize", "onJoin", "onLeave", "onError"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(`${CHANNEL}: \`${name}\` must be a function (got ${describeValue(value)})`);
    }
  }
  checkCommon(options, CHANNEL);
  mergeHeaders(CHANNEL, options.headers);
}

/**
 * Checks one subscriber's options (the filter is checked where it is made).
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkStreamOptions(options: ChannelStreamOptions): void {
  checkOptionKeys(options, STREAM_KEYS, STREAM);
  const { lastEventId, request } = options;
  if (request !== undefined) checkRequest(request, STREAM);
  if (lastEventId !== undefined && typeof lastEventId !== "string") {
    throw new TypeError(`${STREAM}: \`lastEventId\` must be a string (got ${describeValue(lastEventId)})`);
  }
  checkCommon(options, STREAM);
}

function checkCommon(options: ChannelOptions | ChannelStreamOptions, context: string): void {
  const { maxQueue, keepAlive, retry } = options;
  if (maxQueue !== undefined && !(typeof maxQueue === "number" && maxQueue > 0 && maxQueue !== Infinity)) {
    throw new TypeError(`${context}: \`maxQueue\` must be a positive number of code units (got ${describeValue(maxQueue)})`);
  }
  if (keepAlive !== undefined && keepAlive !== false && !(typeof keepAlive === "number" && keepAlive > 0 && keepAlive !== Infinity)) {
    throw new TypeError(`${context}: \`keepAlive\` must be a positive number of milliseconds or false (got ${describeValue(keepAlive)})`);
  }
  if (retry !== undefined) assertRetry(retry, context);
}
