/**
 * Relaying: a `DataStream` whose source is a client subscription (from `subscribe` in
 * edge-sse/client) writes each of its items back as the event it was, field for field, instead of
 * serializing it as data. The core knows a subscription by its mark alone, so it never loads the
 * client's code.
 */
import type { Serializer } from "./encode-message.ts";
import { assertRetry } from "./fields.ts";
import { formatFrame } from "./frame.ts";
import { refusal } from "./check.ts";

/**
 * The mark every subscription carries (a getter that returns `true`). `Symbol.for`, so that two
 * copies of the library recognise each other's subscriptions. Declared here, once, for both sides.
 */
export const SUBSCRIPTION: unique symbol = Symbol.for("edge-sse.subscription") as never;

const CONTEXT = "Cannot relay event";
/** No line break can survive a field other than `data`; NUL makes a client ignore an `id`. */
const BREAKS = /[\r\n\0]/;
const LINE = "a string without line breaks or NUL";

/** Whether `value` carries the subscription mark. */
export function isMarkedSubscription(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { [SUBSCRIPTION]?: unknown })[SUBSCRIPTION] === true;
}

/** Whether a relayed subscription ended because its server ended the stream for good (its `finished`). */
export function isFinished(value: unknown): boolean {
  return (value as { finished?: unknown }).finished === true;
}

/**
 * Makes the encoder of a relayed subscription's items (`{ event, data, id, retry? }`). `event` is
 * written unless it is `"message"` (the type a block without one gets); `id` is written when it
 * differs from the id the downstream client holds (its `Last-Event-ID` at first), since each item
 * carries the id in force; `retry` when the item has one. Data that is not a string (a typed
 * subscription's decoded data) goes through `serialize`.
 *
 * @param lastEventId - the id the downstream client holds when the stream starts
 * @throws {TypeError} (from the encoder) when an item is not an event: a field of the wrong type, or
 *   a line break (or NUL, in `id`) that the event-stream format cannot carry
 */
export function createRelayEncoder(lastEventId: string, serialize: Serializer): (item: unknown) => string {
  let held = lastEventId;
  return (item) => {
    const { event, data, id, retry } = (typeof item === "object" && item !== null ? item : {}) as {
      event?: unknown;
      data?: unknown;
      id?: unknown;
      retry?: unknown;
    };
    if (typeof event !== "string" || BREAKS.test(event)) throw refusal(CONTEXT, "event", LINE, event);
    if (typeof id !== "string" || BREAKS.test(id)) throw refusal(CONTEXT, "id", LINE, id);
    if (retry !== undefined) assertRetry(retry, CONTEXT);
    const text = typeof data === "string" ? data : serialize(data);
    if (typeof text !== "string") throw refusal(CONTEXT, "data", "serialized to a string", data);
    const changed = id !== held;
    held = id;
    return formatFrame({
      event: event === "message" ? undefined : event,
      id: changed ? id : undefined,
      retry,
      data: text,
    });
  };
}
