import type { ChannelEvent } from "../channel/types.ts";
import type { EventFields } from "../core/frame.ts";
import type { HibernatableWebSocketLike } from "./types.ts";
import { toSocketMessages } from "./socket-frames.ts";

/** The filter of a socket subscriber: the event names it gets (`message` for unnamed events), or `null` for every event. */
export function matcher(names: ReadonlySet<string> | null): (event: ChannelEvent) => boolean {
  return names === null ? () => true : (event) => names.has(event.event ?? "message");
}

/**
 * Sends one event's messages. A socket that is closing refuses them: its subscriber has left (the
 * object's `webSocketClose` follows), so there is no one to deliver to.
 */
export function send(socket: HibernatableWebSocketLike, event: EventFields): void {
  sendMessages(socket, toSocketMessages(event));
}

/** Closes a socket that may be closed already: then there is nothing to do. */
export function closeQuietly(socket: HibernatableWebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Closed already.
  }
}

/** Sends the messages of one event (see `send`). */
export function sendMessages(socket: HibernatableWebSocketLike, messages: readonly string[]): void {
  try {
    for (const message of messages) socket.send(message);
  } catch {
    // The subscriber has left; see above.
  }
}
