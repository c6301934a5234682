import {
  connect,
  createServer,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
} from "node:http2";
import type { NodeListenerOptions } from "edge-sse/node";
import { listenerFor, listenLocally, type Served } from "./serve-node.ts";

/** An h2c server on 127.0.0.1 and a free port, serving through edge-sse/node. */
export interface H2Server {
  readonly url: string;
  readonly server: Http2Server;
  close(): Promise<void>;
}

/**
 * Serves `served` (a handler with `options`, or a listener) with `http2.createServer`; `close()` ends
 * its sessions, then the server.
 */
export async function serveHttp2(served: Served, options: NodeListenerOptions = {}): Promise<H2Server> {
  const server = createServer(listenerFor(served, options));
  const sessions = new Set<Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  return {
    url: await listenLocally(server),
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function connectClient(url: string): Promise<ClientHttp2Session> {
  const client = connect(url);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}

export function closeClient(client: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (client.closed || client.destroyed) return resolve();
    client.close(() => resolve());
  });
}

/** Waits for the response headers of an HTTP/2 request. */
export function responseHeaders(request: ClientHttp2Stream): Promise<IncomingHttpHeaders & IncomingHttpStatusHeader> {
  return new Promise((resolve, reject) => {
    request.once("response", (headers) => resolve(headers));
    request.once("error", reject);
  });
}

/** Reads the rest of an HTTP/2 response body as text. */
export function bodyText(request: ClientHttp2Stream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.once("end", () => resolve(text));
    request.once("error", reject);
  });
}
