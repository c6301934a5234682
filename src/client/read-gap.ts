import { describeValue } from "../core/describe-value.ts";
import { EventStreamError } from "./event-stream-error.ts";
import type { GapInfo, ServerSentEvent } from "./types.ts";

/**
 * Reads the data of a gap marker: JSON `{"lastEventId": string, "firstId": string | null}`.
 *
 * @throws {EventStreamError} of type `"invalid-event"` when the data has another shape
 */
export function readGap(event: ServerSentEvent): GapInfo {
  let value: unknown;
  try {
    value = JSON.parse(event.data);
  } catch {
    value = undefined;
  }
  const gap = value as Partial<Record<keyof GapInfo, unknown>> | null | undefined;
  if (
    typeof gap === "object" &&
    gap !== null &&
    typeof gap.lastEventId === "string" &&
    (typeof gap.firstId === "string" || gap.firstId === null)
  ) {
    return { lastEventId: gap.lastEventId, firstId: gap.firstId };
  }
  throw new EventStreamError(
    "invalid-event",
    `Cannot read the gap marker ${describeValue(event.event)}: its data must be JSON {"lastEventId": ` +
      `string, "firstId": string | null} (got ${describeValue(event.data)})`,
    { event },
  );
}
