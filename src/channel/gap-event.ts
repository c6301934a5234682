/**
 * The type of the marker event a subscriber gets first when the id it resumes after is no longer in
 * the history (or was never in it): events may have been missed. Its data is JSON:
 * `{"lastEventId": <the id asked for>, "firstId": <the first id replayed, or null>}`, and it has no
 * `id` field. It is sent whatever the subscriber's filter. No one can publish an event of this type.
 * A subscriber that reads its replay so slowly that the history drops events it has not been sent
 * gets another marker there: its `lastEventId` is the last id that subscriber was sent.
 *
 * @example Listen for it in the browser
 * ```ts
 * import { GAP_EVENT } from "edge-sse/channel";
 *
 * console.assert(GAP_EVENT === "edge-sse-gap");
 * // source.addEventListener(GAP_EVENT, () => location.reload());
 * ```
 */
export const GAP_EVENT = "edge-sse-gap";
