import { createServer, type Server, type ServerOptions } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener, type FetchHandler, type NodeListener, type NodeListenerOptions } from "../../src/node.ts";

/** A node:http server on 127.0.0.1 and a free port, serving `handler` through edge-sse/node. */
export interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves `handler` (through `toNodeListener`, with `options`) or a ready listener with
 * `http.createServer(serverOptions)`.
 */
export async function serveNode(
  handler: FetchHandler | { listener: NodeListener },
  options: NodeListenerOptions = {},
  serverOptions: ServerOptions = {},
): Promise<TestServer> {
  const server = createServer(serverOptions, typeof handler === "function" ? toNodeListener(handler, options) : handler.listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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
