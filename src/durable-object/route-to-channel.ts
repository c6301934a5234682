import type { DurableObjectNamespaceLike, DurableObjectStubLike } from "./types.ts";
import type { Message } from "../core/message.ts";
import { describeValue } from "../core/describe-value.ts";
import { checkFunction, checkInstant, checkKeepAlive, checkKeys, refusal } from "../core/check.ts";
import { setForwardedExpiry } from "./forwarded-expiry.ts";
import { RESUME_HEADER } from "./forwarded-resume.ts";
import { checkFilterNames, setForwardedFilter } from "./forwarded-filter.ts";
import { streamOverWebSocket } from "./socket-stream.ts";

const CONTEXT = "Cannot route to channel";
const OPTION_KEYS: ReadonlySet<string> = new Set([
  "expiresAt",
  "filter",
  "hibernate",
  "keepAlive",
  "maxQueue",
  "onError",
]);
/** The Worker's stream's `highWaterMark` (DataStream's default), the least `maxQueue` may be. */
const HIGH_WATER_MARK = 65_536;

/** Options of `routeToChannel`. */
export interface RouteOptions {
  /**
   * When a subscriber's stream ends (the `validUntil` of the token the Worker verified), in
   * milliseconds since the epoch or as a `Date`: the object's stream then sends `EXPIRED_EVENT` and
   * closes with reason `"expired"`. Forwarded in the `edge-sse-expires-at` header.
   * @default none: the stream does not expire
   */
  readonly expiresAt?: number | Date | undefined;
  /**
   * Which events a subscriber gets: an event name or a non-empty list of names (at most 1024
   * characters as JSON), matched against each event's type (`message` when it has none). The gap
   * marker is sent whatever the filter. Forwarded in the `edge-sse-filter` header.
   * @default every event
   */
  readonly filter?: string | readonly string[] | undefined;
  /**
   * Subscribe over a hibernatable WebSocket (a `GET`): this Worker holds the event stream, and the
   * object sends it each event over a WebSocket it accepted with `ctx.acceptWebSocket`, so the object
   * can leave memory between publishes while its subscribers stay connected. The channel's
   * `maxSubscribers`, `drain()`, `close()` and `maxLifetime` end or refuse these streams as they do the
   * object's own (the lifetime is kept here, drawn by the object). Other methods are forwarded as without it.
   * @default false: the object holds the event stream, and stays in memory while it is open
   */
  readonly hibernate?: boolean | undefined;
  /**
   * With `hibernate`: the keep-alive of the Worker's event stream, in milliseconds, or `false`.
   * Without it, the object's stream has the channel's (`channelOptions()`).
   * @default 5000
   */
  readonly keepAlive?: number | false | undefined;
  /**
   * With `hibernate`: past this many UTF-16 code units of frames unread in the Worker's stream (at
   * least 65536), it closes with reason `"overflow"`, and the socket with it; the client reconnects
   * and resumes after the last event it got. A WebSocket cannot be paused, so a slow client of a fast
   * channel, or a long replay, fills this queue: give room for the largest replay you keep.
   * @default 1048576
   */
  readonly maxQueue?: number | undefined;
  /**
   * With `hibernate`: called once when the Worker's stream ends on an error, such as a malformed
   * frame from the object (a `TypeError` that says what was wrong) or a failed socket. The stream
   * ends, and the client reconnects with its `Last-Event-ID`. Nothing of the error reaches the client
   * unless this returns a `Message`, sent as the stream's last event (as `DataStreamOptions.onError`).
   * @default logs the error with console.error
   */
  readonly onError?: ((error: unknown) => Message | void) | undefined;
}

/**
 * Forwards a request to the Durable Object that owns the channel `name`: the same name always
 * reaches the same object, wherever the request arrives. Use it in the Worker, after deciding who
 * may subscribe or publish.
 *
 * The object takes the `edge-sse-expires-at` and `edge-sse-filter` headers as the Worker's word, so
 * this sets them from `options.expiresAt` and `options.filter` and removes those the client sent: a
 * client cannot choose its own expiry or filter. Without `hibernate`, a client's `Upgrade` header is
 * removed too: the object answers with its event stream.
 *
 * With `hibernate: true`, a `GET` is answered by an event stream of this Worker, fed over a
 * hibernatable WebSocket that the object accepts: the object keeps nothing in memory for it and can be
 * evicted between publishes. The stream ends when the socket closes or fails, and the socket closes
 * when the stream ends (the client left, `expiresAt`, an overflow); a malformed frame ends the stream
 * through `onError`. The object's refusals (such as 503 over `maxSubscribers`) are answered as they are.
 *
 * @param request - the request to forward, as is (method, headers such as `Last-Event-ID`, URL, body)
 * @param namespace - the binding of a `ChannelObject` class (`env.CHANNELS`)
 * @param name - the channel's name, a non-empty string
 * @param options - `expiresAt`, `filter`, and `hibernate` with the options of the Worker's stream (see `RouteOptions`)
 * @returns the object's response; with `hibernate`, for a `GET`, this Worker's event stream (or the object's refusal)
 * @throws {TypeError} when `request` is not a request, `namespace` not a Durable Object namespace, `name` not a
 *   non-empty string, or an option is invalid (`keepAlive`, `maxQueue` or `onError` without `hibernate` among them)
 * @example One channel per path: `/rooms/:room`
 * ```ts ignore
 * import { routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * export default {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Response | Promise<Response> {
 *     const match = /^\/rooms\/([\w-]+)$/.exec(new URL(request.url).pathname);
 *     if (match === null) return new Response("Not found", { status: 404 });
 *     return routeToChannel(request, env.CHANNELS, match[1]!);
 *   },
 * };
 * ```
 * @example An object that hibernates: the Worker holds the streams (a ping every 15 s) and gets only `chat` events
 * ```ts
 * import { routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * const worker = {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Promise<Response> {
 *     return routeToChannel(request, env.CHANNELS, "lobby", { hibernate: true, keepAlive: 15_000, filter: "chat" });
 *   },
 * };
 * // Options of the Worker's stream need `hibernate`: the object's own stream has the channel's.
 * const noStub: DurableObjectNamespaceLike = { idFromName: () => 0, get: () => ({ fetch: async () => new Response() }) };
 * let refused = "";
 * try {
 *   routeToChannel(new Request("http://localhost/"), noStub, "lobby", { keepAlive: 15_000 });
 * } catch (error) {
 *   refused = (error as TypeError).message;
 * }
 * console.assert(typeof worker.fetch === "function" && refused.includes("`keepAlive` must come with `hibernate: true`"));
 * ```
 */
export function routeToChannel<Id>(
  request: Request,
  namespace: DurableObjectNamespaceLike<Id>,
  name: string,
  options: RouteOptions = {},
): Promise<Response> {
  const { url, method } = (request ?? {}) as Partial<Request>;
  if (typeof request !== "object" || typeof url !== "string" || typeof method !== "string") {
    throw new TypeError(`${CONTEXT}: \`request\` must be a Request (got ${describeValue(request)})`);
  }
  checkNamespace(namespace, CONTEXT);
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${CONTEXT}: \`name\` must be a non-empty string (got ${describeValue(name)})`);
  }
  checkKeys(options, OPTION_KEYS, CONTEXT);
  const expiresAt = checkInstant("expiresAt", options.expiresAt, CONTEXT);
  const filter = checkFilterNames(options.filter, CONTEXT);
  const { hibernate = false, keepAlive, maxQueue, onError } = options;
  if (typeof hibernate !== "boolean") {
    throw new TypeError(`${CONTEXT}: \`hibernate\` must be a boolean (got ${describeValue(hibernate)})`);
  }
  checkKeepAlive(keepAlive, CONTEXT);
  checkFunction("onError", onError, CONTEXT);
  if (maxQueue !== undefined && !(typeof maxQueue === "number" && maxQueue >= HIGH_WATER_MARK && maxQueue < Infinity)) {
    throw refusal(CONTEXT, "maxQueue", `a number of code units >= ${HIGH_WATER_MARK}`, maxQueue);
  }
  // These set the Worker's stream, which only `hibernate` makes: without it, they would do nothing.
  const [workerOption] = (["keepAlive", "maxQueue", "onError"] as const).filter((key) => options[key] !== undefined);
  if (!hibernate && workerOption !== undefined) {
    throw new TypeError(
      `${CONTEXT}: \`${workerOption}\` must come with \`hibernate: true\`, which makes the Worker's stream it sets ` +
        `(got ${describeValue(options[workerOption])}); without it, set the channel's options in channelOptions()`,
    );
  }
  const stub = namespace.get(namespace.idFromName(name));
  if (hibernate && request.method === "GET") {
    return streamOverWebSocket(request, stub, { expiresAt, filter, keepAlive, maxQueue, onError });
  }
  const headers = new Headers(request.headers);
  setForwardedExpiry(headers, expiresAt);
  setForwardedFilter(headers, filter);
  headers.delete(RESUME_HEADER); // only routeToChannels asks for it
  // The object answers an upgrade with a socket of its frames: only `hibernate` asks for one.
  headers.delete("upgrade");
  return forward(request, headers, stub);
}

/** @throws {TypeError} when `namespace` is not a Durable Object namespace */
export function checkNamespace(namespace: unknown, context: string): void {
  const methods = namespace as Partial<DurableObjectNamespaceLike<unknown>> | null | undefined;
  if (typeof methods?.idFromName !== "function" || typeof methods.get !== "function") {
    throw new TypeError(
      `${context}: \`namespace\` must be a Durable Object namespace with idFromName and get (got ` +
        `${describeValue(namespace)}); bind the class under [[durable_objects.bindings]] in wrangler.toml and ` +
        `pass env.<NAME>`,
    );
  }
}

/**
 * Forwards `request` (with `headers`) to `stub`, its body read through this Worker, chunk by chunk as the object asks for
 * it, and cancels what is left of the body once the object has answered (before the response goes
 * out). An object that refuses a body answers before reading all of it; forwarded as is, the body
 * would go on being pumped to it after the response, and workerd would log "Can't read from request
 * stream after response has been sent".
 */
async function forward(request: Request, headers: Headers, stub: DurableObjectStubLike): Promise<Response> {
  const body = request.body;
  if (body === null) return stub.fetch(new Request(request, { headers }));
  const source = body.getReader();
  let answered = false;
  const piped = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (answered) return controller.close(); // Never read the body after the response.
        const { done, value } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  const init: RequestInit & { duplex: "half" } = { body: piped, duplex: "half", headers };
  try {
    return await stub.fetch(new Request(request, init));
  } finally {
    // Before the response goes out: the body can be cancelled now, and read no more.
    answered = true;
    source.cancel(new Error("The channel's object has answered: the rest of the body is not needed")).catch(() => {});
  }
}
