import { createServer, type Server, type ServerOptions } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import { toNodeListener, type FetchHandler, type NodeListener, type NodeListenerOptions } from "edge-sse/node";

/** A node:http server on 127.0.0.1 and a free port, serving `handler` through edge-sse/node. */
export interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** A fetch handler to serve through `toNodeListener`, or a ready listener. */
export type Served = FetchHandler | { listener: NodeListener };

/** The listener that serves `served`. */
export function listenerFor(served: Served, options: NodeListenerOptions = {}): NodeListener {
  return typeof served === "function" ? toNodeListener(served, options) : served.listener;
}

/** Starts `server` on 127.0.0.1 and a free port; resolves with its http:// URL. */
export async function listenLocally(server: NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves `served` (a handler with `options`, or a listener) with `http.createServer(serverOptions)`. */
export async function serveNode(
  served: Served,
  options: NodeListenerOptions = {},
  serverOptions: ServerOptions = {},
): Promise<TestServer> {
  const server = createServer(serverOptions, listenerFor(served, options));
  return {
    url: await listenLocally(server),
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` on the event loop (no wall-clock assertion) until it holds, or fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
