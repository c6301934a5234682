/**
 * Serves the failures of bridge-cases.ts through edge-sse/node on node:http and node:http2 (h2c), in
 * a process with Node's default settings: no listener for unhandled rejections or uncaught
 * exceptions, so either one ends it. `/case/<n>` uses the default `onError` (console.error),
 * `/throwing-on-error/case/<n>` an `onError` that throws; `/ok` answers "ok". Prints
 * `READY <http1 port> <http2 port>` once both listen on 127.0.0.1.
 */
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { toNodeListener, type FetchHandler, type NodeListener } from "edge-sse/node";
import { FAILURE_CASES } from "./bridge-cases.ts";

const route: FetchHandler = (request) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/ok") return new Response("ok");
  const index = Number(/\/case\/(\d+)$/.exec(pathname)?.[1]);
  const failure = FAILURE_CASES[index];
  return failure === undefined ? new Response("no such case", { status: 404 }) : failure.handler(request);
};

const byDefault = toNodeListener(route);
const throwing = toNodeListener(route, {
  onError: () => {
    throw new Error("onError failed");
  },
});
const listener: NodeListener = (req, res) =>
  (req.url?.startsWith("/throwing-on-error/") ? throwing : byDefault)(req, res);

const http1 = createHttp1Server({ requireHostHeader: false }, listener);
const http2 = createHttp2Server(listener);
await new Promise<void>((resolve) => http1.listen(0, "127.0.0.1", resolve));
await new Promise<void>((resolve) => http2.listen(0, "127.0.0.1", resolve));
console.log(`READY ${(http1.address() as AddressInfo).port} ${(http2.address() as AddressInfo).port}`);
