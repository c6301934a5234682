import { describeValue } from "./describe-value.ts";
import { MAX_TIMER_MS } from "./check.ts";

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts (the timer is
 * cleared then), so a `while (true)` loop around it ends by itself. A delay above `MAX_TIMER_MS`
 * is refused, since a timer would fire it at once.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (typeof ms !== "number" || !(ms >= 0 && ms <= MAX_TIMER_MS)) {
    return Promise.reject(
      new TypeError(`Cannot sleep: \`ms\` must be a number from 0 to ${MAX_TIMER_MS} (got ${describeValue(ms)})`),
    );
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
