import type { StreamContext } from "../core/types.ts";
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
  /** How many code units may wait unread before the stream closes with `"overflow"`. */
  readonly maxQueue: number;
  /**
   * The longest frame this subscriber's queue always has room for: a replay keeps up to a quarter
   * of `maxQueue` queued (the stream's `highWaterMark`) before it waits for the client, so three
   * quarters. A longer one is skipped (and reported), or it would close the stream on every replay.
   */
  readonly largestFrame: number;
  /** The most that held events may take: half of `maxQueue`, so that they fit beside a replay's quarter. */
  readonly #holdLimit: number;
  #pendingSize = 0;

  /**
   * @param maxQueue - the stream's `maxQueue`; its `highWaterMark` must be a quarter of it
   */
  constructor(
    ctx: StreamContext,
    info: ChannelSubscriber,
    accepts: ((event: ChannelEvent) => boolean) | undefined,
    maxQueue: number,
  ) {
    this.ctx = ctx;
    this.info = info;
    this.accepts = accepts;
    this.maxQueue = maxQueue;
    this.largestFrame = maxQueue - maxQueue / 4;
    this.#holdLimit = maxQueue / 2;
  }

  /**
   * Holds a live event during replay, counting its frame's length; past the limit, drops what it
   * holds and asks for another replay (which the client's reading paces).
   */
  hold(event: ChannelEvent, frameLength: number): void {
    if (this.overflowed) return;
    this.#pendingSize += frameLength;
    if (this.#pendingSize > this.#holdLimit) {
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
