import type { ChannelEvent } from "../channel/types.ts";
import type { EventFields } from "../core/frame.ts";
import type { DurableObjectStateLike, HibernatableWebSocketLike } from "./types.ts";
import type { StorageBroker } from "./storage-broker.ts";
import { GAP_EVENT } from "../channel/gap-event.ts";
import { encodeIdForHeader, readResumeId } from "../channel/resume-id.ts";
import { isThenable } from "../core/check.ts";
import { describeError } from "../core/describe-value.ts";
import { readForwardedFilter } from "./forwarded-filter.ts";
import { toSocketMessages } from "./socket-frames.ts";
import { json } from "./json-response.ts";

/** The tag of the WebSockets a `ChannelObject` accepts for its subscribers; other sockets of the object are not its. */
export const SUBSCRIBER_TAG = "edge-sse-subscriber";

/** What is kept with each subscriber's socket (`serializeAttachment`), so that it survives hibernation. */
interface SubscriberAttachment {
  /** The event names the subscriber gets, or `null` for every event. */
  readonly filter: readonly string[] | null;
}

/** The pair of sockets `new WebSocketPair()` makes in workerd. */
type WebSocketPairLike = Record<0 | 1, HibernatableWebSocketLike>;
type WebSocketPairClass = new () => WebSocketPairLike;

const SUBSCRIBE = "Cannot subscribe over a WebSocket";

/**
 * The subscribers of a `ChannelObject` that hold hibernatable WebSockets instead of an event stream:
 * the object keeps no state of its own for them, so it can leave memory between publishes. What each
 * socket needs (its filter) is its attachment, and `ctx.getWebSockets()` finds the sockets again
 * after a wake-up; the history is the `StorageBroker`'s, in storage.
 */
export class SocketSubscribers {
  readonly #ctx: DurableObjectStateLike;
  readonly #broker: StorageBroker;
  readonly #retry: number | undefined;
  readonly #unsupported: string | undefined;
  /** Each socket's filter, read from its attachment once per instance of the object. */
  readonly #filters = new WeakMap<HibernatableWebSocketLike, ReadonlySet<string> | null>();

  /**
   * @param unsupported - why this object cannot serve sockets (an option they cannot honour), if it cannot
   */
  constructor(ctx: DurableObjectStateLike, broker: StorageBroker, retry: number | undefined, unsupported?: string) {
    this.#ctx = ctx;
    this.#broker = broker;
    this.#retry = retry;
    this.#unsupported = unsupported;
    broker.subscribe((event) => this.#fanOut(event));
  }

  /**
   * Answers a WebSocket upgrade: accepts the server end as hibernatable, sends the replay after the
   * request's `Last-Event-ID` (with the gap marker when the id is not held), and from then on every
   * event published. Replay and joining happen in one step, so no event is missed or sent twice.
   */
  async accept(request: Request): Promise<Response> {
    const Pair = (globalThis as { WebSocketPair?: WebSocketPairClass }).WebSocketPair;
    const { acceptWebSocket, getWebSockets } = this.#ctx;
    if (this.#unsupported !== undefined || Pair === undefined || acceptWebSocket === undefined || !getWebSockets) {
      const why =
        this.#unsupported ?? "the runtime has no hibernatable WebSockets (ctx.acceptWebSocket, WebSocketPair)";
      return json(501, { error: `${SUBSCRIBE}: ${why}` });
    }
    const filter = readForwardedFilter(request);
    if (filter === null) {
      return json(400, { error: `${SUBSCRIBE}: the \`edge-sse-filter\` header must be a JSON array of event names` });
    }
    try {
      await this.#broker.ready;
    } catch (error) {
      return json(503, {
        error: `${SUBSCRIBE}: the channel's history could not be read (${describeError(error)}); try again`,
      });
    }
    // From here to the answer, nothing awaits: no publish comes between the replay and the join.
    const lastEventId = readResumeId(request);
    const replay = lastEventId === undefined ? undefined : this.#broker.replay(lastEventId);
    if (isThenable(replay)) return json(503, { error: `${SUBSCRIBE}: the channel's history is not loaded; try again` });
    const pair = new Pair();
    const client = pair[0];
    const server = pair[1];
    const attachment: SubscriberAttachment = { filter: filter ?? null };
    server.serializeAttachment(attachment);
    acceptWebSocket.call(this.#ctx, server, [SUBSCRIBER_TAG]);
    const accepts = this.#remember(server, attachment);
    if (this.#retry !== undefined) send(server, { retry: this.#retry });
    const headers = new Headers();
    if (replay !== undefined && lastEventId !== undefined) {
      if (!replay.found) {
        const firstId = replay.events[0]?.id ?? null;
        send(server, { event: GAP_EVENT, data: JSON.stringify({ lastEventId, firstId }) });
      }
      for (const event of replay.events) if (accepts(event)) send(server, event);
      headers.set("last-event-id", encodeIdForHeader(replay.found ? lastEventId : "earliest"));
    }
    const init: ResponseInit & { webSocket: HibernatableWebSocketLike } = { status: 101, headers, webSocket: client };
    return new Response(null, init);
  }

  /** Sends a live event to every subscriber whose filter takes it. */
  #fanOut(event: ChannelEvent): void {
    const sockets = this.#ctx.getWebSockets?.call(this.#ctx, SUBSCRIBER_TAG) ?? [];
    let messages: string[] | undefined;
    for (const socket of sockets) {
      if (!this.#filterOf(socket)(event)) continue;
      messages ??= toSocketMessages(event);
      sendMessages(socket, messages);
    }
  }

  /** The socket's filter, from its attachment after a wake-up (once per instance). */
  #filterOf(socket: HibernatableWebSocketLike): (event: ChannelEvent) => boolean {
    const known = this.#filters.get(socket);
    if (known !== undefined) return matcher(known);
    const attachment = socket.deserializeAttachment() as Partial<SubscriberAttachment> | null;
    const names = attachment?.filter;
    return this.#remember(socket, { filter: Array.isArray(names) ? names : null });
  }

  #remember(socket: HibernatableWebSocketLike, attachment: SubscriberAttachment): (event: ChannelEvent) => boolean {
    const names = attachment.filter === null ? null : new Set(attachment.filter);
    this.#filters.set(socket, names);
    return matcher(names);
  }
}

function matcher(names: ReadonlySet<string> | null): (event: ChannelEvent) => boolean {
  return names === null ? () => true : (event) => names.has(event.event ?? "message");
}

/**
 * Sends one event's messages. A socket that is closing refuses them: its subscriber has left (the
 * object's `webSocketClose` follows), so there is no one to deliver to.
 */
function send(socket: HibernatableWebSocketLike, event: EventFields): void {
  sendMessages(socket, toSocketMessages(event));
}

function sendMessages(socket: HibernatableWebSocketLike, messages: readonly string[]): void {
  try {
    for (const message of messages) socket.send(message);
  } catch {
    // The subscriber has left; see above.
  }
}
