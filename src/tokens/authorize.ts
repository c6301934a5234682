import type { TokenClaims } from "./claims.ts";
import type { TokenKeys } from "./token-key.ts";
import { describeValue } from "../core/describe-value.ts";
import { patternsCover } from "./channel-pattern.ts";
import { readToken, type TokenSource } from "./read-token.ts";
import { refusalResponse, refusalStatus, type TokenRefusal } from "./refusal.ts";
import {
  checkVerifyOptions,
  verifyChecked,
  VERIFY_OPTION_KEYS,
  type VerifiedToken,
  type VerifyOptions,
} from "./verify-token.ts";

/** Options of `authorize`: what the request asks for, where its token may be, and how to verify it. */
export interface AuthorizeOptions extends VerifyOptions {
  /** The key, or the keys to try in order (the newest first while keys rotate). */
  readonly keys: TokenKeys;
  /** The channel the request is for, or every channel it is for: the token must cover each. */
  readonly channel: string | readonly string[];
  /**
   * Whether the request publishes, so that the token must allow publishing.
   * @default true unless the method is GET or HEAD
   */
  readonly publish?: boolean;
  /**
   * The name of a cookie to read the token from when neither the `Authorization: Bearer` header nor
   * the query parameter has one. A browser's `EventSource` sends the cookies of its own site.
   * @default none: cookies are not read
   */
  readonly cookie?: string;
  /**
   * The name of a query parameter to read the token from when there is no `Authorization: Bearer`
   * header (it comes before the cookie: this URL names it, where a cookie goes with every request).
   * URLs end up in logs, `Referer` headers and history: allow this only for clients that can do
   * nothing else, with short-lived tokens.
   * @default none: the URL is not read
   */
  readonly query?: string;
}

/** A request whose token covers what it asks for. */
export interface Authorized extends VerifiedToken {
  /** Where the token was. */
  readonly source: TokenSource;
}

/** A request refused: the response to send, and why (for the server's logs, never for the client). */
export interface Unauthorized {
  readonly ok: false;
  /** Why, for the server's logs; the response does not say. */
  readonly reason: TokenRefusal;
  /** 401 (no valid token) or 403 (a valid token that does not allow this). */
  readonly status: 401 | 403;
  /** A bare 401 or 403 to send as it is. */
  readonly response: Response;
  /** The token's claims when its signature was good (who was refused), for the logs. */
  readonly claims?: TokenClaims;
  /** Where the token was, when there was one. */
  readonly source?: TokenSource;
}

/** What `authorize` decides. */
export type Authorization = Authorized | Unauthorized;

const CONTEXT = "Cannot authorize";
const OPTION_KEYS: ReadonlySet<string> = new Set([
  ...VERIFY_OPTION_KEYS,
  "keys",
  "channel",
  "publish",
  "cookie",
  "query",
]);
/** A cookie name is an HTTP token (RFC 6265, RFC 9110). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Decides whether a request may subscribe to (or publish on) its channels: reads its token from
 * the `Authorization: Bearer` header, else from the query parameter named by `query`, else from
 * the cookie named by `cookie` (those two only when named), verifies it (see `verifyToken`) and checks
 * that it covers every channel asked for, and that it may publish when the request publishes.
 * Put it in front of `channel.response(…)` or `routeToChannel(…)`; on refusal, send
 * `result.response` and log `result.reason`.
 *
 * @param request - the incoming request
 * @param options - `keys` and `channel`; `publish`, `cookie`, `query`; and `now`, `leeway`, `maxLifetime`, `crypto`
 * @returns `{ ok: true, claims, validUntil, keyIndex, source }`, or `{ ok: false, reason, status, response }`
 * @throws {TypeError} (as a rejection) when `request` is not a Request, or an option or key is invalid
 * @example A channel per user: 401 without a token, 403 with another user's, the stream with one's own
 * ```ts
 * import { Channel } from "edge-sse/channel";
 * import { authorize, signToken } from "edge-sse/tokens";
 *
 * const key = "a secret of at least thirty-two bytes, from your vault";
 * const channels = new Map<string, Channel>();
 *
 * async function handler(request: Request): Promise<Response> {
 *   const name = new URL(request.url).pathname.slice(1); // "/user:42" → "user:42"
 *   const auth = await authorize(request, { keys: key, channel: name, cookie: "sse-token" });
 *   if (!auth.ok) return auth.response; // and log auth.reason
 *   let channel = channels.get(name);
 *   if (channel === undefined) channels.set(name, (channel = new Channel()));
 *   return channel.response({ request });
 * }
 *
 * const token = await signToken({ channels: ["user:42"], expiresIn: 60_000 }, key);
 * const none = await handler(new Request("http://localhost/user:42"));
 * const other = await handler(new Request("http://localhost/user:7", { headers: { authorization: `Bearer ${token}` } }));
 * const own = await handler(new Request("http://localhost/user:42", { headers: { cookie: `sse-token=${token}` } }));
 * console.assert(none.status === 401 && other.status === 403 && own.status === 200);
 * await own.body!.cancel();
 * ```
 */
export async function authorize(request: Request, options: AuthorizeOptions): Promise<Authorization> {
  const checked = checkVerifyOptions(options?.keys, options, CONTEXT, OPTION_KEYS);
  const { headers, url, method } = (request ?? {}) as Partial<Request>;
  if (
    typeof request !== "object" ||
    typeof headers?.get !== "function" ||
    typeof url !== "string" ||
    typeof method !== "string"
  ) {
    throw new TypeError(`${CONTEXT}: \`request\` must be a Request (got ${describeValue(request)})`);
  }
  const { channel, publish = method !== "GET" && method !== "HEAD", cookie, query } = options;
  const names = typeof channel === "string" ? [channel] : channel;
  if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== "string")) {
    throw new TypeError(
      `${CONTEXT}: \`channel\` must be a channel name or a non-empty array of them (got ${describeValue(channel)})`,
    );
  }
  if (typeof publish !== "boolean")
    throw new TypeError(`${CONTEXT}: \`publish\` must be a boolean (got ${describeValue(publish)})`);
  if (cookie !== undefined && (typeof cookie !== "string" || !COOKIE_NAME.test(cookie))) {
    throw new TypeError(
      `${CONTEXT}: \`cookie\` must be a cookie name: letters, digits and !#$%&'*+-.^_\`|~ (got ${describeValue(cookie)})`,
    );
  }
  if (query !== undefined && (typeof query !== "string" || query === "")) {
    throw new TypeError(`${CONTEXT}: \`query\` must be a non-empty parameter name (got ${describeValue(query)})`);
  }
  const found = readToken(request, { cookie, query });
  if (found === undefined) return refused("missing");
  const verified = await verifyChecked(found.token, checked);
  if (!verified.ok) return refused(verified.reason, verified.claims, found.source);
  const { claims } = verified;
  if (!names.every((name: string) => patternsCover(claims.channels, name)))
    return refused("channel", claims, found.source);
  if (publish && !claims.publish) return refused("publish", claims, found.source);
  return { ...verified, source: found.source };
}

function refused(reason: TokenRefusal, claims?: TokenClaims, source?: TokenSource): Unauthorized {
  return {
    ok: false,
    reason,
    status: refusalStatus(reason),
    response: refusalResponse(reason),
    ...(claims === undefined ? {} : { claims }),
    ...(source === undefined ? {} : { source }),
  };
}
