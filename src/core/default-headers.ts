import { describeError, describeValue } from "./describe-value.ts";

/**
 * The headers of an event stream. `no-transform` keeps proxies from compressing or buffering it and
 * `x-accel-buffering: no` does the same for nginx. Connection-specific headers (`connection`,
 * `keep-alive`, `transfer-encoding`, …; see `CONNECTION_SPECIFIC_HEADERS`) are never sent: they are
 * forbidden in HTTP/2 and HTTP/3.
 */
export const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
});

/**
 * Header names that describe one connection rather than the message (RFC 9110 §7.6.1): the HTTP/1.1
 * hop-by-hop headers, `proxy-connection`, `te` and `http2-settings`. HTTP/2 forbids them (RFC 9113
 * §8.2.2, Node's http2 throws `ERR_HTTP2_INVALID_CONNECTION_HEADERS`), so does HTTP/3, and a fetch
 * handler can do nothing with them on a request. One list for the stream's headers, the requests the
 * Node bridge builds and the responses it sends over HTTP/2.
 */
export const CONNECTION_SPECIFIC_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "http2-settings",
]);

/**
 * Headers as a plain record of lower-case names or, only when `set-cookie` values are present (a
 * record holds one value per name), as a list of name/value pairs that keeps each of them. A
 * `HeadersInit`, so it merges again as a layer; never changed once made (the defaults are frozen).
 */
export type HeaderSet = Record<string, string> | Array<[string, string]>;

/**
 * Merges header sets over the defaults, later ones winning, except that every `set-cookie` value of
 * every set is kept. Without cookies the result is a plain record (no `Headers` object is kept), and
 * with nothing to merge the shared defaults come back as they are.
 *
 * @param context - how the errors start
 * @param field - the option the caller's headers came from (`headers`, `init.headers`), named in errors
 * @throws {TypeError} naming `field` when a layer is not headers `Headers` takes (a bad name, a value
 *   that is not Latin-1, a wrong type), or sets a connection-specific header or `content-length`
 */
export function mergeHeaderSet(
  context: string,
  field: string,
  ...layers: ReadonlyArray<HeadersInit | undefined>
): HeaderSet {
  let merged: Record<string, string> | undefined;
  let cookies: Array<[string, string]> | undefined;
  for (const layer of layers) {
    if (layer === undefined || layer === DEFAULT_HEADERS) continue;
    merged ??= { ...DEFAULT_HEADERS };
    let headers: Headers;
    try {
      headers = new Headers(layer);
    } catch (error) {
      throw new TypeError(
        `${context}: \`${field}\` must be a Headers, a record or a list of name/value pairs, with valid names ` +
          `and Latin-1 values (${describeError(error)}) (got ${describeValue(layer)})`,
        { cause: error },
      );
    }
    headers.forEach((value, name) => {
      if (CONNECTION_SPECIFIC_HEADERS.has(name)) {
        throw new TypeError(
          `${context}: header \`${name}\` in \`${field}\` is not allowed (got ${describeValue(value)}); hop-by-hop headers break HTTP/2 and HTTP/3`,
        );
      }
      if (name === "content-length") {
        throw new TypeError(
          `${context}: header \`content-length\` in \`${field}\` is not allowed (got ${describeValue(value)}); an event stream has no length known in advance`,
        );
      }
      if (name === "set-cookie") (cookies ??= []).push([name, value]);
      else merged![name] = value;
    });
  }
  return cookies ? Object.entries(merged!).concat(cookies) : (merged ?? (DEFAULT_HEADERS as HeaderSet));
}
