/**
 * The client: `subscribe()` reads an event stream over `fetch` (headers, POST, backoff, stall
 * detection, `Last-Event-ID` kept across reconnections, typed events, and an end that sticks), and a
 * spec-exact streaming parser for server-side use. Runs in browsers, Node 18+, Deno, Bun and Workers.
 *
 * This module is browser compatible.
 *
 * @module
 */
export { subscribe } from "./client/subscribe.ts";
export {
  createEventStreamParser,
  type EventStreamParser,
  type EventStreamParserCallbacks,
  type EventStreamParserOptions,
} from "./client/parser.ts";
export { EventStreamParserStream, type EventStreamParserStreamOptions } from "./client/parser-stream.ts";
export {
  EventStreamError,
  type EventStreamErrorDetails,
  type EventStreamErrorType,
} from "./client/event-stream-error.ts";
export { END_EVENT } from "./core/end-event.ts";
export { EVENT_MAP } from "./events/event-map-key.ts";
export type {
  EventMapHolder,
  EventSchema,
  EventSchemaMap,
  OutputOf,
  StandardIssueLike,
  StandardResultLike,
  StandardSchemaLike,
  TypedEventOf,
} from "./client/event-map.ts";
export type {
  AttemptInfo,
  BodyOption,
  EventsOption,
  ExpiredEvent,
  ExpiryInfo,
  FetchLike,
  GapEvent,
  GapInfo,
  HeadersOption,
  ReconnectOptions,
  RetryInfo,
  ServerSentEvent,
  SubscribeOptions,
  Subscription,
  SubscriptionEvent,
} from "./client/types.ts";
