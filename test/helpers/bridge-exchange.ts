import { request as http1Request, type ServerOptions } from "node:http";
import { connect as http2Connect, constants } from "node:http2";
import type { NodeListenerOptions } from "edge-sse/node";
import { serveHttp2 } from "./serve-http2.ts";
import { serveNode, type Served } from "./serve-node.ts";

/** The two ways edge-sse/node is served: node:http and node:http2's compatibility API (h2c). */
export const PROTOCOLS = ["HTTP/1.1", "HTTP/2"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A bridge server of either protocol. */
export interface BridgeServer {
  readonly protocol: Protocol;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `served` (a handler with `options`, or a listener) over `protocol`. */
export async function serveOver(
  protocol: Protocol,
  served: Served,
  options: NodeListenerOptions = {},
  serverOptions: ServerOptions = {},
): Promise<BridgeServer> {
  const server =
    protocol === "HTTP/1.1" ? await serveNode(served, options, serverOptions) : await serveHttp2(served, options);
  return { protocol, url: server.url, close: () => server.close() };
}

/** What a client got: `cut` when the connection or stream ended before the response did. */
export interface Exchange {
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly outcome: "complete" | "cut";
}

export interface ExchangeInit {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once the request is sent, with a function that hangs up (socket destroyed, stream reset). */
  readonly onSent?: (hangUp: () => void) => void;
}

/** Sends one request with Node's own client of the server's protocol; fails after `ms`. */
export function exchange(server: BridgeServer, init: ExchangeInit = {}, ms = 5_000): Promise<Exchange> {
  const run = server.protocol === "HTTP/1.1" ? exchangeHttp1(server.url, init) : exchangeHttp2(server.url, init);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out waiting for the response to ${init.method ?? "GET"} ${init.path ?? "/"}`)),
      ms,
    );
  });
  return Promise.race([run, deadline]).finally(() => clearTimeout(timer));
}

function exchangeHttp1(url: string, init: ExchangeInit): Promise<Exchange> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const request = http1Request({
      host: hostname,
      port,
      method: init.method ?? "GET",
      path: init.path ?? "/",
      headers: init.headers,
      agent: false,
    });
    let body = "";
    const settle = (outcome: Exchange["outcome"], status?: number, headers: Exchange["headers"] = {}): void =>
      resolve({ status, headers, body, outcome });
    request.on("error", () => settle("cut"));
    request.on("response", (response) => {
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => settle(response.complete ? "complete" : "cut", response.statusCode, response.headers));
      response.on("aborted", () => settle("cut", response.statusCode, response.headers));
      response.on("error", () => settle("cut", response.statusCode, response.headers));
    });
    request.end();
    init.onSent?.(() => request.destroy());
  });
}

function exchangeHttp2(url: string, init: ExchangeInit): Promise<Exchange> {
  return new Promise((resolve) => {
    const session = http2Connect(url);
    session.on("error", () => {});
    const stream = session.request(
      { ":method": init.method ?? "GET", ":path": init.path ?? "/", ...init.headers },
      { endStream: true },
    );
    let body = "";
    let status: number | undefined;
    let headers: Exchange["headers"] = {};
    const settle = (outcome: Exchange["outcome"]): void => {
      resolve({ status, headers, body, outcome });
      session.close();
    };
    stream.on("response", (received) => {
      status = received[":status"];
      headers = Object.fromEntries(Object.entries(received).filter(([name]) => !name.startsWith(":")));
    });
    let ended = false;
    let hungUp = false;
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => (ended = true));
    stream.on("error", () => settle("cut"));
    stream.on("close", () => settle(ended && !hungUp && stream.rstCode === 0 ? "complete" : "cut"));
    init.onSent?.(() => {
      hungUp = true;
      stream.close(constants.NGHTTP2_CANCEL);
    });
  });
}
