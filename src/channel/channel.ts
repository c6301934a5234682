import type { StreamContext, StreamItem } from "../core/types.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import type {
  ChannelBroker,
  ChannelEvent,
  ChannelOptions,
  ChannelStreamOptions,
  DrainOptions,
  SubscriberInfo,
  ReplayResult,
} from "./types.ts";
import type { StreamClosedError } from "../core/stream-closed-error.ts";
import { DataStream } from "../core/data-stream.ts";
import { Message } from "../core/message.ts";
import { SharedFrame } from "../core/shared-frame.ts";
import { mergeHeaderSet, type HeaderSet } from "../core/default-headers.ts";
import { describeValue } from "../core/describe-value.ts";
import { MemoryBroker } from "./memory-broker.ts";
import { LiveFeed } from "./live-feed.ts";
import { replayAgain } from "./replay-again.ts";
import { DEFAULT_RETRY_HINT_MS, retryLater } from "./retry-later.ts";
import { DELIVER, Subscriber, type SubscriberChannel } from "./subscriber.ts";
import { encodeIdForHeader, readResumeId } from "./resume-id.ts";
import { toPredicate } from "./channel-filter.ts";
import {
  checkChannelOptions,
  checkDrainOptions,
  checkStreamOptions,
  CREATE_CHANNEL,
  SUBSCRIBE,
} from "./channel-options.ts";
import { checkKeys, refusal } from "../core/check.ts";
import { PUBLISH, prepareEvent, publishRules, type PublishRules } from "./publishable-event.ts";
import { RESERVED_EVENTS } from "../core/reserved-events.ts";
import { OpaqueIds } from "./opaque-ids.ts";
import { ChannelUse } from "./channel-use.ts";
import { type ChannelMetrics, trackQueue } from "./channel-metrics.ts";
import { type EndPlace, freeWhenCollected, SubscriberCap, takePlaces } from "./subscriber-cap.ts";
import { unavailable } from "./unavailable.ts";

const CLOSE = "Cannot close channel";
const CLOSE_OPTIONS: ReadonlySet<string> = new Set(["end"]);
const DRAIN = "Cannot drain channel";
/** The reconnection delay a drain asks for when its options do not say. */
export const DEFAULT_DRAIN_RETRY_MS = 1_000;
/** The time a drain ends every stream within when its options do not say. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/**
 * Reads a channel's own state for the modules beside it (set once by the class's static block):
 * nothing per channel, where a WeakMap would hold an entry per channel.
 */
let readCaps: (channel: object) => SubscriberCap[];
let readUse: (channel: object) => ChannelUse;
let readHead: (channel: object) => Promise<string | undefined>;

/** The bounds on subscribers `channel` obeys: its own `maxSubscribers`; a `Channels` registry adds its own. */
export function capsOf(channel: object): SubscriberCap[] {
  return readCaps(channel);
}

/** What keeps `channel` in use (see `ChannelUse`), for the `Channels` registry that releases it when nothing does. */
export function useOf(channel: object): ChannelUse {
  return readUse(channel);
}

/**
 * The id (as its clients see it) of the newest event `channel` holds, or `undefined` when it holds
 * none: a stream that joins now and resumes after it later misses nothing published in between.
 *
 * @throws {Error} (as a rejection) when the channel's broker fails to answer
 */
export function headOf(channel: object): Promise<string | undefined> {
  return readHead(channel);
}

/** The information of every subscriber that does not resume, where no join or leave hook sees it. */
const NOBODY: SubscriberInfo = Object.freeze({ lastEventId: undefined, replayedFrom: undefined, request: undefined });

/** How long a new subscriber waits for a live feed that has not started (its broker is down) before it is told to retry. */
const FEED_WAIT_MS = 1_000;

function logError(error: unknown): void {
  console.error("edge-sse: channel error (pass onError to handle this)", error);
}

/** `onError`, made safe to call from anywhere: one that throws is logged, and delivery goes on. */
function reporter(onError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      onError(error);
    } catch (thrown) {
      console.error("edge-sse: the channel's onError threw while reporting", error, thrown);
    }
  };
}

/**
 * Broadcasts events to many clients: `publish` encodes each event once and hands the same bytes to
 * every subscriber; each subscriber's stream first replays what the client missed (from its
 * `Last-Event-ID`), then goes live, with no gap and no duplicate between the two.
 *
 * Events get increasing ids from the broker unless the publisher gives one (a `Message` with an id).
 * A subscriber that stops reading is closed with reason `"overflow"` once `maxQueue` code units wait
 * for it; its browser reconnects and replays, and nobody else waits for it. What would hurt every
 * subscriber is refused at `publish`: an event whose frame is longer than half of `maxQueue`, one
 * named like the gap marker, an empty id (and, by the broker, an id it holds already).
 *
 * @example A room: one route to listen, one to post
 * ```ts
 * import { Channel } from "edge-sse/channel";
 * import { Message } from "edge-sse";
 *
 * const room = new Channel({ history: { maxEvents: 500 } });
 *
 * async function handler(request: Request): Promise<Response> {
 *   if (request.method === "POST") {
 *     const id = await room.publish(Message.json(await request.json()).event("post"));
 *     return Response.json({ id }, { status: 201 });
 *   }
 *   return room.response({ request });
 * }
 *
 * const response = await handler(new Request("http://localhost/room"));
 * const reader = response.body!.getReader();
 * let text = new TextDecoder().decode((await reader.read()).value); // the first bytes: it has joined
 * await handler(new Request("http://localhost/room", { method: "POST", body: '{"text":"hi"}' }));
 * while (!text.includes("event: post")) text += new TextDecoder().decode((await reader.read()).value);
 * console.assert(room.subscriberCount === 1);
 * await reader.cancel();
 * ```
 * @example A typed channel: `publish` takes the map's items, checked once each, before the broker sees them
 * ```ts
 * import { Channel } from "edge-sse/channel";
 * import { defineEvents, type StandardSchemaV1 } from "edge-sse";
 *
 * const text: StandardSchemaV1<string> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => (typeof value === "string" && value !== "" ? { value } : { issues: [{ message: "empty" }] }),
 *   },
 * };
 * const events = defineEvents({ post: text });
 * const room = new Channel({ events });
 * await room.publish({ event: "post", data: "hi" });
 * await room.publish(events.post("again"));
 * const refused = await room.publish({ event: "post", data: "" }).catch((error: unknown) => error);
 * console.assert(refused instanceof TypeError && refused.message.includes('Cannot build event "post"'));
 * ```
 */
export class Channel<Events extends TypedEventsLike | undefined = undefined> {
  readonly #broker: ChannelBroker;
  /** The broker as subscribers replay from it: with opaque ids, each replay's ids are encoded first. */
  readonly #replaying: ChannelBroker;
  /** The channel's opaque ids, when it has `eventIds`. */
  readonly #ids: OpaqueIds | undefined;
  /** How `publish` checks and encodes an item (its event map, `serialize`, `maxQueue`, `eventIds`). */
  readonly #rules: PublishRules;
  readonly #options: ChannelOptions<Events>;
  readonly #maxQueue: number;
  /** The channel's headers over the defaults, checked once; each stream's merge over them. */
  readonly #headers: HeaderSet;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<Subscriber>();
  /** Each event's frame, made once, reused by every subscriber and by replays of the same object. */
  readonly #frames = new WeakMap<ChannelEvent, SharedFrame>();
  /** Events already reported about (too large for a subscriber's queue): reported once, not once per subscriber. */
  readonly #reported = new WeakSet<ChannelEvent>();
  /** What each subscriber uses of this channel. */
  readonly #link: SubscriberChannel;
  /** Live events that came while another was being delivered (a filter that publishes): sent next, in order. */
  readonly #backlog: ChannelEvent[] = [];
  #delivering = false;
  readonly #feed: LiveFeed;
  #closing: Promise<void> | undefined;
  /** Closed with `{ end: true }`: ended for good, so reconnecting clients get 204. */
  #ended = false;
  readonly #use = new ChannelUse();
  readonly #metrics: ChannelMetrics | undefined;
  readonly #caps: SubscriberCap[] = [];
  /** Set once `drain()` is called: the reconnection delay it asks for. */
  #drainRetry: number | undefined;
  #draining: Promise<void> | undefined;

  /**
   * @param options - see `ChannelOptions`
   * @throws {TypeError} when an option is invalid, or a broker that answers synchronously gives no function to unsubscribe
   */
  constructor(options: ChannelOptions<Events> = {}) {
    checkChannelOptions(options);
    this.#rules = publishRules(options, CREATE_CHANNEL);
    this.#options = options;
    this.#broker = options.broker ?? new MemoryBroker({ history: options.history });
    this.#maxQueue = this.#rules.maxQueue;
    this.#headers = mergeHeaderSet(CREATE_CHANNEL, "headers", options.headers);
    this.#onError = reporter(options.onError ?? logError);
    this.#metrics = options.metrics;
    if (options.maxSubscribers !== undefined) {
      this.#caps.push(new SubscriberCap(options.maxSubscribers, "the channel has", "maxSubscribers"));
    }
    this.#ids = options.eventIds === undefined ? undefined : new OpaqueIds(options.eventIds, this.#onError);
    this.#replaying = this.#ids?.replaying(this.#broker) ?? this.#broker;
    this.#link = {
      broker: this.#replaying,
      frame: (event) => this.#frame(event),
      wireId: (event) => (this.#ids === undefined ? event.id : this.#ids.wireId(event)),
      report: this.#onError,
      reportOnce: (event, error) => {
        if (this.#reported.has(event)) return;
        this.#reported.add(event);
        this.#onError(error);
      },
      metrics: this.#metrics,
    };
    const ids = this.#ids;
    const deliver = (event: ChannelEvent): void => this.#deliver(event);
    this.#feed = new LiveFeed(
      this.#broker,
      ids === undefined ? deliver : (event) => ids.deliverEncoded(event, deliver),
      this.#onError,
    );
  }

  static {
    readCaps = (channel) => (channel as Channel).#caps;
    readUse = (channel) => (channel as Channel).#use;
    readHead = (channel) => (channel as Channel).#head();
  }

  /**
   * Resolves once the broker's live feed has started. While the broker cannot subscribe (say, Redis
   * is down), each failure goes to `onError` and the channel tries again, after 100 ms doubling up
   * to 5 s, so `ready` waits for the broker to come back. Rejects with a `TypeError` only when the
   * channel is closed first, or when the broker's `subscribe()` gives no function to unsubscribe.
   */
  get ready(): Promise<void> {
    return this.#feed.ready;
  }

  /** How many subscribers of this process have a running stream. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * Publishes one item to every subscriber (of every process, with a shared broker). Items are
   * encoded as `DataStream` items are: a string, a `Message` (its `id`, if set, is the event's id),
   * bytes, or a value for `serialize`. With `events`, an item is one of the map's (`StreamItem`),
   * checked once here, whatever the number of subscribers: one the map refuses rejects the promise
   * with its `TypeError`, and nothing is stored or sent.
   *
   * The event goes to the broker at once, even while the channel's live feed is still starting: if
   * the broker cannot take it, the promise rejects with the broker's error (the Redis broker's says
   * that Redis is not connected, within `offlineTimeout`).
   *
   * @returns the event's id
   * @throws {TypeError} (as a rejection) when the item cannot be encoded or the event map refuses it, its id is empty, its event
   *   name is `GAP_EVENT`, its frame is longer than half of `maxQueue`, the broker refuses it (an id
   *   it holds already, for one), or the channel is closed
   * @throws {Error} (as a rejection) when the broker fails to store the event
   * @example
   * ```ts
   * import { Channel } from "edge-sse/channel";
   *
   * const channel = new Channel();
   * const first = await channel.publish({ n: 1 });
   * const second = await channel.publish("two");
   * console.assert(first !== second);
   * ```
   */
  publish(item: StreamItem<Events>): Promise<string> {
    try {
      if (this.#closing !== undefined) throw new TypeError(`${PUBLISH}: the channel is closed`);
      const { init, encodable } = prepareEvent(item, this.#rules);
      const end = this.#use.hold();
      try {
        const published =
          encodable === undefined
            ? Promise.resolve(this.#broker.publish(init))
            : encodable.then(() => this.#broker.publish(init));
        published.then(end, end);
        return published;
      } catch (error) {
        end();
        throw error;
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The stream of one subscriber. Settles once the replay is known, so that the response can say
   * where it started: header `last-event-id` is the id replayed after, or `earliest` after a gap
   * (see `GAP_EVENT`); without a `Last-Event-ID` there is no replay and no such header. The id in
   * that header is percent-encoded as `encodeURIComponent` does (`decodeURIComponent` reads it back;
   * ids like `"1700000000000-0"` are unchanged), with a lone surrogate written as U+FFFD: whatever a
   * client sends, the header stays valid.
   *
   * When the broker is down, the stream still answers (status 200): a replay that fails is asked for
   * twice more (after 100 and 200 ms), and a live feed that has not started is waited for up to 1 s;
   * if that is not enough, the stream only sends `retry: <ms>` (the stream's `retry`, else 3000) and
   * ends, so the client reconnects with the same `Last-Event-ID` and misses nothing. The failure
   * goes to `onError`; `onJoin` and `onLeave` are not called for such a stream.
   *
   * A stream started after `close()` ends at once (`"done"`; after `close({ end: true })`, with the
   * end event first).
   *
   * @throws {TypeError} (as a rejection) when an option is invalid, `maxQueue` is below the
   *   channel's (it could not take every event the channel accepts), or the channel is closed
   * @example Only `alert` events, for one client
   * ```ts
   * import { Channel } from "edge-sse/channel";
   * import { Message } from "edge-sse";
   *
   * const channel = new Channel();
   * const stream = await channel.stream({ filter: "alert", keepAlive: false });
   * const reader = stream.toReadableStream().getReader();
   * await reader.read(); // the first bytes
   * await channel.publish("not for this client");
   * const id = await channel.publish(Message.data("disk full").event("alert"));
   * const text = new TextDecoder().decode((await reader.read()).value);
   * console.assert(text === `event: alert\nid: ${id}\ndata: disk full\n\n`);
   * await channel.close();
   * ```
   */
  async stream(options: ChannelStreamOptions = {}): Promise<DataStream> {
    const refused = this.#refusal();
    if (refused !== undefined) {
      if (this.#metrics !== undefined) this.#metrics.refused++;
      throw new TypeError(`${SUBSCRIBE}: ${refused}; retry later`);
    }
    const place = takePlaces(this.#caps);
    const end = this.#use.hold();
    try {
      return await this.#subscribe(options, end, place);
    } catch (error) {
      end();
      place?.();
      throw error;
    }
  }

  /** Why a new subscriber is turned away now (a drain, or `maxSubscribers`); `undefined` when it is not. */
  #refusal(): string | undefined {
    if (this.#drainRetry !== undefined) return "the channel is draining";
    for (const cap of this.#caps) {
      const refusal = cap.refusal;
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }

  /**
   * `stream()`, holding the channel in use until `end` is called and a place among `maxSubscribers`
   * until `place` is: when the stream ends, or is not made.
   */
  async #subscribe(options: ChannelStreamOptions, end: () => void, place: EndPlace | undefined): Promise<DataStream> {
    checkStreamOptions(options);
    if (options.maxQueue !== undefined && options.maxQueue < this.#maxQueue) {
      throw new TypeError(
        `${SUBSCRIBE}: \`maxQueue\` must not be below the channel's (${this.#maxQueue}), whose events may ` +
          `take half of that (got ${describeValue(options.maxQueue)})`,
      );
    }
    const accepts = toPredicate(options.filter, SUBSCRIBE);
    const request = options.request;
    const lastEventId = options.lastEventId ?? readResumeId(request);
    // With opaque ids, the id the client sent is decoded: one that does not decode resumes nowhere (a gap).
    const resumeAfter =
      lastEventId === undefined || this.#ids === undefined ? lastEventId : await this.#ids.resumeAfter(lastEventId);
    const headers = mergeHeaderSet(SUBSCRIBE, "headers", this.#headers, options.headers);
    const retry = options.retry ?? this.#options.retry;
    const live = this.#feed.live || (await this.#waitForFeed());
    const earlier =
      live && resumeAfter !== undefined ? await this.#replay(resumeAfter, request?.signal ?? undefined) : undefined;
    if (this.#closing !== undefined) throw new TypeError(`${SUBSCRIBE}: the channel is closed`);
    if (!live || earlier === null) {
      end();
      place?.();
      return retryLater(retry ?? DEFAULT_RETRY_HINT_MS, headers);
    }
    const { onJoin, onLeave } = this.#options;
    const unseen = onJoin === undefined && onLeave === undefined;
    // Only the join and leave hooks see it: without them, the stream keeps no more of the request than its
    // signal, and a subscriber that does not resume shares one empty record.
    const info: SubscriberInfo =
      unseen && lastEventId === undefined
        ? NOBODY
        : {
            lastEventId,
            replayedFrom: earlier === undefined ? undefined : earlier.found ? lastEventId : "earliest",
            request: unseen ? undefined : request,
          };
    if (earlier !== undefined && this.#metrics !== undefined) this.#metrics.replays++;
    const maxQueue = options.maxQueue ?? this.#maxQueue;
    const subscriber = new Subscriber(this.#link, { info, resumeAfter, filter: accepts, maxQueue, replay: earlier });
    // Until the stream ends; or, should it be dropped unread (it would never end), until it is collected.
    const held = this.#use.holdWhileReachable(subscriber);
    let release = held;
    if (place !== undefined) {
      freeWhenCollected(subscriber, place);
      release = () => {
        held();
        place();
      };
    }
    end(); // The stream's own hold takes over.
    try {
      return this.#subscriberStream(subscriber, options, headers, retry, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The stream of a subscriber just set up; `release` ends its hold on the channel when the stream ends. */
  #subscriberStream(
    subscriber: Subscriber,
    options: ChannelStreamOptions,
    headers: HeaderSet,
    retry: number | undefined,
    release: () => void,
  ): DataStream {
    const { info } = subscriber;
    const maxQueue = options.maxQueue ?? this.#maxQueue;
    return new DataStream((ctx) => this.#join(subscriber, ctx, maxQueue / 4), {
      request: options.request,
      lastEventId: info.lastEventId,
      keepAlive: options.keepAlive ?? this.#options.keepAlive,
      retry,
      headers:
        info.replayedFrom === undefined
          ? headers
          : mergeHeaderSet(SUBSCRIBE, "headers", headers, { "last-event-id": encodeIdForHeader(info.replayedFrom) }),
      // Paces replays (see Subscriber); live sends do not wait, and only `maxQueue` stops them.
      highWaterMark: maxQueue / 4,
      maxQueue,
      expiresAt: options.expiresAt,
      onClose: (reason) => {
        this.#leave(subscriber, reason);
        release();
      },
    });
  }

  /**
   * Same as `(await channel.stream(options)).toResponse()`, except after `close({ end: true })`:
   * then it answers 204 No Content, which tells `EventSource` and `subscribe` not to reconnect.
   *
   * @example
   * ```ts
   * import { Channel } from "edge-sse/channel";
   *
   * const channel = new Channel();
   * const response = await channel.response({ request: new Request("http://localhost/?lastEventId=x") });
   * console.assert(response.headers.get("last-event-id") === "earliest");
   * await response.body!.cancel();
   * ```
   */
  async response(options: ChannelStreamOptions = {}): Promise<Response> {
    if (this.#ended) {
      checkStreamOptions(options);
      // [spec] 204 No Content: the client must not reconnect.
      return new Response(null, { status: 204 });
    }
    const refused = this.#refusal();
    if (refused !== undefined) {
      checkStreamOptions(options);
      if (this.#metrics !== undefined) this.#metrics.refused++;
      // Draining: 200 with only a retry hint, which EventSource follows (a 503 would end it for good).
      if (this.#drainRetry !== undefined) return retryLater(this.#drainRetry, this.#headers, refused).toResponse();
      return unavailable(refused, options.retry ?? this.#options.retry ?? DEFAULT_RETRY_HINT_MS);
    }
    return (await this.stream(options)).toResponse();
  }

  /**
   * Ends every subscriber's stream (reason `"done"`) and stops the broker's live feed. Publishing
   * or subscribing afterwards is a `TypeError`. It does not wait for a broker that is down: a feed
   * still trying to start stops trying, and is ended as soon as an attempt on its way succeeds.
   *
   * With `{ end: true }` the channel ends for good: every subscriber gets the end event (`END_EVENT`)
   * after what was sent to it, so that clients that obey it do not reconnect, and `response()` answers
   * the ones that reconnect anyway with 204. The first call decides; later calls return its promise.
   *
   * @param options - `end`: whether to end every stream for good
   * @throws {TypeError} when `options` is not `{ end?: boolean }`
   *
   * @example
   * ```ts
   * import { Channel } from "edge-sse/channel";
   *
   * const channel = new Channel();
   * await channel.close();
   * const refused = await channel.publish("late").then(() => false, (error) => error instanceof TypeError);
   * console.assert(refused);
   * ```
   */
  close(options: { readonly end?: boolean } = {}): Promise<void> {
    checkKeys(options, CLOSE_OPTIONS, CLOSE);
    const end = options.end ?? false;
    if (typeof end !== "boolean") throw refusal(CLOSE, "end", "a boolean", end);
    if (this.#closing !== undefined) return this.#closing;
    this.#ended = end;
    for (const subscriber of this.#subscribers) subscriber.close(end);
    this.#closing = this.#feed.stop();
    return this.#closing;
  }

  /**
   * Ends every subscriber's stream within `timeout`, for a deploy or a SIGTERM, losing nothing: each
   * subscriber is sent `retry: <retry>` at once, then its stream ends (reason `"done"`) at a random
   * time within `timeout`, after what was sent to it, so that its client reconnects soon, to another
   * instance, and resumes there from its `Last-Event-ID`. From the call on, new subscribers are
   * turned away: `response()` answers 200 with only `retry: <retry>` and ends (an `EventSource`
   * reconnects after it, where a 503 would end it for good), and `stream()` rejects with a
   * `TypeError`. Once every stream has ended, the channel is closed (see `close()`). Later calls
   * return the first call's promise.
   *
   * @throws {TypeError} when an option is invalid
   * @example
   * ```ts
   * import { Channel } from "edge-sse/channel";
   *
   * const channel = new Channel();
   * const reader = (await channel.response({ keepAlive: false })).body!.getReader();
   * await reader.read(); // the first bytes: it has joined
   * await channel.drain({ retry: 500, timeout: 100 });
   * const late = await channel.response();
   * console.assert(late.status === 200 && (await late.text()).includes("retry: 500"));
   * let text = "";
   * for (let read = await reader.read(); !read.done; read = await reader.read()) text += new TextDecoder().decode(read.value);
   * console.assert(text.endsWith("retry: 500\n\n"));
   * ```
   */
  drain(options: DrainOptions = {}): Promise<void> {
    checkDrainOptions(options, DRAIN);
    if (this.#draining !== undefined) return this.#draining;
    const retry = options.retry ?? DEFAULT_DRAIN_RETRY_MS;
    const timeout = options.timeout ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.#drainRetry = retry;
    const ends = [...this.#subscribers].map((subscriber) => {
      subscriber.hint(retry);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          subscriber.close();
          resolve();
        }, Math.random() * timeout),
      );
    });
    this.#draining = Promise.all(ends).then(() => this.close());
    return this.#draining;
  }

  /** The wire id of the newest event held; `undefined` when none (the empty id is never held: every event is replayed). */
  async #head(): Promise<string | undefined> {
    const broker = this.#broker;
    const newest =
      typeof broker.newest === "function" ? await broker.newest() : (await broker.replay("")).events.at(-1);
    if (newest === undefined) return undefined;
    await this.#ids?.encode([newest]); // only the newest id needs its opaque form
    return this.#link.wireId(newest);
  }

  /** Whether the live feed starts within `FEED_WAIT_MS`; rejects only when the broker is broken. */
  async #waitForFeed(): Promise<boolean> {
    try {
      return await this.#feed.whenLive(FEED_WAIT_MS);
    } catch (error) {
      if (this.#closing === undefined) throw error;
      return false;
    }
  }

  /** The events after `afterId`, asked for up to three times; `null` (reported) when the broker kept failing. */
  async #replay(afterId: string, signal: AbortSignal | undefined): Promise<ReplayResult | null> {
    try {
      return await this.#replaying.replay(afterId);
    } catch (error) {
      try {
        return await replayAgain(this.#replaying, afterId, error, signal);
      } catch (failure) {
        this.#onError(failure);
        return null;
      }
    }
  }

  /**
   * A live event from the broker. One published from inside a delivery (by a filter, or an
   * `onError` it made) waits until that delivery is done, so that every subscriber gets the events
   * in the broker's order, as replays have them.
   */
  #deliver(event: ChannelEvent): void {
    if (this.#delivering) {
      this.#backlog.push(event);
      return;
    }
    this.#delivering = true;
    try {
      for (let next: ChannelEvent | undefined = event; next !== undefined; next = this.#backlog.shift()) {
        this.#fanOut(next);
      }
    } finally {
      this.#delivering = false;
    }
  }

  /** Sends one live event to every subscriber: one frame for all. */
  #fanOut(event: ChannelEvent): void {
    if (this.#subscribers.size === 0) return;
    const frame = this.#frame(event);
    if (frame === undefined) return;
    for (const subscriber of this.#subscribers) subscriber.offer(event, frame);
  }

  /**
   * Registers a subscriber at its stream's start; with an id to resume after, it catches up, then
   * goes live. A stream made before `close()` and started after it ends at once, without joining.
   */
  #join(subscriber: Subscriber, ctx: StreamContext, highWaterMark: number): void {
    if (this.#closing !== undefined) return this.#ended ? ctx.end() : ctx.close();
    if (this.#drainRetry !== undefined) {
      // Made before the drain, started during it: told to come back elsewhere, at once.
      ctx.send(new Message({ retry: this.#drainRetry }));
      return ctx.close();
    }
    this.#subscribers.add(subscriber);
    const metrics = this.#metrics;
    if (metrics !== undefined) {
      metrics.open++;
      metrics.opened++;
      const untrack = trackQueue(metrics, () => highWaterMark - ctx.desiredSize);
      ctx.signal.addEventListener("abort", untrack, { once: true });
    }
    subscriber.start(ctx);
    const lifetime = this.#options.maxLifetime;
    if (lifetime !== undefined) {
      // Ends between nine tenths of the lifetime and all of it; the sleep stops when the stream ends first.
      ctx.sleep(lifetime * (0.9 + Math.random() * 0.1)).then(
        () => ctx.close(),
        () => {},
      );
    }
    try {
      this.#options.onJoin?.(subscriber.info);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * The event's frame, validated and made once; `undefined` (reported) for an invalid event. The
   * event is frozen here, before any filter sees it.
   */
  #frame(event: ChannelEvent): SharedFrame | undefined {
    let frame = this.#frames.get(event);
    if (frame !== undefined) return frame;
    try {
      Object.freeze(event);
      const { id, event: type, data, comment, retry } = event;
      if (typeof id !== "string" || id === "") {
        throw new TypeError(`${DELIVER}: the broker gave an event without an id (got ${describeValue(id)})`);
      }
      const reserved = type === undefined ? undefined : RESERVED_EVENTS.get(type);
      if (reserved !== undefined) {
        throw new TypeError(
          `${DELIVER} ${describeValue(id)}: its name is the ${reserved}'s ("${type}"), which no one may publish`,
        );
      }
      const wireId = this.#ids === undefined ? id : this.#ids.wireId(event);
      if (wireId === undefined) return undefined; // its id could not be made opaque, which was reported
      frame = new SharedFrame(new Message({ id: wireId, event: type, data, comment, retry }).toString());
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
    this.#frames.set(event, frame);
    return frame;
  }

  /** A subscriber's stream has ended: it leaves, if it had joined. */
  #leave(subscriber: Subscriber, reason: StreamClosedError): void {
    if (!this.#subscribers.delete(subscriber)) return;
    if (this.#metrics !== undefined) {
      this.#metrics.open--;
      this.#metrics.closed[reason.type]++;
    }
    try {
      this.#options.onLeave?.(subscriber.info, reason);
    } catch (error) {
      this.#onError(error);
    }
  }
}
