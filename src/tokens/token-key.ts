import { describeValue } from "../core/describe-value.ts";

/**
 * A secret that signs and verifies tokens with HMAC-SHA256: a string (its UTF-8 bytes) or bytes of at
 * least `MIN_KEY_BYTES`, or a `CryptoKey` imported for HMAC with SHA-256 (at least 256 bits).
 */
export type TokenKey = string | Uint8Array | CryptoKey;

/**
 * One key, or several to accept while keys rotate: verifying tries each in order, so put the newest
 * first and drop the old one once the tokens it signed have expired.
 */
export type TokenKeys = TokenKey | readonly TokenKey[];

/** The shortest secret taken, in bytes: HMAC-SHA256's own output size, 256 bits. */
export const MIN_KEY_BYTES = 32;

const HMAC_SHA256 = { name: "HMAC", hash: "SHA-256" } as const;
const encoder = new TextEncoder();

/**
 * Checks one key or a list of keys, and returns the list.
 *
 * @throws {TypeError} naming the key (`key`, `keys` or `keys[i]`) and what is wrong with it
 */
export function checkKeys(keys: unknown, field: string, usage: KeyUsage, context: string): readonly TokenKey[] {
  if (!Array.isArray(keys)) {
    checkKey(keys, field, usage, context);
    return [keys];
  }
  if (keys.length === 0)
    throw new TypeError(`${context}: \`${field}\` must hold at least one key (got an empty array)`);
  keys.forEach((key: unknown, index) => {
    checkKey(key, `${field}[${index}]`, usage, context);
  });
  return keys as readonly TokenKey[];
}

function checkKey(key: unknown, field: string, usage: KeyUsage, context: string): asserts key is TokenKey {
  if (typeof key === "string" || key instanceof Uint8Array) {
    const length = typeof key === "string" ? encoder.encode(key).length : key.length;
    if (length < MIN_KEY_BYTES) {
      throw new TypeError(
        `${context}: \`${field}\` must be a secret of at least ${MIN_KEY_BYTES} bytes, such as 32 random ` +
          `bytes from crypto.getRandomValues (got ${length} bytes)`,
      );
    }
    return;
  }
  const cryptoKey = key as Partial<CryptoKey> | null | undefined;
  const algorithm = cryptoKey?.algorithm as Partial<HmacKeyAlgorithm> | undefined;
  if (typeof cryptoKey !== "object" || cryptoKey === null || cryptoKey.type !== "secret" || algorithm === undefined) {
    throw new TypeError(
      `${context}: \`${field}\` must be a string, a Uint8Array or a CryptoKey (got ${describeValue(key)})`,
    );
  }
  if (algorithm.name !== "HMAC" || algorithm.hash?.name !== "SHA-256") {
    throw new TypeError(
      `${context}: \`${field}\` must be a CryptoKey for HMAC with SHA-256 (got one for ` +
        `${String(algorithm.name)}${algorithm.hash ? ` with ${String(algorithm.hash.name)}` : ""})`,
    );
  }
  if (!(Number(algorithm.length) >= MIN_KEY_BYTES * 8)) {
    throw new TypeError(
      `${context}: \`${field}\` must be a CryptoKey of at least ${MIN_KEY_BYTES * 8} bits (got ${String(algorithm.length)} bits)`,
    );
  }
  if (!cryptoKey.usages?.includes(usage)) {
    throw new TypeError(
      `${context}: \`${field}\` must be a CryptoKey whose usages include "${usage}" (got ${JSON.stringify(cryptoKey.usages ?? [])})`,
    );
  }
}

/** A checked key as an HMAC SHA-256 `CryptoKey` (a `CryptoKey` is used as it is). */
export function importHmacKey(subtle: SubtleCrypto, key: TokenKey, usage: KeyUsage): Promise<CryptoKey> {
  if (typeof key !== "string" && !(key instanceof Uint8Array)) return Promise.resolve(key);
  const bytes = typeof key === "string" ? encoder.encode(key) : new Uint8Array(key);
  return subtle.importKey("raw", bytes, HMAC_SHA256, false, [usage]);
}
