import type { StreamContext } from "../core/types.ts";
import type { SharedFrame } from "../core/shared-frame.ts";
import type { ChannelBroker, ChannelEvent, SubscriberInfo, ReplayResult } from "./types.ts";
import { Message } from "../core/message.ts";
import { describeValue } from "../core/describe-value.ts";
import { isThenable } from "../core/check.ts";
import { pushThrough } from "../core/event-stream-engine.ts";
import { GAP_EVENT } from "./gap-event.ts";
import { replayAgain } from "./replay-again.ts";
import type { ChannelMetrics } from "./channel-metrics.ts";

/** How the errors about an event a channel could not deliver start. */
export const DELIVER = "Cannot deliver event";

/** What a subscriber uses of its channel. */
export interface SubscriberChannel {
  readonly broker: ChannelBroker;
  /** The event's frame, validated and made once (freezing the event); `undefined`, reported, for an invalid one. */
  frame(event: ChannelEvent): SharedFrame | undefined;
  /** The id of a replayed event as its client sees it (opaque, with `eventIds`); `undefined` when it has none. */
  wireId(event: ChannelEvent): string | undefined;
  /** Reports to the channel's `onError`. */
  report(error: unknown): void;
  /** Reports `error` about `event` to the channel's `onError`, once per event, however many subscribers it concerns. */
  reportOnce(event: ChannelEvent, error: unknown): void;
  /** Where to count what is sent, when the channel has `metrics`. */
  readonly metrics: ChannelMetrics | undefined;
}

/** How a subscriber is set up, in `channel.stream()`. */
export interface SubscriberSetup {
  /** The subscriber as the join and leave hooks see it; `info.lastEventId` is where it resumes. */
  readonly info: SubscriberInfo;
  /** The broker's id to resume after: `info.lastEventId`, decoded when the channel's ids are opaque. */
  readonly resumeAfter: string | undefined;
  /** Its filter, when it has one. */
  readonly filter: ((event: ChannelEvent) => boolean) | undefined;
  /** Its stream's `maxQueue`; the stream's `highWaterMark` must be a quarter of it. */
  readonly maxQueue: number;
  /** The replay asked for before the stream was made, when the client resumes. */
  readonly replay: ReplayResult | undefined;
}

/**
 * One client of a channel: its stream, its filter, and the catch-up protocol that takes it from
 * replay to live with no gap and no duplicate. While it catches up through a broker that answers
 * asynchronously, it holds the live events that arrive meanwhile; it then sends those its replay did
 * not, and drops live events a lagging feed brings after they were replayed.
 */
export class Subscriber {
  /** The subscriber as the join and leave hooks see it. */
  readonly info: SubscriberInfo;
  readonly #channel: SubscriberChannel;
  readonly #filter: ((event: ChannelEvent) => boolean) | undefined;
  readonly #maxQueue: number;
  /**
   * The longest frame this subscriber's queue always has room for: a replay keeps up to a quarter
   * of `maxQueue` queued (the stream's `highWaterMark`) before it waits for the client, so three
   * quarters. A longer one is skipped (and reported), or it would close the stream on every replay.
   */
  readonly #largestFrame: number;
  /** The most that held events may take: half of `maxQueue`, so that they fit beside a replay's quarter. */
  readonly #holdLimit: number;
  /** The replay asked for before the stream was made; replayed at the start. */
  readonly #firstReplay: ReplayResult | undefined;
  readonly #resumeAfter: string | undefined;
  #ctx: StreamContext | undefined;
  /** Live events held while replay runs; `undefined` once the subscriber is live. */
  #held: ChannelEvent[] | undefined;
  #heldSize = 0;
  /** Set when `#held` grew past `#holdLimit` and was dropped: replay must run again. */
  #overflowed = false;
  /**
   * Ids sent by replay, so that live events are not sent twice: held ones, and those of a live feed
   * that lags behind the replay. Cleared when the feed brings an event that is not in it. Made at the
   * first replay: a subscriber that never resumes (most of them) has none.
   */
  #sent: Set<string> | undefined;
  /** The last id replayed, while live events at or before it may still come (brokers with `compare`). */
  #replayedTo: string | undefined;
  /** Whether the gap marker was sent (once per stream). */
  #gapSent = false;

  constructor(channel: SubscriberChannel, setup: SubscriberSetup) {
    this.#channel = channel;
    this.info = setup.info;
    this.#filter = setup.filter;
    this.#maxQueue = setup.maxQueue;
    this.#largestFrame = setup.maxQueue - setup.maxQueue / 4;
    this.#holdLimit = setup.maxQueue / 2;
    this.#firstReplay = setup.replay;
    this.#resumeAfter = setup.resumeAfter;
  }

  /**
   * Starts on its stream, once the stream starts: live at once, or, with an id to resume after,
   * holding live events while it catches up. A catch-up that fails (the broker failed three times)
   * is reported and ends the stream: the client reconnects and tries again.
   */
  start(ctx: StreamContext): void {
    this.#ctx = ctx;
    const afterId = this.#resumeAfter;
    if (afterId === undefined) return;
    // Hold live events first, then replay: a publish racing this start is in the replay, held, or
    // brought later by a feed that lags behind the replay; it is sent once in every case.
    this.#startHolding();
    this.#catchUp(ctx, afterId).catch((error: unknown) => {
      // Our own close reason is no error.
      if (error !== ctx.signal.reason) this.#channel.report(error);
      ctx.close();
    });
  }

  /** Sends `retry: <ms>`: how long its client waits before it reconnects, once this stream ends. */
  hint(retry: number): void {
    this.#ctx?.send(new Message({ retry }));
  }

  /** Ends its stream (reason `"done"`); with `end`, after the end event (`END_EVENT`): for good. */
  close(end = false): void {
    if (end) this.#ctx?.end();
    else this.#ctx?.close();
  }

  /**
   * A live event: held while the subscriber catches up, skipped when its replay sent it already,
   * else sent if the filter takes it.
   */
  offer(event: ChannelEvent, frame: SharedFrame): void {
    if (this.#held !== undefined) {
      if (this.#accepts(event)) this.#hold(event, frame.text.length);
      return;
    }
    if (!this.#replayed(event) && this.#accepts(event)) this.#send(event, frame);
  }

  /**
   * Sends the replay asked for before the stream started, then replays again after it (closing the
   * window between the two) until no held event was dropped; then sends the held events not replayed
   * and goes live. Replayed events are paced by the stream's `ready`, so a replay longer than
   * `maxQueue` does not overflow it. Runs synchronously with a broker that answers at once, unless
   * the client must catch up on reading.
   */
  async #catchUp(ctx: StreamContext, afterId: string): Promise<void> {
    const broker = this.#channel.broker;
    const earlier = this.#firstReplay!;
    let result: ReplayResult | undefined = earlier;
    for (;;) {
      if (result === undefined) {
        try {
          const answer = broker.replay(afterId);
          result = isThenable(answer) ? await answer : answer;
        } catch (error) {
          result = await replayAgain(broker, afterId, error, ctx.signal);
        }
      }
      if (ctx.signal.aborted) return;
      if (!result.found && !this.#gapSent) {
        this.#gapSent = true;
        const oldest = result.events[0];
        const marker = {
          lastEventId: this.info.lastEventId,
          firstId: oldest === undefined ? null : (this.#channel.wireId(oldest) ?? null),
        };
        const gap = new Message({ event: GAP_EVENT, data: JSON.stringify(marker) });
        const metrics = this.#channel.metrics;
        if (metrics !== undefined) {
          metrics.gapMarkers++;
          metrics.bytesWritten += new TextEncoder().encode(gap.toString()).byteLength;
        }
        ctx.send(gap);
        if (ctx.desiredSize <= 0) await ctx.ready;
      }
      for (const event of result.events) {
        afterId = event.id;
        const sent = (this.#sent ??= new Set());
        if (sent.has(event.id)) continue;
        sent.add(event.id);
        // The frame first: it freezes the event, so that no filter can change what the others get.
        const frame = this.#channel.frame(event);
        if (frame !== undefined && this.#accepts(event)) this.#send(event, frame);
        if (ctx.desiredSize <= 0) await ctx.ready;
      }
      const first = result === earlier;
      result = undefined;
      if (this.#overflowed) this.#startHolding();
      else if (!first) break;
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#replayedTo = afterId;
    for (const event of held) {
      if (!this.#replayed(event)) this.#send(event);
    }
  }

  /** Starts holding live events (before a replay that answers later). */
  #startHolding(): void {
    this.#held = [];
    this.#heldSize = 0;
    this.#overflowed = false;
  }

  /**
   * Holds a live event during replay, counting its frame's length; past the limit, drops what it
   * holds and asks for another replay (which the client's reading paces).
   */
  #hold(event: ChannelEvent, frameLength: number): void {
    if (this.#overflowed) return;
    this.#heldSize += frameLength;
    if (this.#heldSize > this.#holdLimit) {
      this.#held = [];
      this.#heldSize = 0;
      this.#overflowed = true;
      return;
    }
    this.#held!.push(event);
  }

  /**
   * Whether a live event was already replayed to this subscriber. A feed that comes over the network
   * can lag behind the replay, even behind the id the client resumed after: with an ordered broker,
   * every event up to the last one replayed is dropped; otherwise the ids replayed are, until the
   * feed brings one that was not.
   */
  #replayed(event: ChannelEvent): boolean {
    const replayedTo = this.#replayedTo;
    if (replayedTo !== undefined) {
      const broker = this.#channel.broker;
      if (broker.compare !== undefined) {
        if (broker.compare(event.id, replayedTo) <= 0) return true;
        this.#replayedTo = undefined;
        this.#sent?.clear();
        return false;
      }
    }
    const sent = this.#sent;
    if (sent === undefined || sent.size === 0) return false;
    if (sent.has(event.id)) return true;
    sent.clear();
    return false;
  }

  /** Whether the filter takes the event; a filter that throws is reported, and takes nothing. */
  #accepts(event: ChannelEvent): boolean {
    if (this.#filter === undefined) return true;
    try {
      return this.#filter(event);
    } catch (error) {
      this.#channel.report(error);
      return false;
    }
  }

  /**
   * Sends an event, unless its frame is longer than this subscriber's queue always has room for:
   * such an event (from a process with a larger `maxQueue`, or stored under one) is reported and
   * skipped, since sending it would close the stream on every replay.
   */
  #send(event: ChannelEvent, frame = this.#channel.frame(event)): void {
    if (frame === undefined) return;
    if (frame.text.length <= this.#largestFrame) {
      const queued = pushThrough(this.#ctx!, frame);
      // Counted once queued: not the frame that overflowed the queue and closed the stream.
      if (queued && this.#channel.metrics !== undefined) this.#channel.metrics.bytesWritten += frame.bytes.byteLength;
      return;
    }
    this.#channel.reportOnce(
      event,
      new TypeError(
        `${DELIVER} ${describeValue(event.id)}: its frame is ${frame.text.length} code units, more than a ` +
          `subscriber with maxQueue ${this.#maxQueue} can take (${this.#largestFrame}); it was skipped for such ` +
          `subscribers. Give every channel that shares the broker the same maxQueue`,
      ),
    );
  }
}
