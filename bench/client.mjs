/**
 * The HTTP client of workloads B and D, in a process of its own (always Node 20, whatever runtime
 * serves): `node client.mjs '<json>'`. Prints one JSON line and exits.
 *   { workload: "B", base, n, checkN, warmN, serverPid, proxyPids }
 *        check 1,000 events, warm up, then time `n` events of shape b, repeated until 1.5 s are
 *        measured (at most 5 times; the median repetition counts); the server's CPU time over each
 *        timed request is read from /proc/<serverPid> (and its proxies', for wrangler dev)
 *   { workload: "D", base, samples, waitMs }    time to the first body byte when the first event waits
 *                                                (after 10 short requests that warm the connection up)
 */
import { performance } from "node:perf_hooks";
import { expectedEvents } from "./fixtures.mjs";
import { processCpuNs } from "./machine.mjs";
import { compareEvents, parseEvents } from "./verify.mjs";

const job = JSON.parse(process.argv[2]);

/** `base` with the benchmark's query added (base may have a query of its own, e.g. `?c=hono`). */
function urlOf(base, params) {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return url.href;
}

async function readAll(url, onChunk) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: status ${response.status}`);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onChunk(value);
  }
}

async function check(base, shape, n) {
  const chunks = [];
  await readAll(urlOf(base, { shape, n, tag: "check" }), (chunk) => chunks.push(chunk));
  return compareEvents(parseEvents(chunks), expectedEvents(shape, n));
}

/**
 * Workload B: repeat the timed request until this many seconds are measured, at most MAX_REPS
 * times, as workload A does: a server's first 100,000 events after a short warm-up still run
 * partly unoptimized code, and one stray pause would skew a single request.
 */
const MIN_TIMED_S = 1.5;
const MAX_REPS = 5;

async function workloadB({ base, n, checkN, warmN, serverPid, proxyPids = [] }) {
  const verdict = await check(base, "b", checkN);
  await readAll(urlOf(base, { shape: "b", n: warmN, tag: "warm" }), () => {});
  const proxyCpu = () => proxyPids.reduce((sum, pid) => sum + (processCpuNs(pid) ?? 0), 0);
  const reps = [];
  let timed = 0;
  while (reps.length < MAX_REPS && (reps.length === 0 || timed < MIN_TIMED_S)) {
    let bytes = 0;
    let chunks = 0;
    const cpu = processCpuNs(serverPid);
    const proxy = proxyCpu();
    const start = performance.now();
    await readAll(urlOf(base, { shape: "b", n, tag: `timed${reps.length}` }), (chunk) => {
      bytes += chunk.byteLength;
      chunks++;
    });
    const seconds = (performance.now() - start) / 1000;
    timed += seconds;
    reps.push({ seconds, bytes, chunks, serverCpuNs: processCpuNs(serverPid) - cpu, proxyCpuNs: proxyCpu() - proxy });
  }
  // The median repetition by wall time; its server CPU is reported with it.
  const mid = [...reps].sort((x, y) => x.seconds - y.seconds)[(reps.length - 1) >> 1];
  return {
    ok: verdict.ok,
    detail: verdict.detail,
    eventsPerSec: n / mid.seconds,
    seconds: mid.seconds,
    reps: reps.length,
    bytes: mid.bytes,
    chunks: mid.chunks,
    serverCpuUsPerEvent: Number.isFinite(mid.serverCpuNs) ? mid.serverCpuNs / 1000 / n : undefined,
    proxyCpuUsPerEvent: proxyPids.length > 0 ? mid.proxyCpuNs / 1000 / n : undefined,
  };
}

async function workloadD({ base, samples, waitMs, warmRequests = 10 }) {
  const verdict = await check(base, "b", 3);
  // A fresh client's first requests are slow (fetch's own start-up, JIT): warm the connection up
  // with short streams that do not wait, so that the samples measure the server.
  for (let i = 0; i < warmRequests; i++) await readAll(urlOf(base, { shape: "b", n: 3, tag: `warm${i}` }), () => {});
  const firstByte = [];
  const headers = [];
  for (let s = 0; s < samples; s++) {
    const chunks = [];
    const start = performance.now();
    const response = await fetch(urlOf(base, { shape: "b", n: 3, wait: waitMs, tag: `ttfb${s}` }));
    headers.push(performance.now() - start);
    const reader = response.body.getReader();
    let first;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (first === undefined && value.byteLength > 0) first = performance.now() - start;
      chunks.push(value);
    }
    firstByte.push(first ?? Infinity);
    const late = compareEvents(parseEvents(chunks), expectedEvents("b", 3));
    if (!late.ok && verdict.ok) Object.assign(verdict, late);
  }
  return { ok: verdict.ok, detail: verdict.detail, firstByteMs: firstByte, headersMs: headers };
}

setTimeout(() => {
  console.log(
    JSON.stringify({
      ok: false,
      detail: `not done within the client's time limit (${Math.round((job.timeLimitMs ?? 120_000) / 1000)} s)`,
    }),
  );
  process.exit(3);
}, job.timeLimitMs ?? 120_000).unref();

try {
  const result = await (job.workload === "B" ? workloadB(job) : workloadD(job));
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ ok: false, detail: `failed: ${error?.stack ?? error}` }));
  process.exit(1);
}
