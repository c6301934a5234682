import { Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { ChatHistory, PRESENCE_EVENT } from "./chat-history.ts";
import type { ChatPost } from "./chat-post.ts";

/** A chat message as the room sends it on its `chat` events: a post and when the server got it. */
export interface ChatMessage extends ChatPost {
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** Options of a `ChatRoom`. */
export interface ChatRoomOptions {
  /** How many chat messages the room remembers for clients that reconnect (presence is not counted). @default 500 */
  readonly maxMessages?: number;
  /** The reconnection delay sent to each client, in milliseconds. @default 1000 */
  readonly retry?: number;
}

/**
 * A chat room on one `Channel`. Each message is a `chat` event with JSON `{ name, text, at }`; each
 * time a client joins or leaves, a `presence` event with JSON `{ online }` says how many are connected.
 * A client that reconnects gets what it missed from the channel's history, after its Last-Event-ID.
 * The history (`ChatHistory`) keeps the last messages and only the latest presence, so clients
 * coming and going never push messages out of it.
 *
 * @example
 * ```ts
 * const room = new ChatRoom();
 * const response = await room.connect(request);      // GET /chat/events
 * await room.post({ name: "ada", text: "hello" });   // POST /chat/messages
 * ```
 */
export class ChatRoom {
  readonly #channel: Channel;
  #closed = false;

  constructor(options: ChatRoomOptions = {}) {
    this.#channel = new Channel({
      broker: new ChatHistory(options.maxMessages ?? 500),
      retry: options.retry ?? 1_000,
      onJoin: () => this.#announcePresence(),
      onLeave: () => this.#announcePresence(),
    });
  }

  /** Sends a message to everyone in the room; returns its event id. */
  post(post: ChatPost): Promise<string> {
    const message: ChatMessage = { name: post.name, text: post.text, at: Date.now() };
    return this.#channel.publish(Message.json(message).event("chat"));
  }

  /** The event-stream response for one client, resuming after the request's Last-Event-ID. */
  connect(request: Request): Promise<Response> {
    return this.#channel.response({ request });
  }

  /** Ends every client's stream. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#channel.close();
  }

  #announcePresence(): void {
    if (this.#closed) return;
    const presence = Message.json({ online: this.#channel.subscriberCount }).event(PRESENCE_EVENT);
    this.#channel.publish(presence).catch((error: unknown) => console.error("chat: presence not sent", error));
  }
}
