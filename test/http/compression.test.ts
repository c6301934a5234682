/**
 * edge-sse/compress over real HTTP: a node:http server serves compressed DataStreams through the Node
 * bridge, and clients decompress what arrives as it arrives, with node:zlib on the raw bytes or with
 * Node's fetch. The producer waits for the client to see each event before it writes the next, so a
 * compressor that held an event back would stall the stream.
 */
import { afterEach, describe, expect, test } from "vitest";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { DataStream, Message, type StreamClosedError } from "edge-sse";
import { compress } from "edge-sse/compress";
import { deferred, type Deferred } from "../helpers/deferred.ts";
import { datas, EventReader } from "../helpers/event-reader.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";

const EVENTS = 5;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves a stream of `EVENTS` JSON events, each written only once `gates[i]` is released. */
async function serveGated(
  gates: Array<Deferred<void>>,
  onClose?: (reason: StreamClosedError) => void,
): Promise<string> {
  server = await serveNode((request) =>
    compress(
      new DataStream(
        async function* ({ signal }) {
          const ended = new Promise((resolve) => signal.addEventListener("abort", resolve));
          for (let i = 0; i < EVENTS; i++) {
            await Promise.race([gates[i]!.promise, ended]);
            if (signal.aborted) return;
            yield Message.json({ n: i, text: "a payload that repeats, a payload that repeats" }).id(String(i));
          }
        },
        { request, keepAlive: false, ...(onClose ? { onClose } : {}) },
      ).toResponse(),
      request,
    ),
  );
  return `${server.url}/events`;
}

/** GETs `url` with node:http (no decompression of its own). */
function rawGet(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, resolve).on("error", reject).end();
  });
}

/** Reads the event stream behind `gates` one event at a time, releasing each gate only after the previous event arrived. */
async function readOneByOne(reader: EventReader, gates: Array<Deferred<void>>): Promise<void> {
  await reader.started();
  expect(reader.text).toBe(":\n\n"); // the immediate first bytes, decodable before any event exists
  for (let i = 0; i < EVENTS; i++) {
    gates[i]!.resolve();
    const [event] = await reader.next(1);
    expect(event?.id).toBe(String(i));
    expect(reader.events).toHaveLength(i + 1); // event i + 1 is not written yet
  }
  await reader.rest();
}

const gatesOf = (): Array<Deferred<void>> => Array.from({ length: EVENTS }, () => deferred());

describe("compress over HTTP", () => {
  for (const [coding, decoder] of [
    ["br", createBrotliDecompress],
    ["gzip", createGunzip],
    ["deflate", createInflate],
  ] as const) {
    test(`compress sends each ${coding} event decodable before the next is written when node:zlib decodes the raw bytes`, async () => {
      const gates = gatesOf();
      const response = await rawGet(await serveGated(gates), { "accept-encoding": coding });
      expect(response.headers["content-encoding"]).toBe(coding);
      expect(response.headers.vary).toBe("Accept-Encoding");
      expect(response.headers["cache-control"]).toBe("no-cache, no-transform");
      expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      const decoded = Readable.toWeb(response.pipe(decoder())) as ReadableStream<Uint8Array>;
      const reader = new EventReader(decoded);
      await readOneByOne(reader, gates);
      expect(datas(reader.events).map((data) => (JSON.parse(data) as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
    });
  }

  for (const coding of ["br", "gzip"]) {
    test(`compress sends each event as it is written when Node's fetch decompresses ${coding}`, async () => {
      const gates = gatesOf();
      const reader = await EventReader.fetch(await serveGated(gates), { headers: { "accept-encoding": coding } });
      expect(reader.response?.headers.get("content-encoding")).toBe(coding);
      await readOneByOne(reader, gates);
    });
  }

  test("compress sends the stream as it is when the client accepts no coding it offers", async () => {
    for (const acceptEncoding of ["identity", "zstd", "*;q=0", "br;q=0, gzip;q=0, deflate;q=0"]) {
      const gates = gatesOf();
      for (const gate of gates) gate.resolve();
      const response = await rawGet(await serveGated(gates), { "accept-encoding": acceptEncoding });
      expect(response.headers["content-encoding"]).toBeUndefined();
      expect(response.headers.vary).toBe("Accept-Encoding");
      const reader = new EventReader(Readable.toWeb(response) as ReadableStream<Uint8Array>);
      expect(await reader.rest()).toHaveLength(EVENTS);
      expect(reader.text.startsWith(":\n\n")).toBe(true);
      await server?.close();
      server = undefined;
    }
  });

  test("compress ends the stream with client-gone when the client of a compressed stream hangs up", async () => {
    const gates = gatesOf();
    const closed = deferred<StreamClosedError>();
    const reader = await EventReader.fetch(await serveGated(gates, closed.resolve), {
      headers: { "accept-encoding": "gzip" },
    });
    gates[0]!.resolve();
    await reader.next(1);
    await reader.cancel();
    expect((await closed.promise).type).toBe("client-gone");
  });
});
