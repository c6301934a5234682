import type { ChannelOptions, ChannelStreamOptions, ChannelsOptions, DrainOptions } from "./types.ts";
import { ChannelMetrics } from "./channel-metrics.ts";
import { checkHistoryLimits } from "./event-history.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import { assertRetry } from "../core/fields.ts";
import { describeValue } from "../core/describe-value.ts";
import {
  checkDelay,
  checkFunction,
  checkInstant,
  checkKeepAlive,
  checkKeys,
  checkPositive,
  checkRequest,
  checkString,
  refusal,
} from "../core/check.ts";

/** Per subscriber, the default number of UTF-16 code units that may wait unread: 1 MiB of ASCII. */
export const DEFAULT_MAX_QUEUE = 1_048_576;

/**
 * The smallest `maxQueue` of a channel or a subscriber, in UTF-16 code units: an event may take half
 * of it and its id a quarter more, so that below this even an event of a few characters with the id
 * a broker gives it could not reach a subscriber.
 */
export const MIN_MAX_QUEUE = 64;

/** How the errors of `new Channel()` start. */
export const CREATE_CHANNEL = "Cannot create Channel";
/** How the errors of `new Channels()` start. */
export const CREATE_CHANNELS = "Cannot create Channels";
/** How the errors of `channel.stream()` and `channel.response()` start. */
export const SUBSCRIBE = "Cannot subscribe";
const CHANNEL_KEYS: ReadonlySet<string> = new Set([
  "broker",
  "history",
  "serialize",
  "events",
  "maxQueue",
  "keepAlive",
  "retry",
  "headers",
  "onJoin",
  "onLeave",
  "onError",
  "eventIds",
  "metrics",
  "maxSubscribers",
  "maxLifetime",
]);
const CHANNELS_KEYS: ReadonlySet<string> = new Set([...CHANNEL_KEYS, "maxSubscribersPerChannel"]);
const STREAM_KEYS: ReadonlySet<string> = new Set([
  "request",
  "lastEventId",
  "filter",
  "maxQueue",
  "keepAlive",
  "retry",
  "headers",
  "expiresAt",
]);
/** Checks a bound on subscribers: a positive integer, when given. */
function checkSubscriberBound(name: string, value: unknown, context: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw refusal(context, name, "a positive integer", value);
  }
}

/**
 * Checks the options of `drain()`.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkDrainOptions(options: DrainOptions, context: string): void {
  checkKeys(options, DRAIN_KEYS, context);
  if (options.retry !== undefined) assertRetry(options.retry, context);
  checkDelay("timeout", options.timeout, context);
}
const DRAIN_KEYS: ReadonlySet<string> = new Set(["retry", "timeout"]);
const BROKER_METHODS = ["publish", "subscribe", "replay"] as const;

/**
 * Checks a channel's options (its headers are checked where they are merged).
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkChannelOptions(options: ChannelOptions<TypedEventsLike | undefined>): void {
  checkKeys(options, CHANNEL_KEYS, CREATE_CHANNEL);
  const { broker } = options;
  if (broker !== undefined) {
    checkBroker("broker", broker, CREATE_CHANNEL);
    checkNoHistory(options, CREATE_CHANNEL);
  }
  checkHistoryLimits(options.history, CREATE_CHANNEL);
  for (const name of ["serialize", "onJoin", "onLeave", "onError"] as const)
    checkFunction(name, options[name], CREATE_CHANNEL);
  checkCommon(options, CREATE_CHANNEL);
}

/**
 * Checks the options of a `Channels` registry: those of every channel it makes, `broker` being a
 * function of the channel's name.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkChannelsOptions(options: ChannelsOptions<TypedEventsLike | undefined>): void {
  checkKeys(options, CHANNELS_KEYS, CREATE_CHANNELS);
  checkSubscriberBound("maxSubscribersPerChannel", options.maxSubscribersPerChannel, CREATE_CHANNELS);
  if (options.broker !== undefined) {
    if (typeof options.broker !== "function") {
      throw new TypeError(
        `${CREATE_CHANNELS}: \`broker\` must be a function that makes the broker of a channel from its name ` +
          `(got ${describeValue(options.broker)})`,
      );
    }
    checkNoHistory(options, CREATE_CHANNELS);
  }
  checkHistoryLimits(options.history, CREATE_CHANNELS);
  for (const name of ["serialize", "onJoin", "onLeave", "onError"] as const)
    checkFunction(name, options[name], CREATE_CHANNELS);
  checkCommon(options, CREATE_CHANNELS);
}

/**
 * Checks that `broker` has the methods of a `ChannelBroker`.
 *
 * @throws {TypeError} naming `name`, showing the value and the methods it lacks
 */
export function checkBroker(name: string, broker: unknown, context: string): void {
  const methods = "publish, subscribe and replay methods";
  if (typeof broker !== "object" || broker === null) {
    throw new TypeError(`${context}: \`${name}\` must have ${methods} (got ${describeValue(broker)})`);
  }
  const missing = BROKER_METHODS.filter((method) => typeof (broker as Record<string, unknown>)[method] !== "function");
  if (missing.length > 0) {
    throw new TypeError(
      `${context}: \`${name}\` must have ${methods} (got ${describeValue(broker)}, missing ${missing.join(", ")})`,
    );
  }
}

function checkNoHistory(
  options: ChannelOptions<TypedEventsLike | undefined> | ChannelsOptions<TypedEventsLike | undefined>,
  context: string,
): void {
  if (options.history !== undefined) {
    throw new TypeError(
      `${context}: \`history\` sets the default broker's bounds; with \`broker\`, bound the history in the broker`,
    );
  }
}

/**
 * Checks one subscriber's options (the filter is checked where it is made, the headers where they are
 * merged).
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function checkStreamOptions(options: ChannelStreamOptions): void {
  checkKeys(options, STREAM_KEYS, SUBSCRIBE);
  checkRequest(options.request, SUBSCRIBE);
  checkString("lastEventId", options.lastEventId, SUBSCRIBE);
  checkInstant("expiresAt", options.expiresAt, SUBSCRIBE);
  checkCommon(options, SUBSCRIBE);
}

function checkCommon(
  options:
    | ChannelOptions<TypedEventsLike | undefined>
    | ChannelsOptions<TypedEventsLike | undefined>
    | ChannelStreamOptions,
  context: string,
): void {
  if ("eventIds" in options) {
    const { eventIds } = options;
    if (
      eventIds !== undefined &&
      (typeof eventIds?.encode !== "function" || typeof (eventIds as { decode?: unknown }).decode !== "function")
    ) {
      throw refusal(context, "eventIds", "an event id codec with encode and decode (createEventIdCodec)", eventIds);
    }
  }
  checkPositive("maxQueue", options.maxQueue, context, "code units");
  if (options.maxQueue !== undefined && options.maxQueue < MIN_MAX_QUEUE) {
    throw refusal(
      context,
      "maxQueue",
      `at least ${MIN_MAX_QUEUE} code units: an event may take half of it, and its id a quarter more`,
      options.maxQueue,
    );
  }
  if ("metrics" in options && options.metrics !== undefined && !(options.metrics instanceof ChannelMetrics)) {
    throw refusal(context, "metrics", "a ChannelMetrics", options.metrics);
  }
  if ("maxSubscribers" in options) checkSubscriberBound("maxSubscribers", options.maxSubscribers, context);
  if ("maxLifetime" in options) checkDelay("maxLifetime", options.maxLifetime, context);
  checkKeepAlive(options.keepAlive, context);
  if (options.retry !== undefined) assertRetry(options.retry, context);
}
