import type { ChannelBroker, ChannelFilter, ChannelStreamOptions, ChannelsOptions, DrainOptions } from "./types.ts";
import type { DataStream } from "../core/data-stream.ts";
import type { TypedEventsLike } from "../events/event-types.ts";
import type { StreamItem } from "../core/types.ts";
import { describeValue } from "../core/describe-value.ts";
import { capsOf, Channel, DEFAULT_DRAIN_RETRY_MS, headOf, useOf } from "./channel.ts";
import { SubscriberCap } from "./subscriber-cap.ts";
import { unavailable } from "./unavailable.ts";
import { DEFAULT_RETRY_HINT_MS, retryLater } from "./retry-later.ts";
import { MemoryBroker } from "./memory-broker.ts";
import {
  checkBroker,
  checkChannelsOptions,
  checkDrainOptions,
  checkStreamOptions,
  CREATE_CHANNELS,
  SUBSCRIBE,
} from "./channel-options.ts";
import { PUBLISH, prepareEvent, publishRules, type PublishRules } from "./publishable-event.ts";
import { channelSource, checkPicks, checkSeveralOptions, type SeveralChannelsOptions } from "./several-channels.ts";
import { fanIn } from "./fan-in.ts";

/**
 * Channels made on demand by name (one per user, per document, per run) and released as soon as
 * nothing uses them: no subscriber's stream (running, replaying, or made and not read yet), no
 * publish in flight. A process that sees 100,000 names over a day keeps only those in use.
 *
 * Each channel gets the registry's options, and its broker from `broker(name)`. A released channel
 * asked for again is made anew, from a new broker: one that keeps its history outside (Redis, with
 * a key per name) replays it exactly; the default `MemoryBroker` per name loses it on release, and a
 * client resuming then gets the gap marker.
 *
 * A publish to a name that has no channel goes straight to `broker(name)`, without making a channel
 * (whose live feed nobody would read), checked and encoded as that channel would (`events`,
 * `serialize`, `maxQueue`, `eventIds`). Given an event map (`events`), the registry is typed by it as
 * each of its channels is: `publish(name, item)` takes the map's items.
 *
 * @example A channel per user, released when the user's last tab leaves
 * ```ts
 * import { Channels } from "edge-sse/channel";
 *
 * const inboxes = new Channels({ history: { maxEvents: 100 } });
 *
 * const response = await inboxes.response("user-42", { keepAlive: false });
 * const reader = response.body!.getReader();
 * await reader.read(); // the first bytes: the stream has joined
 * await inboxes.publish("user-42", "you have mail");
 * const text = new TextDecoder().decode((await reader.read()).value);
 * console.assert(text.includes("data: you have mail"));
 * await reader.cancel();
 * console.assert(inboxes.size === 0); // nobody listens any more: released
 * ```
 */
export class Channels<Events extends TypedEventsLike | undefined = undefined> {
  readonly #options: ChannelsOptions<Events>;
  /** How a publish to a name with no channel in use is checked and encoded: as its channel would. */
  readonly #rules: PublishRules;
  readonly #channels = new Map<string, Channel<Events>>();
  /** Channels released and still closing (their broker's unsubscribe): `close()` waits for them. */
  readonly #closing = new Set<Promise<void>>();
  #closed = false;
  /** The bound on the subscribers of all channels together, with `maxSubscribers`. */
  readonly #cap: SubscriberCap | undefined;
  /** Set once `drain()` is called: the reconnection delay it asks for. */
  #drainRetry: number | undefined;
  #draining: Promise<void> | undefined;

  /**
   * @param options - see `ChannelsOptions`
   * @throws {TypeError} when an option is invalid
   */
  constructor(options: ChannelsOptions<Events> = {}) {
    checkChannelsOptions(options);
    this.#options = options;
    this.#rules = publishRules(options, CREATE_CHANNELS);
    const max = options.maxSubscribers;
    this.#cap = max === undefined ? undefined : new SubscriberCap(max, "the channels have", "maxSubscribers");
  }

  /** How many channels are in use now. */
  get size(): number {
    return this.#channels.size;
  }

  /** Whether the channel called `name` is in use now. */
  has(name: string): boolean {
    return this.#channels.has(name);
  }

  /**
   * Publishes one item on the channel called `name`, as `channel.publish(item)` does; with no
   * channel of that name in use, straight to `broker(name)`, after the same checks and encoding
   * (the event map's, `maxQueue`'s, the reserved names, an `eventIds` codec's).
   *
   * @returns the event's id
   * @throws {TypeError} (as a rejection) when `name` is not a string, the registry is closed, or
   *   the item is refused (see `channel.publish()`)
   * @example
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const documents = new Channels();
   * const id = await documents.publish("doc-7", { edit: "title" });
   * console.assert(typeof id === "string" && documents.size === 0);
   * ```
   */
  publish(name: string, item: StreamItem<Events>): Promise<string> {
    try {
      this.#check(name, PUBLISH);
      const channel = this.#channels.get(name);
      if (channel !== undefined) return channel.publish(item);
      const { init, encodable } = prepareEvent(item, this.#rules);
      if (encodable === undefined) return Promise.resolve(this.#broker(name, PUBLISH).publish(init));
      return encodable.then(() => this.#broker(name, PUBLISH).publish(init));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The stream of one subscriber of the channel called `name` (made if it is not in use), as
   * `channel.stream(options)` gives it. The channel stays in use until that stream ends; a stream
   * made and dropped unread holds it until the stream is garbage collected.
   *
   * @throws {TypeError} (as a rejection) when `name` is not a string, the registry is closed, an
   *   option is invalid, or `broker(name)` gives no broker
   * @example
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const runs = new Channels();
   * const stream = await runs.stream("run-1", { filter: "progress", keepAlive: false });
   * const reader = stream.toReadableStream().getReader();
   * await reader.read(); // the first bytes
   * console.assert(runs.has("run-1"));
   * await reader.cancel();
   * console.assert(!runs.has("run-1"));
   * ```
   */
  async stream(name: string, options: ChannelStreamOptions = {}): Promise<DataStream> {
    this.#check(name, SUBSCRIBE);
    const refused = this.#refusal();
    if (refused !== undefined) {
      if (this.#options.metrics !== undefined) this.#options.metrics.refused++;
      throw new TypeError(`${SUBSCRIBE}: ${refused}; retry later`);
    }
    return (this.#channels.get(name) ?? this.#make(name)).stream(options);
  }

  /**
   * Same as `(await channels.stream(name, options)).toResponse()`, except when a new subscriber is
   * turned away: `maxSubscribers` of the registry or of the channel reached gets 503 with
   * `Retry-After`; during a drain, 200 with only the drain's `retry:` hint, which `EventSource` follows.
   *
   * @example
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const rooms = new Channels();
   * const response = await rooms.response("lobby", { request: new Request("http://localhost/lobby") });
   * console.assert(response.headers.get("content-type") === "text/event-stream; charset=utf-8");
   * await response.body!.cancel();
   * ```
   */
  async response(name: string, options: ChannelStreamOptions = {}): Promise<Response> {
    const refused = this.#refusal();
    if (refused === undefined) {
      this.#check(name, SUBSCRIBE);
      return (this.#channels.get(name) ?? this.#make(name)).response(options);
    }
    if (typeof name !== "string") this.#check(name, SUBSCRIBE);
    checkStreamOptions(options);
    if (this.#options.metrics !== undefined) this.#options.metrics.refused++;
    // Draining: 200 with only a retry hint, which EventSource follows (a 503 would end it for good).
    if (this.#drainRetry !== undefined) {
      return retryLater(this.#drainRetry, this.#options.headers ?? {}, refused).toResponse();
    }
    return unavailable(refused, options.retry ?? this.#options.retry ?? DEFAULT_RETRY_HINT_MS);
  }

  /**
   * One response with the events of several of the registry's channels, resumable as one, as
   * `severalChannelsResponse` gives it: each key (1 to 16 letters, digits, `_` or `-`; at most 16)
   * names a channel by its name, or by `{ name, filter }`. Each channel is held in use, and counts
   * the stream among its subscribers (and the registry's `maxSubscribers`), until the stream ends.
   *
   * @throws {TypeError} (as a rejection) naming `channels` when there are none, more than 16, or a bad key; or an invalid option
   * @example A user's inbox and a document, on one connection
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const channels = new Channels();
   * const response = await channels.responseMany({ inbox: "user-42", doc: { name: "doc-7", filter: "edit" } }, { keepAlive: false });
   * const reader = response.body!.getReader();
   * let text = "";
   * while (!text.includes("id: ")) text += new TextDecoder().decode((await reader.read()).value); // joined both
   * await channels.publish("user-42", "you have mail");
   * while (!text.includes("you have mail")) text += new TextDecoder().decode((await reader.read()).value);
   * console.assert(text.includes("id: 1;inbox="));
   * await reader.cancel();
   * ```
   */
  responseMany(
    channels: Readonly<Record<string, string | { readonly name: string; readonly filter?: ChannelFilter | undefined }>>,
    options: SeveralChannelsOptions = {},
  ): Promise<Response> {
    try {
      const picks = checkPicks(channels, (value) => typeof value === "string", "name");
      checkSeveralOptions(options);
      const sources = picks.map(([key, pick]) => {
        const { name, filter } = typeof pick === "string" ? { name: pick, filter: undefined } : pick;
        this.#check(name, SUBSCRIBE);
        const head = (): Promise<string | undefined> => headOf(this.#channels.get(name) ?? this.#make(name));
        return channelSource(key, (stream) => this.response(name, stream), head, filter, options);
      });
      return fanIn(sources, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Drains every channel in use (see `channel.drain()`): each subscriber is told to reconnect in
   * `retry` ms and its stream ends within `timeout`, losing nothing; `response()` answers new
   * subscribers 200 with only that `retry:` hint (`stream()` rejects). Then the registry is closed. Later calls return the first
   * call's promise.
   *
   * @throws {TypeError} when an option is invalid
   * @example
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const rooms = new Channels();
   * const reader = (await rooms.response("lobby", { keepAlive: false })).body!.getReader();
   * await reader.read(); // the first bytes: it has joined
   * const drained = rooms.drain({ timeout: 50 });
   * console.assert((await (await rooms.response("lobby")).text()).includes("retry: 1000"));
   * while (!(await reader.read()).done);
   * await drained;
   * ```
   */
  drain(options: DrainOptions = {}): Promise<void> {
    checkDrainOptions(options, "Cannot drain channels");
    if (this.#draining !== undefined) return this.#draining;
    this.#drainRetry = options.retry ?? DEFAULT_DRAIN_RETRY_MS;
    const drains = [...this.#channels.values()].map((channel) => channel.drain(options));
    this.#draining = Promise.all(drains).then(() => this.close());
    return this.#draining;
  }

  /** Why a new subscriber is turned away now (a drain, or `maxSubscribers`); `undefined` when it is not. */
  #refusal(): string | undefined {
    if (this.#drainRetry !== undefined) return "the channels are draining";
    return this.#cap?.refusal;
  }

  /**
   * Closes every channel in use (their subscribers' streams end with `"done"`) and waits until
   * every channel released so far has stopped its broker's live feed. Later calls of `publish` and
   * `stream` reject with a `TypeError`.
   *
   * @example
   * ```ts
   * import { Channels } from "edge-sse/channel";
   *
   * const channels = new Channels();
   * await channels.close();
   * const refused = await channels.publish("a", "late").then(() => false, (error) => error instanceof TypeError);
   * console.assert(refused);
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const name of [...this.#channels.keys()]) this.#release(name);
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  /** @throws {TypeError} when `name` is not a string or the registry is closed */
  #check(name: unknown, context: string): void {
    if (typeof name !== "string") {
      throw new TypeError(`${context}: \`name\` must be a string, the channel's name (got ${describeValue(name)})`);
    }
    if (this.#closed) throw new TypeError(`${context}: the channels are closed`);
  }

  /** The broker `broker(name)` makes, checked. */
  #broker(name: string, context: string): ChannelBroker {
    const make = this.#options.broker;
    if (make === undefined) return new MemoryBroker({ history: this.#options.history });
    const broker = make(name);
    checkBroker(`broker(${describeValue(name)})`, broker, context);
    return broker;
  }

  /** Makes the channel called `name`, to be released when nothing uses it any more. */
  #make(name: string): Channel<Events> {
    const {
      broker: _broker,
      history: _history,
      maxSubscribers: _total,
      maxSubscribersPerChannel,
      onJoin,
      onLeave,
      onError,
      ...shared
    } = this.#options;
    const channel = new Channel<Events>({
      ...shared,
      broker: this.#broker(name, SUBSCRIBE),
      onJoin: onJoin && ((subscriber) => onJoin(subscriber, name)),
      onLeave: onLeave && ((subscriber, reason) => onLeave(subscriber, reason, name)),
      onError: onError && ((error) => onError(error, name)),
      maxSubscribers: maxSubscribersPerChannel,
    });
    if (this.#cap !== undefined) capsOf(channel).push(this.#cap);
    useOf(channel).onIdle = () => {
      if (this.#channels.get(name) === channel) this.#release(name);
    };
    this.#channels.set(name, channel);
    return channel;
  }

  /**
   * Takes the channel out of the registry at once (whoever asks for its name next gets a new one),
   * then closes it.
   */
  #release(name: string): void {
    const channel = this.#channels.get(name)!;
    this.#channels.delete(name);
    const closing = channel
      .close()
      .catch((error: unknown) => this.#report(error, name))
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  #report(error: unknown, name: string): void {
    const onError = this.#options.onError;
    try {
      if (onError === undefined) console.error(`edge-sse: channel ${describeValue(name)} failed to close`, error);
      else onError(error, name);
    } catch {
      // Nowhere left to report it.
    }
  }
}
