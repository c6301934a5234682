/**
 * edge-sse/compress on each runtime that has node:zlib (Node, Deno, Bun, workerd with nodejs_compat):
 * its server (`handleCompressSuite`) and the cases. The server writes event i only once the client has
 * asked for it (`/compress/release`), and the client asks only after it has decoded event i - 1, so a
 * compressor that held an event back stalls the case. Over HTTP the client is the runtime's own
 * `fetch`, which decompresses brotli and gzip itself; in workerd the cases call the handler in the
 * isolate and decode with the runtime's node:zlib. Checks are on what arrived, never on time.
 */
import assert from "node:assert/strict";
import { createBrotliDecompress, createGunzip } from "node:zlib";
import { DataStream, Message } from "edge-sse";
import { compress } from "edge-sse/compress";
import { parseWire } from "../helpers/event-reader.ts";

const EVENTS = 3;

/** The release of each event of each stream, by key. */
const gates = new Map<string, Array<() => void>>();

function gatesOf(key: string): Array<Promise<void>> {
  const releases: Array<() => void> = [];
  const waits = Array.from({ length: EVENTS }, () => new Promise<void>((resolve) => releases.push(resolve)));
  gates.set(key, releases);
  return waits;
}

/** `/compress/events?key=K` (the gated stream, compressed when the request accepts it), `/compress/release?key=K&n=I`. */
export function handleCompressSuite(request: Request): Response {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "";
  if (url.pathname === "/compress/release") {
    gates.get(key)?.[Number(url.searchParams.get("n"))]?.();
    return new Response(null, { status: 204 });
  }
  if (url.pathname !== "/compress/events") return new Response("not found", { status: 404 });
  const waits = gatesOf(key);
  const stream = new DataStream(
    async function* ({ signal }) {
      const ended = new Promise((resolve) => signal.addEventListener("abort", resolve));
      try {
        for (let i = 0; i < EVENTS; i++) {
          await Promise.race([waits[i], ended]);
          if (signal.aborted) return;
          yield Message.json({ n: i, text: "the same words again and again, the same words" }).id(String(i));
        }
      } finally {
        gates.delete(key);
      }
    },
    { request, keepAlive: false },
  );
  return compress(stream.toResponse(), request);
}

/** Where the cases reach `handleCompressSuite`. */
export interface CompressTarget {
  /** The server's origin, or any origin for a `fetch` that calls the handler itself. */
  readonly url: string;
  /** The runtime's `fetch` over HTTP when absent. */
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Whether that `fetch` decodes a compressed body itself (the runtime's does; the handler called directly does not). */
  readonly decodes: boolean;
}

/** One case, run on one runtime against `handleCompressSuite`. */
export interface CompressCase {
  readonly name: string;
  readonly timeoutMs: number;
  run(target: CompressTarget): Promise<void>;
}

/** `body` decoded from `coding` with node:zlib, each piece as soon as the decoder gives it. */
function decodedBody(body: ReadableStream<Uint8Array>, coding: string): ReadableStream<Uint8Array> {
  const decoder = coding === "br" ? createBrotliDecompress() : createGunzip();
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      decoder.on("data", (piece: Uint8Array) => controller.enqueue(new Uint8Array(piece)));
      decoder.once("end", () => controller.close());
      decoder.once("error", (error) => controller.error(error));
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return void decoder.end();
          decoder.write(value);
        }
      })().catch((error: unknown) => controller.error(error));
    },
    cancel(reason) {
      decoder.destroy();
      return reader.cancel(reason);
    },
  });
}

let keys = 0;

/** The gated stream in `coding`, decoded by the runtime's own `fetch`, one event at a time. */
function deliversEachEvent(coding: "br" | "gzip"): CompressCase {
  return {
    name: `compress delivers each ${coding} event decodable before the next is written`,
    timeoutMs: 15_000,
    async run({ url, fetch = globalThis.fetch, decodes }) {
      const key = `compress-${coding}-${++keys}-${Math.random().toString(36).slice(2, 8)}`;
      const hangUp = new AbortController();
      const response = await fetch(`${url}/compress/events?key=${key}`, {
        headers: { "accept-encoding": coding },
        signal: hangUp.signal,
      });
      try {
        assert.equal(response.headers.get("content-encoding"), coding);
        assert.equal(response.headers.get("vary"), "Accept-Encoding");
        const reader = (decodes ? response.body! : decodedBody(response.body!, coding)).getReader();
        const decoder = new TextDecoder();
        let text = "";
        for (let i = 0; i < EVENTS; i++) {
          await fetch(`${url}/compress/release?key=${key}&n=${i}`);
          while (parseWire(text).events.length < i + 1) {
            const { done, value } = await reader.read();
            if (done) throw new Error(`The stream ended after ${JSON.stringify(text)}`);
            text += decoder.decode(value, { stream: true });
          }
          assert.equal(parseWire(text).events.length, i + 1, `event ${i + 1} arrived before it was released`);
        }
        assert.deepEqual(
          parseWire(text).events.map((event) => event.id),
          ["0", "1", "2"],
        );
      } finally {
        hangUp.abort();
      }
    },
  };
}

/** A client that accepts only identity gets every event, uncompressed. */
const UNCOMPRESSED: CompressCase = {
  name: "compress sends the stream uncompressed when the client accepts only identity",
  timeoutMs: 15_000,
  async run({ url, fetch = globalThis.fetch }) {
    const key = `identity-${++keys}`;
    const response = await fetch(`${url}/compress/events?key=${key}`, { headers: { "accept-encoding": "identity" } });
    for (let i = 0; i < EVENTS; i++) await fetch(`${url}/compress/release?key=${key}&n=${i}`);
    assert.equal(response.headers.get("content-encoding"), null);
    assert.equal(parseWire(await response.text()).events.length, EVENTS);
  },
};

/** The cases of a runtime whose `process.getBuiltinModule` hands out node:zlib. */
export const compressCases: readonly CompressCase[] = [
  deliversEachEvent("br"),
  deliversEachEvent("gzip"),
  UNCOMPRESSED,
];

/**
 * The case of a runtime with no node:zlib to find (Node 18): a client that accepts brotli and gzip
 * gets the stream uncompressed, whole.
 */
export const uncompressedCases: readonly CompressCase[] = [
  {
    name: "compress sends the stream uncompressed where the runtime has no node:zlib to find",
    timeoutMs: 15_000,
    async run({ url }) {
      const key = `no-zlib-${++keys}`;
      const response = await fetch(`${url}/compress/events?key=${key}`, { headers: { "accept-encoding": "br, gzip" } });
      for (let i = 0; i < EVENTS; i++) await fetch(`${url}/compress/release?key=${key}&n=${i}`);
      assert.equal(response.headers.get("content-encoding"), null);
      assert.equal(response.headers.get("vary"), "Accept-Encoding");
      assert.equal(parseWire(await response.text()).events.length, EVENTS);
    },
  },
  UNCOMPRESSED,
];
