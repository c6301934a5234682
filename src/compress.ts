/**
 * Compression of event streams that never holds an event back, published as `edge-sse/compress`.
 * The platform's `CompressionStream` cannot flush: it keeps a small event in its window until more
 * input comes, which can be never. `compress` compresses with the runtime's `node:zlib` instead (Node
 * 20.16+ and 22.3+, Deno, Bun and Workers with `nodejs_compat` hand it out through
 * `process.getBuiltinModule`), ending every chunk the stream writes with a flush, so each event reaches
 * the client, decodable, as soon as it was written. Used only when the request's `Accept-Encoding`
 * allows brotli, gzip or deflate; otherwise, and on a runtime with no `node:zlib` to find (Node 18,
 * say), the response comes back as it was. The module imports nothing of Node's, so it loads anywhere.
 *
 * Do not put secrets and text an attacker chooses into one compressed stream: the compressed size
 * then tells the attacker how much of the secret their text matched (BREACH).
 *
 * @example Compress a stream when the client accepts it
 * ```ts
 * import { DataStream } from "edge-sse";
 * import { compress } from "edge-sse/compress";
 *
 * const request = new Request("http://localhost/events", { headers: { "accept-encoding": "gzip, br" } });
 * const response = compress(new DataStream(["hello"], { request }).toResponse(), request);
 * console.assert(response.headers.get("content-encoding") === "gzip"); // a tie: gzip first
 * const options = { encodings: ["br", "gzip"] } as const; // brotli first
 * const brotli = compress(new DataStream(["hello"], { request }).toResponse(), request, options);
 * console.assert(brotli.headers.get("content-encoding") === "br");
 * await brotli.body?.cancel();
 * await response.body?.cancel();
 * ```
 *
 * @module
 */
import { checkKeys, refusal } from "./core/check.ts";
import { CODINGS, type Coding, negotiateEncoding } from "./compress/accept-encoding.ts";
import { flushingStream } from "./compress/flushing-stream.ts";
import { findZlib } from "./compress/zlib.ts";

export { type Coding, negotiateEncoding } from "./compress/accept-encoding.ts";

/** Options of `compress`. */
export interface CompressOptions {
  /**
   * The codings to offer, most preferred first; the request's weights decide, this order breaks ties.
   * A coding the runtime cannot make (`"br"` where its `node:zlib` has no brotli) is left out.
   * @default ["gzip", "br", "deflate"]
   */
  readonly encodings?: readonly Coding[];
  /**
   * The zlib compression level of gzip and deflate, 1 (fastest) to 9 (smallest). Events are small and
   * flushed one by one, so a high level buys little: see bench/README.md.
   * @default 6
   */
  readonly level?: number;
  /**
   * The brotli quality, 0 (fastest) to 11 (smallest). Above 9 brotli spends far more CPU on each
   * flushed event for a few bytes: see bench/README.md.
   * @default 5
   */
  readonly brotliQuality?: number;
}

const CONTEXT = "Cannot compress response";
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(["encodings", "level", "brotliQuality"]);
const zlib = findZlib();

/** Whether this runtime can make `coding`: nothing without `node:zlib`, brotli only where it has it. */
function canMake(coding: Coding): boolean {
  return zlib !== undefined && (coding !== "br" || zlib.createBrotliCompress !== undefined);
}

/** What this runtime can make of every coding, most preferred first. */
const AVAILABLE: readonly Coding[] = CODINGS.filter(canMake);

/**
 * `response` compressed for `request` with brotli, gzip or deflate and a flush after every chunk, or
 * `response` itself when the request accepts none of them, the response has no body or already has a
 * `Content-Encoding`. A compressed response has the same status and headers, plus `Content-Encoding`,
 * without `Content-Length`; every response with a body gets `Vary: Accept-Encoding`, since its bytes
 * depend on that header. `Cache-Control` is kept as it is: `no-transform` asks proxies not to change
 * the bytes, which the origin's own coding does not break.
 *
 * @example Negotiation follows the q-values
 * ```ts
 * import { compress } from "edge-sse/compress";
 *
 * const asking = (value: string) => new Request("http://localhost/", { headers: { "accept-encoding": value } });
 * const encodingFor = (value: string) => compress(new Response("data: x\n\n"), asking(value)).headers.get("content-encoding");
 * console.assert(encodingFor("gzip;q=0.5, deflate") === "deflate");
 * console.assert(encodingFor("gzip;q=0, identity") === null);
 * ```
 *
 * @throws {TypeError} naming it when `response` or `request` is not one, when `options` is malformed, or
 *   when the body is already read
 */
export function compress(response: Response, request: Request, options: CompressOptions = {}): Response {
  if (!hasHeaders(response)) throw refusal(CONTEXT, "response", "a Response", response);
  if (!hasHeaders(request)) throw refusal(CONTEXT, "request", "a Request (its Accept-Encoding is read)", request);
  checkKeys(options, KNOWN_OPTIONS, CONTEXT);
  const encodings = checkEncodings(options.encodings);
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw refusal(CONTEXT, "level", "an integer from 1 to 9", level);
  const brotliQuality = options.brotliQuality ?? 5;
  if (!Number.isInteger(brotliQuality) || brotliQuality < 0 || brotliQuality > 11)
    throw refusal(CONTEXT, "brotliQuality", "an integer from 0 to 11", brotliQuality);
  if (response.body === null || response.headers.has("content-encoding")) return response;
  if (response.body.locked)
    throw new TypeError(`${CONTEXT}: \`response.body\` must be unread (got a body already read or locked)`);
  const coding = negotiateEncoding(request.headers.get("accept-encoding"), encodings);
  // `coding` is one `canMake` let through, so `zlib` is there.
  const headers = new Headers(response.headers);
  const vary = headers.get("vary") ?? "";
  if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary))
    headers.set("vary", vary === "" ? "Accept-Encoding" : `${vary}, Accept-Encoding`);
  if (coding === undefined)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  headers.set("content-encoding", coding);
  headers.delete("content-length");
  // `encodeBody: "manual"`: workerd would otherwise compress the body again itself (others ignore it).
  const init: ResponseInit & { encodeBody: "manual" } = {
    status: response.status,
    statusText: response.statusText,
    headers,
    encodeBody: "manual",
  };
  return new Response(flushingStream(response.body, zlib!, coding, { level, brotliQuality }, CONTEXT), init);
}

/** Whether `value` has the `headers` of a `Response` or a `Request` (from any realm or fetch implementation). */
function hasHeaders(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { headers?: { get?: unknown } }).headers?.get === "function"
  );
}

/** The codings to offer: `value` checked, less what this runtime cannot make. */
function checkEncodings(value: unknown): readonly Coding[] {
  if (value === undefined) return AVAILABLE;
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((coding) => (CODINGS as readonly unknown[]).includes(coding));
  if (!valid) throw refusal(CONTEXT, "encodings", 'a non-empty array of "br", "gzip" and "deflate"', value);
  return (value as readonly Coding[]).filter(canMake);
}
