import { describeValue } from "./describe-value.ts";

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts (the timer is
 * cleared then), so a `while (true)` loop around it ends by itself.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
    return Promise.reject(new TypeError(`Cannot sleep: \`ms\` must be a finite number >= 0 (got ${describeValue(ms)})`));
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
