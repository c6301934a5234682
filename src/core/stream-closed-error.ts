/**
 * Why a stream ended:
 * - `"done"`: the source ended, or the producer called `ctx.close()`;
 * - `"client-gone"`: the consumer cancelled the body, the request's signal aborted, or a write failed;
 * - `"error"`: the producer or the serializer threw (the error is the `cause`);
 * - `"overflow"`: a push producer sent more than `maxQueue` while the consumer was not reading;
 * - `"expired"`: the stream reached its `expiresAt` (after sending an `EXPIRED_EVENT` event).
 */
export type CloseType = "done" | "client-gone" | "error" | "overflow" | "expired";

const MESSAGES: Record<CloseType, string> = {
  done: "The event stream ended: the source is done",
  "client-gone": "The event stream ended: the client is gone",
  error: "The event stream ended: the producer failed",
  overflow: "The event stream ended: the client read too slowly and the send buffer overflowed",
  expired: "The event stream ended: it reached its expiresAt",
};

/**
 * The reason a `DataStream` ended. It is `ctx.signal.reason` once the stream has ended, the value
 * `ctx.sleep()` and `ctx.ready` reject with from then on, and what `onClose` receives. Its `name` is
 * `"AbortError"`, so code that ignores aborts ignores it too.
 *
 * @example Tell a disconnect from a normal end
 * ```ts
 * import { DataStream } from "edge-sse";
 *
 * let why = "";
 * const stream = new DataStream(["a"], { onClose: (reason) => { why = reason.type; } });
 * await new Response(stream.toReadableStream()).text();
 * console.assert(why === "done");
 * ```
 */
export class StreamClosedError extends Error {
  override readonly name = "AbortError";
  /** Why the stream ended. */
  readonly type: CloseType;

  /**
   * @param type - why the stream ended
   * @param cause - the error or cancel reason behind it, if any
   */
  constructor(type: CloseType, cause?: unknown) {
    super(MESSAGES[type], cause === undefined ? undefined : { cause });
    this.type = type;
  }
}
