import type { ServerSentEvent, Subscription } from "./types.ts";

/**
 * The mark every subscription carries, so that the server side can relay one without importing the
 * client: a `DataStream` whose source has it writes each item as an event (its `event`, `data` and
 * `id` fields) instead of serializing it as JSON data. `Symbol.for`, so that two copies of the
 * library recognise each other's subscriptions.
 */
export const SUBSCRIPTION: unique symbol = Symbol.for("edge-sse.subscription");

/** Whether `value` is a subscription made by `subscribe` (of this or another copy of the library). */
export function isSubscription(value: unknown): value is Subscription<ServerSentEvent<string, unknown>> {
  return typeof value === "object" && value !== null && (value as { [SUBSCRIPTION]?: unknown })[SUBSCRIPTION] === true;
}
