import type { Message } from "./message.ts";
import type { Serializer } from "./encode-message.ts";
import type { StreamClosedError } from "./stream-closed-error.ts";
import type { EventItem, TypedEventsLike } from "../events/event-types.ts";

/** Anything with a `get(name)` like `Headers`. */
export interface HeadersLike {
  get(name: string): string | null;
}

/**
 * A `Request`, or any object with `headers` (a `Headers`-like object or a plain record of header
 * values, as Node's `IncomingMessage` has) and, optionally, an `AbortSignal` and a `url` (a whole URL,
 * or a path with its query, as `IncomingMessage` has), whose `lastEventId` query parameter is read
 * when there is no `Last-Event-ID` header.
 */
export interface RequestLike {
  readonly headers: HeadersLike | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly signal?: AbortSignal | null | undefined;
  readonly url?: string | undefined;
}

/**
 * The items of a stream: anything `encodeMessage` encodes, or, with an event map (`events`), the
 * map's items (`EventItem`: `{ event, data, id?, retry?, comment? }` or a `Message` of its builders).
 */
export type StreamItem<Events extends TypedEventsLike | undefined> = [Events] extends [TypedEventsLike]
  ? EventItem<Events>
  : unknown;

/** What a producer function gets; `Item` is what it may send (see `StreamItem`). */
export interface StreamContext<Item = unknown> {
  /**
   * Queues one item (push producers only). Returns `false` once the queue is above `highWaterMark`
   * (await `ready`) or the stream has ended. An item that cannot be encoded, or that the stream's
   * event map refuses, ends the stream through `onError` (and `false` is returned).
   */
  send(item: Item): boolean;
  /** Ends the stream after what was already sent has been written. */
  close(): void;
  /**
   * Ends the stream for good: writes what was already sent, then the end event (`END_EVENT`), then
   * ends it. Clients that obey the end event (`subscribe`, or an `EventSource` page with one line) do
   * not reconnect, so a finite source is not run again.
   */
  end(): void;
  /** Aborts when the stream ends for any reason; its `reason` is a `StreamClosedError`. */
  readonly signal: AbortSignal;
  /**
   * The last event id the client sent, if any: its `Last-Event-ID` header, or without one its URL's
   * `lastEventId` query parameter (or `options.lastEventId`). Not checked: treat it as input.
   */
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
export type Producer<Item = unknown> = (
  ctx: StreamContext<Item>,
) => AsyncIterable<Item> | Iterable<Item> | ReadableStream<Item> | PromiseLike<unknown> | void;

/** Where the items of a `DataStream` come from; `Item` is what they may be (see `StreamItem`). */
export type Source<Item = unknown> = AsyncIterable<Item> | Iterable<Item> | ReadableStream<Item> | Producer<Item>;

/**
 * Options of a `DataStream`; `Events` is the type of its event map, when it has one. Unknown keys
 * are a `TypeError`.
 */
export interface DataStreamOptions<Events extends TypedEventsLike | undefined = undefined> {
  /**
   * The incoming request: its `Last-Event-ID` header (or, without one, its URL's `lastEventId` query
   * parameter) becomes `ctx.lastEventId`, and its `signal` ends the stream.
   */
  readonly request?: RequestLike | undefined;
  /** The last event id the client saw; wins over the request's header and query parameter. */
  readonly lastEventId?: string | undefined;
  /**
   * Sends a `: ping` comment after this many idle milliseconds (at most 2147483647, the longest
   * timer delay), or never with `false`.
   * @default 5000
   */
  readonly keepAlive?: number | false | undefined;
  /**
   * Whether the stream is finite: when it ends normally (the source runs out, the producer's promise
   * settles, or `ctx.close()`), the end event (`END_EVENT`) is written last, so that clients that
   * obey it do not reconnect and re-run the source (an answer that is complete). Not after an error,
   * nor on overflow: the client may come back for those.
   * @default false
   */
  readonly finite?: boolean | undefined;
  /** Sent first as `retry:`, to set the client's reconnection delay in milliseconds. */
  readonly retry?: number | undefined;
  /**
   * Turns items that are not strings, `Message`s or bytes into data text. Not with `events`, whose
   * map decides how each event's data is written.
   * @default JSON.stringify
   */
  readonly serialize?: ([Events] extends [TypedEventsLike] ? never : Serializer) | undefined;
  /**
   * An event map (what `defineEvents` returns): the stream's items are then typed by it
   * (`StreamItem`), and each is checked by it (`events.parse`) before it is written. An item it
   * refuses (an event not in the map, data that does not match, a `Message` its builders did not
   * make) ends the stream as a serializer error does: its `TypeError` goes to `onError`, and
   * nothing of the item reaches the client.
   */
  readonly events?: Events;
  /**
   * Called once with the first error of the producer, the serializer or the event map. Nothing of
   * the error reaches the client unless this returns a `Message`, which is checked as an item is
   * (with `events`, by the map) and sent as the stream's last event. Also called with an invalid
   * returned `Message`'s `TypeError`, and when the producer's cleanup outlasts `cleanupTimeout`.
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
