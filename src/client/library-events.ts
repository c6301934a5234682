import { describeValue } from "../core/describe-value.ts";
import { EventStreamError } from "./event-stream-error.ts";
import type { ExpiryInfo, GapInfo, ServerSentEvent } from "./types.ts";

/**
 * Reads the data of a gap marker: JSON `{"lastEventId": string, "firstId": string | null}`.
 *
 * @throws {EventStreamError} of type `"invalid-event"` when the data has another shape
 */
export function readGap(event: ServerSentEvent): GapInfo {
  return readData(
    event,
    "gap marker",
    '{"lastEventId": string, "firstId": string | null}',
    ({ lastEventId, firstId }) =>
      typeof lastEventId === "string" && (typeof firstId === "string" || firstId === null)
        ? { lastEventId, firstId }
        : undefined,
  );
}

/**
 * Reads the data of the expiry event: JSON `{"expiresAt": number}` (ms since the epoch).
 *
 * @throws {EventStreamError} of type `"invalid-event"` when the data has another shape
 */
export function readExpiry(event: ServerSentEvent): ExpiryInfo {
  return readData(event, "expiry event", '{"expiresAt": number}', ({ expiresAt }) =>
    typeof expiresAt === "number" && Number.isFinite(expiresAt) ? { expiresAt } : undefined,
  );
}

/** The event's data read as a JSON object by `pick`; throws when it is not JSON or `pick` finds nothing. */
function readData<T>(
  event: ServerSentEvent,
  what: string,
  shape: string,
  pick: (data: Readonly<Record<string, unknown>>) => T | undefined,
): T {
  let value: unknown;
  try {
    value = JSON.parse(event.data);
  } catch {
    // Not JSON: refused below.
  }
  const data = typeof value === "object" && value !== null ? pick(value as Record<string, unknown>) : undefined;
  if (data !== undefined) return data;
  throw new EventStreamError(
    "invalid-event",
    `Cannot read the ${what} ${describeValue(event.event)}: its data must be JSON ${shape} ` +
      `(got ${describeValue(event.data)})`,
    { event },
  );
}
