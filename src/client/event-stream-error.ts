import type { StandardIssueLike } from "./event-map.ts";
import type { ServerSentEvent } from "./types.ts";

/**
 * Why a subscription failed:
 * - `"response"`: the server answered with a status other than 200 and 204, or not `text/event-stream`
 *   (`status` and `contentType` say what it sent);
 * - `"network"`: the request failed or the connection dropped, and the client may not reconnect
 *   (`reconnect` is off, or `maxRetries` was reached; `cause` is the underlying error);
 * - `"stalled"`: nothing arrived for `stallTimeout` ms, and the client may not reconnect;
 * - `"invalid-event"`: an event is not in the `events` map, its data is not JSON, or it does not match
 *   its schema (`event` is the event as received, `issues` the validator's issues).
 */
export type EventStreamErrorType = "response" | "network" | "stalled" | "invalid-event";

/** The details of an `EventStreamError`, by type. */
export interface EventStreamErrorDetails {
  readonly status?: number;
  readonly contentType?: string | null;
  readonly event?: ServerSentEvent;
  readonly issues?: ReadonlyArray<StandardIssueLike>;
  readonly cause?: unknown;
}

/**
 * What a subscription's iterator throws when the stream cannot go on (its `type` says why). A
 * `signal` that aborts makes it throw `signal.reason` instead, and `close()` ends it quietly.
 *
 * @example Tell a refused subscription from other errors
 * ```ts
 * import { EventStreamError, subscribe } from "edge-sse/client";
 *
 * const fetch = async () => new Response("no such stream", { status: 404, headers: { "content-type": "text/plain" } });
 * try {
 *   for await (const event of subscribe("https://example.com/events", { fetch })) console.log(event);
 * } catch (error) {
 *   console.assert(error instanceof EventStreamError && error.type === "response" && error.status === 404);
 * }
 * ```
 */
export class EventStreamError extends Error {
  override readonly name = "EventStreamError";
  /** Why the subscription failed. */
  readonly type: EventStreamErrorType;
  /** `"response"`: the status the server answered with. */
  readonly status: number | undefined;
  /** `"response"`: the `content-type` the server answered with (`null`: none). */
  readonly contentType: string | null | undefined;
  /** `"invalid-event"`: the event as it arrived. */
  readonly event: ServerSentEvent | undefined;
  /** `"invalid-event"`: the validator's issues, when it found some. */
  readonly issues: ReadonlyArray<StandardIssueLike> | undefined;

  /**
   * @param type - why the subscription failed
   * @param message - what happened, for people
   * @param details - the status, content type, event, issues or cause, by type
   */
  constructor(type: EventStreamErrorType, message: string, details: EventStreamErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.type = type;
    this.status = details.status;
    this.contentType = details.contentType;
    this.event = details.event;
    this.issues = details.issues;
  }
}
