import { GAP_EVENT } from "../channel/gap-event.ts";
import { END_EVENT } from "./end-event.ts";
import { EXPIRED_EVENT } from "./expired-event.ts";

/**
 * The event names the library sends itself, and what each is. No one may publish an event so named,
 * nor give one to an event map: clients would take it for a gap, stop there for good, or fetch a new
 * token and reconnect.
 */
export const RESERVED_EVENTS: ReadonlyMap<string, string> = new Map([
  [GAP_EVENT, "gap marker"],
  [END_EVENT, "end event"],
  [EXPIRED_EVENT, "expiry event"],
]);
