/**
 * The type of the event that says a stream is finished for good: do not reconnect. A server sends it
 * as the last event of a finite stream (`event: edge-sse-end` and an empty `data:` line; see
 * `DataStreamOptions.finite`, `ctx.end()` and `Channel.close({ end: true })`), so that clients
 * neither reconnect nor re-run it. `subscribe` ends its iterator there, with no further request; an
 * `EventSource` page obeys with one line. Reconnecting clients that come anyway (an old page, a lost
 * end event) can be answered with HTTP 204, which stops `EventSource` and `subscribe` too.
 *
 * @example Obey it in an EventSource page
 * ```ts
 * import { END_EVENT } from "edge-sse";
 *
 * console.assert(END_EVENT === "edge-sse-end");
 * // source.addEventListener("edge-sse-end", () => source.close());
 * ```
 */
export const END_EVENT = "edge-sse-end";

/** The frame of the end event: what a server writes last when it ends a stream for good. */
export const END_FRAME = `event: ${END_EVENT}\ndata:\n\n`;
