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
 * Merges header sets over the defaults, later ones winning, into a plain record of lower-case names
 * (no `Headers` object is kept). With nothing to merge, the shared defaults come back as they are.
 *
 * @throws {TypeError} when a hop-by-hop header is set
 */
export function mergeHeaders(
  context: string,
  ...layers: ReadonlyArray<HeadersInit | undefined>
): Readonly<Record<string, string>> {
  let merged: Record<string, string> | undefined;
  for (const layer of layers) {
    if (layer === undefined || layer === DEFAULT_HEADERS) continue;
    merged ??= { ...DEFAULT_HEADERS };
    new Headers(layer).forEach((value, name) => {
      if (HOP_BY_HOP.includes(name)) {
        throw new TypeError(
          `${context}: header \`${name}\` is not allowed (got ${describeValue(value)}); hop-by-hop headers break HTTP/2 and HTTP/3`,
        );
      }
      merged![name] = value;
    });
  }
  return merged ?? DEFAULT_HEADERS;
}
