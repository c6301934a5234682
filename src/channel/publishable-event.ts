import type { EventFields } from "../core/frame.ts";
import type { ChannelEventInit } from "./types.ts";
import { formatFrame } from "../core/frame.ts";
import { describeValue } from "../core/describe-value.ts";
import { GAP_EVENT } from "./gap-event.ts";
import { END_EVENT } from "../core/end-event.ts";
import { EXPIRED_EVENT } from "../core/expired-event.ts";

/** How the errors of `channel.publish()` (and of a broker refusing an event) start. */
export const PUBLISH = "Cannot publish";
const CONTEXT = PUBLISH;

/**
 * The event a channel hands to its broker, once checked for what would hurt its subscribers:
 * - an empty id: it resets a client's last event id, so the client could not resume;
 * - the gap marker's name (`GAP_EVENT`): clients would take the event for a gap;
 * - the end event's name (`END_EVENT`): clients would stop there for good;
 * - the expiry event's name (`EXPIRED_EVENT`): clients would fetch a new token and reconnect;
 * - a frame longer than half of `maxQueue`: a subscriber's queue has room for such a frame beside
 *   what its replay keeps queued (a quarter of it); a larger one would close every subscriber with
 *   `"overflow"`, and again on each replay. An id the broker gives is not counted: it is not known
 *   yet, and the other quarter leaves room for it.
 *
 * @param fields - the item's validated fields
 * @param maxQueue - the channel's `maxQueue`
 * @returns the fields as a broker takes them
 * @throws {TypeError} naming the field, or the frame's size and the bound
 */
export function publishableEvent(fields: EventFields, maxQueue: number): ChannelEventInit {
  const { id, event, data, comment, retry } = fields;
  if (id === "") {
    throw new TypeError(
      `${CONTEXT}: \`id\` must not be empty in a channel (got ""): an empty id resets the client's last event id, so it could not resume`,
    );
  }
  if (event === GAP_EVENT) {
    throw new TypeError(
      `${CONTEXT}: \`event\` must not be "${GAP_EVENT}", the name of the gap marker: clients would take it for a gap (got ${describeValue(event)})`,
    );
  }
  if (event === END_EVENT) {
    throw new TypeError(
      `${CONTEXT}: \`event\` must not be "${END_EVENT}", the name of the end event: clients would stop there for good; ` +
        `end every stream with channel.close({ end: true }) (got ${describeValue(event)})`,
    );
  }
  if (event === EXPIRED_EVENT) {
    throw new TypeError(
      `${CONTEXT}: \`event\` must not be "${EXPIRED_EVENT}", the name of the expiry event: clients would take ` +
        `their subscription for expired; give the stream \`expiresAt\` instead (got ${describeValue(event)})`,
    );
  }
  const size = formatFrame(fields).length;
  if (size > maxQueue / 2) {
    throw new TypeError(
      `${CONTEXT}: the event's frame is ${size} code units, more than ${Math.floor(maxQueue / 2)}, half of ` +
        `\`maxQueue\` (${maxQueue}): every subscriber's queue must have room for it while a replay fills the ` +
        `rest; raise maxQueue or send less`,
    );
  }
  return { id, event, data, comment, retry };
}
