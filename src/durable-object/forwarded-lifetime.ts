/**
 * The header of a `ChannelObject`'s answer to a socket subscriber that tells the Worker how long the
 * subscriber's stream may last (the channel's `maxLifetime`, with its jitter already drawn), in
 * milliseconds, as decimal digits. The Worker ends its stream then: the object keeps no timer for it,
 * which would hold it in memory. A duration, not an instant, so that the two machines' clocks need not agree.
 */
export const LIFETIME_HEADER = "edge-sse-lifetime";

const DIGITS = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * The lifetime in the object's answer: `undefined` without the header, `null` when it is not digits
 * (which the object never writes), else the milliseconds.
 */
export function readForwardedLifetime(headers: Headers): number | undefined | null {
  const value = headers.get(LIFETIME_HEADER);
  if (value === null) return undefined;
  return DIGITS.test(value) ? Number(value) : null;
}
