/**
 * The bridge from Node's `node:http` and `node:http2` servers to a fetch handler. It is the one file
 * of edge-sse that imports `node:*`, published as `edge-sse/node`.
 *
 * Node's servers neither cancel a response body nor abort anything when the client leaves; this
 * bridge does both: on the response's `close` it aborts the `Request`'s `signal` and cancels the
 * body, so a `DataStream` ends at once. It also waits for `drain`, so a slow client slows the source
 * instead of filling memory.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Readable } from "node:stream";

/** A web-standard request handler, as Workers, Deno.serve and Bun.serve take. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A `node:http` or `node:http2` (compatibility API) request listener. */
export type NodeListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** Options of `toNodeListener`. */
export interface NodeListenerOptions {
  /**
   * Called when the handler throws or rejects; the client then gets a 500 with no body.
   * @default logs the error with console.error
   */
  readonly onError?: (error: unknown) => void;
}

/** The part of both response classes the bridge uses. */
interface NodeResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  on(event: "close" | "drain", listener: () => void): unknown;
  off(event: "close" | "drain", listener: () => void): unknown;
}

const HOP_BY_HOP_REQUEST = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "http2-settings"]);

/**
 * Turns a fetch handler into a `node:http` / `node:http2` request listener.
 *
 * @param handler - takes a `Request`, returns a `Response`
 * @param options - see `NodeListenerOptions`
 * @returns a listener for `http.createServer()` or `http2.createServer()`
 * @example Serve a DataStream with node:http
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { DataStream } from "edge-sse";
 * import { toNodeListener } from "edge-sse/node";
 *
 * createServer(toNodeListener((request) =>
 *   new DataStream(async function* ({ sleep }) {
 *     for (let n = 0; ; n++) { yield { n }; await sleep(1000); }
 *   }, { request }).toResponse()
 * )).listen(8787, "127.0.0.1");
 * ```
 */
export function toNodeListener(handler: FetchHandler, options: NodeListenerOptions = {}): NodeListener {
  if (typeof handler !== "function") {
    throw new TypeError(`Cannot make a Node listener: \`handler\` must be a function (got ${typeof handler})`);
  }
  const onError = options.onError ?? ((error: unknown) => console.error("edge-sse/node: the fetch handler failed", error));
  return (req, res) => void respond(handler, onError, req, res as unknown as NodeResponse);
}

async function respond(
  handler: FetchHandler,
  onError: (error: unknown) => void,
  req: IncomingMessage | Http2ServerRequest,
  res: NodeResponse,
): Promise<void> {
  const abort = new AbortController();
  const signal = abort.signal;
  // Our own flag, not res.writableFinished: on HTTP/2 a stream the client resets reports itself
  // finished, and the disconnect would go unnoticed.
  let ended = false;
  const onClose = (): void => {
    if (!ended) abort.abort(new Error("The client closed the connection"));
  };
  res.on("close", onClose);
  // An HTTP/2 client's RST_STREAM can leave a stream whose writable side is still open undestroyed, so
  // its "close" may never come; the request's "aborted" does.
  req.on("aborted", onClose);
  try {
    let response: Response;
    try {
      response = await handler(toRequest(req, signal));
    } catch (error) {
      onError(error);
      if (!res.headersSent && !res.destroyed) {
        ended = true;
        res.writeHead(500, {});
        res.end();
      }
      return;
    }
    res.writeHead(response.status, toNodeHeaders(response.headers));
    const body = response.body;
    if (body === null || req.method === "HEAD") {
      ended = true;
      res.end();
      await body?.cancel();
      return;
    }
    const reader = body.getReader();
    const cancel = (): void => void reader.cancel(signal.reason).catch(() => {});
    if (signal.aborted) cancel();
    else signal.addEventListener("abort", cancel, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value) && !signal.aborted) await drainOrAbort(res, signal);
      }
      ended = true;
      // After a disconnect, destroy: an HTTP/2 stream the client reset would otherwise stay half open.
      if (signal.aborted) res.destroy();
      else res.end();
    } catch (error) {
      ended = true;
      res.destroy(error instanceof Error ? error : undefined);
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  } finally {
    res.off("close", onClose);
    req.off("aborted", onClose);
  }
}

/** Waits until the response can take more, or the client has gone (a close aborts `signal`). */
function drainOrAbort(res: NodeResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

function toRequest(req: IncomingMessage | Http2ServerRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":") || HOP_BY_HOP_REQUEST.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  const authority = req.headers[":authority"] ?? req.headers.host ?? "localhost";
  const scheme = req.headers[":scheme"] ?? ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  const url = new URL(req.url ?? "/", `${String(scheme)}://${String(authority)}`);
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = Readable.toWeb(req as IncomingMessage) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(url, init);
}

function toNodeHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = (headers as { getSetCookie?: () => string[] }).getSetCookie?.() ?? [];
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}
