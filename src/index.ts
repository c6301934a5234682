/**
 * edge-sse: Server-Sent Events for every Fetch-API runtime.
 *
 * This module is browser compatible.
 *
 * @module
 */
export { DataStream } from "./core/data-stream.ts";
export { Message, type MessageFields, type MessageInit } from "./core/message.ts";
export type { EventFields } from "./core/frame.ts";
export { encodeMessage, type Serializer, type ServerSentEventConvertible } from "./core/encode-message.ts";
export { StreamClosedError, type CloseType } from "./core/stream-closed-error.ts";
export { EXPIRED_EVENT } from "./core/expired-event.ts";
export { DEFAULT_HEADERS } from "./core/default-headers.ts";
export { END_EVENT } from "./core/end-event.ts";
export { MAX_EVENT_ID_BYTES } from "./core/fields.ts";
export type {
  DataStreamOptions,
  HeadersLike,
  Producer,
  RequestLike,
  Source,
  StreamContext,
  StreamItem,
} from "./core/types.ts";
export { defineEvents } from "./events/define-events.ts";
export type {
  DataEncoding,
  DataInputOf,
  DataOf,
  EventBuilders,
  EventBuilderFields,
  EventDefinition,
  EventInputOf,
  EventItem,
  EventMapCarrier,
  EventMapInit,
  EventMapMethods,
  EventNameOf,
  EventOf,
  TypedEvents,
  TypedEventsLike,
} from "./events/event-types.ts";
export type { JsonSchemaObject } from "./events/json-schema-of.ts";
export type { OpenAPIItemMediaType, OpenAPISchemaMediaType } from "./events/to-openapi.ts";
export type { AsyncAPIDocument, AsyncAPIOptions } from "./events/to-asyncapi.ts";
export type {
  StandardJSONSchemaV1,
  StandardJSONSchemaV1Converter,
  StandardJSONSchemaV1Options,
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1Options,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
  StandardSchemaV1Types,
} from "./events/standard-schema.ts";
