/**
 * The HTTP client of workloads B and D, in a process of its own: `node client.mjs '<json>'`.
 * Prints one JSON line and exits.
 *   { workload: "B", base, n, checkN, warmN }   check 1,000 events, warm up, then time `n` events of shape b
 *   { workload: "D", base, samples, waitMs }    time to the first body byte when the first event waits
 *                                                (after 10 short requests that warm the connection up)
 */
import { performance } from "node:perf_hooks";
import { expectedEvents } from "./fixtures.mjs";
import { compareEvents, parseEvents } from "./verify.mjs";

const job = JSON.parse(process.argv[2]);

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
  await readAll(`${base}?shape=${shape}&n=${n}&tag=check`, (chunk) => chunks.push(chunk));
  return compareEvents(parseEvents(chunks), expectedEvents(shape, n));
}

async function workloadB({ base, n, checkN, warmN }) {
  const verdict = await check(base, "b", checkN);
  let bytes = 0;
  await readAll(`${base}?shape=b&n=${warmN}&tag=warm`, (chunk) => { bytes += chunk.byteLength; });
  bytes = 0;
  let chunks = 0;
  const start = performance.now();
  await readAll(`${base}?shape=b&n=${n}&tag=timed`, (chunk) => { bytes += chunk.byteLength; chunks++; });
  const seconds = (performance.now() - start) / 1000;
  return { ok: verdict.ok, detail: verdict.detail, eventsPerSec: n / seconds, seconds, bytes, chunks };
}

async function workloadD({ base, samples, waitMs, warmRequests = 10 }) {
  const verdict = await check(base, "b", 3);
  // A fresh client's first requests are slow (fetch's own start-up, JIT): warm the connection up
  // with short streams that do not wait, so that the samples measure the server.
  for (let i = 0; i < warmRequests; i++) await readAll(`${base}?shape=b&n=3&tag=warm${i}`, () => {});
  const firstByte = [];
  const headers = [];
  for (let s = 0; s < samples; s++) {
    const chunks = [];
    const start = performance.now();
    const response = await fetch(`${base}?shape=b&n=3&wait=${waitMs}&tag=ttfb${s}`);
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
  console.log(JSON.stringify({ ok: false, detail: "client time limit" }));
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
