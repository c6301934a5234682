import { isMarkedSubscription, SUBSCRIPTION } from "../core/relay.ts";
import type { ServerSentEvent, Subscription } from "./types.ts";

/**
 * The mark every subscription carries, so that the server side can relay one without importing the
 * client: a `DataStream` whose source has it writes each item as an event (its `event`, `data`, `id`
 * and `retry` fields) instead of serializing it as JSON data. Declared in the core, once.
 */
export { SUBSCRIPTION };

/** Whether `value` is a subscription made by `subscribe` (of this or another copy of the library). */
export function isSubscription(value: unknown): value is Subscription<ServerSentEvent<string, unknown>> {
  return isMarkedSubscription(value);
}
