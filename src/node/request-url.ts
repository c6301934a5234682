import type { Refusal } from "./refusal.ts";

/** The parts of a Node request (HTTP/1.x or HTTP/2 compatibility API) its URL is made of. */
export interface RequestHead {
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders: readonly string[];
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: {
    readonly encrypted?: boolean;
    readonly localAddress?: string | undefined;
    readonly localPort?: number | undefined;
  } | null;
}

/** `host[:port]`: a reg-name of unreserved and sub-delim characters, or an IP literal in brackets. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::[0-9]*)?$/;
/** An absolute-form request target (`http://host/path`): its authority, and where its path starts. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)/i;

/**
 * The URL a fetch handler sees, or the status to answer instead.
 *
 * - Scheme: the connection's (`https` over TLS, else `http`); a client's `:scheme` is not trusted.
 * - Authority: the `Host` header on HTTP/1.x, `:authority` (or else `Host`) on HTTP/2. Where a request
 *   names its authority twice (an absolute-form target and `Host`, or `:authority` and `Host`), both
 *   must agree, else 400: neither wins, so no client can make the handler see a host a proxy in front
 *   did not route on. HTTP/1.1 and HTTP/2 requests without one get 400; an HTTP/1.0 request without
 *   one gets the server's own address. More than one `Host` header, or one that is not `host[:port]`:
 *   400.
 * - Path and query: an origin-form target (`/…`, taken as a path even when it starts with `//`) or
 *   the path of an absolute-form one. An asterisk-form (`OPTIONS *`) or authority-form target, or
 *   anything else, has no URL a fetch handler could take: 400.
 */
export function requestUrl(req: RequestHead): URL | Refusal {
  const scheme = req.socket?.encrypted === true ? "https" : "http";
  const target = req.url ?? "";
  let path = target;
  // Each authority the request states, with where it states it.
  const stated: Array<readonly [where: string, authority: string]> = [];
  if (!target.startsWith("/")) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute === null) {
      return badRequest(
        target === "*"
          ? "the request target * (asterisk-form) names no resource a fetch handler can serve"
          : "the request target must be a path or an absolute http(s) URL",
      );
    }
    stated.push(["the request target", absolute[1] ?? ""]);
    const rest = target.slice(absolute[0].length);
    path = rest.startsWith("/") ? rest : `/${rest}`;
  }

  const hosts = req.rawHeaders.filter((name, index) => index % 2 === 0 && name.toLowerCase() === "host").length;
  if (hosts > 1) return badRequest("the request has more than one Host header");
  const http2 = req.httpVersionMajor === 2;
  const http10 = req.httpVersionMajor === 1 && req.httpVersionMinor === 0;
  const pseudo = req.headers[":authority"];
  if (http2 && typeof pseudo === "string") stated.push([":authority", pseudo]);
  const host = req.headers["host"];
  if (typeof host === "string") stated.push(["the Host header", host]);
  else if (!http2 && !http10) return badRequest("the Host header is missing");
  if (stated.length === 0) {
    const local = http10 ? localAuthority(req) : undefined;
    if (local === undefined)
      return badRequest(http2 ? "the :authority and Host headers are missing" : "the Host header is missing");
    stated.push(["the server's address", local]);
  }

  const authorities = new Set<string>();
  for (const [where, value] of stated) {
    const normalized = normalizeAuthority(scheme, value);
    if (normalized === undefined) return badRequest(`${where} is not a valid host[:port]`);
    authorities.add(normalized);
  }
  if (authorities.size > 1) {
    return badRequest(`the request names two different authorities (${stated.map(([where]) => where).join(" and ")})`);
  }
  const [authority = ""] = authorities;
  // Joined, never resolved against a base: a path starting with "//" stays a path. The authority ends
  // at the path's first "/" whatever follows; checked all the same.
  const url = parseUrl(`${scheme}://${authority}${path}`);
  return url?.host === authority ? url : badRequest("the request target does not make a valid URL with this authority");
}

/** `authority` as the URL parser writes it (lower case, no default port), or undefined when invalid. */
function normalizeAuthority(scheme: string, authority: string): string | undefined {
  return AUTHORITY.test(authority) ? parseUrl(`${scheme}://${authority}/`)?.host : undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The address and port the request came in on, as an authority (IPv6 in brackets). */
function localAuthority(req: RequestHead): string | undefined {
  const address = req.socket?.localAddress;
  const port = req.socket?.localPort;
  if (address === undefined || port === undefined) return undefined;
  return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

function badRequest(reason: string): Refusal {
  return { status: 400, reason };
}
