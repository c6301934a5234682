/**
 * Workload G's server: one process that holds many SSE connections and broadcasts to them. Runs on
 * Node (node:http) or Bun (`Bun.serve`):
 *   node --expose-gc g-server.mjs '{"contender":"edge-sse","dist":"…","timeLimitMs":…}'
 *   bun g-server.mjs '…'
 * Contenders (keep-alive comments off for all, so that only publishes are on the wire):
 *   edge-sse     a `Channel` (edge-sse/channel); `channel.response({ request })`, through
 *                `toNodeListener` (edge-sse/node) on Node; `channel.publish(Message.json(value))`
 *   bare         no library: headers and one hand-made frame (`:\n\n`) per response, the response
 *                kept in a Set; a publish writes one hand-made frame to every response
 *   hono         `streamSSE`, each stream kept in a hand-made Set (it has no broadcast); a publish
 *                awaits `writeSSE({ data })` on every stream
 *   better-sse   its `Channel`: `createSession(req, res)` on Node, `createResponse(request, …)` on
 *                Bun, `channel.register(session)`; `channel.broadcast(value)`
 * Control routes on the same server: `/stats` (`{ subscribers, heapUsed, rss }` after a full gc) and
 * `/publish?i=<k>` (publishes fixture event k of shape b; answers `{ t0 }`, the time the publish
 * began on the clock `performance.timeOrigin + performance.now()`). Prints
 * `{"type":"listening","port":N}`; stops when killed or at the time limit.
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { Channel as BetterChannel, createResponse, createSession } from "better-sse";
import { distUrl } from "./edge-dist.mjs";
import { POOL_B, POOL_SIZE } from "./fixtures.mjs";

const job = JSON.parse(process.argv[2]);
const isBun = globalThis.Bun !== undefined;
const now = () => performance.timeOrigin + performance.now();
const gc = globalThis.gc ?? (isBun ? () => globalThis.Bun.gc(true) : () => {});
const encoder = new TextEncoder();
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** Each contender: `{ count(), publish(value, k), node?(req, res), fetch?(request) }`. */
async function makeContender(name) {
  if (name === "edge-sse") {
    const { Message } = await import(distUrl(job.dist, "index.js"));
    const { Channel } = await import(distUrl(job.dist, "channel.js"));
    const channel = new Channel({ keepAlive: false });
    await channel.ready;
    const fetch = (request) => channel.response({ request });
    let node;
    if (!isBun) {
      const { toNodeListener } = await import(distUrl(job.dist, "node.js"));
      node = toNodeListener(fetch);
    }
    return {
      count: () => channel.subscriberCount,
      publish: (value) => channel.publish(Message.json(value)),
      fetch,
      node,
    };
  }
  if (name === "bare") {
    const open = new Set();
    const hello = encoder.encode(":\n\n");
    return {
      count: () => open.size,
      publish(value, k) {
        const frame = `id: ${k + 1}\ndata: ${JSON.stringify(value)}\n\n`;
        if (isBun) {
          const bytes = encoder.encode(frame);
          for (const controller of open) controller.enqueue(bytes);
        } else {
          for (const res of open) res.write(frame);
        }
      },
      node(_req, res) {
        res.writeHead(200, SSE_HEADERS);
        res.write(":\n\n");
        open.add(res);
        res.on("close", () => open.delete(res));
      },
      fetch(request) {
        let own;
        const body = new ReadableStream({
          start(controller) {
            own = controller;
            open.add(controller);
            controller.enqueue(hello);
          },
          cancel() {
            open.delete(own);
          },
        });
        request.signal.addEventListener("abort", () => open.delete(own), { once: true });
        return new Response(body, { headers: SSE_HEADERS });
      },
    };
  }
  if (name === "hono") {
    const streams = new Set();
    const app = new Hono();
    app.get("*", (c) =>
      streamSSE(c, async (stream) => {
        streams.add(stream);
        await stream.write(":\n\n");
        await new Promise((resolve) => stream.onAbort(resolve));
        streams.delete(stream);
      }),
    );
    let node;
    if (!isBun) {
      const { getRequestListener } = await import("@hono/node-server");
      node = getRequestListener(app.fetch);
    }
    return {
      count: () => streams.size,
      publish: (value, k) =>
        Promise.all([...streams].map((s) => s.writeSSE({ data: JSON.stringify(value), id: String(k + 1) }))),
      fetch: (request) => app.fetch(request),
      node,
    };
  }
  if (name === "better-sse") {
    const channel = new BetterChannel();
    const options = { keepAlive: null };
    return {
      count: () => channel.sessionCount,
      publish: (value, k) => channel.broadcast(value, "message", { eventId: String(k + 1) }),
      async node(req, res) {
        channel.register(await createSession(req, res, options));
      },
      fetch: (request) => createResponse(request, options, (session) => channel.register(session)),
    };
  }
  throw new Error(`unknown contender ${name}`);
}

const contender = await makeContender(job.contender);

function stats() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { subscribers: contender.count(), heapUsed: m.heapUsed, rss: m.rss };
}

async function publish(k) {
  const value = POOL_B[k % POOL_SIZE].value;
  const t0 = now();
  await contender.publish(value, k);
  return { t0, returnedAfterMs: now() - t0 };
}

const control = (url) => {
  if (url.pathname === "/stats") return stats();
  if (url.pathname === "/publish") return publish(Number(url.searchParams.get("i")));
  return undefined;
};

if (isBun) {
  const server = globalThis.Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const answer = control(new URL(request.url));
      return answer === undefined ? contender.fetch(request) : Response.json(await answer);
    },
  });
  console.log(JSON.stringify({ type: "listening", port: server.port }));
} else {
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    const answer = control(new URL(req.url, "http://127.0.0.1"));
    if (answer === undefined) return contender.node(req, res);
    const body = JSON.stringify(await answer);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
    console.log(JSON.stringify({ type: "listening", port: server.address().port }));
  });
}
setTimeout(() => process.exit(2), job.timeLimitMs ?? 300_000).unref?.();
