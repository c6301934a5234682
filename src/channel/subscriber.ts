import type { StreamContext } from "../types.ts";
import type { ChannelEvent, ChannelSubscriber } from "./types.ts";

/**
 * One client of a channel: its stream's context, its filter, and, while it catches up through a
 * broker that answers asynchronously, the live events that arrive meanwhile.
 */
export class Subscriber {
  readonly ctx: StreamContext;
  readonly info: ChannelSubscriber;
  readonly accepts: ((event: ChannelEvent) => boolean) | undefined;
  /** Live events held while replay runs; `undefined` once the subscriber is live. */
  pending: ChannelEvent[] | undefined;
  /** Set when `pending` grew past `maxQueue` and was dropped: replay must run again. */
  overflowed = false;
  /**
   * Ids sent by replay, so that live events are not sent twice: held ones, and those of a live feed
   * that lags behind the replay. Cleared when the feed brings an event that is not in it.
   */
  readonly sent = new Set<string>();
  /** The last id replayed, while live events at or before it may still come (brokers with `compare`). */
  replayedTo: string | undefined;
  /** Whether the gap marker was sent (once per stream). */
  gapSent = false;
  readonly #maxQueue: number;
  #pendingSize = 0;

  constructor(
    ctx: StreamContext,
    info: ChannelSubscriber,
    accepts: ((event: ChannelEvent) => boolean) | undefined,
    maxQueue: number,
  ) {
    this.ctx = ctx;
    this.info = info;
    this.accepts = accepts;
    this.#maxQueue = maxQueue;
  }

  /** Holds a live event during replay; past `maxQueue`, drops what it holds and asks for another replay. */
  hold(event: ChannelEvent): void {
    if (this.overflowed) return;
    this.#pendingSize += (event.data?.length ?? 0) + event.id.length;
    if (this.#pendingSize > this.#maxQueue) {
      this.pending = [];
      this.#pendingSize = 0;
      this.overflowed = true;
      return;
    }
    this.pending!.push(event);
  }

  /** Starts holding live events (before a replay that answers later). */
  startHolding(): void {
    this.pending = [];
    this.#pendingSize = 0;
    this.overflowed = false;
  }
}
