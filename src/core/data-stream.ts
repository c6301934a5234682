import type { DataStreamOptions, Source, StreamItem } from "./types.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import {
  CREATE_DATA_STREAM,
  resolveOptions,
  streamLastEventId,
  streamSignal,
  type ResolvedOptions,
} from "./resolve-options.ts";
import { mergeHeaderSet } from "./default-headers.ts";
import { checkResponseInit, MAKE_RESPONSE } from "./check-response-init.ts";
import { createEventStream } from "./event-stream-engine.ts";
import { describeValue } from "./describe-value.ts";
import { isPullSource, isText } from "./item-iterator.ts";

/**
 * A server-sent event stream: turns a source of items into a `text/event-stream` body.
 *
 * Nothing starts before the body is first read; the first read gets the first bytes at once;
 * keep-alive comments flow while the source is idle; the source is read only as fast as the client
 * reads; and the stream ends through one path, whatever ends it (the source, `ctx.close()`, an error,
 * the client leaving), which aborts `ctx.signal`, runs the producer's `finally` blocks (waiting at
 * most `cleanupTimeout`), clears every timer and calls `onClose` once.
 *
 * @example Stream from an async generator in any fetch handler
 * ```ts
 * import { DataStream } from "edge-sse";
 *
 * function handler(request: Request): Response {
 *   return new DataStream(async function* ({ sleep }) {
 *     for (let n = 1; n <= 3; n++) {
 *       yield { n };
 *       await sleep(10);
 *     }
 *   }, { request }).toResponse();
 * }
 *
 * const body = await handler(new Request("http://localhost/")).text();
 * console.assert(body === ':\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n');
 * ```
 * @example Relay another event stream, ending when it ends for good
 * ```ts
 * import { DataStream } from "edge-sse";
 * import { subscribe } from "edge-sse/client";
 *
 * const upstream = new Response("id: 1\ndata: a\n\nevent: edge-sse-end\ndata:\n\n", {
 *   headers: { "content-type": "text/event-stream" },
 * });
 * const text = await new DataStream(subscribe(upstream), { keepAlive: false }).toResponse().text();
 * console.assert(text === ":\n\nid: 1\ndata: a\n\nevent: edge-sse-end\ndata:\n\n");
 * ```
 *
 * @example Resume after the last event id: the `Last-Event-ID` header, else a `lastEventId` query parameter
 * ```ts
 * import { DataStream } from "edge-sse";
 *
 * const resume = (request: Request) =>
 *   new DataStream(({ lastEventId }) => [`after ${lastEventId}`], { request }).toResponse().text();
 *
 * // A reloaded page's new EventSource sends no header, so the page puts its last id in the URL.
 * console.assert((await resume(new Request("http://localhost/?lastEventId=7"))) === ":\n\ndata: after 7\n\n");
 * // After a dropped connection, EventSource sends the header, newer than the URL it keeps.
 * const reconnect = new Request("http://localhost/?lastEventId=7", { headers: { "last-event-id": "9" } });
 * console.assert((await resume(reconnect)) === ":\n\ndata: after 9\n\n");
 * ```
 *
 * @example A typed stream: the event map types what the source yields and checks each item
 * ```ts
 * import { DataStream, defineEvents, type StandardSchemaV1 } from "edge-sse";
 *
 * const positive: StandardSchemaV1<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof value === "number" && value > 0 ? { value } : { issues: [{ message: "must be a positive number" }] },
 *   },
 * };
 * const events = defineEvents({ count: positive });
 * const errors: unknown[] = [];
 * // A generator's yields are typed by the map given as the type argument.
 * const stream = new DataStream<typeof events>(
 *   async function* () {
 *     yield { event: "count", data: 1, id: "1" };
 *     yield events.count(2);
 *     yield { event: "count", data: -3 }; // refused: onError hears of it, and the stream ends
 *     yield { event: "count", data: 4 };
 *   },
 *   { events, keepAlive: false, onError: (error) => void errors.push(error) },
 * );
 * const body = await stream.toResponse().text();
 * console.assert(body === ":\n\nevent: count\nid: 1\ndata: 1\n\nevent: count\ndata: 2\n\n");
 * console.assert(String(errors[0]).includes('Cannot build event "count": `data` does not match its schema'));
 * ```
 */
export class DataStream<Events extends TypedEventsLike | undefined = undefined> {
  readonly #source: Source;
  readonly #options: ResolvedOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #lastEventId: string | undefined;
  #consumed = false;

  /**
   * @param source - an async iterable, an iterable, a `ReadableStream`, or a producer function (with
   *   `options.events`, of the map's items: `StreamItem`); a client subscription (`subscribe` from
   *   edge-sse/client), given or returned by the producer, is relayed: each of its events is written
   *   back as it was (event, data, id, retry), its server's end for good is passed on, and the stream's
   *   end closes it (aborting the upstream request)
   * @param options - see `DataStreamOptions`
   * @throws {TypeError} when the source is of no supported kind or an option is invalid (`events`
   *   that is not a `defineEvents` result, or `serialize` beside it)
   */
  constructor(source: Source<StreamItem<Events>>, options?: DataStreamOptions<Events>) {
    checkSource(source);
    this.#source = source as Source;
    const given = options as DataStreamOptions<TypedEventsLike | undefined> | undefined;
    this.#options = resolveOptions(given);
    this.#signal = streamSignal(given);
    this.#lastEventId = streamLastEventId(given);
  }

  /**
   * Same as `new DataStream(source, options)`.
   *
   * @example Wrap a ReadableStream of items
   * ```ts
   * import { DataStream } from "edge-sse";
   *
   * const items = new ReadableStream({ start(c) { c.enqueue("a"); c.close(); } });
   * const text = await DataStream.from(items).toResponse().text();
   * console.assert(text === ":\n\ndata: a\n\n");
   * ```
   */
  static from<Events extends TypedEventsLike | undefined = undefined>(
    source: Source<StreamItem<Events>>,
    options?: DataStreamOptions<Events>,
  ): DataStream<Events> {
    return new DataStream<Events>(source, options);
  }

  /**
   * The event stream as bytes. A `DataStream` is read once.
   *
   * @throws {TypeError} when this stream was already turned into a body
   * @example
   * ```ts
   * import { DataStream } from "edge-sse";
   *
   * const bytes = new DataStream(["x"], { keepAlive: false }).toReadableStream();
   * console.assert((await new Response(bytes).text()) === ":\n\ndata: x\n\n");
   * ```
   */
  toReadableStream(): ReadableStream<Uint8Array> {
    if (this.#consumed) {
      throw new TypeError("Cannot read DataStream twice: it is already a body; make a new DataStream per response");
    }
    this.#consumed = true;
    return createEventStream(this.#source, this.#options, this.#signal, this.#lastEventId);
  }

  /**
   * The event stream as a `Response`: status 200 and the event-stream headers (`content-type:
   * text/event-stream; charset=utf-8`, `cache-control: no-cache, no-transform`, `x-accel-buffering:
   * no`), then `options.headers`, then `init.headers`, each over the one before.
   *
   * Every `set-cookie` value of both header sets is kept. `init` is checked before the body is made:
   * when it is refused, nothing has started and this `DataStream` can still be turned into a body.
   *
   * @param init - merged over the defaults
   * @throws {TypeError} when this stream was already turned into a body, a header is hop-by-hop, or
   * `init.status` or `init.statusText` cannot go with a body (`204`, `304`, `600`, a line break, …)
   * @example
   * ```ts
   * import { DataStream } from "edge-sse";
   *
   * const response = new DataStream(["hi"]).toResponse({ headers: { "x-app": "demo" } });
   * console.assert(response.headers.get("content-type") === "text/event-stream; charset=utf-8");
   * console.assert(response.headers.get("x-app") === "demo");
   * ```
   */
  toResponse(init?: ResponseInit): Response {
    const checked = checkResponseInit(init);
    const given = init?.headers;
    const headers =
      given === undefined
        ? this.#options.headers
        : mergeHeaderSet(MAKE_RESPONSE, "init.headers", this.#options.headers, given);
    // The whole init is made before the body, so that a getter that throws leaves this stream unread.
    const responseInit: ResponseInit = { ...init, ...checked, headers };
    return new Response(this.toReadableStream(), responseInit);
  }
}

function checkSource(source: unknown): void {
  if (typeof source === "function" || (isPullSource(source) && !isText(source))) return;
  const hint = isText(source)
    ? `; wrap it: [${describeValue(String(source))}]`
    : typeof Response === "function" && source instanceof Response
      ? "; relay a Response with subscribe(response) from edge-sse/client"
      : "";
  throw new TypeError(
    `${CREATE_DATA_STREAM}: \`source\` must be an async iterable, an iterable, a ReadableStream or a function (got ${describeValue(source)})${hint}`,
  );
}
