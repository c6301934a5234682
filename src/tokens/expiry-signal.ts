import { describeValue } from "../core/describe-value.ts";
import { atTime } from "../core/long-timeout.ts";
import { isInstant } from "./claims.ts";
import { TokenExpiredError } from "./token-expired-error.ts";

/** Options of `expirySignal`. */
export interface ExpirySignalOptions {
  /**
   * A signal that ends the wait first (the stream's or the request's): the returned signal then
   * aborts with its reason, and the timer is cleared.
   */
  readonly signal?: AbortSignal;
}

const CONTEXT = "Cannot make expiry signal";

/**
 * An `AbortSignal` that aborts with a `TokenExpiredError` when the wall clock reaches `validUntil`
 * (`auth.validUntil`), or earlier with `options.signal`'s reason when that one aborts first. Expiries
 * years away work (the timer is re-armed in steps under `setTimeout`'s limit of 2^31−1 ms), and once
 * either has happened no timer and no listener is left. Without `options.signal`, the timer lives
 * until the expiry: pass the stream's signal. A `validUntil` that has passed gives a signal aborted
 * already.
 *
 * @param validUntil - the instant to abort at, in milliseconds since the epoch
 * @param options - `signal`
 * @returns the signal
 * @throws {TypeError} when `validUntil` is not a safe integer >= 0 or `signal` is not an AbortSignal
 * @example A producer that stops at the token's expiry
 * ```ts
 * import { expirySignal, TokenExpiredError } from "edge-sse/tokens";
 *
 * const stream = new AbortController();
 * const signal = expirySignal(Date.now() + 20, { signal: stream.signal });
 * await new Promise((resolve) => signal.addEventListener("abort", resolve));
 * console.assert(signal.reason instanceof TokenExpiredError);
 * ```
 */
export function expirySignal(validUntil: number, options: ExpirySignalOptions = {}): AbortSignal {
  if (!isInstant(validUntil)) {
    throw new TypeError(
      `${CONTEXT}: \`validUntil\` must be a time in milliseconds since the epoch, a safe integer >= 0 (got ${describeValue(validUntil)})`,
    );
  }
  const parent = options?.signal;
  if (parent !== undefined && (typeof parent?.addEventListener !== "function" || typeof parent.aborted !== "boolean")) {
    throw new TypeError(`${CONTEXT}: \`signal\` must be an AbortSignal (got ${describeValue(parent)})`);
  }
  const controller = new AbortController();
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  if (validUntil <= Date.now()) {
    controller.abort(new TokenExpiredError(validUntil));
    return controller.signal;
  }
  const onAbort = (): void => {
    cancel();
    controller.abort(parent!.reason);
  };
  const cancel = atTime(validUntil, () => {
    parent?.removeEventListener("abort", onAbort);
    controller.abort(new TokenExpiredError(validUntil));
  });
  parent?.addEventListener("abort", onAbort, { once: true });
  return controller.signal;
}
