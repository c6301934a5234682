import { MAX_TIMER_MS } from "./check.ts";

/**
 * Calls `callback` once when the wall clock (`Date.now()`) reaches `at`, however far away: the wait
 * is made of timers of at most `MAX_TIMER_MS` (a longer delay would fire at once), and each one
 * checks the clock again (a timer may fire a little early, and the clock may be set). Returns the
 * function that cancels it; after the call or the cancel, no timer is left.
 */
export function atTime(at: number, callback: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const remaining = at - Date.now();
    if (remaining > 0) {
      timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    } else {
      timer = undefined;
      callback();
    }
  };
  timer = setTimeout(arm, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}
