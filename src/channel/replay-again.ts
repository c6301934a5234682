import type { ChannelBroker, ReplayResult } from "./types.ts";
import { abortableSleep } from "../core/abortable-sleep.ts";
import { describeValue } from "../core/describe-value.ts";

/** How many times a replay is asked for in all before giving up, and the wait before the first retry (doubling). */
export const REPLAY_ATTEMPTS = 3;
const FIRST_DELAY_MS = 100;

/**
 * Asks the broker again for the events after `afterId`, after a first attempt failed with
 * `error`: after 100 ms, then after 200 ms. (The first attempt is the caller's own, so that a
 * broker that answers at once is answered without a detour.)
 *
 * @param signal - stops retrying once aborted (the client left, the stream ended)
 * @throws {Error} (as a rejection) after the last failed attempt, with that attempt's error as `cause`
 */
export async function replayAgain(
  broker: ChannelBroker,
  afterId: string,
  error: unknown,
  signal?: AbortSignal,
): Promise<ReplayResult> {
  let last = error;
  let attempts = 1;
  for (; attempts < REPLAY_ATTEMPTS; attempts++) {
    await pause(FIRST_DELAY_MS * 2 ** (attempts - 1), signal);
    if (signal?.aborted === true) break;
    try {
      return await broker.replay(afterId);
    } catch (failure) {
      last = failure;
    }
  }
  const times = attempts === 1 ? "once" : `${attempts} times`;
  throw new Error(`Cannot replay after ${describeValue(afterId)}: the broker failed ${times}`, { cause: last });
}

/** Waits `ms`, or less if `signal` aborts (then the loop above ends). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return signal === undefined
    ? new Promise((resolve) => setTimeout(resolve, ms))
    : abortableSleep(ms, signal).catch(() => {});
}
