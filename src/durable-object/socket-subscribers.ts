import type { ChannelEvent, SubscriberInfo } from "../channel/types.ts";
import { type CloseType, StreamClosedError } from "../core/stream-closed-error.ts";
import { closeTypeOf } from "./socket-close-reason.ts";
import type { EventIdCodec } from "../tokens/event-id-codec.ts";
import { OpaqueIds } from "../channel/opaque-ids.ts";
import type { DurableObjectStateLike, HibernatableWebSocketLike } from "./types.ts";
import type { StorageBroker } from "./storage-broker.ts";
import { GAP_EVENT } from "../channel/gap-event.ts";
import { encodeIdForHeader, readResumeId } from "../channel/resume-id.ts";
import { isThenable } from "../core/check.ts";
import { describeError } from "../core/describe-value.ts";
import { readForwardedFilter } from "./forwarded-filter.ts";
import { toSocketMessages } from "./socket-frames.ts";
import { closeQuietly, matcher, send, sendMessages } from "./socket-send.ts";
import { type SubscriberAttachment, subscriberAttachment } from "./socket-attachment.ts";
import { json } from "./json-response.ts";
import type { ChannelMetrics } from "../channel/channel-metrics.ts";
import type { SubscriberCap } from "../channel/subscriber-cap.ts";
import { DEFAULT_RETRY_HINT_MS, retryLater } from "../channel/retry-later.ts";
import { unavailable } from "../channel/unavailable.ts";
import { END_EVENT } from "../core/end-event.ts";
import { LIFETIME_HEADER } from "./forwarded-lifetime.ts";

/** The tag of the WebSockets a `ChannelObject` accepts for its subscribers; other sockets of the object are not its. */
export const SUBSCRIBER_TAG = "edge-sse-subscriber";

/** The pair of sockets `new WebSocketPair()` makes in workerd. */
type WebSocketPairLike = Record<0 | 1, HibernatableWebSocketLike>;
type WebSocketPairClass = new () => WebSocketPairLike;

const SUBSCRIBE = "Cannot subscribe over a WebSocket";

/** What a `ChannelObject`'s socket subscribers take from the channel's options. */
export interface SocketSubscriberOptions {
  /** The channel's `retry`: sent first on each socket, and the `Retry-After` of a refusal. */
  readonly retry: number | undefined;
  /** The channel's `maxLifetime`: each subscriber's stream, held by its Worker, ends by then. */
  readonly maxLifetime: number | undefined;
  /** The channel's `metrics`: sockets opened, and subscribers refused. */
  readonly metrics: ChannelMetrics | undefined;
  /** The channel's `eventIds`: the ids on the wire are opaque, as on its streams. */
  readonly eventIds: EventIdCodec | undefined;
  /** The channel's `onJoin`: called when the object accepts a socket. */
  readonly onJoin: ((subscriber: SubscriberInfo) => void) | undefined;
  /** The channel's `onLeave`: called when a socket closes, with what its attachment kept (no request). */
  readonly onLeave: ((subscriber: SubscriberInfo, reason: StreamClosedError) => void) | undefined;
  /** Where a hook that throws is reported (the channel's `onError`). */
  readonly report: (error: unknown) => void;
}

/**
 * The subscribers of a `ChannelObject` that hold hibernatable WebSockets instead of an event stream:
 * the object keeps no state of its own for them, so it can leave memory between publishes. What each
 * socket needs (its filter) is its attachment, and `ctx.getWebSockets()` finds the sockets again
 * after a wake-up; the history is the `StorageBroker`'s, in storage. What the channel's options
 * ask of its subscribers (`maxSubscribers`, `drain`, `close`, `maxLifetime`, `onJoin`, `onLeave`,
 * `metrics`) is done here for the sockets, from the sockets and their attachments only.
 */
export class SocketSubscribers {
  readonly #ctx: DurableObjectStateLike;
  readonly #broker: StorageBroker;
  readonly #options: SocketSubscriberOptions;
  /** The opaque ids, with `eventIds`: each event is sent once its id is encoded, in the broker's order. */
  readonly #ids: OpaqueIds | undefined;
  /** Each socket's filter, read from its attachment once per instance of the object. */
  readonly #filters = new WeakMap<HibernatableWebSocketLike, ReadonlySet<string> | null>();
  /** The channel's `maxSubscribers`, which counts these sockets with the streams the object holds. */
  #cap: SubscriberCap | undefined;
  /** Set by `drain()`: the reconnection delay new subscribers are told. A timer runs meanwhile, so the object stays in memory. */
  #drainRetry: number | undefined;
  /** Until every socket of a drain has closed. */
  #draining: Promise<void> | undefined;
  /** Set by `close()`: whether the channel ended for good. */
  #closed: { readonly end: boolean } | undefined;
  /** Sockets whose subscriber has left (`onLeave` called), so that it is not called twice. */
  readonly #left = new WeakSet<HibernatableWebSocketLike>();

  constructor(ctx: DurableObjectStateLike, broker: StorageBroker, options: SocketSubscriberOptions) {
    this.#ctx = ctx;
    this.#broker = broker;
    this.#options = options;
    this.#ids = options.eventIds === undefined ? undefined : new OpaqueIds(options.eventIds, options.report);
    broker.subscribe((event) => this.#fanOut(event));
  }

  /** How many subscribers hold a socket now (found again after a wake-up: nothing is counted in memory). */
  get count(): number {
    return this.#sockets().length;
  }

  /** Counts these sockets against `cap` (the channel's `maxSubscribers`), with the streams the object holds. */
  countAgainst(cap: SubscriberCap): void {
    this.#cap = cap;
    cap.countAlso(() => this.count);
  }

  /** Until the sockets of a drain have all closed; `undefined` when there is no drain, or it is over. */
  get pendingDrain(): Promise<void> | undefined {
    return this.#draining;
  }

  /**
   * As `Channel.drain` does to its streams: sends every socket `retry: <retry>`, then closes each at
   * a random time within `timeout`, so that each Worker ends its stream after that hint and its client
   * reconnects with its `Last-Event-ID`; from now on, new subscribers get only the hint. The first call decides.
   */
  drain(retry: number, timeout: number): Promise<void> {
    if (this.#drainRetry !== undefined) return this.#draining ?? Promise.resolve();
    this.#drainRetry = retry;
    const ends = this.#sockets().map((socket) => {
      send(socket, { retry });
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          this.#leave(socket, "done");
          closeQuietly(socket, 1001, "the channel is draining");
          resolve();
        }, Math.random() * timeout),
      );
    });
    const draining = Promise.all(ends).then(() => {
      this.#draining = undefined;
    });
    this.#draining = draining;
    return draining;
  }

  /**
   * As `Channel.close` does to its streams: closes every socket, so that each Worker ends its stream
   * (with `end`, after the end event, `END_EVENT`); new subscribers are refused from now on.
   */
  close(end: boolean): void {
    this.#closed ??= { end };
    for (const socket of this.#sockets()) {
      if (this.#closed.end) send(socket, { event: END_EVENT, data: "" });
      this.#leave(socket, "done");
      closeQuietly(socket, 1000, "the channel is closed");
    }
  }

  /**
   * Answers a WebSocket upgrade: accepts the server end as hibernatable, sends the replay after the
   * request's `Last-Event-ID` (with the gap marker when the id is not held), and from then on every
   * event published. Replay and joining happen in one step, so no event is missed or sent twice.
   */
  async accept(request: Request): Promise<Response> {
    const Pair = (globalThis as { WebSocketPair?: WebSocketPairClass }).WebSocketPair;
    const { acceptWebSocket, getWebSockets } = this.#ctx;
    const { retry, metrics } = this.#options;
    if (Pair === undefined || acceptWebSocket === undefined || !getWebSockets) {
      const why = "the runtime has no hibernatable WebSockets (ctx.acceptWebSocket, WebSocketPair)";
      return json(501, { error: `${SUBSCRIBE}: ${why}` });
    }
    const filter = readForwardedFilter(request);
    if (filter === null) {
      return json(400, { error: `${SUBSCRIBE}: the \`edge-sse-filter\` header must be a JSON array of event names` });
    }
    try {
      await this.#broker.ready;
    } catch (error) {
      return json(503, {
        error: `${SUBSCRIBE}: the channel's history could not be read (${describeError(error)}); try again`,
      });
    }
    const lastEventId = readResumeId(request);
    // With opaque ids, the id the client sent is decoded (one that does not decode resumes nowhere: a gap).
    const ids = this.#ids;
    const resumeAfter =
      lastEventId === undefined || ids === undefined ? lastEventId : await ids.resumeAfter(lastEventId);
    const refused = this.#refusal();
    if (refused !== undefined) {
      if (metrics !== undefined) metrics.refused++;
      return refused;
    }
    // From here to the answer, nothing awaits: no publish comes between the replay and the join.
    const replay = resumeAfter === undefined ? undefined : this.#broker.replay(resumeAfter);
    if (isThenable(replay)) return json(503, { error: `${SUBSCRIBE}: the channel's history is not loaded; try again` });
    const pair = new Pair();
    const client = pair[0];
    const server = pair[1];
    const replayedFrom = replay === undefined ? undefined : replay.found ? lastEventId : "earliest";
    const attachment = subscriberAttachment(filter ?? null, lastEventId, replayedFrom);
    server.serializeAttachment(attachment);
    acceptWebSocket.call(this.#ctx, server, [SUBSCRIBER_TAG]);
    const accepts = this.#remember(server, attachment);
    if (metrics !== undefined) metrics.opened++;
    if (retry !== undefined) send(server, { retry });
    const headers = new Headers();
    const { maxLifetime } = this.#options;
    // The Worker's stream ends then: the object keeps no timer, so that it can hibernate meanwhile.
    if (maxLifetime !== undefined)
      headers.set(LIFETIME_HEADER, String(Math.floor(maxLifetime * (0.9 + Math.random() * 0.1))));
    if (replay !== undefined && lastEventId !== undefined) {
      const gap = (firstId: string | null): void => {
        if (!replay.found) send(server, { event: GAP_EVENT, data: JSON.stringify({ lastEventId, firstId }) });
      };
      if (ids === undefined) {
        gap(replay.events[0]?.id ?? null);
        for (const event of replay.events) if (accepts(event)) send(server, event);
      } else if (replay.events.length === 0) {
        gap(null);
      } else {
        // Each once its id is encoded, before any event published after this join (they queue behind).
        for (const [index, event] of replay.events.entries()) {
          ids.deliverEncoded(event, () => {
            const id = ids.wireId(event);
            if (index === 0) gap(id ?? null);
            if (id !== undefined && accepts(event)) send(server, { ...event, id });
          });
        }
      }
      headers.set("last-event-id", encodeIdForHeader(replay.found ? lastEventId : "earliest"));
      if (metrics !== undefined) {
        metrics.replays++;
        if (!replay.found) metrics.gapMarkers++;
      }
    }
    this.#hook(() => this.#options.onJoin?.({ lastEventId, replayedFrom, request }));
    const init: ResponseInit & { webSocket: HibernatableWebSocketLike } = { status: 101, headers, webSocket: client };
    return new Response(null, init);
  }

  /**
   * A socket has closed or failed (the object's `webSocketClose` or `webSocketError`): its subscriber
   * leaves, with the reason its Worker gave. Sockets that are not a subscriber's are left alone.
   */
  closed(socket: HibernatableWebSocketLike, code: number, reason: string): void {
    this.#leave(socket, closeTypeOf(code, reason));
  }

  /** Calls `onLeave` once for `socket`, with what its attachment kept, and counts why in `metrics.closed`. */
  #leave(socket: HibernatableWebSocketLike, type: CloseType): void {
    if (this.#left.has(socket)) return;
    let attachment: Partial<SubscriberAttachment> | null;
    try {
      attachment = socket.deserializeAttachment() as Partial<SubscriberAttachment> | null;
    } catch {
      return; // not a socket this object's subscribers hold
    }
    if (attachment === null || typeof attachment !== "object" || !("filter" in attachment)) return;
    this.#left.add(socket);
    const { metrics, onLeave } = this.#options;
    if (metrics !== undefined) metrics.closed[type]++;
    const info: SubscriberInfo = {
      lastEventId: attachment.lastEventId ?? undefined,
      replayedFrom: attachment.replayedFrom ?? undefined,
      request: undefined,
    };
    this.#hook(() => onLeave?.(info, new StreamClosedError(type)));
  }

  /** Runs one of the channel's hooks; one that throws is reported, and nothing else changes. */
  #hook(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#options.report(error);
    }
  }

  /**
   * The answer to a subscriber turned away now, as the channel answers one of its streams: while
   * draining, 200 with only the retry hint; over `maxSubscribers`, 503 with `Retry-After`; once
   * closed, 204 (ended for good) or 503.
   */
  #refusal(): Response | undefined {
    if (this.#drainRetry !== undefined) {
      return retryLater(this.#drainRetry, {}, "the channel is draining").toResponse();
    }
    if (this.#closed !== undefined) {
      return this.#closed.end
        ? new Response(null, { status: 204 })
        : json(503, { error: `${SUBSCRIBE}: the channel is closed` });
    }
    const full = this.#cap?.refusal;
    return full === undefined ? undefined : unavailable(full, this.#options.retry ?? DEFAULT_RETRY_HINT_MS);
  }

  /** The subscribers' sockets that are open, after a wake-up too. */
  #sockets(): HibernatableWebSocketLike[] {
    return this.#ctx.getWebSockets?.call(this.#ctx, SUBSCRIBER_TAG) ?? [];
  }

  /** Sends a live event to every subscriber whose filter takes it. */
  #fanOut(event: ChannelEvent): void {
    const sockets = this.#sockets();
    const ids = this.#ids;
    if (ids === undefined) return this.#sendTo(sockets, event);
    // To the sockets there now, once its id is encoded: one that joins meanwhile has it in its replay.
    if (sockets.length === 0) return;
    ids.deliverEncoded(event, () => {
      const id = ids.wireId(event);
      if (id !== undefined) this.#sendTo(sockets, { ...event, id });
    });
  }

  /** Sends one event to each of `sockets` whose filter takes it. */
  #sendTo(sockets: readonly HibernatableWebSocketLike[], event: ChannelEvent): void {
    let messages: string[] | undefined;
    for (const socket of sockets) {
      if (!this.#filterOf(socket)(event)) continue;
      messages ??= toSocketMessages(event);
      sendMessages(socket, messages);
    }
  }

  /** The socket's filter, from its attachment after a wake-up (once per instance). */
  #filterOf(socket: HibernatableWebSocketLike): (event: ChannelEvent) => boolean {
    const known = this.#filters.get(socket);
    if (known !== undefined) return matcher(known);
    const attachment = socket.deserializeAttachment() as Partial<SubscriberAttachment> | null;
    const names = attachment?.filter;
    return this.#remember(socket, { filter: Array.isArray(names) ? names : null });
  }

  #remember(socket: HibernatableWebSocketLike, attachment: SubscriberAttachment): (event: ChannelEvent) => boolean {
    const names = attachment.filter === null ? null : new Set(attachment.filter);
    this.#filters.set(socket, names);
    return matcher(names);
  }
}
