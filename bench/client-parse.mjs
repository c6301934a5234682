/**
 * Parse throughput of edge-sse/client against eventsource-parser, in one process, rounds interleaved
 * (the contender order rotates each round), on the same bytes cut into the same chunks.
 *
 *   node client-parse.mjs            (after `npm run build` at the root, and `npm ci` here)
 *   node client-parse.mjs --quick    fewer rounds and events
 *
 * Two levels, each against its own baseline:
 * - the parser alone: edge-sse's `createEventStreamParser` fed the byte chunks, against
 *   eventsource-parser's `createParser` fed the same chunks through one streaming `TextDecoder`
 *   (what a hand-written loop does); both call back once per event;
 * - the client over a fetch: edge-sse's `subscribe()` with `for await`, against a hand-written fetch loop
 *   (`response.body.getReader()`, a `TextDecoder`, eventsource-parser's `createParser`), and against
 *   eventsource-parser's own stream (`body.pipeThrough(new TextDecoderStream()).pipeThrough(new
 *   EventSourceParserStream())` with `for await`). The fetch is in-process: a `Response` over the chunks.
 *
 * Every contender must see the same events (count and a checksum of types, data and ids) or the run
 * fails: a contender cannot win by parsing less. Figures are the median over rounds; ratios are
 * "× eventsource-parser" of the same level (above 1: edge-sse is faster).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createParser } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT = join(HERE, "../dist/client.js");
if (!existsSync(CLIENT)) {
  console.error("bench: ../dist/client.js is missing: run `npm run build` in the repository root first");
  process.exit(1);
}
const { createEventStreamParser, subscribe } = await import(pathToFileURL(CLIENT).href);

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const CHUNK = 16 * 1024;

/** The workloads: the bytes of a whole stream, as a server would send them. */
function workloads() {
  const encoder = new TextEncoder();
  const make = (count, frame) => {
    let text = ": first bytes\n\n";
    for (let n = 0; n < count; n++) text += frame(n);
    return encoder.encode(text);
  };
  const words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dogs", "über", "漢字", "😀"];
  return [
    {
      name: "small JSON events with ids and names (a ticker)",
      bytes: make(
        QUICK ? 40_000 : 200_000,
        (n) => `event: tick\nid: ${n}\ndata: {"n":${n},"price":${(n * 1.37).toFixed(2)},"symbol":"EDGE"}\n\n`,
      ),
    },
    {
      name: "LLM tokens (one short data line each, CRLF)",
      bytes: make(
        QUICK ? 60_000 : 300_000,
        (n) => `data: {"token":"${words[n % words.length]} ","index":${n}}\r\n\r\n`,
      ),
    },
    {
      name: "large multi-line events (4 KiB of data in 64 lines)",
      bytes: make(
        QUICK ? 1_500 : 8_000,
        (n) => `id: ${n}\n${`data: ${"x".repeat(57)}${String(n % 10)}\n`.repeat(64)}\n`,
      ),
    },
  ];
}

function chunksOf(bytes) {
  const chunks = [];
  for (let start = 0; start < bytes.length; start += CHUNK) chunks.push(bytes.subarray(start, start + CHUNK));
  return chunks;
}

/** A checksum of what a contender saw. */
function tally() {
  let count = 0;
  let sum = 0;
  return {
    add(type, data, id) {
      count++;
      sum =
        (sum * 31 + type.length + data.length * 7 + id.length * 13 + data.charCodeAt(data.length - 1)) % 1_000_000_007;
    },
    result: () => `${count}:${sum}`,
  };
}

const responseOf = (chunks) =>
  new Response(
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );

const CONTENDERS = {
  parser: {
    "edge-sse createEventStreamParser": async (chunks) => {
      const seen = tally();
      const parser = createEventStreamParser({ onEvent: (e) => seen.add(e.event, e.data, e.id) });
      for (const chunk of chunks) parser.feed(chunk);
      parser.end();
      return seen.result();
    },
    "eventsource-parser createParser + TextDecoder": async (chunks) => {
      const seen = tally();
      let lastId = "";
      const parser = createParser({
        onEvent: (e) => {
          if (e.id !== undefined) lastId = e.id;
          seen.add(e.event ?? "message", e.data, lastId);
        },
      });
      const decoder = new TextDecoder();
      for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
      return seen.result();
    },
  },
  client: {
    "edge-sse subscribe() + for await": async (chunks) => {
      const seen = tally();
      for await (const e of subscribe("https://bench.test/events", {
        fetch: async () => responseOf(chunks),
        reconnect: false,
      })) {
        seen.add(e.event, e.data, e.id);
      }
      return seen.result();
    },
    "hand-written fetch loop + eventsource-parser": async (chunks) => {
      const seen = tally();
      let lastId = "";
      const parser = createParser({
        onEvent: (e) => {
          if (e.id !== undefined) lastId = e.id;
          seen.add(e.event ?? "message", e.data, lastId);
        },
      });
      const response = await (async () => responseOf(chunks))();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      return seen.result();
    },
    "eventsource-parser EventSourceParserStream + for await": async (chunks) => {
      const seen = tally();
      let lastId = "";
      const response = await (async () => responseOf(chunks))();
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
      for await (const e of events) {
        if (e.id !== undefined) lastId = e.id;
        seen.add(e.event ?? "message", e.data, lastId);
      }
      return seen.result();
    },
  },
};
const BASELINE = {
  parser: "eventsource-parser createParser + TextDecoder",
  client: "hand-written fetch loop + eventsource-parser",
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

console.log(
  `edge-sse/client parse throughput: ${ROUNDS} rounds, interleaved, ${CHUNK / 1024} KiB chunks, Node ${process.version}\n`,
);
for (const workload of workloads()) {
  const chunks = chunksOf(workload.bytes);
  const mb = workload.bytes.length / 1e6;
  for (const [level, contenders] of Object.entries(CONTENDERS)) {
    const names = Object.keys(contenders);
    const times = new Map(names.map((name) => [name, []]));
    const results = new Map();
    for (const name of names) results.set(name, await contenders[name](chunks)); // warm-up, and the checksums
    const expected = results.get(BASELINE[level]);
    for (const [name, result] of results) {
      if (result !== expected) throw new Error(`bench: ${name} saw ${result}, ${BASELINE[level]} saw ${expected}`);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const start = performance.now();
        await contenders[name](chunks);
        times.get(name).push(performance.now() - start);
      }
    }
    const base = median(times.get(BASELINE[level]));
    const events = Number(expected.split(":")[0]);
    console.log(`${workload.name}, ${level} (${events} events, ${mb.toFixed(1)} MB):`);
    for (const name of names) {
      const ms = median(times.get(name));
      console.log(
        `  ${name.padEnd(56)} ${ms.toFixed(1).padStart(8)} ms  ${(mb / (ms / 1000)).toFixed(0).padStart(5)} ` +
          `MB/s  ${(events / (ms / 1000) / 1e6).toFixed(2).padStart(5)} M events/s  ×${(base / ms).toFixed(2)}`,
      );
    }
    console.log("");
  }
}
