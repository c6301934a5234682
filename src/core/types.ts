import type { Message } from "./message.ts";
import type { Serializer } from "./encode-message.ts";
import type { StreamClosedError } from "./stream-closed-error.ts";

/** Anything with a `get(name)` like `Headers`. */
export interface HeadersLike {
  get(name: string): string | null;
}

/**
 * A `Request`, or any object with `headers` (a `Headers`-like object or a plain record of header
 * values, as Node's `IncomingMessage` has) and, optionally, an `AbortSignal`.
 */
export interface RequestLike {
  readonly headers: HeadersLike | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly signal?: AbortSignal | null | undefined;
}

/** What a producer function gets. */
export interface StreamContext {
  /**
   * Queues one item (push producers only). Returns `false` once the queue is above `highWaterMark`
   * (await `ready`) or the stream has ended. An item that cannot be encoded ends the stream through
   * `onError`.
   */
  send(item: unknown): boolean;
  /** Ends the stream after what was already sent has been written. */
  close(): void;
  /** Aborts when the stream ends for any reason; its `reason` is a `StreamClosedError`. */
  readonly signal: AbortSignal;
  /** The `Last-Event-ID` the client sent (or `options.lastEventId`), if any. */
  readonly lastEventId: string | undefined;
  /**
   * Waits `ms` milliseconds; rejects with `signal.reason` as soon as the stream ends, and with a
   * `TypeError` when `ms` is above 2147483647 (the longest timer delay).
   */
  sleep(ms: number): Promise<void>;
  /** Resolves when the send queue is at or below `highWaterMark`; rejects once the stream has ended. */
  readonly ready: Promise<void>;
  /** Room left in the send queue below `highWaterMark`, in UTF-16 code units (negative when above it). */
  readonly desiredSize: number;
}

/**
 * A function called once, when the stream starts (at the first read of its body), with the stream's
 * context. It returns an (async) iterable or a `ReadableStream` of items (for example, it is an async
 * generator function), or it pushes items with `ctx.send()` and returns a promise (the stream ends
 * when it settles) or nothing (the stream ends at `ctx.close()` or when the client leaves).
 */
export type Producer = (
  ctx: StreamContext,
) => AsyncIterable<unknown> | Iterable<unknown> | ReadableStream<unknown> | PromiseLike<unknown> | void;

/** Where the items of a `DataStream` come from. */
export type Source = AsyncIterable<unknown> | Iterable<unknown> | ReadableStream<unknown> | Producer;

/** Options of a `DataStream`. Unknown keys are a `TypeError`. */
export interface DataStreamOptions {
  /** The incoming request: its `Last-Event-ID` header is read and its `signal` ends the stream. */
  readonly request?: RequestLike | undefined;
  /** The last event id the client saw; wins over the request's header. */
  readonly lastEventId?: string | undefined;
  /**
   * Sends a `: ping` comment after this many idle milliseconds (at most 2147483647, the longest
   * timer delay), or never with `false`.
   * @default 5000
   */
  readonly keepAlive?: number | false | undefined;
  /** Sent first as `retry:`, to set the client's reconnection delay in milliseconds. */
  readonly retry?: number | undefined;
  /**
   * Turns items that are not strings, `Message`s or bytes into data text.
   * @default JSON.stringify
   */
  readonly serialize?: Serializer | undefined;
  /**
   * Called once with the first error of the producer or the serializer. Nothing of the error reaches
   * the client unless this returns a `Message`, which is checked as an item is and sent as the
   * stream's last event. Also called with an invalid returned `Message`'s `TypeError`, and when the
   * producer's cleanup outlasts `cleanupTimeout`.
   * @default logs the error with console.error
   */
  readonly onError?: ((error: unknown) => Message | void) | undefined;
  /**
   * Called once when the stream has ended and the producer has been cleaned up (or `cleanupTimeout`
   * has passed). A body that is never read nor cancelled never starts, so it never ends either.
   */
  readonly onClose?: ((reason: StreamClosedError) => void) | undefined;
  /** Headers for `toResponse()`, over the defaults; every `set-cookie` value is kept. */
  readonly headers?: HeadersInit | undefined;
  /**
   * Push mode: `send()` returns `false` once this many UTF-16 code units of frames wait unread (the
   * length of their text: one per ASCII character).
   * @default 65536
   */
  readonly highWaterMark?: number | undefined;
  /**
   * Push mode: past this many UTF-16 code units of frames unread, the stream closes with reason
   * `"overflow"`. At least `highWaterMark`. A `Channel` calls the same bound `maxQueue`.
   * @default 1048576 (or `highWaterMark`, when that is larger)
   */
  readonly maxQueue?: number | undefined;
  /**
   * The former name of `maxQueue`, taken for one more release; giving both is a `TypeError`.
   * @deprecated Use `maxQueue`.
   */
  readonly bufferLimit?: number | undefined;
  /**
   * Once the stream has ended, how many milliseconds to wait for the producer's cleanup (a
   * generator's `finally`, a `ReadableStream`'s cancel) before `onError` hears that it is stuck and
   * `onClose` is called without it.
   * @default 5000
   */
  readonly cleanupTimeout?: number | undefined;
  /**
   * When the stream ends, in milliseconds since the epoch (`Date.now()` time) or as a `Date`: say,
   * when the token that allowed it expires. Then the client gets an `EXPIRED_EVENT` event, after what
   * was already sent, and the stream closes with reason `"expired"`. A time that has passed when the
   * stream starts sends only that event; one years away works too (the wait is re-armed under the
   * longest timer delay).
   * @default none: the stream does not expire
   */
  readonly expiresAt?: number | Date | undefined;
}
