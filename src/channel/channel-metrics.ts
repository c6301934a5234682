import type { CloseType } from "../core/stream-closed-error.ts";

/** How much each open stream has queued, by stream: read when `queueDepth` is. */
const queues = new WeakMap<ChannelMetrics, Set<() => number>>();

/**
 * Counts of what channels did, for an operator's dashboard: give the same object as `metrics` to
 * any number of `Channel`s and `Channels` registries, and read it when scraped. The channels only
 * add to these counts; nothing is counted when no `metrics` is given.
 *
 * @example Counts as Prometheus text
 * ```ts
 * import { Channel, ChannelMetrics } from "edge-sse/channel";
 *
 * const metrics = new ChannelMetrics();
 * const channel = new Channel({ metrics });
 * const reader = (await channel.response({ keepAlive: false })).body!.getReader();
 * await reader.read(); // the first bytes: it has joined
 * await channel.publish("hello");
 * const text = [
 *   `sse_open_streams ${metrics.open}`,
 *   `sse_bytes_written_total ${metrics.bytesWritten}`,
 *   ...Object.entries(metrics.closed).map(([reason, n]) => `sse_closed_total{reason="${reason}"} ${n}`),
 * ].join("\n");
 * console.assert(text.startsWith("sse_open_streams 1\n") && metrics.bytesWritten > 0);
 * await reader.cancel();
 * ```
 */
export class ChannelMetrics {
  /** Subscribers' streams running now. */
  open = 0;
  /** Subscribers' streams that started (joined their channel). */
  opened = 0;
  /** Subscribers' streams that ended, by why (`"overflow"`: the client did not read fast enough). */
  readonly closed: Record<CloseType, number> = { done: 0, "client-gone": 0, error: 0, overflow: 0, expired: 0 };
  /** UTF-8 bytes of the events queued to subscribers (replayed, live and gap markers; not keep-alives). */
  bytesWritten = 0;
  /** Subscribers that resumed from a `Last-Event-ID` and were replayed what they missed. */
  replays = 0;
  /** Gap markers sent: resumes from an id the history no longer held. */
  gapMarkers = 0;
  /** Subscribers turned away by `maxSubscribers` (503 or a `TypeError`) or a drain (a retry hint or a `TypeError`). */
  refused = 0;

  /** UTF-16 code units queued and not yet read, over every open stream now. */
  get queueDepth(): number {
    let depth = 0;
    for (const queued of queues.get(this) ?? []) depth += queued();
    return depth;
  }
}

/**
 * Counts `queued()` in `metrics.queueDepth` until the returned function is called.
 */
export function trackQueue(metrics: ChannelMetrics, queued: () => number): () => void {
  let set = queues.get(metrics);
  if (set === undefined) queues.set(metrics, (set = new Set()));
  set.add(queued);
  return () => set.delete(queued);
}
