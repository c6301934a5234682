/** Where a request carried its token. */
export type TokenSource = "header" | "cookie" | "query";

/** Where to look for a token besides the `Authorization: Bearer` header. */
export interface TokenPlaces {
  /** The cookie's name, or `undefined` not to read cookies. */
  readonly cookie: string | undefined;
  /** The query parameter's name, or `undefined` not to read the URL. */
  readonly query: string | undefined;
}

/**
 * The token of a request: the `Authorization: Bearer` header first, then the query parameter, then
 * the cookie (those two only when named): the tokens this request names itself before the one a
 * browser attaches to every request to the site. The first place that holds one wins, even when its
 * token turns out bad. An `Authorization` header of another scheme (`Basic …`) is left alone;
 * `Bearer` with no token gives `""`, which does not verify.
 */
export function readToken(request: Request, places: TokenPlaces): { token: string; source: TokenSource } | undefined {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const bearer = /^[ \t]*Bearer(?:[ \t]+(.*?))?[ \t]*$/i.exec(authorization);
    if (bearer !== null) return { token: bearer[1] ?? "", source: "header" };
  }
  if (places.query !== undefined) {
    const token = new URL(request.url).searchParams.get(places.query);
    if (token !== null) return { token, source: "query" };
  }
  if (places.cookie !== undefined) {
    const token = readCookie(request.headers.get("cookie"), places.cookie);
    if (token !== undefined) return { token, source: "cookie" };
  }
  return undefined;
}

/**
 * The value of the first cookie named `name` (browsers send the one of the longest path first),
 * without the double quotes RFC 6265 allows around it. Pairs are split on `;` and on `,` too, which
 * no cookie value holds, so cookie headers joined with ", " read the same.
 */
function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const pair of header.split(/[;,]/)) {
    const equals = pair.indexOf("=");
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}
