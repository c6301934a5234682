/**
 * The contenders, portable: no `node:*` import, no `process`, nothing but web-platform globals and
 * the peers' packages, so that the same definitions run on Node, Deno, Bun and workerd. Each
 * runtime's entry (worker.mjs, server.mjs, serve-deno.mjs, serve-bun.mjs, workerd-worker.mjs)
 * imports edge-sse's built modules itself (from the copy of `../dist` the run took) and hands them
 * to `makeContenders`.
 *
 * Each contender is a fetch handler `(request) => Response | Promise<Response>` that streams the
 * events described by the request's query (`shape`, `n`, `wait` ms before the first event, `idle=1`
 * to keep the stream open after the last event) from the same async generator (`fixtures.source`),
 * written the way each library's documentation shows.
 *
 * The ceilings (`encode-only`, `pre-encoded`) are not servers: they bound what any stream of these
 * events can do in-process (workload A only).
 */
import { encode } from "eventsource-encoder";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { createResponse } from "better-sse";
import { H3, EventStream } from "h3";
import { itemMakers, POOL_B, POOL_C, POOL_SIZE, source } from "./fixtures.mjs";

const encoder = new TextEncoder();
/** Workload C: the generators of idle streams wait on this, which never settles. */
const NEVER = new Promise(() => {});
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** The query of a benchmark request. */
export function readParams(url) {
  const query = new URL(url).searchParams;
  return {
    shape: query.get("shape") ?? "a",
    n: Number(query.get("n") ?? 1),
    waitMs: Number(query.get("wait") ?? 0),
    idle: query.get("idle") === "1" ? NEVER : undefined,
  };
}

function sourceFor(params, item) {
  return source(params.n, item(params.shape), { waitMs: params.waitMs, idle: params.idle });
}

// ---------------------------------------------------------------------------------------------
// Hono: streamSSE + `await stream.writeSSE({ data, event, id })`.

const honoApp = new Hono();
honoApp.get("*", (c) => {
  const params = readParams(c.req.url);
  return streamSSE(c, async (stream) => {
    for await (const message of sourceFor(params, itemMakers.fields)) await stream.writeSSE(message);
  });
});

// ---------------------------------------------------------------------------------------------
// better-sse (Fetch mode): createResponse + session.push(data, event, id).
// - The serializer passes strings through (its default JSON-encodes them) and JSON-encodes objects.
// - push() always writes `event:` and `id:` (a random UUID when none is given), so events without
//   them get "message" and "" (an empty id, which keeps the client's last event id at "").
// - Its Fetch mode has no close(): a session ends when its request's signal aborts, so the handler
//   gives it a Request of its own whose signal follows the client's and aborts after the last event.

const BETTER_SSE_OPTIONS = { serializer: (data) => (typeof data === "string" ? data : JSON.stringify(data)) };

const betterItem = (shape) => {
  if (shape === "a") return () => ({ data: "hello world" });
  if (shape === "b") {
    return (i) => {
      const entry = POOL_B[i % POOL_SIZE];
      return { data: entry.value, event: entry.event, id: String(i + 1) };
    };
  }
  return (i) => ({ data: POOL_C[i % POOL_SIZE] });
};

function betterSse(request) {
  const params = readParams(request.url);
  const { session: sessionRequest, end } = ownRequest(request);
  return createResponse(sessionRequest, BETTER_SSE_OPTIONS, (session) => {
    void (async () => {
      for await (const m of sourceFor(params, betterItem)) session.push(m.data, m.event ?? "message", m.id ?? "");
      end();
    })().catch(end);
  });
}

/** A Request for a better-sse session: aborts when the client's does, or when `end()` is called. */
function ownRequest(request) {
  const abort = new AbortController();
  const end = () => abort.abort();
  request.signal?.addEventListener("abort", end, { once: true });
  return { session: new Request(request.url, { headers: request.headers, signal: abort.signal }), end };
}

// ---------------------------------------------------------------------------------------------
// h3: new EventStream(event) + `await eventStream.push({ data, event, id })`, then close().

const h3App = new H3();
h3App.all("/**", (event) => {
  const params = readParams(event.req.url);
  const eventStream = new EventStream(event);
  void (async () => {
    for await (const message of sourceFor(params, itemMakers.fields)) await eventStream.push(message);
    await eventStream.close();
  })();
  return eventStream;
});

// ---------------------------------------------------------------------------------------------
// thin: eventsource-encoder's encode() and a hand-written pull stream, one chunk per event.

function thin(request) {
  const iterator = sourceFor(readParams(request.url), itemMakers.fields);
  const body = new ReadableStream({
    async pull(controller) {
      const step = await iterator.next();
      if (step.done) controller.close();
      else controller.enqueue(encoder.encode(encode(step.value)));
    },
    cancel() {
      return iterator.return();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

/** The peers' servers (every contender but edge-sse): fetch handlers. */
const PEER_HANDLERS = {
  hono: (request) => honoApp.fetch(request),
  "better-sse": betterSse,
  h3: (request) => h3App.fetch(request),
  thin,
};

// ---------------------------------------------------------------------------------------------
// Ceilings (workload A): `run(shape, n, onChunk)` produces every chunk of the stream.

export const CEILINGS = {
  /** Generate, format and encode each event; no stream at all. */
  "encode-only": {
    async run(shape, n, onChunk) {
      for await (const message of source(n, itemMakers.fields(shape))) onChunk(encoder.encode(encode(message)));
    },
  },
  /** A pull stream of chunks encoded beforehand: what a ReadableStream of one chunk per event costs. */
  "pre-encoded": {
    prepare(shape, n) {
      const item = itemMakers.fields(shape);
      const chunks = new Array(n);
      for (let i = 0; i < n; i++) chunks[i] = encoder.encode(encode(item(i)));
      return chunks;
    },
    async run(_shape, n, onChunk, chunks) {
      let i = 0;
      const stream = new ReadableStream({
        pull(controller) {
          if (i < n) controller.enqueue(chunks[i++]);
          else controller.close();
        },
      });
      await drain(stream, onChunk);
    },
  },
};

/** Reads a body to its end, handing each chunk to `onChunk`. */
export async function drain(stream, onChunk) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onChunk(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Workload E: push producers that send `n` events of shape b at full speed, handing the event
// loop a turn every `YIELD_EVERY` events (so that a reader can run), and report how they ended.

export const YIELD_EVERY = 1000;
/** One turn of the event loop (a macrotask), on every runtime. */
const nextTurn =
  typeof globalThis.setImmediate === "function"
    ? () => new Promise((resolve) => globalThis.setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0));

/** The peers' push producers: `(n, report) => Response`; `report(reason)` is called once when the server side has ended. */
const PEER_PUSHERS = {
  /** better-sse, `session.push(...)` (it has no backpressure signal in Fetch mode). */
  "better-sse (push)": (n, report) => {
    const item = betterItem("b");
    const { session: request, end } = ownRequest(new Request("http://127.0.0.1/"));
    return createResponse(request, BETTER_SSE_OPTIONS, (session) => {
      void (async () => {
        for (let i = 0; i < n; i++) {
          const m = item(i);
          session.push(m.data, m.event, m.id);
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
        }
        end();
        report("done");
      })().catch((error) => report(`error: ${error.message}`));
    });
  },
  /** Hono, `stream.writeSSE(...)` not awaited. */
  "hono (writeSSE not awaited)": (n, report) => {
    const item = itemMakers.fields("b");
    const app = new Hono();
    app.get("*", (c) =>
      streamSSE(c, async (stream) => {
        let last;
        for (let i = 0; i < n; i++) {
          last = stream.writeSSE(item(i));
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
        }
        await last;
        report("done");
      }),
    );
    return app.fetch(new Request("http://127.0.0.1/"));
  },
  /** h3, `eventStream.push(...)` not awaited. */
  "h3 (push not awaited)": (n, report) => {
    const item = itemMakers.fields("b");
    const app = new H3();
    app.all("/**", (event) => {
      const eventStream = new EventStream(event);
      void (async () => {
        let last;
        for (let i = 0; i < n; i++) {
          last = eventStream.push(item(i));
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
        }
        await last;
        await eventStream.close();
        report("done");
      })();
      return eventStream;
    });
    return app.fetch(new Request("http://127.0.0.1/"));
  },
};

// ---------------------------------------------------------------------------------------------
// edge-sse: the items of its README (strings; Message.json(...).event(...).id(...)), with the
// `DataStream` and `Message` of the build the runtime's entry loaded.

/**
 * Every contender, edge-sse included: `edge` is edge-sse's main module (`{ DataStream, Message }`)
 * as the runtime's entry imported it.
 *   HANDLERS   fetch handlers of the servers (edge-sse first, then the peers, then thin)
 *   CEILINGS   workload A's ceilings
 *   PUSHERS    workload E's push producers
 */
export function makeContenders({ DataStream, Message }) {
  const edgeItem = (shape) => {
    if (shape === "a") return () => "hello world";
    if (shape === "b") {
      return (i) => {
        const entry = POOL_B[i % POOL_SIZE];
        return Message.json(entry.value)
          .event(entry.event)
          .id(String(i + 1));
      };
    }
    return (i) => POOL_C[i % POOL_SIZE];
  };

  function edgeSse(request) {
    return new DataStream(sourceFor(readParams(request.url), edgeItem), { request }).toResponse();
  }

  const PUSHERS = {
    /** edge-sse, `if (!ctx.send(item)) await ctx.ready`. */
    "edge-sse (awaits ready)": (n, report) => {
      const item = edgeItem("b");
      return new DataStream(
        async (ctx) => {
          for (let i = 0; i < n; i++) {
            if (!ctx.send(item(i))) await ctx.ready;
            if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
          }
        },
        { onClose: (reason) => report(reason.type) },
      ).toResponse();
    },
    /** edge-sse, `ctx.send(item)` with its result ignored: must close with "overflow". */
    "edge-sse (ignores send)": (n, report) => {
      const item = edgeItem("b");
      return new DataStream(
        async (ctx) => {
          for (let i = 0; i < n; i++) {
            ctx.send(item(i));
            if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
          }
        },
        { onClose: (reason) => report(reason.type) },
      ).toResponse();
    },
    ...PEER_PUSHERS,
  };

  return { HANDLERS: { "edge-sse": edgeSse, ...PEER_HANDLERS }, CEILINGS, PUSHERS };
}
