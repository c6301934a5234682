/**
 * One in-process job, run in a child process of its own, printing one JSON line with its result.
 * The entry of Node, Deno and Bun (each of them has `process.cpuUsage()` and `process.memoryUsage()`):
 *   node --expose-gc worker.mjs '<json>'
 *   deno run -A --v8-flags=--expose-gc worker.mjs '<json>'
 *   bun worker.mjs '<json>'
 * `job.dist` is the copy of edge-sse's build to load (see edge-dist.mjs). Jobs:
 *   { workload: "A", contender, shape, n, checkN, warmN }   throughput, drained in-process
 *   { workload: "C", contender, streams }                     idle memory per stream
 *   { workload: "E", variant, n, rate }                       push mode into a slow reader
 *   { workload: "F", contender, subscribers, publishes, warmPublishes }   fan-out to many readers
 */
import { drain, makeContenders } from "./contenders.mjs";
import { distUrl, runtimeInfo } from "./edge-dist.mjs";
import { expectedEvents, POOL_B, POOL_SIZE } from "./fixtures.mjs";
import { compareEvents, endsWithBlankLine, eventCollector, parseEvents, streamChecker } from "./verify.mjs";

const job = JSON.parse(process.argv[2]);
const { CEILINGS, HANDLERS, PUSHERS } = makeContenders(await import(distUrl(job.dist, "index.js")));
/** A full collection: V8's `gc()` (Node `--expose-gc`, Deno `--v8-flags=--expose-gc`) or Bun's. */
const gc =
  globalThis.gc ??
  (globalThis.Bun
    ? () => globalThis.Bun.gc(true)
    : () => {
        throw new Error("run with --expose-gc");
      });
const BASE = "http://127.0.0.1/events";
/** Workload A: repeat the timed run until this many seconds are measured, at most MAX_REPS times. */
const MIN_TIMED_S = 0.6;
const MAX_REPS = 5;

function cpuMicros(since) {
  const usage = process.cpuUsage(since);
  return usage.user + usage.system;
}

/** Workload A: one full stream of `n` events, handed chunk by chunk to `onChunk`. */
async function produce(contender, shape, n, onChunk, prepared) {
  const ceiling = CEILINGS[contender];
  if (ceiling !== undefined) return ceiling.run(shape, n, onChunk, prepared);
  const response = await HANDLERS[contender](new Request(`${BASE}?shape=${shape}&n=${n}`));
  await drain(response.body, onChunk);
}

async function workloadA({ contender, shape, n, checkN, warmN }) {
  const ceiling = CEILINGS[contender];
  const prepare = (count) => ceiling?.prepare?.(shape, count);

  const chunks = [];
  await produce(contender, shape, checkN, (chunk) => chunks.push(chunk), prepare(checkN));
  const check = compareEvents(parseEvents(chunks), expectedEvents(shape, checkN));

  let bytes = 0;
  const count = (chunk) => {
    bytes += chunk.byteLength;
  };
  await produce(contender, shape, warmN, count, prepare(warmN));

  // The timed run, repeated while less than MIN_TIMED_S has been measured (at most MAX_REPS
  // times): a fast contender's 200,000 events take a fraction of a second, which one stray pause
  // would skew. The median repetition is reported.
  const prepared = prepare(n);
  const reps = [];
  let timed = 0;
  while (reps.length < MAX_REPS && (reps.length === 0 || timed < MIN_TIMED_S)) {
    bytes = 0;
    let chunkCount = 0;
    const countBoth = (chunk) => {
      bytes += chunk.byteLength;
      chunkCount++;
    };
    gc();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await produce(contender, shape, n, countBoth, prepared);
    const seconds = (performance.now() - start) / 1000;
    timed += seconds;
    reps.push({ seconds, cpuUs: cpuMicros(cpu), bytes, chunks: chunkCount });
  }
  const mid = [...reps].sort((x, y) => x.seconds - y.seconds)[(reps.length - 1) >> 1];
  return {
    ok: check.ok,
    detail: check.detail,
    eventsPerSec: n / mid.seconds,
    seconds: mid.seconds,
    reps: reps.length,
    cpuUsPerEvent: mid.cpuUs / n,
    bytes: mid.bytes,
    chunks: mid.chunks,
  };
}

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, arrayBuffers: m.arrayBuffers };
}

/** Opens one idle stream and reads until its first event has arrived. */
async function openIdle(contender) {
  const abort = new AbortController();
  const request = new Request(`${BASE}?shape=b&n=1&idle=1`, { signal: abort.signal });
  const response = await HANDLERS[contender](request);
  const reader = response.body.getReader();
  const collector = eventCollector({ keep: false });
  while (collector.count === 0) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${contender}: the idle stream ended`);
    collector.feed(value);
  }
  return { abort, request, response, reader };
}

async function workloadC({ contender, streams }) {
  const warm = [];
  for (let i = 0; i < 50; i++) warm.push(await openIdle(contender));
  // Close as a server does when clients leave: abort the request, cancel the body. Not awaited: a
  // cancel may wait for the generator's cleanup, and these generators wait forever.
  for (const s of warm) {
    s.abort.abort();
    s.reader.cancel().catch(() => {});
  }
  warm.length = 0;
  await new Promise((resolve) => setTimeout(resolve, 50));

  const before = memory();
  const open = [];
  for (let i = 0; i < streams; i++) open.push(await openIdle(contender));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = memory();
  const result = {
    ok: true,
    detail: `${streams} streams open`,
    heapPerStream: (after.heapUsed - before.heapUsed) / streams,
    rssPerStream: (after.rss - before.rss) / streams,
    arrayBuffersPerStream: (after.arrayBuffers - before.arrayBuffers) / streams,
  };
  if (open.length !== streams) throw new Error("lost streams");
  return result;
}

/** Workload E: a push producer at full speed into a reader limited to `rate` bytes per second. */
async function workloadE({ variant, n, rate, readLimitMs = 60_000, sampleMs = 25 }) {
  const base = memory();
  let maxGrowth = -Infinity;
  let maxHeapGrowth = -Infinity;
  let samples = 0;
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    samples++;
    maxGrowth = Math.max(maxGrowth, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    maxHeapGrowth = Math.max(maxHeapGrowth, m.heapUsed - base.heapUsed);
  };
  const sampler = setInterval(sample, sampleMs);

  let reason;
  const start = performance.now();
  const response = await PUSHERS[variant](n, (r) => {
    reason ??= r;
  });
  const reader = response.body.getReader();
  const collector = eventCollector({ keep: false });
  let bytes = 0;
  let readError;
  const tick = 5;
  const perTick = (rate * tick) / 1000;
  let allowance = perTick;
  try {
    for (;;) {
      if (performance.now() - start > readLimitMs) {
        readError = "time limit";
        await reader.cancel();
        break;
      }
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      collector.feed(value);
      allowance -= value.byteLength;
      while (allowance <= 0) {
        await new Promise((resolve) => setTimeout(resolve, tick));
        allowance += perTick;
      }
    }
  } catch (error) {
    readError = error?.name === "StreamClosedError" ? `errored: ${error.message}` : String(error?.message ?? error);
  }
  const seconds = (performance.now() - start) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 20));
  sample();
  clearInterval(sampler);
  return {
    ok: true,
    detail: readError ?? "read to the end",
    closeReason: reason ?? "(none reported)",
    delivered: collector.count,
    sent: n,
    bytes,
    seconds,
    maxGrowth,
    maxHeapGrowth,
    samples,
  };
}

// ---------------------------------------------------------------------------------------------
// Workload F: one channel, `subscribers` readers in this process, events published one at a time.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/**
 * Counts UTF-8 encodings (`TextEncoder#encode` and `#encodeInto`, whichever instance) while `run`
 * runs. Only around untimed publishes: the wrapper costs a little per call.
 */
async function countingUtf8(counters, run) {
  const proto = TextEncoder.prototype;
  const { encode, encodeInto } = proto;
  proto.encode = function (...args) {
    counters.utf8++;
    return encode.apply(this, args);
  };
  proto.encodeInto = function (...args) {
    counters.utf8++;
    return encodeInto.apply(this, args);
  };
  try {
    return await run();
  } finally {
    proto.encode = encode;
    proto.encodeInto = encodeInto;
  }
}

async function workloadF({
  contender,
  subscribers,
  publishes,
  warmPublishes,
  warmSubscribers = 50,
  publishLimitMs = 30_000,
}) {
  const { HUBS } = await import("./fanout.mjs");
  const counters = { serialize: 0, utf8: 0 };
  const hub = await HUBS[contender](counters, job.dist);

  /** The publish window: subscribers that have received the current event count down `pending`. */
  const window = { open: false, pending: 0, resolve: () => {} };
  /** A reader loop per subscriber, as a client of the stream would run: it keeps what it reads for the check. */
  function follow(stream, abort) {
    const sub = {
      abort,
      reader: stream.getReader(),
      chunks: [],
      got: false,
      ended: false,
      error: undefined,
      checker: undefined,
    };
    (async () => {
      for (;;) {
        const { done, value } = await sub.reader.read();
        if (done) break;
        sub.chunks.push(value);
        if (window.open && !sub.got && endsWithBlankLine(value)) {
          sub.got = true;
          if (--window.pending === 0) window.resolve();
        }
      }
    })().then(
      () => {
        sub.ended = true;
      },
      (error) => {
        sub.ended = true;
        sub.error = error;
      },
    );
    return sub;
  }
  /** One subscriber as a server makes one per connection: a Request with an AbortSignal. */
  async function open() {
    const abort = new AbortController();
    const request = new Request(`${BASE}?fanout=1`, { signal: abort.signal });
    return follow(await hub.open(request), abort);
  }
  /** Waits until the library counts `count` live subscribers and each has its first bytes (or 0.5 s more). */
  async function settle(count, subs) {
    const deadline = performance.now() + 60_000;
    let countedAt;
    for (;;) {
      if (hub.count === count) {
        countedAt ??= performance.now();
        if (subs.every((s) => s.chunks.length > 0) || performance.now() - countedAt > 500) return;
      }
      if (performance.now() > deadline) throw new Error(`${hub.count} of ${count} subscribers live after 60 s`);
      await sleep(10);
    }
  }
  /** Publishes event `index` to `subs`; resolves to its id and the time until every one of them had it. */
  async function publishOne(subs, index, timed) {
    for (const s of subs) s.got = false;
    window.pending = subs.length;
    const received = new Promise((resolve) => {
      window.resolve = resolve;
    });
    let limit;
    const late = new Promise((resolve) => {
      limit = setTimeout(resolve, publishLimitMs, "late");
    });
    const value = POOL_B[index % POOL_SIZE].value;
    if (timed) gc();
    window.open = true;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const outcome = await Promise.race([Promise.all([hub.publish(value, index), received]), late]);
    const ms = performance.now() - start;
    const cpuUs = cpuMicros(cpu);
    window.open = false;
    clearTimeout(limit);
    if (outcome === "late") {
      throw new Error(
        `publish ${index}: ${subs.length - window.pending} of ${subs.length} subscribers had it after ${publishLimitMs / 1000} s`,
      );
    }
    const expected = [{ type: "message", data: JSON.stringify(value), lastEventId: String(outcome[0]) }];
    return { ms, cpuUs, expected };
  }
  /** Checks what each subscriber read since the last check; counts the distinct chunks and buffers. */
  function check(subs, expected, label) {
    const objects = new Set();
    const buffers = new Set();
    let chunks = 0;
    let wrong;
    for (let k = 0; k < subs.length; k++) {
      const s = subs[k];
      for (const chunk of s.chunks) {
        objects.add(chunk);
        buffers.add(chunk.buffer);
      }
      chunks += s.chunks.length;
      const result = s.checker.check(s.chunks, expected);
      s.chunks = [];
      if (!result.ok && wrong === undefined) wrong = `${label}, subscriber ${k + 1}: ${result.detail}`;
    }
    return { wrong, objects: objects.size, buffers: buffers.size, chunksPerSubscriber: chunks / subs.length };
  }
  /** Ends every subscriber; resolves to how many reader loops saw their stream end within 5 s. */
  async function closeAll(subs) {
    await hub.close(() => {
      for (const s of subs) s.abort.abort();
    });
    const deadline = performance.now() + 5_000;
    while (subs.some((s) => !s.ended) && performance.now() < deadline) await sleep(10);
    return subs.filter((s) => s.ended).length;
  }

  /** The subscribers' clients go away (their requests abort); waits for the library to drop them. */
  async function leave(subs) {
    for (const s of subs) s.abort.abort();
    const deadline = performance.now() + 5_000;
    while ((hub.count > 0 || subs.some((s) => !s.ended)) && performance.now() < deadline) await sleep(10);
    for (const s of subs) if (!s.ended) s.reader.cancel().catch(() => {});
  }

  let next = 0;
  // Warm-up: a few subscribers get one event and leave, so that the code paths have run once.
  const warm = [];
  for (let i = 0; i < warmSubscribers; i++) warm.push(await open());
  await settle(warmSubscribers, warm);
  for (const s of warm) s.checker = streamChecker();
  const warmCheck = check(warm, [], "before the first publish (warm-up)");
  const warmPublish = await publishOne(warm, next++, false);
  const warmResult = check(warm, warmPublish.expected, "warm-up publish");
  await leave(warm);
  warm.length = 0;
  await sleep(50);

  // Memory: every subscriber live and idle, its first bytes read (and dropped: they have reached the client).
  const before = memory();
  const subs = [];
  for (let i = 0; i < subscribers; i++) subs.push(await open());
  await settle(subscribers, subs);
  let firstBytes = 0;
  let firstWrong = warmCheck.wrong ?? warmResult.wrong;
  for (let k = 0; k < subs.length; k++) {
    const s = subs[k];
    firstBytes += s.chunks.reduce((sum, c) => sum + c.byteLength, 0);
    const events = parseEvents(s.chunks);
    const last = s.chunks.at(-1);
    if ((events.length > 0 || (last !== undefined && !endsWithBlankLine(last))) && firstWrong === undefined) {
      firstWrong = `subscriber ${k + 1}: its first bytes are not whole frames without events`;
    }
    s.chunks = [];
  }
  await sleep(50);
  const after = memory();
  const memoryResult = {
    heapPerSubscriber: (after.heapUsed - before.heapUsed) / subscribers,
    arrayBuffersPerSubscriber: (after.arrayBuffers - before.arrayBuffers) / subscribers,
    rssPerSubscriber: (after.rss - before.rss) / subscribers,
    firstBytesPerSubscriber: firstBytes / subscribers,
  };
  for (const s of subs) s.checker = streamChecker();

  // Untimed publishes: checked, with UTF-8 encodings counted.
  const utf8Before = counters.utf8;
  const warmStats = [];
  await countingUtf8(counters, async () => {
    for (let p = 0; p < warmPublishes; p++) {
      const { expected } = await publishOne(subs, next++, false);
      const stats = check(subs, expected, `untimed publish ${p + 1}`);
      firstWrong ??= stats.wrong;
      warmStats.push(stats);
    }
  });
  const utf8PerPublish = (counters.utf8 - utf8Before) / warmPublishes;

  // Timed publishes: gc() before each, the clock from publish() until the last subscriber's read.
  const serializeBefore = counters.serialize;
  const timedRuns = [];
  for (let p = 0; p < publishes; p++) {
    const run = await publishOne(subs, next++, true);
    const stats = check(subs, run.expected, `timed publish ${p + 1}`);
    firstWrong ??= stats.wrong;
    timedRuns.push({
      ms: run.ms,
      cpuUs: run.cpuUs,
      objects: stats.objects,
      buffers: stats.buffers,
      chunks: stats.chunksPerSubscriber,
    });
  }
  const serializePerPublish = (counters.serialize - serializeBefore) / publishes;

  const lastCount = hub.count;
  const ended = await closeAll(subs);
  const errors = subs.filter((s) => s.error !== undefined).length;
  const all = [...warmStats, ...timedRuns];
  return {
    ok: firstWrong === undefined,
    detail: firstWrong ?? `${subscribers} subscribers × ${warmPublishes + publishes} events match`,
    subscribers,
    publishes,
    msPerPublish: median(timedRuns.map((r) => r.ms)),
    msPerPublishMin: Math.min(...timedRuns.map((r) => r.ms)),
    msPerPublishMax: Math.max(...timedRuns.map((r) => r.ms)),
    cpuMsPerPublish: median(timedRuns.map((r) => r.cpuUs)) / 1000,
    serializePerPublish,
    utf8PerPublish,
    /** Distinct Uint8Array objects (and ArrayBuffers) all subscribers together read per publish. */
    chunkObjectsPerPublish: median(all.map((r) => r.objects)),
    chunkObjectsMax: Math.max(...all.map((r) => r.objects)),
    buffersPerPublish: median(all.map((r) => r.buffers)),
    chunksPerSubscriberPerPublish: median(all.map((r) => r.chunks)),
    ...memoryResult,
    countBeforeClose: lastCount,
    endedAfterClose: ended,
    readerErrors: errors,
  };
}

const timer = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, detail: "worker time limit" }));
  process.exit(3);
}, job.timeLimitMs ?? 120_000);
timer.unref();

/** A library's rejection that nobody handles must not end the job; it is counted and reported. */
let unhandled = 0;
process.on("unhandledRejection", () => {
  unhandled++;
});

const run = { A: workloadA, C: workloadC, E: workloadE, F: workloadF }[job.workload];
try {
  const result = await run(job);
  if (unhandled > 0) result.unhandledRejections = unhandled;
  result.runtime = runtimeInfo();
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ ok: false, detail: `failed: ${error?.stack ?? error}` }));
  process.exit(1);
}
