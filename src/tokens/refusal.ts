/**
 * Why a token was refused. For the server's logs only: the client gets a bare 401 or 403.
 *
 * - `"missing"`: no token in the request (401);
 * - `"too-long"`: over `MAX_TOKEN_LENGTH` (401);
 * - `"malformed"`: not the token format: segments, base64url, claims (401);
 * - `"version"`: a format version this library does not read (401);
 * - `"signature"`: no key verifies it: tampered, truncated, or signed with another key (401);
 * - `"expired"`: at or after its expiry, past the leeway (401);
 * - `"not-yet-valid"`: before its `notBefore`, past the leeway (401);
 * - `"lifetime"`: it expires later than `maxLifetime` from now (401);
 * - `"channel"`: valid, but it does not cover a channel asked for (403);
 * - `"publish"`: valid, but it may not publish (403).
 */
export type TokenRefusal =
  | "missing"
  | "too-long"
  | "malformed"
  | "version"
  | "signature"
  | "expired"
  | "not-yet-valid"
  | "lifetime"
  | "channel"
  | "publish";

/** The status a refusal gets: 403 for a valid token that does not allow the request, else 401. */
export function refusalStatus(reason: TokenRefusal): 401 | 403 {
  return reason === "channel" || reason === "publish" ? 403 : 401;
}

/**
 * The response to a refused request: a bare 401 (with `www-authenticate: Bearer`, as HTTP requires)
 * or 403, the status text as the body, and `cache-control: no-store`. Nothing says why: every 401
 * looks alike, and so does every 403.
 */
export function refusalResponse(reason: TokenRefusal): Response {
  const status = refusalStatus(reason);
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };
  if (status === 401) headers["www-authenticate"] = "Bearer";
  return new Response(status === 401 ? "Unauthorized\n" : "Forbidden\n", { status, headers });
}
