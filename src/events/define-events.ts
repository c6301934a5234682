import { describeValue } from "../core/describe-value.ts";
import { assertEventName } from "../core/fields.ts";
import { Message, ownFields } from "../core/message.ts";
import { RESERVED_EVENTS } from "../core/reserved-events.ts";
import { buildEventMessage, type MessageConstructor } from "./build-event-message.ts";
import { BUILD_EVENT, type EventEntry, readEventEntry } from "./event-entry.ts";
import { EVENT_MAP } from "./event-map-key.ts";
import type { EventBuilderFields, EventMapInit, TypedEvents } from "./event-types.ts";
import { mapMessageClass } from "./map-message.ts";
import { toAsyncAPIDocument } from "./to-asyncapi.ts";
import { toOpenAPIMediaType } from "./to-openapi.ts";

const CONTEXT = "Cannot define events";
/** The members of the object `defineEvents` returns; no event may take their names. */
const MEMBERS = ["parse", "toOpenAPI", "toAsyncAPI"] as const;
const ITEM_KEYS: ReadonlySet<string> = new Set(["event", "data", "id", "retry", "comment"]);

/**
 * Defines the events of an endpoint from one map of event names to Standard Schema V1 validators
 * (zod 4, valibot, arktype, …), and gives, from that one map:
 *
 * - a builder per event, `events.tick(data, { id?, retry?, comment? })`, that validates the data
 *   and returns its `Message` (JSON of the schema's *output*; the default event `message` has no
 *   `event:` field). Validation is synchronous: a schema that validates asynchronously is a `TypeError`;
 * - `events.parse({ event, data, id? })`, the same check for an item (`event` absent or `"message"`
 *   is the default event);
 * - `events.toOpenAPI()`, the OpenAPI 3.2 Media Type Object of the stream (`{ version: "3.1" }` for
 *   3.1 tools), and `events.toAsyncAPI(options)`, an AsyncAPI 3.0 document;
 * - the types `EventOf<typeof events>`, `DataOf<typeof events, "tick">` and `EventNameOf<typeof events>`
 *   for clients.
 *
 * An entry may also be `{ schema, encoding: "text", description? }`: a text event sends its (string)
 * output as is, not as JSON. Data that does not match throws a `TypeError` that names the event and
 * lists the schema's issues with their paths (the issues are its `cause`).
 *
 * @param map - event names to validators, or to `{ schema, encoding?, description? }`
 * @returns the builders and the members above
 * @throws {TypeError} for an empty map, an entry that is not a Standard Schema validator, or a name
 * the event-stream format cannot carry (a line break, `""`), that the library sends itself (the gap
 * marker `edge-sse-gap`, the end event `edge-sse-end`, the expiry event `edge-sse-expired`) or that a
 * member takes (`parse`, `toOpenAPI`, `toAsyncAPI`, `toString`, …)
 * @example Build validated events from a map (the schema here is hand-written; zod, valibot or arktype fit as well)
 * ```ts
 * import { defineEvents, type StandardSchemaV1 } from "edge-sse";
 *
 * const positive: StandardSchemaV1<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof value === "number" && value > 0 ? { value } : { issues: [{ message: "must be a positive number" }] },
 *   },
 * };
 * const events = defineEvents({ price: positive });
 *
 * console.assert(events.price(42, { id: "7" }).toString() === "event: price\nid: 7\ndata: 42\n\n");
 * try {
 *   events.price(-1);
 * } catch (error) {
 *   console.assert(String(error).includes('Cannot build event "price": `data` does not match its schema'));
 * }
 * ```
 */
export function defineEvents<const M extends EventMapInit>(map: M): TypedEvents<M> {
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new TypeError(`${CONTEXT}: expected an object of event names to schemas (got ${describeValue(map)})`);
  }
  const entries = new Map<string, EventEntry>();
  for (const [name, entry] of Object.entries(map)) {
    checkEventName(name);
    entries.set(name, readEventEntry(name, entry, CONTEXT));
  }
  if (entries.size === 0) throw new TypeError(`${CONTEXT}: the map has no event`);

  // The map's messages are of its own subclass, so parse() knows them without keeping a list.
  const MapMessage = mapMessageClass();
  const events: Record<PropertyKey, unknown> = {
    // The map as given, for the client (`subscribe(url, { events })`), which reads its validators.
    [EVENT_MAP]: Object.freeze({ ...map }),
    parse(item: unknown): Message {
      if (Message.isMessage(item)) {
        if (item instanceof MapMessage && ownFields(item) !== undefined) return item;
        throw new TypeError(
          `${BUILD_EVENT}: this Message was not made by a builder of this event map, so its data cannot be checked (build it with events.<name>(data))`,
        );
      }
      return parseItem(item, entries, MapMessage);
    },
    toOpenAPI: (options?: unknown) => toOpenAPIMediaType(entries.values(), options),
    toAsyncAPI: (options: unknown) => toAsyncAPIDocument(entries.values(), options),
  };
  for (const entry of entries.values()) {
    events[entry.name] = (data: unknown, fields?: EventBuilderFields): Message =>
      buildEventMessage(entry, data, fields, MapMessage);
  }
  return Object.freeze(events) as TypedEvents<M>;
}

function checkEventName(name: string): void {
  assertEventName(name, CONTEXT);
  if (name === "") {
    throw new TypeError(`${CONTEXT}: the event name "" is the default event; name it "message"`);
  }
  const reserved = RESERVED_EVENTS.get(name);
  if (reserved !== undefined) {
    throw new TypeError(
      `${CONTEXT}: the event name "${name}" is the ${reserved} the library sends itself; choose another name`,
    );
  }
  if ((MEMBERS as readonly string[]).includes(name) || name in Object.prototype) {
    throw new TypeError(
      `${CONTEXT}: the event name ${describeValue(name)} is taken by a member of the event map ` +
        `(${MEMBERS.join(", ")}, or one of Object.prototype); choose another name`,
    );
  }
}

function parseItem(item: unknown, entries: ReadonlyMap<string, EventEntry>, MapMessage: MessageConstructor): Message {
  if (typeof item !== "object" || item === null) {
    throw new TypeError(
      `${BUILD_EVENT}: expected an object { event, data, id?, retry?, comment? } (got ${describeValue(item)})`,
    );
  }
  for (const key of Object.keys(item)) {
    if (!ITEM_KEYS.has(key)) {
      throw new TypeError(`${BUILD_EVENT}: unknown field \`${key}\` (expected event, data, id, retry or comment)`);
    }
  }
  const { event = "message", data, id, retry, comment } = item as Record<string, unknown>;
  const entry = typeof event === "string" ? entries.get(event) : undefined;
  if (entry === undefined) {
    const known = Array.from(entries.keys(), (name) => describeValue(name)).join(", ");
    throw new TypeError(`${BUILD_EVENT}: \`event\` must be one of ${known} (got ${describeValue(event)})`);
  }
  // Message checks the values.
  return buildEventMessage(entry, data, { id, retry, comment } as EventBuilderFields, MapMessage);
}
