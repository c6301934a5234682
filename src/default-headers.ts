import { describeValue } from "./describe-value.ts";

/**
 * The headers of an event stream. `no-transform` keeps proxies from compressing or buffering it and
 * `x-accel-buffering: no` does the same for nginx. Hop-by-hop headers (`connection`, `keep-alive`,
 * `transfer-encoding`) are never sent: they are forbidden in HTTP/2 and HTTP/3.
 */
export const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
});

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"];

/**
 * Headers as a plain record of lower-case names or, only when `set-cookie` values are present (a
 * record holds one value per name), as a list of name/value pairs that keeps each of them.
 */
export type HeaderSet = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/**
 * Merges header sets over the defaults, later ones winning, except that every `set-cookie` value of
 * every set is kept. Without cookies the result is a plain record (no `Headers` object is kept), and
 * with nothing to merge the shared defaults come back as they are.
 *
 * @throws {TypeError} when a hop-by-hop header is set
 */
export function mergeHeaderSet(context: string, ...layers: ReadonlyArray<HeadersInit | HeaderSet | undefined>): HeaderSet {
  let merged: Record<string, string> | undefined;
  let cookies: Array<[string, string]> | undefined;
  for (const layer of layers) {
    if (layer === undefined || layer === DEFAULT_HEADERS) continue;
    merged ??= { ...DEFAULT_HEADERS };
    new Headers(layer as HeadersInit).forEach((value, name) => {
      if (HOP_BY_HOP.includes(name)) {
        throw new TypeError(
          `${context}: header \`${name}\` is not allowed (got ${describeValue(value)}); hop-by-hop headers break HTTP/2 and HTTP/3`,
        );
      }
      if (name === "set-cookie") (cookies ??= []).push([name, value]);
      else merged![name] = value;
    });
  }
  return cookies ? Object.entries(merged!).concat(cookies) : merged ?? DEFAULT_HEADERS;
}

/**
 * Merges header sets as `mergeHeaderSet` does, into one plain record of lower-case names, which
 * holds one value per name: of several `set-cookie` values it keeps the last.
 *
 * @throws {TypeError} when a hop-by-hop header is set
 */
export function mergeHeaders(
  context: string,
  ...layers: ReadonlyArray<HeadersInit | undefined>
): Readonly<Record<string, string>> {
  const merged = mergeHeaderSet(context, ...layers);
  return Array.isArray(merged) ? Object.fromEntries(merged) : merged as Readonly<Record<string, string>>;
}
