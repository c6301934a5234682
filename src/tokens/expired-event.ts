/**
 * The type of the last event a stream gets when its token expires: `closeAtExpiry` sends it, then
 * ends the stream. Its data is JSON, `{"validUntil": <the instant, in ms since the epoch>}`, and it
 * has no `id`, so the browser's last event id stays the last real event's. Listen for it, get a
 * fresh token (a new cookie, or a new URL), and let the browser reconnect: it resumes where it was.
 *
 * @example In the browser
 * ```ts
 * import { EXPIRED_EVENT } from "edge-sse/tokens";
 *
 * console.assert(EXPIRED_EVENT === "edge-sse-expired");
 * // source.addEventListener(EXPIRED_EVENT, () => fetch("/token", { method: "POST" })); // sets a new cookie
 * ```
 */
export const EXPIRED_EVENT = "edge-sse-expired";
