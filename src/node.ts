/**
 * The bridge from Node's `node:http` and `node:http2` servers to a fetch handler, published as
 * `edge-sse/node`. With its helpers in `src/node/`, it is the only part of edge-sse that imports
 * `node:*`, besides `edge-sse/compress` (`node:zlib`).
 *
 * Node's servers neither cancel a response body nor abort anything when the client leaves; this
 * bridge does both: on the response's `close` it aborts the `Request`'s `signal` and cancels the
 * body, so a `DataStream` ends at once. It also waits for `drain`, so a slow client slows the source
 * instead of filling memory. It never lets a failure escape: whatever goes wrong reaches `onError`, and
 * the client gets a 500 (or, once the headers are out, a cut-off response).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { checkFunction, checkKeys, refusal } from "./core/check.ts";
import { describeValue } from "./core/describe-value.ts";
import { answer, failResponse } from "./node/answer.ts";
import { ClientWatch } from "./node/client-watch.ts";
import type { NodeResponse } from "./node/node-response.ts";
import { reporter } from "./node/reporter.ts";
import { isResponseLike, responseHead } from "./node/response-head.ts";
import { sendBody } from "./node/send-body.ts";
import { tapEventStream } from "./node/send-tapped.ts";
import { toRequest } from "./node/to-request.ts";

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
   * Hears every failure of a request: the handler throws or rejects, returns something that is not a
   * `Response`, or a `Response` Node cannot send (a status outside 200-599, a header value with a
   * control character, a body already locked); the body fails or yields a chunk that is not a
   * `Uint8Array`; and, over HTTP/2, each connection-specific header left out of a response. The client
   * gets a 500 when no header was sent yet, else a cut-off response. An `onError` that throws or
   * rejects is logged and changes nothing. Requests the bridge answers with 400 or 501 itself are the
   * client's mistakes and are not reported.
   * @default logs the error with console.error
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

const CONTEXT = "Cannot make a Node listener";
const OPTION_KEYS: ReadonlySet<string> = new Set(["onError"]);

/**
 * Turns a fetch handler into a `node:http` / `node:http2` request listener.
 *
 * @param handler - takes a `Request`, returns a `Response`
 * @param options - see `NodeListenerOptions`
 * @returns a listener for `http.createServer()` or `http2.createServer()`
 * @throws {TypeError} when `handler` is not a function, or an option is unknown or of the wrong type
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
  if (typeof handler !== "function") throw refusal(CONTEXT, "handler", "a function", handler);
  checkKeys(options, OPTION_KEYS, CONTEXT);
  checkFunction("onError", options.onError, CONTEXT);
  const report = reporter(
    options.onError ?? ((error: unknown) => console.error("edge-sse/node: a request failed", error)),
  );
  return (req, res) => void respond(handler, report, req, res as unknown as NodeResponse).catch(report);
}

/**
 * Serves one request; never rejects: every failure is reported and answered. Once the body is being
 * sent, this returns and the copy goes on by itself (`sendBody`), so that a long-lived stream keeps no
 * suspended frame of this function.
 */
async function respond(
  handler: FetchHandler,
  report: (error: unknown) => void,
  req: IncomingMessage | Http2ServerRequest,
  res: NodeResponse,
): Promise<void> {
  const client = new ClientWatch(req, res);
  const http2 = req.httpVersionMajor === 2;
  const failed = (error: unknown): void => {
    report(error);
    client.finish();
    failResponse(res, http2, client.gone, report);
  };
  let sending = false;
  try {
    const request = toRequest(req, client.signal);
    if (!(request instanceof Request)) {
      client.finish();
      answer(res, request.status, `${request.reason}\n`);
      return;
    }
    let returned: unknown;
    try {
      returned = await handler(request);
    } catch (error) {
      // A handler that gave up because the client left (as `signal` told it to) did not fail.
      if (client.gone && error === client.signal.reason) return;
      throw error;
    }
    if (!isResponseLike(returned)) {
      throw new TypeError(
        `Cannot serve the request: the handler must return a Response (got ${describeValue(returned)})`,
      );
    }
    if (client.gone) {
      await returned.body?.cancel(client.signal.reason);
      return;
    }
    const head = responseHead(returned, http2);
    const sent = (error?: unknown): void => {
      if (error !== undefined) failed(error);
      client.dispose();
    };
    // An edge-sse stream nothing has read yet is written by its engine straight to `res`.
    const tapped =
      req.method === "HEAD" || returned.bodyUsed !== false
        ? undefined
        : tapEventStream(returned.body, res, client, report);
    const reader = tapped === undefined ? returned.body?.getReader() : undefined; // throws when locked: a 500
    for (const dropped of head.dropped) report(dropped);
    res.writeHead(head.status, head.headers);
    if (tapped !== undefined) {
      tapped(sent);
      sending = true;
      return;
    }
    if (reader === undefined || req.method === "HEAD") {
      client.finish();
      res.end();
      await reader?.cancel();
      return;
    }
    sendBody(reader, res, client, report, sent);
    sending = true;
  } catch (error) {
    failed(error);
  } finally {
    if (!sending) client.dispose();
  }
}
