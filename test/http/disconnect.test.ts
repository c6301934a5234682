/**
 * A DataStream served by node:http through edge-sse/node: first bytes, headers, clients that leave
 * (fetch aborted, TCP socket destroyed), a client that stops reading, and a producer that fails.
 */
import { connect, type Socket } from "node:net";
import { expect, test } from "vitest";
import { DataStream, Message, StreamClosedError, type StreamContext } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { dechunk } from "../helpers/raw-http.ts";
import { serveNode, until } from "../helpers/serve-node.ts";

/** Waits `ms` on the event loop (to give a stopped producer the chance to misbehave). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens a TCP connection to `url` and sends a plain HTTP/1.1 GET for an event stream. */
async function rawGet(url: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

/** Settles as `promise` does, or rejects after `ms` (so a missing byte fails fast, not at the test timeout). */
async function withDeadline<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a fetch body until `done(text)` holds, and returns the text read so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
  start = "",
): Promise<string> {
  const decoder = new TextDecoder();
  let text = start;
  while (!done(text)) {
    const chunk = await withDeadline(reader.read(), `more of the body after ${JSON.stringify(text)}`);
    if (chunk.done) throw new Error(`The body ended before the expected text; got ${JSON.stringify(text)}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

/** A ticking producer that records how it ended. */
function ticker() {
  const state = {
    produced: 0,
    finallyRan: 0,
    signalAbortedInFinally: undefined as boolean | undefined,
    context: undefined as StreamContext | undefined,
    closes: [] as StreamClosedError[],
  };
  const producer = async function* (ctx: StreamContext): AsyncGenerator<unknown> {
    state.context = ctx;
    try {
      while (true) {
        yield { n: state.produced++ };
        await ctx.sleep(10);
      }
    } finally {
      state.finallyRan++;
      state.signalAbortedInFinally = ctx.signal.aborted;
    }
  };
  const onClose = (reason: StreamClosedError): void => void state.closes.push(reason);
  return { state, producer, onClose };
}

/** Checks that a ticker ended once, as the client leaving ends it, and produces nothing more. */
async function expectEndedByClient(state: ReturnType<typeof ticker>["state"]): Promise<void> {
  await until(() => state.closes.length > 0 && state.finallyRan > 0, "the producer's finally and onClose");
  expect(state.finallyRan).toBe(1);
  expect(state.signalAbortedInFinally).toBe(true);
  const reason: unknown = state.context?.signal.reason;
  expect(reason).toBeInstanceOf(StreamClosedError);
  expect((reason as StreamClosedError).type).toBe("client-gone");
  expect(state.closes).toHaveLength(1);
  expect(state.closes[0]).toBe(reason);
  const producedAtClose = state.produced;
  await pause(100); // ten ticks of the producer's sleep: none may run
  expect(state.produced).toBe(producedAtClose);
  expect(state.finallyRan).toBe(1);
  expect(state.closes).toHaveLength(1);
}

test("DataStream ends the producer with client-gone when the fetch reading it is aborted", async () => {
  const { state, producer, onClose } = ticker();
  const server = await serveNode((request) =>
    new DataStream(producer, { request, keepAlive: false, onClose }).toResponse(),
  );
  try {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/ticks`, { signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const text = await readUntil(reader, (t) => parseWire(t).events.length >= 3);
    expect(
      parseWire(text)
        .events.slice(0, 3)
        .map((event) => event.data),
    ).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(state.closes).toHaveLength(0);

    abort.abort();
    await expect(reader.read()).rejects.toThrow();
    await expectEndedByClient(state);
  } finally {
    await server.close();
  }
});

test("DataStream ends the producer with client-gone when a raw TCP client destroys its socket", async () => {
  const { state, producer, onClose } = ticker();
  const server = await serveNode((request) =>
    new DataStream(producer, { request, keepAlive: false, onClose }).toResponse(),
  );
  try {
    const socket = await rawGet(server.url, "/ticks");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    await until(() => received.includes('data: {"n":2}\n\n'), "three events on the raw socket");
    expect(received.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    expect(state.closes).toHaveLength(0);

    socket.destroy();
    await expectEndedByClient(state);
  } finally {
    await server.close();
  }
});

test("DataStream sends its first bytes over HTTP before the producer yields its first item", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let waiting = false;
  let yielded = false;
  const server = await serveNode((request) =>
    new DataStream(
      async function* () {
        waiting = true;
        await gate;
        yielded = true;
        yield "first";
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  try {
    const response = await withDeadline(fetch(`${server.url}/slow`), "the response headers");
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const head = await readUntil(reader, (t) => t.includes("\n\n"));
    expect(head).toBe(":\n\n");
    expect(waiting).toBe(true);
    expect(yielded).toBe(false);

    release();
    const text = await readUntil(reader, (t) => t.includes("data: first\n\n"), head);
    expect(text).toBe(":\n\ndata: first\n\n");
    expect((await reader.read()).done).toBe(true);
  } finally {
    release();
    await server.close();
  }
});

test("DataStream sends retry as its first bytes over HTTP when the retry option is set", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await serveNode((request) =>
    new DataStream(
      async function* () {
        await gate;
        yield "first";
      },
      { request, keepAlive: false, retry: 2500 },
    ).toResponse(),
  );
  try {
    const reader = (await withDeadline(fetch(`${server.url}/slow`), "the response headers")).body!.getReader();
    const head = await readUntil(reader, (t) => t.includes("\n\n"));
    expect(head).toBe("retry: 2500\n\n");
    release();
    const text = await readUntil(reader, (t) => t.includes("data: first\n\n"), head);
    expect(parseWire(text)).toEqual({
      events: [{ data: "first", event: undefined, id: undefined }],
      retries: [2500],
      comments: [],
    });
  } finally {
    release();
    await server.close();
  }
});

test("DataStream's Response carries the event-stream headers and no hop-by-hop header", () => {
  const response = new DataStream(["x"], { keepAlive: false }).toResponse();
  expect(response.status).toBe(200);
  expect([...response.headers].sort()).toEqual([
    ["cache-control", "no-cache, no-transform"],
    ["content-type", "text/event-stream; charset=utf-8"],
    ["x-accel-buffering", "no"],
  ]);
  for (const name of ["connection", "keep-alive", "transfer-encoding", "content-length"]) {
    expect(response.headers.has(name), name).toBe(false);
  }
});

test("node:http server sends the event-stream headers of a DataStream over HTTP/1.1", async () => {
  const server = await serveNode((request) => new DataStream(["x"], { request, keepAlive: false }).toResponse());
  try {
    const response = await fetch(`${server.url}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(await response.text()).toBe(":\n\ndata: x\n\n");
  } finally {
    await server.close();
  }
});

test("DataStream holds a push producer back while an HTTP client reads nothing", async () => {
  const payload = "x".repeat(1_000); // 1,008 bytes a frame with "data: " and "\n\n"
  const RUNAWAY_CAP = 200_000; // ~200 MB of frames
  const counts = { sent: 0, refused: 0 };
  const closes: StreamClosedError[] = [];
  let producerEnded = false;
  const server = await serveNode((request) =>
    new DataStream(
      async (ctx) => {
        try {
          // The cap only matters if backpressure is broken: the producer would then run away on
          // microtasks alone, starving the test's timers, so it stops there and the bound below fails.
          while (!ctx.signal.aborted && counts.sent < RUNAWAY_CAP) {
            counts.sent++;
            if (!ctx.send(payload)) {
              counts.refused++;
              await ctx.ready;
            }
          }
        } catch (error) {
          if (error !== ctx.signal.reason) throw error;
        } finally {
          producerEnded = true;
        }
      },
      { request, keepAlive: false, onClose: (reason) => closes.push(reason) },
    ).toResponse(),
  );
  let socket: Socket | undefined;
  try {
    socket = await rawGet(server.url, "/firehose");
    socket.pause(); // read nothing: the kernel's buffers and Node's fill up, then the server must wait

    // Wait until the producer has been stopped: no item for 300 ms in a row.
    let last = -1;
    let quietSince = Date.now();
    await until(
      () => {
        if (counts.sent !== last) {
          last = counts.sent;
          quietSince = Date.now();
        }
        return counts.sent > 0 && Date.now() - quietSince >= 300;
      },
      "the producer to be held back",
      15_000,
    );
    const held = counts.sent;
    expect(counts.refused).toBeGreaterThan(0);
    // What the kernel, Node and the send queue hold is a few MB at most; a producer that ran away
    // would send without end (or overflow the send buffer and end the stream).
    expect(held * 1_008).toBeLessThan(64 * 1024 * 1024);
    expect(closes).toHaveLength(0);
    expect(producerEnded).toBe(false);

    await pause(200);
    expect(counts.sent).toBe(held);

    // Reading again lets the producer go on.
    let bytes = 0;
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.resume();
    await until(() => counts.sent > held + 2_000, "the producer to resume once the client reads");
    expect(bytes).toBeGreaterThan((held * 1_008) / 2);

    socket.destroy();
    await until(() => closes.length > 0 && producerEnded, "the stream to end after the client left");
    expect(closes.map((reason) => reason.type)).toEqual(["client-gone"]);
  } finally {
    socket?.destroy();
    await server.close();
  }
});

test("DataStream sends the events before a generator's error then ends the HTTP response cleanly", async () => {
  const failure = new Error("database password is hunter2");
  const errors: unknown[] = [];
  const closes: StreamClosedError[] = [];
  const server = await serveNode((request) =>
    new DataStream(
      async function* (ctx) {
        yield Message.data("a").id("1");
        await ctx.sleep(5);
        yield "b";
        throw failure;
      },
      {
        request,
        keepAlive: false,
        onError: (error) => void errors.push(error),
        onClose: (reason) => closes.push(reason),
      },
    ).toResponse(),
  );
  try {
    const response = await fetch(`${server.url}/fails`);
    expect(response.status).toBe(200);
    const text = await response.text(); // rejects if the response is cut off instead of ended
    expect(text).toBe(":\n\nid: 1\ndata: a\n\ndata: b\n\n");
    expect(text).not.toContain("hunter2");
    expect(parseWire(text).events.map((event) => event.data)).toEqual(["a", "b"]);
    await until(() => closes.length > 0, "onClose");
    expect(errors).toEqual([failure]);
    expect(errors[0]).toBe(failure);
    expect(closes).toHaveLength(1);
    expect(closes[0]!.type).toBe("error");
    expect(closes[0]!.cause).toBe(failure);
  } finally {
    await server.close();
  }
});

test("node:http response ends with the last chunk when a push producer rejects mid-stream", async () => {
  const failure = new TypeError("lost the upstream");
  const errors: unknown[] = [];
  const closes: StreamClosedError[] = [];
  const server = await serveNode((request) =>
    new DataStream(
      async (ctx) => {
        ctx.send({ step: 1 });
        await ctx.sleep(5);
        ctx.send({ step: 2 });
        await ctx.sleep(5);
        throw failure;
      },
      {
        request,
        keepAlive: false,
        onError: (error) => {
          errors.push(error);
          return Message.data("please retry later").event("failed");
        },
        onClose: (reason) => closes.push(reason),
      },
    ).toResponse(),
  );
  try {
    const socket = await rawGet(server.url, "/fails");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    // The server ends a chunked response with a zero-length chunk; a cut-off one would lack it.
    await until(() => received.endsWith("\r\n0\r\n\r\n"), "the last chunk of the response");
    socket.destroy();
    const [head = "", ...rest] = received.split("\r\n\r\n");
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    const body = dechunk(rest.join("\r\n\r\n"));
    expect(body).toBe(':\n\ndata: {"step":1}\n\ndata: {"step":2}\n\nevent: failed\ndata: please retry later\n\n');
    expect(body).not.toContain("upstream");
    await until(() => closes.length > 0, "onClose");
    expect(errors).toEqual([failure]);
    expect(closes.map((reason) => reason.type)).toEqual(["error"]);
  } finally {
    await server.close();
  }
});
