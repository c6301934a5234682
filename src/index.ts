/**
 * edge-sse: Server-Sent Events for every Fetch-API runtime.
 *
 * This module is browser compatible.
 *
 * @module
 */
export { DataStream } from "./data-stream.ts";
export { Message, type MessageFields, type MessageInit } from "./message.ts";
export { encodeMessage, type Serializer, type ServerSentEventConvertible } from "./encode-message.ts";
export { StreamClosedError, type CloseType } from "./stream-closed-error.ts";
export { DEFAULT_HEADERS } from "./default-headers.ts";
export { MAX_EVENT_ID_BYTES } from "./fields.ts";
export type { DataStreamOptions, HeadersLike, Producer, RequestLike, Source, StreamContext } from "./types.ts";
