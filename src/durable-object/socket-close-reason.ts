import type { CloseType } from "../core/stream-closed-error.ts";

/**
 * How a Worker tells the object why its event stream ended, when it closes the subscriber's socket:
 * code 1000 with the close type in the reason, so that the channel's `onLeave` and `metrics` get the
 * same reasons as for the streams the object holds.
 */
export function closeReasonOf(type: CloseType): string {
  return `the event stream has ended (${type})`;
}

const REASON = /^the event stream has ended \((done|client-gone|error|overflow|expired)\)$/;

/**
 * Why a subscriber's stream ended, from the close of its socket: the type the Worker sent; `"error"`
 * for a malformed frame (1007) or a failed socket (1011); else (the Worker went away without a word,
 * 1006) `"client-gone"`.
 */
export function closeTypeOf(code: number, reason: string): CloseType {
  const named = REASON.exec(reason)?.[1];
  if (named !== undefined) return named as CloseType;
  return code === 1007 || code === 1011 ? "error" : "client-gone";
}
