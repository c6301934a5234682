/**
 * Bytes saved and CPU per event of edge-sse/compress on shape b (~150-byte JSON, an event name, an id).
 *
 * The encoded events of shape b go through `compress(new Response(stream), request)` and are drained,
 * against the same stream drained uncompressed. Two ways of writing them:
 *   live:  one chunk per event, each one flushed: a stream whose events come one at a time;
 *   burst: 64 events per chunk, one flush per chunk: events that were ready together.
 * The CPU per event is the process's user + system CPU time (process.cpuUsage) of the compressed
 * drain minus that of the uncompressed one, over the events. The output is decompressed and checked
 * against the input before a figure is printed. Median of 5 interleaved rounds.
 *
 * Levels: zlib's `level` for gzip and deflate, brotli's quality (`brotliQuality`) for br.
 *
 * Run after `npm run build`: `node bench/compression.mjs` (Node only; EVENTS=20000 by default).
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { compress } from "../dist/compress.js";
import { encodeMessage, Message } from "../dist/index.js";
import { fixtureEvent } from "./fixtures.mjs";

const EVENTS = Number(process.env.EVENTS ?? 20_000);
const ROUNDS = 5;
const BURST = 64;
const encoder = new TextEncoder();

const events = Array.from({ length: EVENTS }, (_, i) => {
  const { data, event, id } = fixtureEvent("b", i);
  return encoder.encode(encodeMessage(Message.json(data).event(event).id(id)));
});
const inputBytes = events.reduce((sum, chunk) => sum + chunk.byteLength, 0);

/** The events as chunks of `perChunk` events each. */
function chunked(perChunk) {
  const chunks = [];
  for (let i = 0; i < events.length; i += perChunk) {
    const group = events.slice(i, i + perChunk);
    const chunk = new Uint8Array(group.reduce((sum, e) => sum + e.byteLength, 0));
    let at = 0;
    for (const e of group) {
      chunk.set(e, at);
      at += e.byteLength;
    }
    chunks.push(chunk);
  }
  return chunks;
}

const streamOf = (chunks) => {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
};

/** Drains `body`; returns its bytes. */
async function drain(body) {
  const parts = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** CPU microseconds and output of one drain. `coding` undefined: uncompressed. */
async function run(chunks, coding, level) {
  const request = new Request("http://bench/", { headers: coding ? { "accept-encoding": coding } : {} });
  const options = coding === "br" ? { brotliQuality: level } : { level };
  const start = process.cpuUsage();
  const response = compress(new Response(streamOf(chunks)), request, options);
  const output = await drain(response.body);
  const used = process.cpuUsage(start);
  return { cpuUs: used.user + used.system, output };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const expected = Buffer.concat(events);
const configs = [
  ["br", 1],
  ["br", 4],
  ["br", 5],
  ["br", 6],
  ["br", 9],
  ["br", 11],
  ["gzip", 1],
  ["gzip", 6],
  ["gzip", 9],
  ["deflate", 6],
];

console.log(
  `shape b: ${EVENTS} events, ${inputBytes} bytes (${(inputBytes / EVENTS).toFixed(1)} B/event), ${ROUNDS} rounds`,
);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
console.log("");
console.log(
  "| writes | coding | level (br: quality) | bytes sent | B/event | ratio | saved | CPU µs/event (over identity) |",
);
console.log("|---|---|---|---:|---:|---:|---:|---:|");
for (const [writes, perChunk] of [
  ["live (1 event/chunk)", 1],
  [`burst (${BURST} events/chunk)`, BURST],
]) {
  const chunks = chunked(perChunk);
  const identity = [];
  const compressed = configs.map(() => []);
  const sizes = configs.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    identity.push((await run(chunks)).cpuUs);
    for (const [index, [coding, level]] of configs.entries()) {
      const { cpuUs, output } = await run(chunks, coding, level);
      const decoded =
        coding === "br" ? brotliDecompressSync(output) : coding === "gzip" ? gunzipSync(output) : inflateSync(output);
      if (!decoded.equals(expected))
        throw new Error(`${coding} level ${level}: the output does not decode to the input`);
      compressed[index].push(cpuUs);
      sizes[index] = output.byteLength;
    }
  }
  const base = median(identity);
  for (const [index, [coding, level]] of configs.entries()) {
    const sent = sizes[index];
    const perEvent = (median(compressed[index]) - base) / EVENTS;
    console.log(
      `| ${writes} | ${coding} | ${level} | ${sent} | ${(sent / EVENTS).toFixed(1)} | ${(inputBytes / sent).toFixed(2)}× | ` +
        `${((1 - sent / inputBytes) * 100).toFixed(0)} % | ${perEvent.toFixed(1)} |`,
    );
  }
}
