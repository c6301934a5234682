import type { EventFields } from "../core/frame.ts";
import type { ChannelEventInit, ChannelOptions } from "./types.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import { checkEvents, type ParseItem } from "../core/check.ts";
import { DEFAULT_MAX_QUEUE } from "./channel-options.ts";
import type { EventIdCodec } from "../tokens/event-id-codec.ts";
import { itemFields, type Serializer } from "../core/encode-message.ts";
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
  checkPublishable(fields, CONTEXT);
  const { id, event, data, comment, retry } = fields;
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

/** How a channel turns a published item into the event its broker takes. */
export interface PublishRules {
  /** The event map's check of one item, when the channel has `events`. */
  readonly parse: ParseItem | undefined;
  /** Turns values that are not strings, `Message`s or bytes into data text. */
  readonly serialize: Serializer;
  /** The channel's `maxQueue`. */
  readonly maxQueue: number;
  /** The channel's opaque ids, when it has `eventIds`. */
  readonly eventIds: EventIdCodec | undefined;
}

/** The options a channel, or a registry of channels, publishes by. */
type PublishOptions = Pick<
  ChannelOptions<TypedEventsLike | undefined>,
  "events" | "serialize" | "maxQueue" | "eventIds"
>;

/**
 * The rules of a channel's or a registry's options: the event map checked, `serialize` and
 * `maxQueue` defaulted. One place, so that a registry's publish to a name with no channel in use
 * goes by the rules that channel would have.
 *
 * @throws {TypeError} starting with `context` when `events` is not an event map, or comes with `serialize`
 */
export function publishRules(options: PublishOptions, context: string): PublishRules {
  return {
    parse: checkEvents(options.events, options.serialize, context),
    serialize: (options.serialize as Serializer | undefined) ?? JSON.stringify,
    maxQueue: options.maxQueue ?? DEFAULT_MAX_QUEUE,
    eventIds: options.eventIds,
  };
}

/** A published item, checked and encoded: the event for the broker, once `encodable` (when set) has resolved. */
export interface PreparedEvent {
  readonly init: ChannelEventInit;
  /** With `eventIds` and an id the publisher chose: rejects when that id cannot be made opaque. */
  readonly encodable: Promise<unknown> | undefined;
}

/**
 * Checks and encodes a published item as every channel does, whether or not one is in use (a
 * `Channels` registry hands an item for a name nobody listens to straight to its broker): the event
 * map's check, the encoding, what would hurt subscribers (`publishableEvent`), and, with opaque ids,
 * whether the codec can encode the publisher's id (refused here, not at delivery).
 *
 * @throws {TypeError} when the event map refuses the item, it cannot be encoded, or `publishableEvent` refuses it
 */
export function prepareEvent(item: unknown, rules: PublishRules): PreparedEvent {
  const checked = rules.parse === undefined ? item : rules.parse(item);
  const init = publishableEvent(itemFields(checked, rules.serialize), rules.maxQueue);
  const encodable = init.id === undefined ? undefined : rules.eventIds?.encode(init.id);
  return { init, encodable };
}

/**
 * Checks an event for the names and ids that would hurt subscribers (the list above, the size apart):
 * what `publish` refuses, and what a broker's saved history may not hold either.
 *
 * @throws {TypeError} starting with `context`, naming the field
 */
export function checkPublishable(fields: EventFields, context: string): void {
  const { id, event } = fields;
  if (id === "") {
    throw new TypeError(
      `${context}: \`id\` must not be empty in a channel (got ""): an empty id resets the client's last event id, so it could not resume`,
    );
  }
  if (event === GAP_EVENT) {
    throw new TypeError(
      `${context}: \`event\` must not be "${GAP_EVENT}", the name of the gap marker: clients would take it for a gap (got ${describeValue(event)})`,
    );
  }
  if (event === END_EVENT) {
    throw new TypeError(
      `${context}: \`event\` must not be "${END_EVENT}", the name of the end event: clients would stop there for good; ` +
        `end every stream with channel.close({ end: true }) (got ${describeValue(event)})`,
    );
  }
  if (event === EXPIRED_EVENT) {
    throw new TypeError(
      `${context}: \`event\` must not be "${EXPIRED_EVENT}", the name of the expiry event: clients would take ` +
        `their subscription for expired; give the stream \`expiresAt\` instead (got ${describeValue(event)})`,
    );
  }
}
