import type { TokenClaims, TokenGrant } from "./claims.ts";
import type { TokenKey } from "./token-key.ts";
import { checkKeys as checkOptionKeys } from "../core/check.ts";
import { describeValue } from "../core/describe-value.ts";
import { encodeBase64Url } from "./base64url.ts";
import { claimsToJson, isInstant } from "./claims.ts";
import { patternProblem } from "./channel-pattern.ts";
import { checkKeys, importHmacKey } from "./token-key.ts";
import { MAX_TOKEN_LENGTH, SIGNATURE_LENGTH, TOKEN_VERSION } from "./token-format.ts";
import { subtleCrypto, type CryptoLike } from "./web-crypto.ts";

/** Options of `signToken`. */
export interface SignOptions {
  /** The time the token is signed at, in milliseconds since the epoch. @default Date.now() */
  readonly now?: number;
  /** The WebCrypto to use. @default globalThis.crypto (on Node 18, pass the `webcrypto` export of Node's crypto module) */
  readonly crypto?: CryptoLike;
}

const CONTEXT = "Cannot sign token";
const GRANT_KEYS: ReadonlySet<string> = new Set([
  "channels",
  "expiresAt",
  "expiresIn",
  "notBefore",
  "subject",
  "publish",
]);
const OPTION_KEYS: ReadonlySet<string> = new Set(["now", "crypto"]);
const encoder = new TextEncoder();

/**
 * Signs a token that grants `grant.channels` until its expiry, with HMAC-SHA256 (WebCrypto).
 * The token is `v1.<payload>.<signature>`, in base64url: put it in an `Authorization: Bearer`
 * header, a cookie, or (where allowed) a query parameter. Refused, with a `TypeError`, are a token
 * that would not expire, one already expired, invalid patterns, and a token over `MAX_TOKEN_LENGTH`.
 *
 * @param grant - the channels, the expiry (`expiresAt` or `expiresIn`), and optionally `subject`, `notBefore`, `publish`
 * @param key - the secret (at least 32 bytes) or an HMAC SHA-256 `CryptoKey` with the "sign" usage
 * @param options - `now`, `crypto`
 * @returns the token
 * @throws {TypeError} (as a rejection) naming the claim, key or option that is invalid, or when there is no WebCrypto
 * @example A token for one user's channel and every document, for an hour
 * ```ts
 * import { signToken, verifyToken } from "edge-sse/tokens";
 *
 * const key = "a secret of at least thirty-two bytes, from your vault";
 * const token = await signToken({ channels: ["user:42", "doc:*"], expiresIn: 3_600_000, subject: "42" }, key);
 * console.assert(/^v1\.[\w-]+\.[\w-]{43}$/.test(token));
 * const verified = await verifyToken(token, key);
 * console.assert(verified.ok && verified.claims.subject === "42");
 * ```
 */
export async function signToken(grant: TokenGrant, key: TokenKey, options: SignOptions = {}): Promise<string> {
  checkOptionKeys(options, OPTION_KEYS, CONTEXT);
  const now = options.now ?? Date.now();
  if (!isInstant(now))
    throw new TypeError(
      `${CONTEXT}: \`now\` must be a time in milliseconds since the epoch, a safe integer >= 0 (got ${describeValue(now)})`,
    );
  const claims = claimsOf(grant, now);
  if (Array.isArray(key))
    throw new TypeError(`${CONTEXT}: \`key\` must be one key, not a list: sign with the newest (got an array)`);
  checkKeys(key, "key", "sign", CONTEXT);
  const subtle = subtleCrypto(options.crypto, CONTEXT);
  const signingInput = `${TOKEN_VERSION}.${encodeBase64Url(encoder.encode(claimsToJson(claims)))}`;
  const length = signingInput.length + 1 + SIGNATURE_LENGTH;
  if (length > MAX_TOKEN_LENGTH) {
    throw new TypeError(
      `${CONTEXT}: the token would be ${length} characters, over MAX_TOKEN_LENGTH (${MAX_TOKEN_LENGTH}): ` +
        `grant fewer channels (a prefix such as "doc:*" covers many) or a shorter subject`,
    );
  }
  const signature = await subtle.sign("HMAC", await importHmacKey(subtle, key, "sign"), encoder.encode(signingInput));
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}

/** The claims a grant signs, checked. */
function claimsOf(grant: TokenGrant, now: number): TokenClaims {
  if (typeof grant !== "object" || grant === null || Array.isArray(grant)) {
    throw new TypeError(
      `${CONTEXT}: \`grant\` must be an object with \`channels\` and \`expiresAt\` or \`expiresIn\` (got ${describeValue(grant)})`,
    );
  }
  for (const name of Object.keys(grant)) {
    if (!GRANT_KEYS.has(name))
      throw new TypeError(`${CONTEXT}: unknown claim \`${name}\` (known: ${[...GRANT_KEYS].join(", ")})`);
  }
  const { channels, expiresAt, expiresIn, notBefore, subject, publish = false } = grant;
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new TypeError(
      `${CONTEXT}: \`channels\` must be a non-empty array of channel names and prefixes (got ${describeValue(channels)})`,
    );
  }
  channels.forEach((pattern: unknown, index) => {
    const problem = patternProblem(pattern);
    if (problem !== undefined)
      throw new TypeError(`${CONTEXT}: \`channels[${index}]\` ${problem} (got ${describeValue(pattern)})`);
  });
  const expiry = expiryOf(expiresAt, expiresIn, now);
  if (notBefore !== undefined && (!isInstant(notBefore) || notBefore >= expiry)) {
    throw new TypeError(
      `${CONTEXT}: \`notBefore\` must be a time in milliseconds since the epoch before the expiry, ${expiry} (got ${describeValue(notBefore)})`,
    );
  }
  if (subject !== undefined && (typeof subject !== "string" || subject === "" || /[\uD800-\uDFFF]/u.test(subject))) {
    throw new TypeError(
      `${CONTEXT}: \`subject\` must be a non-empty string without lone surrogates (got ${describeValue(subject)})`,
    );
  }
  if (typeof publish !== "boolean")
    throw new TypeError(`${CONTEXT}: \`publish\` must be a boolean (got ${describeValue(publish)})`);
  return {
    channels,
    expiresAt: expiry,
    issuedAt: now,
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(subject === undefined ? {} : { subject }),
    publish,
  };
}

function expiryOf(expiresAt: unknown, expiresIn: unknown, now: number): number {
  if (expiresAt === undefined && expiresIn === undefined) {
    throw new TypeError(`${CONTEXT}: give \`expiresAt\` or \`expiresIn\`: every token expires`);
  }
  if (expiresAt !== undefined && expiresIn !== undefined) {
    throw new TypeError(`${CONTEXT}: give \`expiresAt\` or \`expiresIn\`, not both`);
  }
  if (expiresIn !== undefined) {
    if (
      typeof expiresIn !== "number" ||
      !Number.isSafeInteger(expiresIn) ||
      expiresIn <= 0 ||
      !isInstant(now + expiresIn)
    ) {
      throw new TypeError(
        `${CONTEXT}: \`expiresIn\` must be a positive whole number of milliseconds (got ${describeValue(expiresIn)})`,
      );
    }
    return now + expiresIn;
  }
  if (!isInstant(expiresAt)) {
    throw new TypeError(
      `${CONTEXT}: \`expiresAt\` must be a time in milliseconds since the epoch, a safe integer such as Date.now() + 60_000 (got ${describeValue(expiresAt)})`,
    );
  }
  if (expiresAt <= now) {
    throw new TypeError(
      `${CONTEXT}: \`expiresAt\` must be after \`now\` (${now}), or the token is expired when made (got ${expiresAt})`,
    );
  }
  return expiresAt;
}
