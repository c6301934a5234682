import type { ChannelBroker, ChannelEvent, ChannelEventInit, ReplayResult, Unsubscribe } from "edge-sse/channel";

/** The event name of presence updates, of which the history keeps only the latest. */
export const PRESENCE_EVENT = "presence";

/**
 * The chat room's broker, in this process's memory: it keeps the last `maxMessages` messages for
 * replay and, of presence updates (how many are online), only the latest. So joins and leaves never
 * push messages out of the history, however many clients come and go, and a client that reconnects
 * gets the messages it missed and the presence now.
 *
 * Ids are `<start>-<n>`: `n` counts every event, messages and presence, from 1, and `start` (when
 * this history was made, in base 36) keeps an id from an earlier run from matching.
 *
 * @example
 * ```ts
 * const history = new ChatHistory(2);
 * const first = history.publish({ event: "chat", data: "a" });
 * for (let n = 0; n < 1000; n++) history.publish({ event: PRESENCE_EVENT, data: `{"online":${n % 2}}` });
 * history.publish({ event: "chat", data: "b" });
 * const { found, events } = history.replay(first); // found: true; events: the last presence, then "b"
 * ```
 */
export class ChatHistory implements ChannelBroker {
  readonly #maxMessages: number;
  readonly #start = Date.now().toString(36);
  readonly #listeners = new Set<(event: ChannelEvent) => void>();
  #count = 0;
  /** The messages held, oldest first, each with its `n`. */
  readonly #messages: Array<{ readonly n: number; readonly event: ChannelEvent }> = [];
  /** The `n` of the newest message dropped: a client that resumes from before it has missed messages. */
  #droppedUpTo = 0;
  #presence: { readonly n: number; readonly event: ChannelEvent } | undefined;

  /**
   * @param maxMessages - how many messages to keep for replay
   * @throws {TypeError} when `maxMessages` is not a positive integer
   */
  constructor(maxMessages: number) {
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1) {
      throw new TypeError(
        `Cannot create ChatHistory: \`maxMessages\` must be a positive integer (got ${String(maxMessages)})`,
      );
    }
    this.#maxMessages = maxMessages;
  }

  /**
   * Keeps the event (a message, or the latest presence) and delivers it to every listener.
   *
   * @throws {TypeError} when the event has an id of its own: the history gives every id
   */
  publish(init: ChannelEventInit): string {
    if (init.id !== undefined)
      throw new TypeError(
        `Cannot publish to the chat: \`id\` is given by the history (got ${JSON.stringify(init.id)})`,
      );
    const n = ++this.#count;
    const event: ChannelEvent = Object.freeze({
      id: `${this.#start}-${n}`,
      event: init.event,
      data: init.data,
      comment: init.comment,
      retry: init.retry,
    });
    if (init.event === PRESENCE_EVENT) {
      this.#presence = { n, event };
    } else {
      this.#messages.push({ n, event });
      if (this.#messages.length > this.#maxMessages) this.#droppedUpTo = this.#messages.shift()!.n;
    }
    for (const listener of this.#listeners) listener(event);
    return event.id;
  }

  /** Delivers every later event to `listener`, synchronously inside `publish`. */
  subscribe(listener: (event: ChannelEvent) => void): Unsubscribe {
    const own = (event: ChannelEvent): void => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  /**
   * The messages after `afterId`, and the latest presence if it came after it, in order. Found when
   * no message after `afterId` was dropped; otherwise every message held (and the presence).
   */
  replay(afterId: string): ReplayResult {
    const after = this.#countOf(afterId);
    const found = after !== undefined && after >= this.#droppedUpTo;
    const from = found ? after : 0;
    const held = this.#messages.filter(({ n }) => n > from);
    const presence = this.#presence;
    if (presence !== undefined && presence.n > from) {
      const at = held.findIndex(({ n }) => n > presence.n);
      held.splice(at === -1 ? held.length : at, 0, presence);
    }
    return { found, events: held.map(({ event }) => event) };
  }

  /** The `n` of an id this history gave, or `undefined` for any other id. */
  #countOf(id: string): number | undefined {
    const prefix = `${this.#start}-`;
    if (!id.startsWith(prefix)) return undefined;
    const n = Number(id.slice(prefix.length));
    return Number.isSafeInteger(n) && n >= 1 && n <= this.#count && String(n) === id.slice(prefix.length)
      ? n
      : undefined;
  }
}
