import type { EventMapHolder, EventSchemaMap, TypedEventOf } from "./event-map.ts";

/** One event as the client yields it, and as the parser reports it. */
export interface ServerSentEvent<Name extends string = string, Data = string> {
  /** The event type: the stream's `event` field, or `"message"` when the block names none (as `EventSource`). */
  readonly event: Name;
  /** The data: the `data` lines joined with LF (decoded and validated when `events` is given). */
  readonly data: Data;
  /**
   * The last event id in force when the event was dispatched (`""` when none), as
   * `MessageEvent.lastEventId`: an event without an `id` field has the id of the one before.
   */
  readonly id: string;
  /**
   * The reconnection time in ms that a `retry` field sent since the event before asked for, when one
   * did (subscriptions only: the parser reports `retry` through `onRetry`). A `DataStream` relaying
   * the subscription writes it back.
   */
  readonly retry?: number;
}

/** The data of the gap marker (`edge-sse-gap`) a `Channel` sends when it cannot replay from the id asked. */
export interface GapInfo {
  /** The id the client resumed after (its `Last-Event-ID`). */
  readonly lastEventId: string;
  /** The id of the first event replayed after the marker, or `null` when none was. */
  readonly firstId: string | null;
}

/** The gap marker as a typed subscription yields it: its data decoded. */
export type GapEvent = ServerSentEvent<"edge-sse-gap", GapInfo>;

/** The data of the expiry event (`edge-sse-expired`) a stream sends when it reaches its `expiresAt`. */
export interface ExpiryInfo {
  /** When the stream expired, in ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * The expiry event as a typed subscription yields it: its data decoded. The stream closes after it,
 * and the subscription reconnects (the `headers` function can send a fresh token).
 */
export type ExpiredEvent = ServerSentEvent<"edge-sse-expired", ExpiryInfo>;

/** A `fetch` function: the global one, or one of your own (a test double, a Worker's service binding, …). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What the `headers` and `body` functions get, before every request. */
export interface AttemptInfo {
  /** The number of this request: 1 for the first, 2 for the first reconnection, … */
  readonly attempt: number;
  /** The id that goes out as `Last-Event-ID` (`""`: none). */
  readonly lastEventId: string;
}

/** What `onRetry` gets, before the client waits and reconnects. */
export interface RetryInfo {
  /** The number the next request will have (as `AttemptInfo.attempt`). */
  readonly attempt: number;
  /**
   * Reconnections in a row since a stream last opened, this one included: 1 after a stream that was
   * open, 2 when that reconnection failed too, … It drives the backoff and `maxRetries`.
   */
  readonly retries: number;
  /** How long the client waits before the request, in ms. */
  readonly delay: number;
  /** What ended the last attempt (an `EventStreamError`), or `undefined` when the stream ended cleanly. */
  readonly error: unknown;
  /** The id that goes out as `Last-Event-ID` (`""`: none). */
  readonly lastEventId: string;
}

/** How the client reconnects. */
export interface ReconnectOptions {
  /**
   * The wait before the first reconnection, in ms; the server's `retry:` field replaces it.
   * @default 1000
   */
  readonly delay?: number;
  /**
   * The most the wait grows to after failures in a row (it doubles each time), in ms. A server's
   * `retry:` or `Retry-After` above it is still honoured.
   * @default 30000
   */
  readonly maxDelay?: number;
  /**
   * Each wait is the delay times `1 + jitter × random`, so that clients cut off together do not come
   * back together (never below the delay, never above `maxDelay`).
   * @default 0.5
   */
  readonly jitter?: number;
  /**
   * Reconnections in a row (see `RetryInfo.retries`) before the subscription gives up: it then throws
   * what ended the last attempt, or ends if that was a clean end.
   * @default Infinity
   */
  readonly maxRetries?: number;
}

/** A request body, or a function that makes one for each request. */
export type BodyOption = BodyInit | null | ((attempt: AttemptInfo) => BodyInit | null | Promise<BodyInit | null>);

/** Request headers, or a function that makes them for each request (fresh tokens). */
export type HeadersOption = HeadersInit | ((attempt: AttemptInfo) => HeadersInit | Promise<HeadersInit>);

/** What `events` may be: a map of event names to Standard Schema validators, or a `defineEvents` result. */
export type EventsOption = EventSchemaMap | EventMapHolder;

/** Options of `subscribe`. Unknown keys are a `TypeError`. */
export interface SubscribeOptions<Events extends EventsOption | undefined = undefined> {
  /**
   * The request method.
   * @default "GET", or "POST" when `body` is given
   */
  readonly method?: string;
  /** The request body, or a function called before every request that returns it. */
  readonly body?: BodyOption;
  /**
   * Request headers, or a function called before every request (and awaited) that returns them, so
   * that each reconnection sends fresh credentials. `accept: text/event-stream` is added unless set,
   * and `last-event-id` is set whenever there is an id to resume after (as its UTF-8 bytes, as
   * browsers send it). A name or value that fetch refuses is a `TypeError` naming the header: from
   * `subscribe`, or before the request for what the function returns.
   */
  readonly headers?: HeadersOption;
  /** The request's credentials mode (browsers: send cookies cross-origin with `"include"`). */
  readonly credentials?: RequestCredentials;
  /** Ends the subscription when it aborts: no further request, and the iterator throws `signal.reason`. */
  readonly signal?: AbortSignal;
  /**
   * The id to resume after: sent as `Last-Event-ID` from the first request on. No CR, LF, NUL or
   * lone surrogate.
   * @default "" (none)
   */
  readonly lastEventId?: string | undefined;
  /**
   * The `fetch` to use.
   * @default globalThis.fetch
   */
  readonly fetch?: FetchLike;
  /**
   * Whether to reconnect (with `Last-Event-ID`) after a dropped connection, a network error, a stall,
   * a `408`/`429`/`502`/`503`/`504` answer, or a stream that ended without the end signal; an object
   * turns it on with those settings.
   * @default true for GET, false for every other method (a POST is re-sent only when you opt in)
   */
  readonly reconnect?: boolean | ReconnectOptions;
  /**
   * Milliseconds without a byte (events or pings) while waiting for the server, after which the
   * connection counts as dead: it is dropped and, if reconnecting, resumed; `false` for none.
   * @default 45000
   */
  readonly stallTimeout?: number | false;
  /**
   * Event names to Standard Schema validators (or a `defineEvents` result): each event's data is
   * decoded (JSON, unless its entry says `encoding: "text"`) and validated, and the items are typed by
   * event name. An event not in the map, or whose data does not match, makes the iterator throw. The
   * library's own events are read as without a map: the end signal ends the iterator, and the gap
   * marker and the expiry event are yielded with their data decoded (a map entry under their names is
   * not used).
   */
  readonly events?: Events;
  /** Called with each accepted response (200, `text/event-stream`) before its events are read; may be async. */
  readonly onOpen?: (response: Response) => void | Promise<void>;
  /** Called before each reconnection, with its delay and the reason; may be async. */
  readonly onRetry?: (info: RetryInfo) => void | Promise<void>;
  /**
   * Called when a `Channel`'s gap marker arrives (the server could not replay everything after the
   * id; refetch what the page shows), before the marker is yielded; may be async.
   */
  readonly onGap?: (gap: GapInfo) => void | Promise<void>;
}

/**
 * The items of a subscription: plain events, or the typed union of an event map and the library's
 * own events that a stream may carry (the gap marker and the expiry event).
 */
export type SubscriptionEvent<Events extends EventsOption | undefined> = [Events] extends [EventsOption]
  ? TypedEventOf<Events> | GapEvent | ExpiredEvent
  : ServerSentEvent;

/**
 * A running subscription: an async iterable of its events (iterate it once), that ends when the
 * server ends the stream for good, and the last event id.
 */
export interface Subscription<Event = ServerSentEvent> extends AsyncIterableIterator<Event, undefined, undefined> {
  /**
   * The last event id in force, as of the last event the iterator has yielded (`""` when none): what
   * to save to resume later (`lastEventId` option).
   */
  readonly lastEventId: string;
  /**
   * `true` once the server has ended the stream for good (the end signal, or 204): read it after the
   * loop to tell a finished stream from `close()`, `break`, or a stream that ended without reconnecting.
   */
  readonly finished: boolean;
  /** Ends the subscription: no further request; a waiting or later `next()` resolves as done. */
  close(): void;
}
