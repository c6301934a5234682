import type { ChannelOptions, HistoryLimits } from "../channel/types.ts";
import type { DurableObjectStateLike, HibernatableWebSocketLike } from "./types.ts";
import type { Channel } from "../channel/channel.ts";
import { Message } from "../core/message.ts";
import { describeValue } from "../core/describe-value.ts";
import { StorageBroker } from "./storage-broker.ts";
import { discardBody, readPublishBody } from "./publish-body.ts";
import { PUBLISH } from "../channel/publishable-event.ts";
import { EXPIRES_AT_HEADER, readForwardedExpiry } from "./forwarded-expiry.ts";
import { headHeader, readForwardedResume, RESUME_HEADER } from "./forwarded-resume.ts";
import { json } from "./json-response.ts";
import { readForwardedFilter } from "./forwarded-filter.ts";
import { SocketSubscribers } from "./socket-subscribers.ts";
import { ObjectChannel } from "./object-channel.ts";
import { closeQuietly } from "./socket-send.ts";
import { capsOf, headOf } from "../channel/channel.ts";

/** Options of a `ChannelObject`: the channel's options, a stored history's bounds, and a body limit. */
export interface ChannelObjectOptions extends Omit<ChannelOptions, "broker" | "history"> {
  /** Bounds of the history kept in the object's storage. @default { maxEvents: 1000 } */
  readonly history?: HistoryLimits | undefined;
  /** The largest POST body taken, in bytes; a larger one gets 413. @default 65536 */
  readonly maxBodyBytes?: number | undefined;
}

/** The default `maxBodyBytes`: an event this big still fits one value of key-value Durable Object storage (128 KiB). */
const DEFAULT_MAX_BODY_BYTES = 65_536;
const CONTEXT = "Cannot create ChannelObject";

/**
 * A Durable Object that owns one `Channel`, with the channel's history in the object's storage: a
 * new instance of the object (after an eviction or a deploy) replays the same events, and ids keep
 * counting up. Give each channel a name and route its requests to the object of that name
 * (`routeToChannel`); the object answers:
 *
 * - `GET` with `Upgrade: websocket` (what `routeToChannel(…, { hibernate: true })` sends): a
 *   hibernatable WebSocket (`ctx.acceptWebSocket`) that gets the replay after the request's
 *   `Last-Event-ID`, then every event published, as JSON frames the Worker turns into its own event
 *   stream. The object keeps nothing in memory for it (its filter is the socket's attachment), so it
 *   can be evicted between publishes while the socket stays open. The channel's `maxSubscribers`
 *   (sockets and streams counted together), `drain()`, `close()`, `maxLifetime` (kept by the
 *   Worker's stream), `onJoin`, `onLeave`, `metrics` and `eventIds` apply to it as to a stream.
 * - `GET`: the event stream (`channel.response({ request })`). A `Last-Event-ID` header, or a
 *   `lastEventId` query parameter, replays what the client missed; see `GAP_EVENT`. The stream ends
 *   at the `expiresAt` given to `routeToChannel` (the `edge-sse-expires-at` header): it sends
 *   `EXPIRED_EVENT` and closes with reason `"expired"`. A header that is not digits gets `400`.
 * - `POST`: publishes one event, once `authorizePublish` allows it. A JSON body (`content-type: application/json`) is
 *   `{ "data": string | other JSON value, "event"?: string, "id"?: string }`: string data is sent as
 *   is, other values as their JSON text. A text body (`content-type: text/plain`) is the data. The
 *   answer is `201` with `{ "id": "<the event's id>" }`; a bad body gets `400`, `413` or `415`
 *   with `{ "error": "<why>" }`, and so does an event the channel refuses (`400`: the gap marker's
 *   name, an id the history holds or made of digits only, an event too large for the bounds); a
 *   failure of the object's storage gets `503` (reported to the channel's `onError`). A refused body
 *   is read no further than `maxBodyBytes`.
 * - `GET` from `routeToChannels` (a stream of several channels): with header `edge-sse-resume: head`,
 *   the stream joins after the newest event (its id in the answer's `edge-sse-head` header); with
 *   `edge-sse-resume: start`, it replays every event held.
 * - anything else: `405` with an `Allow: GET, POST` header.
 *
 * Only the Worker reaches the object (through its binding), so the Worker decides who may subscribe
 * or publish, before routing (see `authorize` in `edge-sse/tokens`), and the object takes the
 * `edge-sse-expires-at` header as the Worker's word (`routeToChannel` sets it, and removes one the
 * client sent). To check publishes in the object as well, override `authorizePublish`. To set the
 * channel's options, override `channelOptions`. An open stream keeps the object in memory, as every
 * request in progress does; a hibernatable WebSocket does not.
 *
 * Bind the class in wrangler.toml:
 * ```toml
 * [[durable_objects.bindings]]
 * name = "CHANNELS"
 * class_name = "Channels"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["Channels"]
 * ```
 *
 * @example A Worker with one channel per path
 * ```ts ignore
 * import { ChannelObject, routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * export class Channels extends ChannelObject {}
 *
 * export default {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Promise<Response> {
 *     const room = new URL(request.url).pathname.slice(1) || "lobby";
 *     return routeToChannel(request, env.CHANNELS, room);
 *   },
 * };
 * ```
 */
export class ChannelObject<Env = unknown> {
  /** The object's channel: publish to it from methods of your own too. */
  readonly channel: Channel;
  /** The object's state, as the runtime gave it. */
  protected readonly ctx: DurableObjectStateLike;
  /** The Worker's bindings, as the runtime gave them. */
  protected readonly env: Env;
  readonly #maxBodyBytes: number;
  readonly #onError: (error: unknown) => void;
  readonly #sockets: SocketSubscribers;

  /**
   * Called by the runtime. Loads the stored history before the object takes any request.
   *
   * @throws {TypeError} when `channelOptions` returns an invalid option
   */
  constructor(ctx: DurableObjectStateLike, env: Env) {
    this.ctx = ctx;
    this.env = env;
    const options: unknown = this.channelOptions(env);
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`${CONTEXT}: \`channelOptions()\` must return an object (got ${describeValue(options)})`);
    }
    const { history, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, ...channelOptions } = options as ChannelObjectOptions;
    if (typeof maxBodyBytes !== "number" || !Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new TypeError(
        `${CONTEXT}: \`maxBodyBytes\` must be a positive integer (got ${describeValue(maxBodyBytes)})`,
      );
    }
    this.#maxBodyBytes = maxBodyBytes;
    this.#onError = channelOptions.onError ?? logError;
    const broker = new StorageBroker(ctx.storage, { history });
    void ctx.blockConcurrencyWhile(() => broker.ready);
    const { retry, maxLifetime, metrics, onJoin, onLeave, eventIds } = channelOptions;
    const onError = channelOptions.onError;
    const report = (error: unknown): void => {
      try {
        (onError ?? logHookError)(error);
      } catch (thrown) {
        console.error("edge-sse/durable-object: the channel's onError threw while reporting", error, thrown);
      }
    };
    this.#sockets = new SocketSubscribers(ctx, broker, {
      retry,
      maxLifetime,
      metrics,
      eventIds,
      onJoin,
      onLeave,
      report,
    });
    this.channel = new ObjectChannel({ ...channelOptions, broker }, this.#sockets);
    // The channel's own bound, made first: it counts the sockets with the streams.
    const [cap] = capsOf(this.channel);
    if (channelOptions.maxSubscribers !== undefined && cap !== undefined) this.#sockets.countAgainst(cap);
  }

  /**
   * The channel's options. Override it to set them; it is called once, from the constructor, so it
   * must not read fields of a subclass (they are not set yet), but `env` is there.
   *
   * @param env - the Worker's bindings
   * @returns the options
   * @example A history of 100 events for at most an hour, and a ping every 15 s
   * ```ts ignore
   * import { ChannelObject, type ChannelObjectOptions } from "edge-sse/durable-object";
   *
   * export class Channels extends ChannelObject {
   *   protected override channelOptions(): ChannelObjectOptions {
   *     return { history: { maxEvents: 100, maxAge: 3_600_000 }, keepAlive: 15_000 };
   *   }
   * }
   * ```
   */
  protected channelOptions(env: Env): ChannelObjectOptions {
    void env;
    return {};
  }

  /**
   * Decides whether a `POST` may publish, before its body is read: return a `Response` to send instead
   * (a bare 403, say), or nothing to publish. Override it; by default every `POST` publishes, since the
   * Worker decided before routing.
   *
   * @param request - the `POST` the Worker forwarded
   * @returns a refusal, or `undefined` to publish
   * @example Publish only requests the Worker marked with a header of its own
   * ```ts ignore
   * import { ChannelObject } from "edge-sse/durable-object";
   *
   * export class Channels extends ChannelObject {
   *   protected override authorizePublish(request: Request): Response | undefined {
   *     if (request.headers.get("x-may-publish") !== "yes") return new Response("Forbidden\n", { status: 403 });
   *   }
   * }
   * ```
   */
  protected authorizePublish(request: Request): Response | undefined | Promise<Response | undefined> {
    void request;
    return undefined;
  }

  /**
   * Answers one request: GET subscribes, POST publishes, anything else is `405`.
   *
   * @param request - the request the Worker forwarded
   * @returns the event stream, the new event's id, or an error
   */
  async fetch(request: Request): Promise<Response> {
    if (request.method === "GET") {
      const upgrade = request.headers.get("upgrade");
      return upgrade?.toLowerCase() === "websocket" ? this.#sockets.accept(request) : this.#subscribe(request);
    }
    if (request.method === "POST") {
      const refusal = await this.authorizePublish(request);
      if (refusal === undefined) return this.#publish(request);
      await discardBody(request.body, this.#maxBodyBytes);
      return refusal;
    }
    await discardBody(request.body, this.#maxBodyBytes);
    return json(
      405,
      { error: `Cannot ${request.method} a channel: GET subscribes, POST publishes` },
      { allow: "GET, POST" },
    );
  }

  /**
   * Called by the runtime with a message from a subscriber's WebSocket. The Worker sends none (the
   * socket carries events one way), so the socket is closed with code 1003; override it to use the
   * object's own sockets (accepted with tags of your own).
   *
   * @param socket - the socket the message came on
   * @param message - the message
   * @example Nothing to call: the runtime does
   * ```ts ignore
   * import { ChannelObject } from "edge-sse/durable-object";
   *
   * export class Channels extends ChannelObject {} // webSocketMessage, webSocketClose and webSocketError come with it
   * ```
   */
  webSocketMessage(socket: HibernatableWebSocketLike, message: string | ArrayBuffer): void {
    void message;
    closeQuietly(socket, 1003, "the channel takes no messages on a subscriber's socket");
  }

  /**
   * Called by the runtime when a subscriber's WebSocket has closed (its client left, and the Worker
   * closed it): the object answers the close, and the socket leaves `ctx.getWebSockets()`; the
   * channel's `onLeave` is called with the reason the Worker gave. Call `super.webSocketClose` from an override.
   *
   * @param socket - the socket that closed
   * @param code - the close code the Worker sent
   * @param reason - the reason the Worker sent
   * @example Nothing to call: the runtime does
   * ```ts ignore
   * import { ChannelObject } from "edge-sse/durable-object";
   *
   * export class Channels extends ChannelObject {}
   * ```
   */
  webSocketClose(socket: HibernatableWebSocketLike, code: number, reason: string): void {
    closeQuietly(socket, 1000, "the subscriber has left");
    this.#sockets.closed(socket, code, reason);
  }

  /**
   * Called by the runtime when a subscriber's WebSocket failed: it is closed, and its Worker ends the
   * event stream, so that the client reconnects with its `Last-Event-ID`; `onLeave` gets reason `"error"`.
   *
   * @param socket - the socket that failed
   * @param error - why
   * @example Nothing to call: the runtime does
   * ```ts ignore
   * import { ChannelObject } from "edge-sse/durable-object";
   *
   * export class Channels extends ChannelObject {}
   * ```
   */
  webSocketError(socket: HibernatableWebSocketLike, error: unknown): void {
    void error;
    closeQuietly(socket, 1011, "the subscriber's socket failed");
    this.#sockets.closed(socket, 1011, "");
  }

  #subscribe(request: Request): Promise<Response> | Response {
    const expiresAt = readForwardedExpiry(request);
    if (expiresAt === null) {
      return json(400, {
        error: `Cannot subscribe: the \`${EXPIRES_AT_HEADER}\` header must be milliseconds since the epoch`,
      });
    }
    const filter = readForwardedFilter(request);
    if (filter === null) {
      return json(400, {
        error: `Cannot subscribe: the \`edge-sse-filter\` header must be a JSON array of event names`,
      });
    }
    const resume = readForwardedResume(request);
    if (resume === null) {
      return json(400, { error: `Cannot subscribe: the \`${RESUME_HEADER}\` header must be "head" or "start"` });
    }
    if (resume === undefined) return this.channel.response({ request, expiresAt, filter });
    return this.#joinSeveral(request, resume, expiresAt, filter);
  }

  /** A stream of several channels (`routeToChannels`) joins this one: from its newest event, or from its oldest. */
  async #joinSeveral(
    request: Request,
    resume: "head" | "start",
    expiresAt: number | undefined,
    filter: readonly string[] | undefined,
  ): Promise<Response> {
    if (resume === "start") return this.channel.response({ request, expiresAt, filter, lastEventId: "" });
    let head: string | undefined;
    try {
      head = await headOf(this.channel);
    } catch (error) {
      this.#onError(error);
      return json(503, { error: "Cannot subscribe: the channel could not read its history; try again" });
    }
    // The empty id is never held: with no event, the stream replays every event from the start.
    return this.channel.response({ request, expiresAt, filter, lastEventId: head ?? "", headers: headHeader(head) });
  }

  async #publish(request: Request): Promise<Response> {
    const fields = await readPublishBody(request, this.#maxBodyBytes);
    if ("status" in fields) return json(fields.status, { error: fields.error });
    let id: string;
    try {
      id = await this.channel.publish(new Message(fields));
    } catch (error) {
      if (error instanceof TypeError) return json(400, { error: error.message });
      // The object's storage failed: not the publisher's fault, and worth trying again.
      this.#onError(error);
      return json(503, { error: `${PUBLISH}: the channel could not store the event; try again` });
    }
    return json(201, { id });
  }
}

function logHookError(error: unknown): void {
  console.error(
    "edge-sse/durable-object: a channel hook threw (pass onError in channelOptions() to handle this)",
    error,
  );
}

function logError(error: unknown): void {
  console.error("edge-sse/durable-object: a publish failed (pass onError in channelOptions() to handle this)", error);
}
