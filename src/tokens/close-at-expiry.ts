import { describeValue } from "../core/describe-value.ts";
import { EXPIRED_EVENT } from "./expired-event.ts";
import { isInstant } from "./claims.ts";
import { atTime } from "./long-timeout.ts";
import { TokenExpiredError } from "./token-expired-error.ts";

const CONTEXT = "Cannot close at expiry";
const EVENT_STREAM = /^[ \t]*text\/event-stream[ \t]*(?:;|$)/i;
const LF = 0x0a;

/**
 * Wraps an event-stream response so that it ends when its token does: at `validUntil` (an
 * `authorize` result's `validUntil`), the client gets an `EXPIRED_EVENT` event, the body ends, and
 * the stream behind it is cancelled with a `TokenExpiredError` (a `DataStream` or a channel's stream
 * ends and runs its cleanup; its `onClose` sees `"client-gone"` with that error as `cause`). The
 * event is sent only between two events, which is where a `DataStream` leaves its body after each
 * chunk; otherwise the body just ends. Until then the body passes through untouched, read as the
 * client reads; a client that leaves first cancels it and clears the timer. A `validUntil` that has
 * passed already ends the body at once, with only the event.
 *
 * A response that is not `text/event-stream`, or has no body, is returned as it is: it has no stream
 * to end.
 *
 * @param response - the stream's response, such as `await channel.response({ request })`
 * @param validUntil - when to end it, in milliseconds since the epoch
 * @returns a response with the same status and headers whose body ends at `validUntil`
 * @throws {TypeError} when `response` is not a Response, its body was read already, or `validUntil` is not a safe integer >= 0
 * @example A stream that ends when the token does
 * ```ts
 * import { Channel } from "edge-sse/channel";
 * import { closeAtExpiry, EXPIRED_EVENT } from "edge-sse/tokens";
 *
 * const channel = new Channel({ keepAlive: false });
 * const validUntil = Date.now() + 50;
 * const response = closeAtExpiry(await channel.response(), validUntil);
 * const text = await response.text(); // ends by itself
 * console.assert(text.endsWith(`event: ${EXPIRED_EVENT}\ndata: {"validUntil":${validUntil}}\n\n`));
 * ```
 */
export function closeAtExpiry(response: Response, validUntil: number): Response {
  const { headers, body } = (response ?? {}) as Partial<Response>;
  if (typeof response !== "object" || typeof headers?.get !== "function" || body === undefined) {
    throw new TypeError(`${CONTEXT}: \`response\` must be a Response (got ${describeValue(response)})`);
  }
  if (!isInstant(validUntil)) {
    throw new TypeError(
      `${CONTEXT}: \`validUntil\` must be a time in milliseconds since the epoch, a safe integer >= 0 (got ${describeValue(validUntil)})`,
    );
  }
  if (body === null || !EVENT_STREAM.test(headers.get("content-type") ?? "")) return response;
  if (response.bodyUsed || body.locked)
    throw new TypeError(`${CONTEXT}: the body of \`response\` is already read or locked`);
  const reader = body.getReader();
  const marker = new TextEncoder().encode(`event: ${EXPIRED_EVENT}\ndata: ${JSON.stringify({ validUntil })}\n\n`);
  /** The last two bytes passed on: the body is between events when both are LF (or nothing was sent yet). */
  let tail = [LF, LF];
  let expired = false;
  let cancelTimer = (): void => {};
  const wrapped = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const expire = (): void => {
          expired = true;
          if (tail[0] === LF && tail[1] === LF) controller.enqueue(marker);
          controller.close();
          reader.cancel(new TokenExpiredError(validUntil)).catch(() => {});
        };
        if (validUntil <= Date.now()) expire();
        else cancelTimer = atTime(validUntil, expire);
      },
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          cancelTimer();
          if (!expired) controller.error(error);
          return;
        }
        if (expired) return;
        if (result.done) {
          cancelTimer();
          controller.close();
          return;
        }
        const chunk = result.value;
        if (chunk.length >= 2) tail = [chunk[chunk.length - 2]!, chunk[chunk.length - 1]!];
        else if (chunk.length === 1) tail = [tail[1]!, chunk[0]!];
        controller.enqueue(chunk);
      },
      cancel(reason) {
        cancelTimer();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(wrapped, { status: response.status, statusText: response.statusText, headers });
}
