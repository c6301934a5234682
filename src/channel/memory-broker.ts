import type {
  ChannelBroker,
  ChannelEvent,
  ChannelEventInit,
  HistoryLimits,
  ReplayResult,
  Unsubscribe,
} from "./types.ts";
import { EventHistory } from "./event-history.ts";
import { hasOwnIdForm, newIdPrefix } from "./memory-ids.ts";
import { describeValue } from "../core/describe-value.ts";
import { checkKeys } from "../core/check.ts";
import { assertEventId, assertEventName, assertRetry, assertText } from "../core/fields.ts";
import { checkPublishable, PUBLISH } from "./publishable-event.ts";

/** Options of a `MemoryBroker`. */
export interface MemoryBrokerOptions {
  /** Bounds of the history. @default { maxEvents: 1000 } */
  readonly history?: HistoryLimits | undefined;
  /**
   * A saved history to start from, oldest first (for example, read back from storage). Each event
   * must be one that `publish` would have taken: a valid, non-empty id that no event before it in
   * the history has, fields the event-stream format can carry, and no name the library sends itself.
   */
  readonly events?: readonly ChannelEvent[] | undefined;
}

const CONTEXT = "Cannot create MemoryBroker";
const KEYS: ReadonlySet<string> = new Set(["history", "events"]);

/**
 * A broker that keeps its history in this process's memory and delivers each event synchronously,
 * inside `publish`. It is what a `Channel` uses when given no broker.
 *
 * Ids it gives are `<prefix>-<n>`: `n` counts up from 1, and `prefix` (the time this broker was
 * made and 32 random bits, 15 letters and digits) is its own, so that an id from before a restart,
 * or from another process, never matches an event of this one: the client gets a gap instead.
 * A publisher may choose an id, but not one of that form (15 or more lowercase letters and digits,
 * a dash, a number), nor one the history holds: ids must be unique. Past the history, keeping them
 * unique is the publisher's part (a client that saw an id reused later would resume after the newer
 * event); ids the broker gives always are.
 *
 * @example Share one broker's history between two channels of this process
 * ```ts
 * import { Channel, MemoryBroker } from "edge-sse/channel";
 *
 * const broker = new MemoryBroker({ history: { maxEvents: 100 } });
 * const id = await new Channel({ broker }).publish("hello");
 * console.assert(broker.replay(id).found && broker.events.length === 1);
 * ```
 */
export class MemoryBroker implements ChannelBroker {
  readonly #history: EventHistory;
  readonly #listeners = new Set<(event: ChannelEvent) => void>();
  readonly #prefix = newIdPrefix();
  #count = 0;

  /**
   * @throws {TypeError} when a history limit or a saved event is invalid: naming the limit, or the
   *   event's position in `events` and its field
   */
  constructor(options: MemoryBrokerOptions = {}) {
    checkKeys(options, KEYS, CONTEXT);
    this.#history = new EventHistory(options.history, CONTEXT);
    const saved = options.events ?? [];
    if (!Array.isArray(saved)) {
      throw new TypeError(`${CONTEXT}: \`events\` must be an array of events (got ${describeValue(saved)})`);
    }
    for (const [index, event] of (saved as readonly unknown[]).entries()) {
      this.#history.append(this.#checkSaved(event, index));
    }
  }

  /**
   * A saved event, checked as `publish` would have checked it (its size apart: a history restored
   * under tighter bounds drops its oldest events instead).
   *
   * @throws {TypeError} naming the event's position in `events` and the field, showing the bad value
   */
  #checkSaved(event: unknown, index: number): ChannelEvent {
    const id = (event as { id?: unknown } | null)?.id;
    if (typeof event !== "object" || event === null || typeof id !== "string") {
      throw new TypeError(
        `${CONTEXT}: \`events[${index}]\` must be an event with a string \`id\` (got ${describeValue(event)})`,
      );
    }
    const at = `${CONTEXT}: saved event \`events[${index}]\``;
    assertEventId(id, at);
    if (this.#history.has(id)) {
      throw new TypeError(
        `${at}: \`id\` must be unique, and an earlier event of the history has this id (got ${describeValue(id)}): ` +
          "a client that saw the first would resume after the second",
      );
    }
    const { event: type, data, comment, retry } = event as ChannelEvent;
    if (type !== undefined) assertEventName(type, at);
    if (data !== undefined) assertText("data", data, at);
    if (comment !== undefined) assertText("comment", comment, at);
    if (retry !== undefined) assertRetry(retry, at);
    checkPublishable({ id, event: type }, at); // an empty id, a name the library sends: as publish refuses them
    return event as ChannelEvent;
  }

  /** The events held, oldest first (a copy). */
  get events(): readonly ChannelEvent[] {
    return this.#history.toArray();
  }

  /**
   * Stores the event, delivers it to every listener before returning, and returns its id.
   *
   * @throws {TypeError} when the publisher's id has the form of the broker's own or is in the
   *   history already, or when the event alone is larger than `history.maxBytes`
   */
  publish(init: ChannelEventInit): string {
    const given = init.id;
    if (given !== undefined && hasOwnIdForm(given)) {
      throw new TypeError(
        `${PUBLISH}: \`id\` must not have the form of the ids the memory broker gives (15 or more lowercase ` +
          `letters and digits, a dash, a number) (got ${describeValue(given)}): leave it unset to get one`,
      );
    }
    const event: ChannelEvent = Object.freeze({
      id: given ?? `${this.#prefix}-${this.#count + 1}`,
      event: init.event,
      data: init.data,
      comment: init.comment,
      retry: init.retry,
    });
    const size = this.#history.assertCanAppend(event, PUBLISH);
    if (given === undefined) this.#count++;
    this.#history.append(event, undefined, size);
    for (const listener of this.#listeners) listener(event);
    return event.id;
  }

  /** Delivers every later event to `listener`, synchronously inside `publish`. */
  subscribe(listener: (event: ChannelEvent) => void): Unsubscribe {
    const own = (event: ChannelEvent): void => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  /** The events after `afterId`, from memory, at once. */
  replay(afterId: string): ReplayResult {
    return this.#history.after(afterId);
  }
}
