import type { DataStreamOptions } from "./types.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import { encodeMessage, type Serializer } from "./encode-message.ts";
import type { Message } from "./message.ts";
import type { StreamClosedError } from "./stream-closed-error.ts";
import { assertRetry } from "./fields.ts";
import { describeValue } from "./describe-value.ts";
import { mergeHeaderSet, type HeaderSet } from "./default-headers.ts";
import { readLastEventId } from "./last-event-id.ts";
import {
  checkDelay,
  checkEvents,
  checkFunction,
  checkKeepAlive,
  checkKeys,
  checkPositive,
  checkRequest,
  checkInstant,
  checkString,
  refusal,
} from "./check.ts";

/**
 * Options with their defaults applied, checked once when the stream is made: the settings, which
 * streams given the same (none, or only a request) share. What is each stream's own, the request's
 * signal and the id it resumes after, the stream keeps itself (`streamSignal`, `streamLastEventId`).
 */
export interface ResolvedOptions {
  readonly keepAlive: number | false;
  readonly retry: number | undefined;
  readonly finite: boolean;
  /** Turns a relayed event's non-string data into text. */
  readonly serialize: Serializer;
  /** Turns one item into its frame text: by `serialize`, or checked by the event map (`events`) first. */
  readonly encode: (item: unknown) => string;
  readonly onError: (error: unknown) => Message | void;
  readonly onClose: ((reason: StreamClosedError) => void) | undefined;
  readonly headers: HeaderSet;
  readonly highWaterMark: number;
  readonly maxQueue: number;
  readonly cleanupTimeout: number;
  readonly expiresAt: number | undefined;
}

/** How the errors of `new DataStream()` start. */
export const CREATE_DATA_STREAM = "Cannot create DataStream";
const CONTEXT = CREATE_DATA_STREAM;
const KNOWN: ReadonlySet<string> = new Set([
  "request",
  "lastEventId",
  "keepAlive",
  "retry",
  "finite",
  "serialize",
  "events",
  "onError",
  "onClose",
  "headers",
  "highWaterMark",
  "maxQueue",
  "bufferLimit",
  "cleanupTimeout",
  "expiresAt",
]);

/** Default keep-alive: below Bun.serve's 10 s idle timeout and Cloudflare's 100 s. */
export const DEFAULT_KEEP_ALIVE_MS = 5_000;

/** Default bound on the wait for a producer's cleanup once its stream has ended. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 5_000;

function logError(error: unknown): void {
  console.error("edge-sse: a DataStream's producer failed and its stream closed (pass onError to handle this)", error);
}

/**
 * Checks every option and applies defaults.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function resolveOptions(options: DataStreamOptions<TypedEventsLike | undefined> | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  checkKeys(options, KNOWN, CONTEXT);
  const { request, lastEventId, keepAlive, retry, finite, serialize, onError, onClose, highWaterMark, cleanupTimeout } =
    options;
  checkRequest(request, CONTEXT);
  checkString("lastEventId", lastEventId, CONTEXT);
  checkKeepAlive(keepAlive, CONTEXT);
  checkDelay("cleanupTimeout", cleanupTimeout, CONTEXT);
  if (retry !== undefined) assertRetry(retry, CONTEXT);
  if (finite !== undefined && typeof finite !== "boolean") throw refusal(CONTEXT, "finite", "a boolean", finite);
  checkFunction("serialize", serialize, CONTEXT);
  const parse = checkEvents(options.events, serialize, CONTEXT);
  const toText = serialize ?? JSON.stringify;
  checkFunction("onError", onError, CONTEXT);
  checkFunction("onClose", onClose, CONTEXT);
  checkPositive("highWaterMark", highWaterMark, CONTEXT, "code units");
  const mark = highWaterMark ?? 65_536;
  // `bufferLimit` is the deprecated name of `maxQueue`: either, not both.
  const [name, given] =
    options.bufferLimit === undefined ? ["maxQueue", options.maxQueue] : ["bufferLimit", options.bufferLimit];
  if (options.maxQueue !== undefined && options.bufferLimit !== undefined) {
    throw new TypeError(`${CONTEXT}: \`bufferLimit\` is the deprecated name of \`maxQueue\`; give \`maxQueue\` only`);
  }
  const limit = given ?? Math.max(1_048_576, mark);
  if (typeof limit !== "number" || !(limit >= mark) || limit === Infinity) {
    throw new TypeError(
      `${CONTEXT}: \`${name}\` must be a number of code units >= highWaterMark (${mark}) (got ${describeValue(given)})`,
    );
  }
  const defaults = SETTINGS.every((key) => options[key] === undefined);
  if (defaults && shared !== undefined) return shared;
  const resolved: ResolvedOptions = {
    keepAlive: keepAlive ?? DEFAULT_KEEP_ALIVE_MS,
    retry,
    finite: finite === true,
    serialize: toText,
    encode:
      parse !== undefined
        ? (item) => encodeMessage(parse(item))
        : serialize === undefined
          ? encodeMessage // its default serializer is JSON.stringify: no closure per stream
          : (item) => encodeMessage(item, toText),
    onError: onError ?? logError,
    onClose,
    headers: mergeHeaderSet(CONTEXT, "headers", options.headers),
    highWaterMark: mark,
    maxQueue: limit,
    cleanupTimeout: cleanupTimeout ?? DEFAULT_CLEANUP_TIMEOUT_MS,
    expiresAt: checkInstant("expiresAt", options.expiresAt, CONTEXT),
  };
  if (defaults) shared = resolved;
  return resolved;
}

/** The settings of a stream given no options but `request` and `lastEventId`: one object for all of them. */
let shared: ResolvedOptions | undefined;
/** The options that are settings: every known one but `request` and `lastEventId`. */
const SETTINGS = [...KNOWN].filter((key) => key !== "request" && key !== "lastEventId") as ReadonlyArray<
  keyof DataStreamOptions<TypedEventsLike | undefined>
>;

/** The signal of the stream's request (checked by `resolveOptions`): the stream keeps no more of the request. */
export function streamSignal(
  options: DataStreamOptions<TypedEventsLike | undefined> | undefined,
): AbortSignal | undefined {
  return options?.request?.signal ?? undefined;
}

/** The id the stream resumes after: `lastEventId`, else the request's (checked by `resolveOptions`). */
export function streamLastEventId(
  options: DataStreamOptions<TypedEventsLike | undefined> | undefined,
): string | undefined {
  return options?.lastEventId ?? readLastEventId(options?.request);
}
