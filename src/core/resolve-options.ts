import type { DataStreamOptions, RequestLike } from "./types.ts";
import type { Serializer } from "./encode-message.ts";
import type { Message } from "./message.ts";
import type { StreamClosedError } from "./stream-closed-error.ts";
import { assertRetry } from "./fields.ts";
import { describeValue } from "./describe-value.ts";
import { mergeHeaderSet, type HeaderSet } from "./default-headers.ts";
import { MAX_TIMER_MS } from "./abortable-sleep.ts";
import { readLastEventId } from "./last-event-id.ts";
import { checkOptionKeys } from "./check-option-keys.ts";

/** Options with their defaults applied, checked once when the stream is made. */
export interface ResolvedOptions {
  readonly request: RequestLike | undefined;
  readonly lastEventId: string | undefined;
  readonly keepAlive: number | false;
  readonly retry: number | undefined;
  readonly serialize: Serializer;
  readonly onError: (error: unknown) => Message | void;
  readonly onClose: ((reason: StreamClosedError) => void) | undefined;
  readonly headers: HeaderSet;
  readonly highWaterMark: number;
  readonly bufferLimit: number;
  readonly cleanupTimeout: number;
}

const CONTEXT = "Cannot create DataStream";
const KNOWN: ReadonlySet<string> = new Set([
  "request", "lastEventId", "keepAlive", "retry", "serialize", "onError", "onClose", "headers", "highWaterMark", "bufferLimit",
  "cleanupTimeout",
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
export function resolveOptions(options: DataStreamOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  checkOptionKeys(options, KNOWN, CONTEXT);
  const { request, keepAlive, retry, serialize, onError, onClose, highWaterMark, bufferLimit, cleanupTimeout } = options;

  if (request !== undefined) checkRequest(request, CONTEXT);
  let lastEventId = options.lastEventId;
  if (lastEventId === undefined) lastEventId = readLastEventId(request);
  else if (typeof lastEventId !== "string") {
    throw new TypeError(`${CONTEXT}: \`lastEventId\` must be a string (got ${describeValue(lastEventId)})`);
  }

  // A longer delay would not wait: setTimeout fires it at once.
  for (const [name, value, orFalse] of [["keepAlive", keepAlive, ", or false"], ["cleanupTimeout", cleanupTimeout, ""]] as const) {
    if (value !== undefined && !(orFalse && value === false) && !(isPositiveFinite(value) && value <= MAX_TIMER_MS)) {
      throw new TypeError(
        `${CONTEXT}: \`${name}\` must be a positive number of milliseconds up to ${MAX_TIMER_MS}${orFalse} (got ${describeValue(value)})`,
      );
    }
  }
  if (retry !== undefined) assertRetry(retry, CONTEXT);
  for (const [name, value] of [["serialize", serialize], ["onError", onError], ["onClose", onClose]] as const) {
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(`${CONTEXT}: \`${name}\` must be a function (got ${describeValue(value)})`);
    }
  }
  const mark = highWaterMark ?? 65_536;
  const limit = bufferLimit ?? Math.max(1_048_576, mark);
  if (!isPositiveFinite(mark)) {
    throw new TypeError(`${CONTEXT}: \`highWaterMark\` must be a positive number (got ${describeValue(highWaterMark)})`);
  }
  if (!isPositiveFinite(limit) || limit < mark) {
    throw new TypeError(`${CONTEXT}: \`bufferLimit\` must be a number >= highWaterMark (${mark}) (got ${describeValue(bufferLimit)})`);
  }
  return {
    request,
    lastEventId,
    keepAlive: keepAlive ?? DEFAULT_KEEP_ALIVE_MS,
    retry,
    serialize: serialize ?? JSON.stringify,
    onError: onError ?? logError,
    onClose,
    headers: mergeHeaderSet(CONTEXT, options.headers),
    highWaterMark: mark,
    bufferLimit: limit,
    cleanupTimeout: cleanupTimeout ?? DEFAULT_CLEANUP_TIMEOUT_MS,
  };
}

function isPositiveFinite(value: unknown): value is number {
  return typeof value === "number" && value > 0 && value !== Infinity;
}

/**
 * Checks a `request` option: a `Request` or an object with `headers` and, optionally, an `AbortSignal`.
 *
 * @throws {TypeError} naming `request` and showing the bad value
 */
export function checkRequest(request: unknown, context: string): void {
  const headers = (request as { headers?: unknown } | null)?.headers;
  if (typeof request !== "object" || request === null || typeof headers !== "object" || headers === null) {
    throw new TypeError(`${context}: \`request\` must be a Request or an object with \`headers\` (got ${describeValue(request)})`);
  }
  const signal = (request as { signal?: unknown }).signal;
  if (signal !== undefined && signal !== null) {
    const s = signal as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
    // Without removeEventListener, the stream could not take its listener off a signal that outlives it.
    if (typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function" || typeof s.removeEventListener !== "function") {
      throw new TypeError(`${context}: \`request.signal\` must be an AbortSignal (got ${describeValue(signal)})`);
    }
  }
}
