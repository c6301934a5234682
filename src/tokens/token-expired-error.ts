/**
 * The reason of an `expirySignal` that aborted at the token's expiry.
 *
 * @example
 * ```ts
 * import { TokenExpiredError } from "edge-sse/tokens";
 *
 * const error = new TokenExpiredError(0);
 * console.assert(error.name === "TokenExpiredError" && error.message.endsWith("1970-01-01T00:00:00.000Z"));
 * ```
 */
export class TokenExpiredError extends Error {
  override readonly name = "TokenExpiredError";
  /** The instant the token stopped being valid, in milliseconds since the epoch. */
  readonly validUntil: number;

  /** @param validUntil - the instant the token stopped being valid */
  constructor(validUntil: number) {
    const date = new Date(validUntil);
    super(`The token expired at ${Number.isNaN(date.getTime()) ? `${validUntil} ms` : date.toISOString()}`);
    this.validUntil = validUntil;
  }
}
