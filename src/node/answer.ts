import type { NodeResponse } from "./node-response.ts";

/**
 * Answers with `status` and a short plain-text body (or none), in place of a response that could not
 * be sent: headers set on `res` before (by a failed `writeHead`, say) are removed first, so nothing of
 * that response leaks into this one.
 */
export function answer(res: NodeResponse, status: number, text = ""): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const headers: Record<string, string> = { "content-length": String(new TextEncoder().encode(text).byteLength) };
  if (text !== "") headers["content-type"] = "text/plain; charset=utf-8";
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Ends a response that failed: a 500 with no body while no header has been sent, else (or when the
 * client has gone) the response is destroyed, so the client sees a cut-off response rather than a
 * complete one. Over HTTP/2 the stream is reset with INTERNAL_ERROR (a destroy without an error would
 * end it cleanly); over HTTP/1.1 the connection is closed (an error there would reach the server's
 * `clientError` listeners).
 */
export function failResponse(
  res: NodeResponse,
  http2: boolean,
  clientGone: boolean,
  report: (error: unknown) => void,
): void {
  if (res.writableEnded) return;
  if (!res.headersSent && !clientGone) {
    try {
      answer(res, 500);
      return;
    } catch (error) {
      report(error);
    }
  }
  res.destroy(http2 ? new Error("edge-sse/node: the response failed after its headers were sent") : undefined);
}
