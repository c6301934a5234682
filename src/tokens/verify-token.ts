import type { TokenClaims } from "./claims.ts";
import type { TokenKey, TokenKeys } from "./token-key.ts";
import type { TokenRefusal } from "./refusal.ts";
import { checkKeys as checkOptionKeys } from "../core/check.ts";
import { describeValue } from "../core/describe-value.ts";
import { decodeBase64Url } from "./base64url.ts";
import { claimsFromJson, isInstant } from "./claims.ts";
import { checkKeys, importHmacKey } from "./token-key.ts";
import { MAX_TOKEN_LENGTH, TOKEN_VERSION } from "./token-format.ts";
import { subtleCrypto, type CryptoLike } from "./web-crypto.ts";

/** Options of `verifyToken` (and of `authorize`). */
export interface VerifyOptions {
  /** The time to check against, in milliseconds since the epoch. @default Date.now() */
  readonly now?: number;
  /**
   * Milliseconds of clock difference allowed between the signer and this server: a token is taken
   * until `expiresAt + leeway`, and from `notBefore - leeway`.
   * @default 0
   */
  readonly leeway?: number;
  /** The longest a token may still be valid, in milliseconds from now; one that expires later is refused (`"lifetime"`). @default no limit */
  readonly maxLifetime?: number;
  /** The WebCrypto to use. @default globalThis.crypto (on Node 18, pass the `webcrypto` export of Node's crypto module) */
  readonly crypto?: CryptoLike;
}

/** A token that verified: its claims, the key that verified it, and when this server stops taking it. */
export interface VerifiedToken {
  readonly ok: true;
  /** What the token grants. */
  readonly claims: TokenClaims;
  /** The index of the key that verified it, in the keys given (0 with a single key). */
  readonly keyIndex: number;
  /** `claims.expiresAt + leeway`: the instant from which this server refuses the token; end its streams then. */
  readonly validUntil: number;
}

/** A token that did not verify: why, and its claims when its signature was good (expired, not yet valid, too long-lived). */
export interface RefusedToken {
  readonly ok: false;
  readonly reason: TokenRefusal;
  readonly claims?: TokenClaims;
}

/** What `verifyToken` finds. */
export type TokenVerification = VerifiedToken | RefusedToken;

const CONTEXT = "Cannot verify token";
/** The option names of `verifyToken`, which `authorize` takes as well. */
export const VERIFY_OPTION_KEYS: readonly string[] = ["now", "leeway", "maxLifetime", "crypto"];
const OPTION_KEYS: ReadonlySet<string> = new Set(VERIFY_OPTION_KEYS);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Verifies a token made by `signToken`: its size, its format and version, its signature (with
 * `crypto.subtle.verify`, which compares in constant time; each key is tried in order, for key
 * rotation), then its claims and its times. A bad token is not an error: the result says why
 * (`reason`), for the server's logs.
 *
 * @param token - the token, as the client sent it
 * @param keys - the key, or the keys to try in order (the newest first while keys rotate)
 * @param options - `now`, `leeway`, `maxLifetime`, `crypto`
 * @returns `{ ok: true, claims, keyIndex, validUntil }`, or `{ ok: false, reason }`
 * @throws {TypeError} (as a rejection) when `token` is not a string, a key or an option is invalid, or there is no WebCrypto
 * @example Rotate keys: tokens of the old key verify until it is dropped
 * ```ts
 * import { signToken, verifyToken } from "edge-sse/tokens";
 *
 * const oldKey = "the key tokens were signed with so far, 32+ bytes";
 * const newKey = "the key that signs from today on, also 32+ bytes";
 * const token = await signToken({ channels: ["room:1"], expiresIn: 60_000 }, oldKey);
 * const result = await verifyToken(token, [newKey, oldKey]);
 * console.assert(result.ok && result.keyIndex === 1);
 * const refused = await verifyToken(token, newKey);
 * console.assert(!refused.ok && refused.reason === "signature");
 * ```
 */
export async function verifyToken(
  token: string,
  keys: TokenKeys,
  options: VerifyOptions = {},
): Promise<TokenVerification> {
  const checked = checkVerifyOptions(keys, options, CONTEXT);
  if (typeof token !== "string")
    throw new TypeError(`${CONTEXT}: \`token\` must be a string (got ${describeValue(token)})`);
  return verifyChecked(token, checked);
}

/** Keys and options, checked once. */
export interface CheckedVerify {
  readonly keys: readonly TokenKey[];
  readonly subtle: SubtleCrypto;
  readonly now: number;
  readonly leeway: number;
  readonly maxLifetime: number | undefined;
}

/**
 * Checks the keys and the verify options (`authorize` passes its own `context` and known keys).
 *
 * @throws {TypeError} naming the key or option
 */
export function checkVerifyOptions(
  keys: unknown,
  options: VerifyOptions,
  context: string,
  known: ReadonlySet<string> = OPTION_KEYS,
): CheckedVerify {
  checkOptionKeys(options, known, context);
  const { now = Date.now(), leeway = 0, maxLifetime } = options;
  if (!isInstant(now))
    throw new TypeError(
      `${context}: \`now\` must be a time in milliseconds since the epoch, a safe integer >= 0 (got ${describeValue(now)})`,
    );
  if (!isInstant(leeway))
    throw new TypeError(
      `${context}: \`leeway\` must be a whole number of milliseconds >= 0 (got ${describeValue(leeway)})`,
    );
  if (maxLifetime !== undefined && (!isInstant(maxLifetime) || maxLifetime === 0)) {
    throw new TypeError(
      `${context}: \`maxLifetime\` must be a positive whole number of milliseconds (got ${describeValue(maxLifetime)})`,
    );
  }
  const checkedKeys = checkKeys(keys, "keys", "verify", context);
  return { keys: checkedKeys, subtle: subtleCrypto(options.crypto, context), now, leeway, maxLifetime };
}

/** Verifies a string token with checked keys and options. */
export async function verifyChecked(
  token: string,
  { keys, subtle, now, leeway, maxLifetime }: CheckedVerify,
): Promise<TokenVerification> {
  if (token.length > MAX_TOKEN_LENGTH) return refuse("too-long");
  const segments = token.split(".");
  if (segments.length !== 3) return refuse("malformed");
  const [version, payload, signature] = segments as [string, string, string];
  if (version !== TOKEN_VERSION) return refuse(/^v\d+$/.test(version) ? "version" : "malformed");
  const payloadBytes = payload === "" ? undefined : decodeBase64Url(payload);
  const signatureBytes = decodeBase64Url(signature);
  if (payloadBytes === undefined || signatureBytes?.length !== 32) return refuse("malformed");
  const signed = encoder.encode(`${version}.${payload}`);
  let keyIndex = -1;
  for (let index = 0; index < keys.length && keyIndex === -1; index++) {
    const key = await importHmacKey(subtle, keys[index]!, "verify");
    if (await subtle.verify("HMAC", key, signatureBytes, signed)) keyIndex = index;
  }
  if (keyIndex === -1) return refuse("signature");
  let text: string;
  try {
    text = decoder.decode(payloadBytes);
  } catch {
    return refuse("malformed");
  }
  const claims = claimsFromJson(text);
  if (claims === undefined) return refuse("malformed");
  if (now >= claims.expiresAt + leeway) return refuse("expired", claims);
  if (claims.notBefore !== undefined && now < claims.notBefore - leeway) return refuse("not-yet-valid", claims);
  if (maxLifetime !== undefined && claims.expiresAt - now > maxLifetime + leeway) return refuse("lifetime", claims);
  return { ok: true, claims, keyIndex, validUntil: claims.expiresAt + leeway };
}

function refuse(reason: TokenRefusal, claims?: TokenClaims): RefusedToken {
  return claims === undefined ? { ok: false, reason } : { ok: false, reason, claims };
}
