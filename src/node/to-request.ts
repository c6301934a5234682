import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Readable } from "node:stream";
import { CONNECTION_SPECIFIC_HEADERS } from "../core/default-headers.ts";
import type { Refusal } from "./refusal.ts";
import { requestUrl } from "./request-url.ts";

/** Methods a fetch `Request` cannot carry (the Fetch standard's forbidden methods). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The `Request` a fetch handler gets for a Node request, or the status to answer instead (see
 * `requestUrl` for the URL). Pseudo-headers and connection-specific headers are left out; `signal`
 * aborts when the client leaves.
 */
export function toRequest(req: IncomingMessage | Http2ServerRequest, signal: AbortSignal): Request | Refusal {
  const method = req.method ?? "GET";
  const canonical = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(canonical)) {
    return { status: 501, reason: "the method is one a fetch Request cannot carry (CONNECT, TRACE or TRACK)" };
  }
  const url = requestUrl(req);
  if (!(url instanceof URL)) return url;
  const init: RequestInit & { duplex?: "half" } = { method, signal };
  try {
    init.headers = requestHeaders(req.headers);
  } catch {
    // Only a lenient parser (insecureHTTPParser) lets such a value through, a NUL say.
    return { status: 400, reason: "a request header has a value a fetch Request refuses" };
  }
  if (canonical !== "GET" && canonical !== "HEAD") {
    init.body = Readable.toWeb(req as IncomingMessage) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(url, init);
}

function requestHeaders(nodeHeaders: Readonly<Record<string, string | string[] | undefined>>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(nodeHeaders)) {
    if (value === undefined || name.startsWith(":") || CONNECTION_SPECIFIC_HEADERS.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}
