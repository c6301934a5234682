/**
 * Signed subscriptions: tokens that name the channels a client may subscribe to (exact names and
 * prefixes), until when, for whom, and whether it may publish; signed with HMAC-SHA256 through
 * WebCrypto, checked in front of a channel's response by `authorize`, which answers a bare 401 or
 * 403 when they do not allow the request.
 *
 * A token is `v1.<payload>.<signature>` in base64url (URL-, header- and cookie-safe): the claims as
 * JSON, then the HMAC-SHA256 of exactly the bytes before it. One version, one algorithm: nothing in a
 * token chooses how it is checked.
 *
 * This module is browser compatible.
 *
 * @example Sign on login, authorize on subscribe
 * ```ts
 * import { authorize, signToken } from "edge-sse/tokens";
 *
 * const key = "a secret of at least thirty-two bytes, from your vault";
 * const token = await signToken({ channels: ["user:42", "doc:*"], expiresIn: 15 * 60_000, subject: "42" }, key);
 * const request = new Request("http://localhost/events/doc:7", { headers: { authorization: `Bearer ${token}` } });
 * const auth = await authorize(request, { keys: key, channel: "doc:7" });
 * console.assert(auth.ok && auth.claims.subject === "42" && auth.source === "header");
 * ```
 *
 * @module
 */
export { signToken, type SignOptions } from "./tokens/sign-token.ts";
export {
  type RefusedToken,
  type TokenVerification,
  type VerifiedToken,
  verifyToken,
  type VerifyOptions,
} from "./tokens/verify-token.ts";
export {
  type Authorization,
  authorize,
  type AuthorizeOptions,
  type Authorized,
  type Unauthorized,
} from "./tokens/authorize.ts";
export { coversChannel } from "./tokens/covers-channel.ts";
export type { TokenClaims, TokenGrant } from "./tokens/claims.ts";
export { MIN_KEY_BYTES, type TokenKey, type TokenKeys } from "./tokens/token-key.ts";
export type { TokenRefusal } from "./tokens/refusal.ts";
export type { TokenSource } from "./tokens/read-token.ts";
export { MAX_TOKEN_LENGTH } from "./tokens/token-format.ts";
export type { CryptoLike } from "./tokens/web-crypto.ts";
export { expirySignal, type ExpirySignalOptions } from "./tokens/expiry-signal.ts";
export { EXPIRED_EVENT } from "./core/expired-event.ts";
export { TokenExpiredError } from "./tokens/token-expired-error.ts";
export {
  createEventIdCodec,
  type EventIdCodec,
  type EventIdCodecOptions,
  MAX_OPAQUE_SOURCE_BYTES,
  OPAQUE_ID_PREFIX,
} from "./tokens/event-id-codec.ts";
