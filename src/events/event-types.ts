import type { EventFields } from "../core/frame.ts";
import type { Message } from "../core/message.ts";
import type { EVENT_MAP } from "./event-map-key.ts";
import type { StandardSchemaV1 } from "./standard-schema.ts";
import type { AsyncAPIDocument, AsyncAPIOptions } from "./to-asyncapi.ts";
import type { OpenAPIItemMediaType, OpenAPISchemaMediaType } from "./to-openapi.ts";

/** How an event's data is written: `"json"` (the default) is `JSON.stringify(output)`; `"text"` is the output string as is. */
export type DataEncoding = "json" | "text";

/**
 * The long form of one event in a map, for text data or a description. `encoding: "text"` needs a
 * schema whose output is a string.
 */
export type EventDefinition =
  | {
      /** The event's data validator (Standard Schema V1). */
      readonly schema: StandardSchemaV1;
      /** `"json"`: the data is the output's JSON. @default "json" */
      readonly encoding?: "json";
      /** What the event means, for the OpenAPI and AsyncAPI output. */
      readonly description?: string;
    }
  | {
      /** The event's data validator (Standard Schema V1); its output must be a string. */
      readonly schema: StandardSchemaV1<unknown, string>;
      /** `"text"`: the data is the output string itself, as plain text. */
      readonly encoding: "text";
      /** What the event means, for the OpenAPI and AsyncAPI output. */
      readonly description?: string;
    };

/**
 * What `defineEvents` takes: event names to a Standard Schema V1 validator of the event's data, or to
 * an `EventDefinition`. The name `message` is the unnamed (default) event.
 */
export type EventMapInit = { readonly [name: string]: StandardSchemaV1 | EventDefinition };

/** The fields a builder takes besides the data (its event type is the map's): `id`, `retry` and `comment`. */
export type EventBuilderFields = Pick<EventFields, "id" | "retry" | "comment">;

/** What every `TypedEvents` has, whatever its map: the map itself, for the client and the type helpers. */
export interface EventMapCarrier<M extends EventMapInit = EventMapInit> {
  /** The map given to `defineEvents` (a frozen copy): the client reads it, `EventOf`, `DataOf` and the like its type. */
  readonly [EVENT_MAP]: M;
}

/** The validator of one entry of a map. */
type SchemaOfEntry<Entry> = Entry extends StandardSchemaV1
  ? Entry
  : Entry extends { readonly schema: infer Schema extends StandardSchemaV1 }
    ? Schema
    : never;

type MapOf<Events extends EventMapCarrier> = Events[typeof EVENT_MAP];
type InputOfEntry<Entry> = NonNullable<SchemaOfEntry<Entry>["~standard"]["types"]>["input"];
type OutputOfEntry<Entry> = NonNullable<SchemaOfEntry<Entry>["~standard"]["types"]>["output"];

/** The event names of a `defineEvents` map. */
export type EventNameOf<Events extends EventMapCarrier> = keyof MapOf<Events> & string;

/**
 * The data of one event as a client receives it: the schema's output type (sent as its JSON, or as
 * the string itself for a text event).
 */
export type DataOf<Events extends EventMapCarrier, Name extends EventNameOf<Events>> = OutputOfEntry<
  MapOf<Events>[Name]
>;

/** The data one event's builder takes: the schema's input type. */
export type DataInputOf<Events extends EventMapCarrier, Name extends EventNameOf<Events>> = InputOfEntry<
  MapOf<Events>[Name]
>;

/** `{ event, data, id?, retry? }` for one event: `event` is absent or `"message"` for the default event. */
type EventShape<Name extends string, Data> = Name extends "message"
  ? { readonly event?: "message"; readonly data: Data; readonly id?: string; readonly retry?: number }
  : { readonly event: Name; readonly data: Data; readonly id?: string; readonly retry?: number };

/**
 * The events of a map as a client receives them: a union discriminated by `event`, whose `data` is
 * the schema's output type (`event` is absent or `"message"` for the default event).
 */
export type EventOf<Events extends EventMapCarrier> = {
  [Name in EventNameOf<Events>]: EventShape<Name, DataOf<Events, Name>>;
}[EventNameOf<Events>];

/** The items `parse` takes: `{ event, data, id?, retry?, comment? }` with each schema's input type. */
export type EventInputOf<Events extends EventMapCarrier> = {
  [Name in EventNameOf<Events>]: EventShape<Name, DataInputOf<Events, Name>> & { readonly comment?: string };
}[EventNameOf<Events>];

/**
 * One item of a typed `DataStream` or `Channel`: `{ event, data, id?, retry?, comment? }` with the
 * data its schema takes (`event` may be left out for the default event `message`), or a `Message`
 * that the map's builders made (a `Message` from anywhere else is refused at run time: its data
 * was never checked).
 */
export type EventItem<Events extends EventMapCarrier> = EventInputOf<Events> | Message;

/**
 * What a `DataStream` and a `Channel` take as `events`: a `defineEvents` result. They call its
 * `parse` on each item, and need nothing else of it, so the core does not load typed events unless
 * a map is given.
 */
export interface TypedEventsLike<M extends EventMapInit = EventMapInit> extends EventMapCarrier<M> {
  /** Checks one item and returns its `Message` (see `EventMapMethods.parse`). */
  parse(item: never): Message;
}

/** One builder per event: validates the data and returns the `Message`. */
export type EventBuilders<M extends EventMapInit> = {
  readonly [Name in keyof M & string]: (data: InputOfEntry<M[Name]>, fields?: EventBuilderFields) => Message;
};

/** The members of a `TypedEvents` besides its builders. */
export interface EventMapMethods<M extends EventMapInit> extends EventMapCarrier<M> {
  /**
   * Checks one `{ event, data, id?, retry?, comment? }` item against the map and returns its
   * validated `Message` (`event` absent or `"message"` is the default event). A `Message` made by
   * this map's builders is returned as it is.
   *
   * @throws {TypeError} when the event is not in the map, a field is invalid, or the data does not match
   */
  parse(item: EventInputOf<EventMapCarrier<M>> | Message): Message;
  /**
   * The OpenAPI Media Type Object of a `text/event-stream` response: an `itemSchema` (OpenAPI 3.2)
   * that is a `oneOf` over the events.
   *
   * @throws {TypeError} when a schema offers no JSON Schema (Standard JSON Schema V1) or cannot be converted
   */
  toOpenAPI(options?: { readonly version?: "3.2" }): OpenAPIItemMediaType;
  /** For tools on OpenAPI 3.1: the same schema of one event as `schema`, since 3.1 has no `itemSchema`. */
  toOpenAPI(options: { readonly version: "3.1" }): OpenAPISchemaMediaType;
  /**
   * An AsyncAPI 3.0 document for the endpoint: one channel at `options.address` whose messages are
   * the events, and one operation that receives them.
   *
   * @throws {TypeError} when an option is invalid or a schema offers no JSON Schema
   */
  toAsyncAPI(options: AsyncAPIOptions): AsyncAPIDocument;
}

/** What `defineEvents(map)` returns: a builder per event, plus `parse`, `toOpenAPI` and `toAsyncAPI`. */
export type TypedEvents<M extends EventMapInit> = EventBuilders<M> & EventMapMethods<M>;
