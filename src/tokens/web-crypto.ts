import { describeValue } from "../core/describe-value.ts";

/**
 * A WebCrypto implementation: `globalThis.crypto` on Deno, Bun, Workers, browsers and Node 20 or
 * later; on Node 18, the `webcrypto` export of Node's crypto module.
 */
export interface CryptoLike {
  readonly subtle: SubtleCrypto;
}

/**
 * The `SubtleCrypto` to use: `crypto.subtle` when `crypto` is given, else `globalThis.crypto.subtle`,
 * looked up at call time.
 *
 * @throws {TypeError} when `crypto` has no `subtle`, or none is given and the runtime has no global one (Node 18)
 */
export function subtleCrypto(crypto: CryptoLike | undefined, context: string): SubtleCrypto {
  if (crypto !== undefined) {
    const subtle = (crypto as Partial<CryptoLike> | null)?.subtle;
    if (
      typeof subtle?.sign !== "function" ||
      typeof subtle.verify !== "function" ||
      typeof subtle.importKey !== "function"
    ) {
      throw new TypeError(
        `${context}: \`crypto\` must be a WebCrypto object with \`subtle\`, such as globalThis.crypto (got ${describeValue(crypto)})`,
      );
    }
    return subtle;
  }
  const subtle = (globalThis as { crypto?: Partial<CryptoLike> }).crypto?.subtle;
  if (subtle === undefined) {
    throw new TypeError(
      `${context}: this runtime has no global WebCrypto (\`globalThis.crypto\`, missing on Node 18): pass ` +
        `the \`crypto\` option, on Node 18 the \`webcrypto\` export of Node's crypto module`,
    );
  }
  return subtle;
}
