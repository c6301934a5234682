import { describeValue } from "../core/describe-value.ts";

/**
 * The header in which `routeToChannel` tells the object which events a subscriber gets: the JSON
 * array of their names, percent-encoded (`encodeURIComponent`) so that any name fits a header. As
 * with the expiry, the Worker sets it and removes any such header the client sent, so the object
 * takes it as the Worker's word.
 */
export const FILTER_HEADER = "edge-sse-filter";
/**
 * The longest filter, as JSON text: it is kept with each hibernatable WebSocket, whose attachment
 * workerd bounds (2,048 bytes).
 */
export const MAX_FILTER_LENGTH = 1024;

/**
 * Checks a `filter` option and gives the names it keeps: `undefined` for none.
 *
 * @throws {TypeError} when it is not an event name or a non-empty array of names, or is too long
 */
export function checkFilterNames(filter: unknown, context: string): readonly string[] | undefined {
  if (filter === undefined) return undefined;
  const names = typeof filter === "string" ? [filter] : filter;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === "string" && name !== "")) {
    throw new TypeError(
      `${context}: \`filter\` must be an event name or a non-empty array of names (got ${describeValue(filter)})`,
    );
  }
  if (JSON.stringify(names).length > MAX_FILTER_LENGTH) {
    throw new TypeError(
      `${context}: \`filter\` must be at most ${MAX_FILTER_LENGTH} characters as JSON (got ${describeValue(filter)})`,
    );
  }
  return names as readonly string[];
}

/** Puts the filter's names (checked already; `undefined` for none) into `headers`, over whatever was there. */
export function setForwardedFilter(headers: Headers, names: readonly string[] | undefined): void {
  if (names === undefined) headers.delete(FILTER_HEADER);
  else headers.set(FILTER_HEADER, encodeURIComponent(JSON.stringify(names)));
}

/**
 * The filter `routeToChannel` forwarded: `undefined` without the header, `null` when it is not what
 * `routeToChannel` writes, else the names.
 */
export function readForwardedFilter(request: Request): readonly string[] | undefined | null {
  const value = request.headers.get(FILTER_HEADER);
  if (value === null) return undefined;
  try {
    return checkFilterNames(JSON.parse(decodeURIComponent(value)), "");
  } catch {
    return null;
  }
}
