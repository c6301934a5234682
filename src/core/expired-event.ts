/**
 * The type of the last event a stream gets when it reaches its `expiresAt` (say, its token's expiry),
 * before it closes with reason `"expired"`. Its data is JSON, `{"expiresAt": <the instant, in ms
 * since the epoch>}`, and it has no `id`, so the browser's last event id stays the last real
 * event's. Listen for it, get a fresh token (a new cookie, or a new URL), and let the browser
 * reconnect: it resumes where it was.
 *
 * @example In the browser
 * ```ts
 * import { EXPIRED_EVENT } from "edge-sse";
 *
 * console.assert(EXPIRED_EVENT === "edge-sse-expired");
 * // source.addEventListener(EXPIRED_EVENT, () => fetch("/token", { method: "POST" })); // sets a new cookie
 * ```
 */
export const EXPIRED_EVENT = "edge-sse-expired";

/** The frame of the `EXPIRED_EVENT` event for an expiry at `expiresAt`. */
export function expiredFrame(expiresAt: number): string {
  return `event: ${EXPIRED_EVENT}\ndata: ${JSON.stringify({ expiresAt })}\n\n`;
}
