/**
 * Workload H in RESULTS.md: the summary of its runs (results.node20.H[layout][contender], one run a
 * round) and its tables. report.mjs calls both; the helpers are report.mjs's own.
 */
import { checkCell, fmtInt, fmtKB, fmtMs, median, ranked, status, table } from "./report.mjs";

const isFloor = (name) => name.startsWith("floor");
const isRedis = (name) => name.includes("Redis");

/** Per layout, per contender: medians over rounds. Also, per contender, a channel alone and a subscriber alone. */
export function summarizeH(resultsH = {}) {
  const layouts = Object.entries(resultsH).map(([key, byContender]) => ({
    key,
    rows: Object.entries(byContender).map(([name, runs]) => {
      const ok = runs.filter((r) => r.ok);
      const per = (f) => median(ok.map(f));
      return {
        name,
        ...status(runs),
        channels: runs[0]?.channels,
        perChannel: runs[0]?.perChannel,
        subscribers: runs[0]?.subscribers,
        heapPerChannel: per((r) => r.heapDelta / r.channels),
        heapPerSubscriber: per((r) => r.heapDelta / r.subscribers),
        rssPerSubscriber: per((r) => r.rssDelta / r.subscribers),
        singleP50: per((r) => r.single.p50),
        singleP99: per((r) => r.single.p99),
        burstP50: per((r) => r.burst.p50),
        burstP99: per((r) => r.burst.p99),
        burstLast: per((r) => r.burst.last),
        burstCpuMs: per((r) => r.burst.cpuMs),
        joinSeconds: per((r) => r.joinSeconds),
        redisConnections:
          ok.length && ok[0].connections ? Math.max(...ok.map((r) => r.connections.subscriber)) : undefined,
        publisherConnections: ok[0]?.connections?.publisher,
        channelsLeft: ok.length ? Math.max(...ok.map((r) => r.channelsLeft ?? Number.NaN)) : undefined,
      };
    }),
  }));
  // Two layouts with as many subscribers and different channel counts: the difference is the channels'.
  const byKey = Object.fromEntries(layouts.map((l) => [l.key, resultsH[l.key]]));
  const [many, few] = [...layouts].sort((x, y) => (y.rows[0]?.channels ?? 0) - (x.rows[0]?.channels ?? 0));
  const split = [];
  if (
    many &&
    few &&
    many.rows[0]?.subscribers === few.rows[0]?.subscribers &&
    many.rows[0]?.channels !== few.rows[0]?.channels
  ) {
    for (const name of Object.keys(byKey[many.key])) {
      const rounds = byKey[many.key][name]
        .filter((r) => r.ok)
        .map((big) => [big, byKey[few.key][name]?.find((small) => small.ok && small.round === big.round)])
        .filter(([, small]) => small !== undefined);
      const channelAlone = (key) =>
        rounds.map(([big, small]) => (big[key] - small[key]) / (big.channels - small.channels));
      const subscriberAlone = (key) =>
        rounds.map(
          ([big, small]) =>
            (small[key] - (small.channels * (big[key] - small[key])) / (big.channels - small.channels)) /
            small.subscribers,
        );
      split.push({
        name,
        rounds: rounds.length,
        heapChannel: median(channelAlone("heapDelta")),
        heapSubscriber: median(subscriberAlone("heapDelta")),
        rssChannel: median(channelAlone("rssDelta")),
        rssSubscriber: median(subscriberAlone("rssDelta")),
      });
    }
  }
  return { layouts, split, many: many?.key, few: few?.key };
}

/** RESULTS.md's section for H. */
export function renderH(out, summary, c, from) {
  if (summary.layouts.length === 0) return;
  out.push(
    `#### H. Channels at scale (one process; ${c.publishes} publishes one channel at a time, ${c.bursts} to every channel at once; ` +
      `median of ${c.rounds}${from}`,
    "",
  );
  out.push(
    "Subscribers are in-process streams, each read by a reader loop with a `Request` and an `AbortSignal` of its own (no sockets: the " +
      "library's cost). Heap: `heapUsed` after `gc()` with every subscriber live and idle, minus the same before, per channel and per subscriber " +
      "(it includes the harness's `Request`, `AbortController` and reader loop per subscriber, as the floor shows); RSS likewise. " +
      "One channel at a time: one event on one channel, the next after it arrived; the time from the publish call until the last " +
      "subscriber of that channel has read the chunk that ends it; p50 and p99 over the publishes (no `gc()` between them: pauses count). " +
      "Every channel at once: one event on every channel, published together; from the first publish call until each subscriber has it: " +
      "p50, p99 and the last subscriber; the process's CPU meanwhile. edge-sse (Redis): a redis-server on 127.0.0.1, the publishes made by " +
      "another process (clock: `performance.timeOrigin + performance.now()`, shared by the processes); Redis connections: `CLIENT LIST` " +
      "entries the subscribing process opened (its publisher process used 1 more). Ranked by heap per subscriber among the in-memory " +
      "contenders; the Redis row and the floor (no library: a `Set` of streams per name) are not ranked. Channels held after: how many " +
      "channels the library still holds once every subscriber's request has aborted. Check: every subscriber's bytes parsed with " +
      "eventsource-parser after every publish, and every stream ends when its request aborts.",
    "",
  );
  for (const { rows } of summary.layouts) {
    const first = rows[0];
    out.push(
      `${fmtInt(first?.channels)} channels × ${fmtInt(first?.perChannel)} subscriber${first?.perChannel === 1 ? "" : "s"}:`,
      "",
    );
    const memoryRows = ranked(
      rows.filter((r) => !isFloor(r.name) && !isRedis(r.name)),
      "heapPerSubscriber",
      true,
    );
    const others = rows
      .filter((r) => isFloor(r.name) || isRedis(r.name))
      .map((r) => ({ ...r, rank: r.state !== "ok" ? r.state : isFloor(r.name) ? "floor" : "Redis" }));
    out.push(
      table(
        [
          "rank",
          "contender",
          "heap/channel",
          "heap/subscriber",
          "RSS/subscriber",
          "one channel: p50",
          "p99",
          "every channel: p50",
          "p99",
          "to the last",
          "CPU ms",
          "Redis connections",
          "channels held after",
          "check",
        ],
        [...memoryRows, ...others].map((r) => [
          r.rank,
          r.name,
          fmtKB(r.heapPerChannel),
          fmtKB(r.heapPerSubscriber),
          fmtKB(r.rssPerSubscriber),
          fmtMs(r.singleP50, 2),
          fmtMs(r.singleP99, 2),
          fmtMs(r.burstP50),
          fmtMs(r.burstP99),
          fmtMs(r.burstLast),
          r.burstCpuMs?.toFixed(0) ?? "–",
          r.redisConnections === undefined ? "–" : String(r.redisConnections),
          fmtInt(r.channelsLeft),
          checkCell(r),
        ]),
      ),
      "",
    );
  }
  if (summary.split.length > 0) {
    const many = summary.layouts.find((l) => l.key === summary.many).rows[0];
    const few = summary.layouts.find((l) => l.key === summary.few).rows[0];
    out.push(
      `A channel and a subscriber apart: both layouts hold ${fmtInt(many.subscribers)} subscribers, so the difference of their memory ` +
        `is ${fmtInt(many.channels - few.channels)} channels' (per round, then the median): a channel alone = (${summary.many} − ` +
        `${summary.few}) ÷ ${fmtInt(many.channels - few.channels)}; a subscriber alone = what is left of ${summary.few} ÷ its subscribers.`,
      "",
    );
    out.push(
      table(
        [
          "contender",
          "heap: a channel alone",
          "heap: a subscriber alone",
          "RSS: a channel alone",
          "RSS: a subscriber alone",
        ],
        summary.split.map((r) => [
          r.name,
          fmtKB(r.heapChannel),
          fmtKB(r.heapSubscriber),
          fmtKB(r.rssChannel),
          fmtKB(r.rssSubscriber),
        ]),
        "lrrrr",
      ),
      "",
    );
  }
}
