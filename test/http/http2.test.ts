/**
 * A DataStream's Response served over plain-text HTTP/2 (h2c) by `http2.createServer` through
 * edge-sse/node, read with the node:http2 client.
 */
import type { ClientHttp2Session, ClientHttp2Stream } from "node:http2";
import { expect, test } from "vitest";
import { DataStream, Message, type StreamClosedError } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { until } from "../helpers/serve-node.ts";
import { bodyText, closeClient, connectClient, responseHeaders, serveHttp2 } from "../helpers/serve-http2.ts";

test("http2 server sends status 200, the event-stream headers and no hop-by-hop header", async () => {
  const server = await serveHttp2((request) => new DataStream(["only"], { request, keepAlive: false }).toResponse());
  const client = await connectClient(server.url);
  try {
    const request = client.request({ ":method": "GET", ":path": "/events", accept: "text/event-stream" });
    const body = bodyText(request);
    const headers = await responseHeaders(request);
    expect(headers[":status"]).toBe(200);
    expect(headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(headers["cache-control"]).toBe("no-cache, no-transform");
    expect(headers["x-accel-buffering"]).toBe("no");
    for (const name of ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]) {
      expect(headers, `header ${name}`).not.toHaveProperty(name);
    }
    expect(await body).toBe(":\n\ndata: only\n\n");
  } finally {
    await closeClient(client);
    await server.close();
  }
});

test("http2 client receives every event of a finite stream and the stream ends cleanly", async () => {
  const closes: StreamClosedError[] = [];
  const server = await serveHttp2((request) =>
    new DataStream(
      async function* ({ lastEventId }) {
        yield Message.data("hello").event("greet").id("1");
        yield Message.data("two\nlines").id("2");
        yield { n: 3, resumedFrom: lastEventId ?? null };
        yield "x".repeat(40_000); // more than one chunk budget and one HTTP/2 frame
        yield Message.data("bye").event("end");
      },
      { request, retry: 1500, keepAlive: false, onClose: (reason) => closes.push(reason) },
    ).toResponse(),
  );
  const client = await connectClient(server.url);
  try {
    const request = client.request({ ":path": "/events", "last-event-id": "41" });
    const body = bodyText(request);
    const headers = await responseHeaders(request);
    expect(headers[":status"]).toBe(200);
    const text = await body;
    expect(text.startsWith("retry: 1500\n\n")).toBe(true);
    const parsed = parseWire(text);
    expect(parsed.retries).toEqual([1500]);
    expect(parsed.events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
      { event: "greet", id: "1", data: "hello" },
      { event: undefined, id: "2", data: "two\nlines" },
      { event: undefined, id: undefined, data: '{"n":3,"resumedFrom":"41"}' },
      { event: undefined, id: undefined, data: "x".repeat(40_000) },
      { event: "end", id: undefined, data: "bye" },
    ]);
  } finally {
    await closeClient(client);
    await server.close();
  }
  await until(() => closes.length > 0, "onClose");
  expect(closes.map((reason) => reason.type)).toEqual(["done"]);
});

/** What an endless ticking producer went through, as seen from the server. */
interface TickState {
  closes: StreamClosedError[];
  produced: number;
  finallyRan: number;
  signalAbortedInFinally: boolean | undefined;
  /** Server-side HTTP/2 streams not closed yet: a reset stream left half open would leak. */
  openStreams: number;
}

/** An HTTP/2 server whose every stream yields {n} every 10 ms until it is stopped. */
async function serveTicks(): Promise<{ server: Awaited<ReturnType<typeof serveHttp2>>; state: TickState }> {
  const state: TickState = {
    closes: [],
    produced: 0,
    finallyRan: 0,
    signalAbortedInFinally: undefined,
    openStreams: 0,
  };
  const server = await serveHttp2((request) =>
    new DataStream(
      async function* (ctx) {
        try {
          for (;;) {
            yield { n: state.produced++ };
            await ctx.sleep(10);
          }
        } finally {
          state.finallyRan++;
          state.signalAbortedInFinally = ctx.signal.aborted;
        }
      },
      { request, keepAlive: false, onClose: (reason) => state.closes.push(reason) },
    ).toResponse(),
  );
  server.server.on("stream", (stream) => {
    state.openStreams++;
    stream.on("close", () => state.openStreams--);
  });
  return { server, state };
}

/** Requests the ticking stream and collects its text as it arrives. */
function openTicks(client: ClientHttp2Session): { request: ClientHttp2Stream; text: () => string } {
  const request = client.request({ ":path": "/ticks" });
  let text = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => {
    text += chunk;
  });
  return { request, text: () => text };
}

test("http2 client closing its stream mid-way ends the producer and onClose gets client-gone", async () => {
  const { server, state } = await serveTicks();
  const client = await connectClient(server.url);
  try {
    const { request, text } = openTicks(client);
    const headers = await responseHeaders(request);
    expect(headers[":status"]).toBe(200);
    await until(() => parseWire(text()).events.length >= 3, "three events over HTTP/2");
    expect(
      parseWire(text())
        .events.slice(0, 3)
        .map((event) => event.data),
    ).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    request.close(); // RST_STREAM (NGHTTP2_CANCEL) from the client; the session stays open

    await until(() => state.closes.length > 0, "onClose after the client closed its stream");
    expect(state.finallyRan).toBe(1);
    expect(state.signalAbortedInFinally).toBe(true);
    expect(state.closes).toHaveLength(1);
    expect(state.closes[0]!.type).toBe("client-gone");
    await until(() => state.openStreams === 0, "the server's HTTP/2 stream to close");
    // The loop has stopped: nothing more is produced however long we wait for the next tick.
    const producedAtClose = state.produced;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.produced).toBe(producedAtClose);
    expect(state.closes).toHaveLength(1);
    expect(client.destroyed).toBe(false);
  } finally {
    await closeClient(client);
    await server.close();
  }
});

test("http2 client destroying its whole session mid-way ends the producer and onClose gets client-gone", async () => {
  const { server, state } = await serveTicks();
  const client = await connectClient(server.url);
  try {
    const { request, text } = openTicks(client);
    request.on("error", () => {}); // the stream errors when its session is destroyed
    await until(() => parseWire(text()).events.length >= 2, "two events over HTTP/2");
    client.destroy(); // the TCP connection goes away without a GOAWAY

    await until(() => state.closes.length > 0, "onClose after the client session was destroyed");
    expect(state.finallyRan).toBe(1);
    expect(state.closes.map((reason) => reason.type)).toEqual(["client-gone"]);
  } finally {
    await closeClient(client);
    await server.close();
  }
});
