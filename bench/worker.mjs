/**
 * One in-process job, run in a child process of its own (`node --expose-gc worker.mjs '<json>'`),
 * printing one JSON line with its result. Jobs:
 *   { workload: "A", contender, shape, n, checkN, warmN }   throughput, drained in-process
 *   { workload: "C", contender, streams }                     idle memory per stream
 *   { workload: "E", variant, n, rate }                       push mode into a slow reader
 */
import { performance } from "node:perf_hooks";
import { CEILINGS, drain, HANDLERS, PUSHERS } from "./contenders.mjs";
import { expectedEvents } from "./fixtures.mjs";
import { compareEvents, eventCollector, parseEvents } from "./verify.mjs";

const job = JSON.parse(process.argv[2]);
const gc = globalThis.gc ?? (() => { throw new Error("run with --expose-gc"); });
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
  const count = (chunk) => { bytes += chunk.byteLength; };
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
    const countBoth = (chunk) => { bytes += chunk.byteLength; chunkCount++; };
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
  const response = await PUSHERS[variant](n, (r) => { reason ??= r; });
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

const timer = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, detail: "worker time limit" }));
  process.exit(3);
}, job.timeLimitMs ?? 120_000);
timer.unref();

/** A library's rejection that nobody handles must not end the job; it is counted and reported. */
let unhandled = 0;
process.on("unhandledRejection", () => { unhandled++; });

const run = { A: workloadA, C: workloadC, E: workloadE }[job.workload];
try {
  const result = await run(job);
  if (unhandled > 0) result.unhandledRejections = unhandled;
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ ok: false, detail: `failed: ${error?.stack ?? error}` }));
  process.exit(1);
}
