/**
 * The client: `subscribe(input, options)` reads an event stream over `fetch` as an async iterable of
 * events, and reconnects the way `EventSource` does ([spec] reconnection time, `Last-Event-ID`), with
 * what `EventSource` lacks: headers and bodies, backoff, a stall watchdog, and an end that sticks.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 */
import { abortableSleep } from "../core/abortable-sleep.ts";
import { GAP_EVENT } from "../channel/gap-event.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import { MAX_WAIT, reconnectDelay, retryAfterMs } from "./backoff.ts";
import { END_EVENT } from "../core/end-event.ts";
import { EXPIRED_EVENT } from "../core/expired-event.ts";
import { EventStreamError } from "./event-stream-error.ts";
import { createEventStreamParser, type EventStreamParser } from "./parser.ts";
import { encodeHeaderValue } from "../core/last-event-id.ts";
import { readExpiry, readGap } from "./library-events.ts";
import { StallWatchdog } from "./stall-watchdog.ts";
import { CONTEXT, readHeaders, resolveSubscribeOptions, type SubscribeConfig } from "./subscribe-options.ts";
import { SUBSCRIPTION } from "./subscription-mark.ts";
import type { EventsOption, ServerSentEvent, SubscribeOptions, Subscription, SubscriptionEvent } from "./types.ts";

/** Statuses that say "later" rather than "no": retried (after `Retry-After`) when reconnecting. */
const RETRIABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/** The abort reason of an attempt the stall watchdog ended. */
const STALLED: unique symbol = Symbol("stalled");

/** How one connection ended: for good, or in a way that a reconnection may mend. */
type Ending =
  | { readonly done: true }
  | { readonly done: false; readonly error: unknown; readonly opened: boolean; readonly floor: number };

const FINISHED: Ending = { done: true };
const CLEAN_END: Ending = { done: false, error: undefined, opened: true, floor: 0 };

type AnyEvent = ServerSentEvent<string, unknown>;

const noop = (): void => {};

/**
 * Subscribes to an event stream: an async iterable of its events, for `for await`. It runs wherever
 * `fetch` does (browsers, Node 18+, Deno, Bun, Workers). The first request goes out when iteration
 * starts.
 *
 * - **200 + `text/event-stream`**: events, each `{ event, data, id }` (`event` is `"message"` when the
 *   stream names none; `id` is the last event id in force).
 * - **204**, or the end signal (`edge-sse-end`): the iterator ends; no reconnection.
 * - **Any other status, or another content type**: the iterator throws an `EventStreamError` that
 *   names both (`408`, `429`, `502`, `503` and `504` are retried first when reconnecting, no sooner
 *   than their `Retry-After`).
 * - **A network error, a dropped connection, a stall, or a stream that ends without the end signal**:
 *   reconnects with `Last-Event-ID` after the backoff when `reconnect` allows it (by default for GET
 *   only), else the iterator throws (or, for a clean end, ends).
 * - **`close()`** or `break`: the iterator ends; **`signal`** aborting: it throws `signal.reason`.
 *   Either way no further request is made.
 *
 * With `events` (a map of event names to Standard Schema validators, or a `defineEvents` result) the
 * data is decoded and validated, and the items are a union typed by event name.
 *
 * @param input - the stream's URL, a `Request` (cloned for each attempt), or a `Response` already
 *   fetched (read once, never reconnected)
 * @param options - see `SubscribeOptions`
 * @returns the subscription: iterate it, read its `lastEventId`, `close()` it
 * @throws {TypeError} when the input or an option is invalid (nothing is fetched then)
 * @example Read a stream until the server ends it
 * ```ts
 * import { subscribe } from "edge-sse/client";
 *
 * // A stand-in for the network: one stream that ends with the end signal.
 * const fetch = async () =>
 *   new Response("id: 1\ndata: hello\n\nevent: edge-sse-end\ndata:\n\n", { headers: { "content-type": "text/event-stream" } });
 *
 * const seen: string[] = [];
 * const subscription = subscribe("https://example.com/events", { fetch, headers: () => ({ authorization: "Bearer fresh" }) });
 * for await (const { event, data, id } of subscription) seen.push(`${event} ${data} ${id}`);
 * console.assert(seen.join() === "message hello 1" && subscription.lastEventId === "1");
 * ```
 * @example Typed events: decoded, validated, and a union by event name
 * ```ts
 * import { subscribe, type StandardSchemaLike } from "edge-sse/client";
 *
 * const price: StandardSchemaLike<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => typeof value === "number" ? { value } : { issues: [{ message: "not a number" }] },
 *   },
 * };
 * const fetch = async () =>
 *   new Response("event: price\ndata: 42\n\nevent: edge-sse-end\ndata:\n\n", { headers: { "content-type": "text/event-stream" } });
 *
 * for await (const item of subscribe("https://example.com/prices", { fetch, events: { price } })) {
 *   if (item.event === "price") console.assert(item.data + 1 === 43);
 * }
 * ```
 */
export function subscribe<const Events extends EventsOption | undefined = undefined>(
  input: string | URL | Request | Response,
  options?: SubscribeOptions<Events>,
): Subscription<SubscriptionEvent<Events>> {
  const subscription: Subscription<AnyEvent> = new EventSubscription(resolveSubscribeOptions(input, options ?? {}));
  return subscription as Subscription<SubscriptionEvent<Events>>;
}

class EventSubscription implements Subscription<AnyEvent> {
  readonly #config: SubscribeConfig;
  /** Aborts at `close()` or when a caller's signal aborts: the end of everything. */
  readonly #stop = new AbortController();
  readonly #parser: EventStreamParser;
  readonly #watchdog: StallWatchdog | undefined;
  readonly #unlink: () => void;
  /** The events the parser reported from the chunk being read. */
  #parsed: ServerSentEvent[] = [];
  /** A `retry` field read since the last event: the next event carries it (so that a relay passes it on). */
  #retry: number | undefined;
  /** The current attempt's abort, for the watchdog. */
  #attempt: AbortController | undefined;
  #closed = false;
  /** The iterator is done: it yields nothing more. */
  #exhausted = false;
  /** The end signal arrived in the current chunk. */
  #ended = false;
  /** An event the map refused, thrown once the events before it in its chunk have been yielded. */
  #refused: { readonly error: unknown } | undefined;
  /** The server ended the stream for good: the end signal, or 204. */
  #finished = false;
  /** Batches of events, one per chunk read; made at the first `next()`. */
  #batches: AsyncGenerator<AnyEvent[], void, undefined> | undefined;
  #batch: AnyEvent[] = [];
  #index = 0;
  /** The last event id as of the last event yielded, or of everything read when the consumer has caught up. */
  #lastEventId: string;
  #pulling: Promise<IteratorResult<AnyEvent, undefined>> | undefined;

  constructor(config: SubscribeConfig) {
    this.#config = config;
    this.#lastEventId = config.lastEventId;
    const backoff = config.backoff;
    this.#parser = createEventStreamParser(
      {
        onEvent: (event) => {
          const retry = this.#retry;
          this.#retry = undefined;
          this.#parsed.push(retry === undefined ? event : { ...event, retry });
        },
        // [spec] The server's `retry:` sets the reconnection time.
        onRetry: (ms) => {
          this.#retry = ms;
          if (backoff !== false) backoff.delay = Math.min(ms, MAX_WAIT);
        },
      },
      { lastEventId: config.lastEventId },
    );
    const timeout = config.stallTimeout;
    this.#watchdog = timeout === false ? undefined : new StallWatchdog(timeout, () => this.#attempt?.abort(STALLED));
    const listeners = config.signals.map((signal) => {
      const listener = (): void => {
        this.#stop.abort(signal.reason);
        this.#batch = []; // nothing more is yielded, not even what was read already
      };
      if (signal.aborted) listener();
      else signal.addEventListener("abort", listener, { once: true });
      return (): void => signal.removeEventListener("abort", listener);
    });
    this.#unlink = () =>
      listeners.forEach((unlink) => {
        unlink();
      });
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** See `SUBSCRIPTION`: lets a `DataStream` relay this subscription's events as events. */
  get [SUBSCRIPTION](): true {
    return true;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<AnyEvent, undefined>> {
    if (this.#pulling !== undefined) {
      const after = (): Promise<IteratorResult<AnyEvent, undefined>> => this.next();
      return this.#pulling.then(after, after);
    }
    if (this.#index < this.#batch.length) {
      const value = this.#batch[this.#index++] as AnyEvent;
      this.#lastEventId = value.id;
      return Promise.resolve({ value, done: false });
    }
    const pulling = this.#pull();
    this.#pulling = pulling;
    const settled = (): void => {
      if (this.#pulling === pulling) this.#pulling = undefined;
    };
    pulling.then(settled, settled);
    return pulling;
  }

  async return(): Promise<IteratorResult<AnyEvent, undefined>> {
    this.close();
    await this.#pulling?.then(noop, noop);
    await this.#batches?.return(undefined).catch(noop);
    return { done: true, value: undefined };
  }

  close(): void {
    this.#closed = true;
    this.#stop.abort();
    this.#exhaust();
    // Runs the finally blocks of a connection suspended between two batches.
    void this.#batches?.return(undefined).catch(noop);
  }

  async #pull(): Promise<IteratorResult<AnyEvent, undefined>> {
    this.#batch = [];
    this.#index = 0;
    while (!this.#exhausted) {
      this.#batches ??= this.#run();
      let step: IteratorResult<AnyEvent[], void>;
      try {
        step = await this.#batches.next();
      } catch (error) {
        this.#exhaust();
        throw error;
      }
      if (step.done === true || this.#closed) break;
      const value = step.value[0];
      if (value !== undefined) {
        this.#batch = step.value;
        this.#index = 1;
        this.#lastEventId = value.id;
        return { value, done: false };
      }
    }
    this.#exhaust();
    return { done: true, value: undefined };
  }

  #exhaust(): void {
    this.#exhausted = true;
    this.#batch = [];
    this.#index = 0;
    this.#unlink();
    this.#watchdog?.stop();
  }

  /** Connects, reads, and reconnects, until the stream is over. */
  async *#run(): AsyncGenerator<AnyEvent[], void, undefined> {
    const { backoff, onRetry } = this.#config;
    const stop = this.#stop.signal;
    let attempt = 0;
    let retries = 0;
    for (;;) {
      attempt++;
      let ending: Ending;
      try {
        ending = yield* this.#connect(attempt);
      } catch (error) {
        if (stop.aborted) return this.#stopped();
        throw error;
      }
      if (stop.aborted) return this.#stopped(); // stopped while the last batch was being read
      if (ending.done) {
        this.#finished = true;
        return;
      }
      retries = ending.opened ? 1 : retries + 1;
      if (backoff === false || retries > backoff.maxRetries) {
        if (ending.error === undefined) return;
        throw ending.error;
      }
      const delay = reconnectDelay(backoff, retries, ending.floor, Math.random());
      try {
        await onRetry?.({
          attempt: attempt + 1,
          retries,
          delay,
          error: ending.error,
          lastEventId: this.#parser.lastEventId,
        });
        await abortableSleep(delay, stop);
      } catch (error) {
        if (stop.aborted) return this.#stopped();
        throw error;
      }
    }
  }

  /** After the stop: `close()` ends quietly, a caller's signal throws its reason. */
  #stopped(): void {
    if (!this.#closed) throw this.#stop.signal.reason;
  }

  /** One attempt: the request, the response's checks, and its events, batch by batch. */
  async *#connect(attempt: number): AsyncGenerator<AnyEvent[], Ending, undefined> {
    const config = this.#config;
    const stop = this.#stop.signal;
    if (stop.aborted) throw stop.reason;
    const abort = new AbortController();
    const signal = abort.signal;
    const onStop = (): void => abort.abort(stop.reason);
    stop.addEventListener("abort", onStop, { once: true });
    this.#attempt = abort;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    // A fetch that ignores its signal, or a body that does, still ends at an abort.
    const onAbort = (): void => void reader?.cancel(signal.reason).catch(noop);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let response: Response;
      if (config.response !== undefined) response = config.response;
      else {
        const [resource, init] = await this.#request(attempt, signal);
        try {
          this.#watchdog?.wait();
          response = await untilAborted(config.fetch(resource, init), signal);
        } catch (error) {
          return this.#failed(error, signal, false);
        }
      }
      this.#watchdog?.rest();
      const status = response.status;
      const contentType = response.headers.get("content-type");
      if (status === 204) {
        void response.body?.cancel().catch(noop);
        return FINISHED; // [spec] 204 No Content: fail the connection, and do not reconnect
      }
      if (status !== 200 || !isEventStream(contentType)) {
        void response.body?.cancel().catch(noop);
        const error = new EventStreamError(
          "response",
          `${CONTEXT} to ${config.url}: the server answered ${status} with content-type ${describeValue(contentType)} (expected 200 with text/event-stream)`,
          { status, contentType },
        );
        if (!RETRIABLE_STATUS.has(status) || config.backoff === false) throw error;
        return {
          done: false,
          error,
          opened: false,
          floor: retryAfterMs(response.headers.get("retry-after"), Date.now()),
        };
      }
      await config.onOpen?.(response);
      if (response.body === null) return CLEAN_END;
      reader = response.body.getReader();
      for (;;) {
        // Every event read so far has been consumed: an id-only block after the last one counts too.
        this.#lastEventId = this.#parser.lastEventId;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          this.#watchdog?.wait();
          chunk = await reader.read();
          this.#watchdog?.rest();
        } catch (error) {
          return this.#failed(error, signal, true);
        }
        if (signal.aborted) return this.#failed(signal.reason, signal, true);
        if (chunk.done) return CLEAN_END;
        this.#parser.feed(chunk.value);
        if (this.#parsed.length > 0) {
          const batch = await this.#take();
          if (batch.length > 0) yield batch;
          const refused = this.#refused;
          if (refused !== undefined) {
            this.#refused = undefined;
            throw refused.error;
          }
          if (this.#ended) return FINISHED;
        }
      }
    } finally {
      this.#watchdog?.rest();
      this.#attempt = undefined;
      stop.removeEventListener("abort", onStop);
      signal.removeEventListener("abort", onAbort);
      this.#parser.end();
      this.#parsed = [];
      void reader?.cancel().catch(noop);
      abort.abort();
    }
  }

  /** The request of one attempt: the headers and body functions are called (and awaited) here. */
  async #request(attempt: number, signal: AbortSignal): Promise<[string | URL | Request, RequestInit]> {
    const { target, request, method, body, credentials, headers: given } = this.#config;
    const info = { attempt, lastEventId: this.#parser.lastEventId };
    const headers = new Headers(request?.headers);
    const extra = typeof given === "function" ? await given(info) : given;
    if (extra !== undefined)
      readHeaders(extra, "what `headers` returned").forEach((value, name) => {
        headers.set(name, value);
      });
    if (!headers.has("accept")) headers.set("accept", "text/event-stream");
    // [spec] The last event ID string goes out as Last-Event-ID whenever it is not empty: as its UTF-8 bytes.
    if (info.lastEventId !== "") headers.set("last-event-id", encodeHeaderValue(info.lastEventId));
    const init: RequestInit & { duplex?: "half" } = { headers, signal };
    if (method !== undefined) init.method = method;
    if (credentials !== undefined) init.credentials = credentials;
    if (body !== undefined) {
      const value = typeof body === "function" ? await body(info) : body;
      init.body = value;
      if (value instanceof ReadableStream) init.duplex = "half"; // Node's fetch needs it for a stream body
    }
    const resource = request?.clone() ?? target;
    if (resource === undefined) throw new TypeError(`${CONTEXT}: a Response input cannot be fetched again`);
    return [resource, init];
  }

  /** What a failed fetch or read means: the end (stopped), or a retry with the reason. */
  #failed(error: unknown, signal: AbortSignal, opened: boolean): Ending {
    if (this.#stop.signal.aborted) throw this.#stop.signal.reason;
    const url = this.#config.url;
    const reason =
      signal.reason === STALLED
        ? new EventStreamError(
            "stalled",
            `${CONTEXT} to ${url}: nothing arrived for ${String(this.#config.stallTimeout)} ms`,
          )
        : new EventStreamError("network", `${CONTEXT} to ${url}: the connection failed (${describeError(error)})`, {
            cause: error,
          });
    return { done: false, error: reason, opened, floor: 0 };
  }

  /**
   * Takes the events parsed from the last chunk: the end signal, gap markers, decoding. An event that
   * cannot be read (or an `onGap` that throws) is thrown once the events before it are yielded.
   */
  async #take(): Promise<AnyEvent[]> {
    const parsed = this.#parsed;
    this.#parsed = [];
    const { decode, onGap } = this.#config;
    const batch: AnyEvent[] = decode === undefined && onGap === undefined ? parsed : [];
    for (let i = 0; i < parsed.length; i++) {
      const event = parsed[i] as ServerSentEvent;
      if (event.event === END_EVENT) {
        this.#ended = true;
        batch.length = Math.min(batch.length, i); // nothing after the end is yielded
        break;
      }
      if (batch === parsed) continue;
      try {
        const read = this.#read(event);
        batch.push(read instanceof Promise ? await read : read);
      } catch (error) {
        this.#refused = { error }; // the events before it are yielded first, none after it
        break;
      }
    }
    return batch;
  }

  /**
   * One event as the subscription yields it. The library's own events are read the same way with or
   * without an event map (the map only types their data): the gap marker goes to `onGap`, and the
   * expiry event passes; every other event goes through the map.
   */
  #read(event: ServerSentEvent): AnyEvent | Promise<AnyEvent> {
    const { decode, onGap } = this.#config;
    if (event.event === GAP_EVENT) {
      const gap = readGap(event);
      const typed = decode === undefined ? event : withData(event, gap);
      return onGap === undefined ? typed : Promise.resolve(onGap(gap)).then(() => typed);
    }
    if (decode === undefined) return event;
    return event.event === EXPIRED_EVENT ? withData(event, readExpiry(event)) : decode(event);
  }
}

/** `event` with decoded data, keeping its id and its `retry`. */
function withData(event: ServerSentEvent, data: unknown): AnyEvent {
  return { ...event, data };
}

/** Whether a content type's essence is `text/event-stream` (parameters and case aside). */
function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(";");
  return (
    (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === "text/event-stream"
  );
}

/** `promise`, or its rejection with `signal.reason` when `signal` aborts first (a response that comes later is cancelled). */
function untilAborted(promise: Promise<Response>, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) {
    promise.then((late) => late.body?.cancel().catch(noop), noop);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      promise.then((late) => late.body?.cancel().catch(noop), noop);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (response) => {
        signal.removeEventListener("abort", onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
