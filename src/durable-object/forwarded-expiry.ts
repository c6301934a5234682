/**
 * The header in which `routeToChannel` tells the object when a subscriber's stream must end: the
 * instant in milliseconds since the epoch, as decimal digits. The Worker sets it after it has
 * verified the token, and removes any such header the client sent, so the object can take it as
 * the Worker's word: only the Worker reaches the object (through its binding), never the outside
 * world directly.
 */
export const EXPIRES_AT_HEADER = "edge-sse-expires-at";

const DIGITS = /^(?:0|[1-9][0-9]{0,15})$/;

/** Puts `expiresAt` (checked already; `undefined` for none) into `headers`, over whatever was there. */
export function setForwardedExpiry(headers: Headers, expiresAt: number | undefined): void {
  if (expiresAt === undefined) headers.delete(EXPIRES_AT_HEADER);
  else headers.set(EXPIRES_AT_HEADER, String(Math.max(0, Math.floor(expiresAt))));
}

/**
 * The expiry `routeToChannel` forwarded: `undefined` without the header, `null` when it is not
 * digits (which `routeToChannel` never writes), else the instant.
 */
export function readForwardedExpiry(request: Request): number | undefined | null {
  const value = request.headers.get(EXPIRES_AT_HEADER);
  if (value === null) return undefined;
  return DIGITS.test(value) ? Number(value) : null;
}
