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
  /**
   * The last replayed event sent to the client: a gap found later says that events after it may be
   * lost. `undefined` while none was sent (the client's last id is then the one it resumed after).
   */
  #lastSent: ChannelEvent | undefined;
  /**
   * Set when a replay did not find the id it replayed after and brought no event: the gap marker
   * waits for the next replay (or the end of the catch-up), so that it names the first event after
   * the gap rather than saying that there is none.
   */
  #gapPending = false;

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
   *
   * Each replay that does not find the id it replays after (the history dropped it while the client
   * was catching up, or never held it) may have lost events: the client gets a gap marker there,
   * naming the last id it was sent and the first id after the gap. Live events held meanwhile that
   * are older than that first id are dropped with the rest: sent after it, they would be out of order.
   */
  async #catchUp(ctx: StreamContext, afterId: string): Promise<void> {
    const broker = this.#channel.broker;
    const earlier = this.#firstReplay!;
    let result: ReplayResult | undefined = earlier;
    // The newest id the broker is known to hold: the one a replay found, or the last it replayed. Never
    // the client's own when not found: by that id (far in the future, or from a stream made anew) live
    // events would count as replayed and be dropped.
    let replayedTo: string | undefined;
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
      if (result.found) replayedTo = afterId;
      else this.#dropHeldBefore(result.events);
      const oldest = result.events[0];
      // A marker names the first event after its gap: one for a replay that brought none waits (once).
      if (!result.found && oldest === undefined && !this.#gapPending) {
        this.#gapPending = true;
      } else if (!result.found || this.#gapPending) {
        this.#gapPending = false;
        await this.#sendGap(ctx, oldest);
      }
      for (const event of result.events) {
        afterId = replayedTo = event.id;
        const sent = (this.#sent ??= new Set());
        if (sent.has(event.id)) continue;
        sent.add(event.id);
        // The frame first: it freezes the event, so that no filter can change what the others get.
        const frame = this.#channel.frame(event);
        if (frame !== undefined && this.#accepts(event) && this.#send(event, frame)) this.#lastSent = event;
        if (ctx.desiredSize <= 0) await ctx.ready;
      }
      const first = result === earlier;
      result = undefined;
      if (this.#overflowed) this.#startHolding();
      else if (!first) break;
    }
    if (this.#gapPending) {
      this.#gapPending = false;
      await this.#sendGap(ctx, undefined);
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#lastSent = undefined;
    this.#replayedTo = replayedTo;
    for (const event of held) {
      if (!this.#replayed(event)) this.#send(event);
    }
  }

  /**
   * Sends the gap marker: events after the last id the client was sent (or resumed after) may be
   * lost, up to `first`, the first event replayed after the gap (`null` when none is).
   */
  async #sendGap(ctx: StreamContext, first: ChannelEvent | undefined): Promise<void> {
    const last = this.#lastSent;
    const marker = {
      lastEventId: (last === undefined ? undefined : this.#channel.wireId(last)) ?? this.info.lastEventId,
      firstId: first === undefined ? null : (this.#channel.wireId(first) ?? null),
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

  /**
   * After a replay that did not find its id, drops the live events held before the first one it
   * brought: the history dropped them, so they are older than every event replayed, and they fall
   * in the gap the marker reports. (Those after it are sent once the replay is, if it did not send them.)
   */
  #dropHeldBefore(replayed: readonly ChannelEvent[]): void {
    const held = this.#held;
    if (held === undefined || held.length === 0 || replayed.length === 0) return;
    const ids = new Set(replayed.map((event) => event.id));
    const kept = held.findIndex((event) => ids.has(event.id));
    if (kept <= 0) return;
    for (const event of held.splice(0, kept)) this.#heldSize -= this.#channel.frame(event)?.text.length ?? 0;
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
   *
   * @returns whether it was queued for the client
   */
  #send(event: ChannelEvent, frame = this.#channel.frame(event)): boolean {
    if (frame === undefined) return false;
    if (frame.text.length <= this.#largestFrame) {
      const queued = pushThrough(this.#ctx!, frame);
      // Counted once queued: not the frame that overflowed the queue and closed the stream.
      if (queued && this.#channel.metrics !== undefined) this.#channel.metrics.bytesWritten += frame.bytes.byteLength;
      return queued;
    }
    this.#channel.reportOnce(
      event,
      new TypeError(
        `${DELIVER} ${describeValue(event.id)}: its frame is ${frame.text.length} code units, more than a ` +
          `subscriber with maxQueue ${this.#maxQueue} can take (${this.#largestFrame}); it was skipped for such ` +
          `subscribers. Give every channel that shares the broker the same maxQueue`,
      ),
    );
    return false;
  }
}
