/**
 * An HTTP server for workloads B and D, run as a child process with an IPC channel:
 *   node server.mjs <contender> <adapter> <time limit ms>
 * adapter "hono-node": @hono/node-server's request listener (every contender);
 * adapter "edge-node": edge-sse's own bridge, `toNodeListener` from ../dist/node.js;
 * adapter "raw" (contender "floor"): no library, a bare node:http handler that writes its headers
 * and a comment at once, then the events with eventsource-encoder: the machine's floor for D.
 * Both run on one node:http server bound to 127.0.0.1 on a free port. It sends its port to the
 * parent, then for each request whose query has `tag=<name>` it sends the server's CPU time and
 * wall time from the request's arrival to the response's close. It stops on "stop", when the parent
 * goes away, or at the time limit.
 */
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { getRequestListener } from "@hono/node-server";
import { encode } from "eventsource-encoder";
import { edgeSseModule, HANDLERS, readParams } from "./contenders.mjs";
import { itemMakers } from "./fixtures.mjs";

const { toNodeListener } = await import(edgeSseModule("node.js"));

const [contender, adapter, limit] = process.argv.slice(2);
const handler = HANDLERS[contender];
if (handler === undefined && adapter !== "raw") throw new Error(`unknown contender ${contender}`);
const listener = adapter === "raw" ? floor : adapter === "edge-node" ? toNodeListener(handler) : getRequestListener(handler);

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

const server = createServer((req, res) => {
  const tag = /[?&]tag=([^&]+)/.exec(req.url ?? "")?.[1];
  if (tag !== undefined) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    res.once("close", () => {
      const used = process.cpuUsage(cpu);
      process.send?.({ type: "request", tag, cpuUs: used.user + used.system, wallMs: performance.now() - start });
    });
  }
  listener(req, res);
});
server.keepAliveTimeout = 10_000;

function stop(code = 0) {
  server.closeAllConnections?.();
  server.close();
  process.exit(code);
}
process.on("message", (message) => {
  if (message === "stop") stop(0);
});
process.on("disconnect", () => stop(0));
setTimeout(() => stop(2), Number(limit) || 120_000).unref();

server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", port: server.address().port });
});
