import type { RequestLike } from "../core/types.ts";
import type { EventFields } from "../core/frame.ts";
import type { Serializer } from "../core/encode-message.ts";
import type { StreamClosedError } from "../core/stream-closed-error.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import type { EventIdCodec } from "../tokens/event-id-codec.ts";
import type { ChannelMetrics } from "./channel-metrics.ts";

/** One event as a channel stores and delivers it. Its `id` is always set. */
export interface ChannelEvent extends EventFields {
  readonly id: string;
}

/** An event handed to a broker: `id` is set only when the publisher chose one. */
export type ChannelEventInit = EventFields;

/** What a broker answers when asked for the events after an id. */
export interface ReplayResult {
  /**
   * Whether the broker still holds the event with that id. `false` means the client may have missed
   * events (the id is older than the history, or unknown), and `events` starts at the oldest event held.
   */
  readonly found: boolean;
  /** The events after the id (or, when not found, every event held), oldest first. */
  readonly events: readonly ChannelEvent[];
}

/** Stops a live subscription to a broker. */
export type Unsubscribe = () => void | Promise<void>;

/**
 * Where a `Channel` stores its events and how they reach every process. `MemoryBroker` keeps them in
 * this process; `edge-sse/redis` and `edge-sse/durable-object` share them between instances.
 *
 * A broker's contract, which a `Channel` relies on for replay without gaps or duplicates:
 * - `publish` stores the event, gives it a unique id (the publisher's, when given and allowed: a
 *   broker refuses one it holds already, or one that could meet an id it gives), and delivers it to
 *   every live listener of every process, in one order that all listeners share;
 * - `subscribe` delivers, in that order, every event published after its result has settled;
 * - `replay` returns the stored events after an id in the same order.
 *
 * Results may be values or promises: a broker that answers synchronously (as `MemoryBroker` does)
 * lets a channel replay and go live in one step. The channel freezes the events it gets, so that a
 * subscriber's filter cannot change them for the others.
 */
export interface ChannelBroker {
  /** Stores and delivers one event; returns its id. */
  publish(event: ChannelEventInit): string | Promise<string>;
  /** Starts live delivery to `listener`; returns how to stop it. */
  subscribe(listener: (event: ChannelEvent) => void): Unsubscribe | Promise<Unsubscribe>;
  /** The stored events after `afterId`, oldest first. */
  replay(afterId: string): ReplayResult | Promise<ReplayResult>;
  /**
   * The order of two ids of this broker: negative when `a` comes first, 0 when equal, positive when
   * after. Required of a broker whose live feed can lag behind `replay` (a feed that comes over the
   * network): the channel then drops feed events at or before what a subscriber has already
   * replayed. Without it, the channel takes the feed to be never behind the replay.
   */
  compare?(a: string, b: string): number;
  /**
   * The newest event held, or `undefined` when none is: read when a stream of several channels joins
   * the channel, to resume it from there later. Optional: without it, the channel takes the last
   * event of `replay("")`, which reads the whole history.
   */
  newest?(): ChannelEvent | undefined | Promise<ChannelEvent | undefined>;
}

/** Bounds of an in-memory history. An event leaves once any bound is passed. */
export interface HistoryLimits {
  /**
   * Keep at most this many events.
   * @default 1000
   */
  readonly maxEvents?: number | undefined;
  /**
   * Keep at most this many bytes of events: the UTF-8 bytes of each event's id, event, data and
   * comment, and the digits of its retry. Unbounded when absent. An event larger than this by
   * itself is refused when published.
   */
  readonly maxBytes?: number | undefined;
  /** Keep events for at most this many milliseconds. Unbounded when absent. */
  readonly maxAge?: number | undefined;
}

/** Which events one subscriber gets: an event name, a list of names, or a predicate. */
export type ChannelFilter = string | readonly string[] | ((event: ChannelEvent) => boolean);

/** One client of a channel, as the `onJoin` and `onLeave` hooks see it. */
export interface SubscriberInfo {
  /** The id the client resumed from (header, query parameter or option), if any. */
  readonly lastEventId: string | undefined;
  /** Where replay started: the id replayed after, `"earliest"` after a gap, or `undefined` without replay. */
  readonly replayedFrom: string | undefined;
  /** The request the subscriber came with, if one was given. */
  readonly request: RequestLike | undefined;
}

/**
 * The former name of `SubscriberInfo`, kept for one more release.
 * @deprecated Use `SubscriberInfo`.
 */
export type ChannelSubscriber = SubscriberInfo;

/** Options of a `Channel`; `Events` is the type of its event map, when it has one. Unknown keys are a `TypeError`. */
export interface ChannelOptions<Events extends TypedEventsLike | undefined = undefined> {
  /** Where events are stored and shared. @default a `MemoryBroker` with `history` */
  readonly broker?: ChannelBroker | undefined;
  /** Bounds of the default in-memory history (not allowed with `broker`). @default { maxEvents: 1000 } */
  readonly history?: HistoryLimits | undefined;
  /**
   * Turns published items that are not strings, `Message`s or bytes into data text. Not with
   * `events`, whose map decides how each event's data is written. @default JSON.stringify
   */
  readonly serialize?: ([Events] extends [TypedEventsLike] ? never : Serializer) | undefined;
  /**
   * An event map (what `defineEvents` returns): `publish` then takes the map's items (`StreamItem`)
   * and checks each once (`events.parse`); one it refuses rejects `publish` with its `TypeError`,
   * and nothing is stored or sent. Events that reach the channel otherwise (a shared broker fed by
   * another process, a replay) are not checked again.
   */
  readonly events?: Events;
  /**
   * Per subscriber: past this many UTF-16 code units of frames unread (the length of their text),
   * that subscriber is closed with reason `"overflow"`. `publish` refuses an event whose frame is
   * longer than half of it. At least 64.
   * @default 1048576
   */
  readonly maxQueue?: number | undefined;
  /** Keep-alive of each subscriber's stream, in milliseconds (at most 2147483647), or `false`. @default 5000 */
  readonly keepAlive?: number | false | undefined;
  /** Sent first as `retry:` on each subscriber's stream: the client's reconnection delay in milliseconds. */
  readonly retry?: number | undefined;
  /** Headers of each subscriber's response, over the defaults. */
  readonly headers?: HeadersInit | undefined;
  /** Called when a subscriber's stream starts (after its replay is queued). */
  readonly onJoin?: ((subscriber: SubscriberInfo) => void) | undefined;
  /** Called once when a subscriber's stream has ended, with why. */
  readonly onLeave?: ((subscriber: SubscriberInfo, reason: StreamClosedError) => void) | undefined;
  /** Called with errors that belong to no one caller: a broker's live feed failing, an invalid stored event. @default console.error */
  readonly onError?: ((error: unknown) => void) | undefined;
  /**
   * Makes the ids on the wire opaque (`createEventIdCodec(key, { scope: name })` from
   * `edge-sse/tokens`), so that a subscriber with a filter cannot count the events it was not shown:
   * every id a client sees is encoded (the gap marker's `firstId` too), and the `Last-Event-ID` it
   * sends back is decoded before the replay. An id that does not decode (forged, altered, another key
   * or scope, or a plain id) is unknown: the subscriber gets the gap marker and every event held.
   * Everything on the server keeps the broker's ids: `publish` returns them, filters and the broker
   * see them; `SubscriberInfo.lastEventId` is the id as the client sent it. Ids given to `publish`
   * must then be at most `MAX_OPAQUE_SOURCE_BYTES` (735) bytes.
   * @default none: ids go out as the broker gives them
   */
  readonly eventIds?: EventIdCodec | undefined;
  /** Where to count what the channel does (streams opened and closed, bytes, replays, gap markers). @default none */
  readonly metrics?: ChannelMetrics | undefined;
  /**
   * At most this many subscribers of this channel in this process at once (from the call of
   * `stream()` until the stream ends). Beyond it, `response()` answers 503 with `Retry-After` (the
   * `retry` hint in seconds) and `stream()` rejects with a `TypeError`. @default no bound
   */
  readonly maxSubscribers?: number | undefined;
  /**
   * Each subscriber's stream ends (reason `"done"`) after at most this many milliseconds, at a random
   * time between nine tenths of it and all of it, so that streams started together do not all end
   * together. Its client reconnects (to any instance, through the load balancer) and resumes from its
   * `Last-Event-ID`: nothing is missed. It spreads long-lived connections over new instances after a
   * deploy or a scale-out. @default none: streams last until the client leaves
   */
  readonly maxLifetime?: number | undefined;
}

/** Options of `drain()`. Unknown keys are a `TypeError`. */
export interface DrainOptions {
  /** The reconnection delay sent to each subscriber (`retry:`), in milliseconds; also sent to new subscribers while draining. @default 1000 */
  readonly retry?: number | undefined;
  /**
   * Every stream ends within this many milliseconds: each at a random time in it, so that clients
   * do not all reconnect at once. @default 10000
   */
  readonly timeout?: number | undefined;
}

/** Options of one subscriber's stream. Unknown keys are a `TypeError`. */
export interface ChannelStreamOptions {
  /** The request: its `Last-Event-ID` header (or `lastEventId` query parameter) and its `signal` are used. */
  readonly request?: RequestLike | undefined;
  /** The id to resume after; wins over the request's. */
  readonly lastEventId?: string | undefined;
  /** Which events this subscriber gets. @default every event */
  readonly filter?: ChannelFilter | undefined;
  /** Overrides the channel's `maxQueue` (UTF-16 code units) for this subscriber: it may raise it, not lower it. */
  readonly maxQueue?: number | undefined;
  /** Overrides the channel's `keepAlive`. */
  readonly keepAlive?: number | false | undefined;
  /** Overrides the channel's `retry`. */
  readonly retry?: number | undefined;
  /** Headers over the channel's. */
  readonly headers?: HeadersInit | undefined;
  /**
   * When this subscriber's stream ends (see `DataStreamOptions.expiresAt`): at that time it gets an
   * `EXPIRED_EVENT` event and closes with reason `"expired"`. Give it the `validUntil` of the token
   * that allowed the subscription.
   * @default none: the stream does not expire
   */
  readonly expiresAt?: number | Date | undefined;
}

/**
 * Options of a `Channels` registry: those of every channel it makes (see `ChannelOptions`), with
 * `broker` made per channel from its name, and hooks that are told the name. Unknown keys are a
 * `TypeError`.
 */
export interface ChannelsOptions<Events extends TypedEventsLike | undefined = undefined>
  extends Omit<ChannelOptions<Events>, "broker" | "onJoin" | "onLeave" | "onError" | "maxSubscribers"> {
  /**
   * At most this many subscribers of all the registry's channels together, at once (per process).
   * Beyond it, `response()` answers 503 with `Retry-After` and `stream()` rejects with a `TypeError`.
   * @default no bound
   */
  readonly maxSubscribers?: number | undefined;
  /** Each channel's `maxSubscribers`. @default no bound */
  readonly maxSubscribersPerChannel?: number | undefined;
  /**
   * Makes the broker of the channel called `name`: called each time that channel is made (again,
   * after a release), and for a publish to a name that has no channel. Give a broker that keeps
   * its history outside the channel (Redis, or brokers you keep) for replay across releases.
   * @default a new `MemoryBroker` with `history`, whose history goes with the channel when it is released
   */
  readonly broker?: ((name: string) => ChannelBroker) | undefined;
  /** Called when a subscriber's stream starts, with the channel's name. */
  readonly onJoin?: ((subscriber: SubscriberInfo, name: string) => void) | undefined;
  /** Called once when a subscriber's stream has ended, with why and the channel's name. */
  readonly onLeave?: ((subscriber: SubscriberInfo, reason: StreamClosedError, name: string) => void) | undefined;
  /** Called with the errors of a channel that belong to no one caller, with the channel's name. @default console.error */
  readonly onError?: ((error: unknown, name: string) => void) | undefined;
}
