/** The longest wait a timer can hold (about 24.8 days); longer ones would fire at once. */
export const MAX_WAIT = 2_147_483_647;

/** The least a delay grows from after failures in a row, so that `retry: 0` cannot spin. */
const MIN_GROWTH = 100;

/** The reconnection settings, resolved. */
export interface Backoff {
  /** The delay before the first reconnection: the server's `retry:` once it sent one. */
  delay: number;
  readonly maxDelay: number;
  readonly jitter: number;
  readonly maxRetries: number;
}

/**
 * The wait before a reconnection ([spec] the reconnection time, then "optionally, wait some more":
 * exponential backoff). The first reconnection after an open stream waits `delay` to
 * `delay × (1 + jitter)`; each failure in a row doubles it, up to `maxDelay` (or the delay itself,
 * when the server asked for more). `floor` is a wait the server asked for with `Retry-After`.
 *
 * @param backoff - the settings
 * @param retries - reconnections in a row, this one included (1, 2, …)
 * @param floor - the least wait, in ms
 * @param random - a number in [0, 1)
 */
export function reconnectDelay(backoff: Backoff, retries: number, floor: number, random: number): number {
  const { delay, maxDelay, jitter } = backoff;
  const grown = retries <= 1 ? delay : Math.max(delay, MIN_GROWTH) * 2 ** Math.min(retries - 1, 52);
  const wait = Math.min(Math.max(maxDelay, delay), grown * (1 + jitter * random));
  return Math.min(MAX_WAIT, Math.max(wait, floor));
}

/**
 * The wait a `Retry-After` header asks for, in ms: delta-seconds or an HTTP date; 0 when absent or
 * unreadable.
 */
export function retryAfterMs(header: string | null, now: number): number {
  if (header === null) return 0;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_WAIT, Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? 0 : Math.min(MAX_WAIT, Math.max(0, date - now));
}
