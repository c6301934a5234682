/**
 * Node's HTTP server for workloads B and D (Node 20 and 22), run as a child process:
 *   node server.mjs '{"contender":"edge-sse","adapter":"edge-node","dist":"…","timeLimitMs":…}'
 * adapter "hono-node": @hono/node-server's request listener (every contender);
 * adapter "edge-node": edge-sse's own bridge, `toNodeListener` from ../dist/node.js;
 * adapter "raw" (contender "floor"): no library, a bare node:http handler that writes its headers
 * and a comment at once, then the events with eventsource-encoder: the machine's floor for D.
 * All run on one node:http server bound to 127.0.0.1 on a free port. It prints
 * `{"type":"listening","port":N}` and stops when killed (by PID) or at the time limit. Its CPU time
 * is read from outside (the client reads /proc/<pid>), as for every runtime.
 */
import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { encode } from "eventsource-encoder";
import { makeContenders, readParams } from "./contenders.mjs";
import { distUrl } from "./edge-dist.mjs";
import { itemMakers } from "./fixtures.mjs";

const { contender, adapter, dist, timeLimitMs } = JSON.parse(process.argv[2]);
const { HANDLERS } = makeContenders(await import(distUrl(dist, "index.js")));
const { toNodeListener } = await import(distUrl(dist, "node.js"));
const handler = HANDLERS[contender];
if (handler === undefined && adapter !== "raw") throw new Error(`unknown contender ${contender}`);
const listener =
  adapter === "raw" ? floor : adapter === "edge-node" ? toNodeListener(handler) : getRequestListener(handler);

/** The floor: what node:http alone takes to answer, with no framework and no stream. */
async function floor(req, res) {
  const { shape, n, waitMs } = readParams(`http://127.0.0.1${req.url}`);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(":\n\n");
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const item = itemMakers.fields(shape);
  for (let i = 0; i < n; i++) {
    if (!res.write(encode(item(i)))) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

const server = createServer(listener);
server.keepAliveTimeout = 10_000;

setTimeout(() => {
  server.closeAllConnections?.();
  server.close();
  process.exit(2);
}, timeLimitMs ?? 120_000).unref();

server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ type: "listening", port: server.address().port }));
});
