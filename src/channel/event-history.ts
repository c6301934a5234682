import type { ChannelEvent, HistoryLimits, ReplayResult } from "./types.ts";
import { describeValue } from "../core/describe-value.ts";
import { checkKeys } from "../core/check.ts";

/** The default number of events a history keeps. */
export const DEFAULT_MAX_EVENTS = 1000;

const LIMITS: ReadonlySet<string> = new Set(["maxEvents", "maxBytes", "maxAge"]);

interface Entry {
  readonly event: ChannelEvent;
  readonly at: number;
  readonly size: number;
}

/**
 * A bounded log of events with an index by id: appends drop the oldest events past any bound;
 * `after(id)` finds an id in constant time.
 */
export class EventHistory {
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  readonly #maxAge: number;
  readonly #now: () => number;
  /** Entries from `#head` on are held; earlier slots are dropped and compacted now and then. */
  #entries: Entry[] = [];
  #head = 0;
  /** Absolute position (dropped + index) of the latest entry with each id. */
  readonly #positions = new Map<string, number>();
  #dropped = 0;
  #bytes = 0;

  /**
   * @throws {TypeError} naming the limit and the bad value
   */
  constructor(limits: HistoryLimits = {}, context: string, now: () => number = Date.now) {
    const bounds = checkHistoryLimits(limits, context);
    this.#maxEvents = bounds.maxEvents;
    this.#maxBytes = bounds.maxBytes;
    this.#maxAge = bounds.maxAge;
    this.#now = now;
  }

  /** How many events are held. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Whether an event with this id is held. */
  has(id: string): boolean {
    this.#expire();
    return this.#positions.has(id);
  }

  /** The events held, oldest first. */
  toArray(): ChannelEvent[] {
    this.#expire();
    return this.#entries.slice(this.#head).map((entry) => entry.event);
  }

  /**
   * Checks that a new event can join the history without making a client miss events: its id must
   * not be held already (a client that saw the older event would resume after the newer one and
   * skip what lies between), and it must fit `maxBytes` alone (making room for it would drop every
   * event held, and then it too). Brokers call it before they `append` a published event.
   *
   * @param event - the event about to be appended
   * @param context - the start of the error message, e.g. "Cannot publish"
   * @returns the event's size, for `append`
   * @throws {TypeError} naming the id, or the event's size and the bound
   */
  assertCanAppend(event: ChannelEvent, context: string): number {
    this.#expire();
    if (this.#positions.has(event.id)) {
      throw new TypeError(
        `${context}: \`id\` must be unique, and the history holds an event with this id (got ` +
          `${describeValue(event.id)}): a client that saw the first would resume after the second`,
      );
    }
    const size = eventSize(event);
    if (size > this.#maxBytes) {
      throw new TypeError(
        `${context}: the event is ${size} bytes, more than \`history.maxBytes\` (${this.#maxBytes}): the history could not hold it`,
      );
    }
    return size;
  }

  /**
   * Adds an event as the newest, then drops the oldest past any bound. An event larger than
   * `maxBytes` alone (restored under tighter bounds) leaves the history empty: the events before it
   * go too, so that a client that saw one of them gets a gap rather than a replay without it.
   */
  append(event: ChannelEvent, at = this.#now(), size = eventSize(event)): void {
    this.#positions.set(event.id, this.#dropped + this.#entries.length - this.#head);
    this.#entries.push({ event, at, size });
    this.#bytes += size;
    while (this.size > this.#maxEvents || (this.#bytes > this.#maxBytes && this.size > 0)) this.#dropOldest();
    this.#expire();
  }

  /** The events after `id`, or every event held (`found: false`) when `id` is not held. */
  after(id: string): ReplayResult {
    this.#expire();
    const position = this.#positions.get(id);
    if (position === undefined) return { found: false, events: this.#slice(0) };
    return { found: true, events: this.#slice(position - this.#dropped + 1) };
  }

  #slice(from: number): ChannelEvent[] {
    const events: ChannelEvent[] = [];
    for (let i = this.#head + from; i < this.#entries.length; i++) events.push(this.#entries[i]!.event);
    return events;
  }

  #expire(): void {
    if (this.#maxAge === Infinity) return;
    const oldest = this.#now() - this.#maxAge;
    while (this.size > 0 && this.#entries[this.#head]!.at < oldest) this.#dropOldest();
  }

  #dropOldest(): void {
    const entry = this.#entries[this.#head]!;
    const position = this.#dropped;
    if (this.#positions.get(entry.event.id) === position) this.#positions.delete(entry.event.id);
    this.#head++;
    this.#dropped++;
    this.#bytes -= entry.size;
    // Compact now and then, so that dropping stays O(1) on average and memory follows the bounds.
    if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The size an event counts for in `maxBytes`: the UTF-8 bytes of its id, event, data and comment,
 * and the digits of its retry. Counted once per publish, whatever the number of subscribers.
 */
function eventSize(event: ChannelEvent): number {
  return (
    utf8Length(event.id) +
    utf8Length(event.event) +
    utf8Length(event.data) +
    utf8Length(event.comment) +
    (event.retry === undefined ? 0 : String(event.retry).length)
  );
}

/**
 * The length of a text in UTF-8, without encoding it: a lone surrogate counts as the 3 bytes of the
 * U+FFFD it is sent as. Not a string (a field of a stored event the channel has yet to check): 0.
 */
function utf8Length(text: unknown): number {
  if (typeof text !== "string") return 0;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: two code units, four bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Checks bounds of a history (the `history` option of a channel, a registry or a `MemoryBroker`):
 * known keys, `maxEvents` a non-negative integer, `maxBytes` and `maxAge` positive.
 *
 * @returns every bound, a default where none is given
 * @throws {TypeError} naming the limit and the bad value
 */
export function checkHistoryLimits(limits: unknown, context: string): Record<keyof HistoryLimits, number> {
  if (limits !== undefined) checkKeys(limits, LIMITS, context, "history", "history limit");
  const { maxEvents, maxBytes, maxAge } = (limits ?? {}) as HistoryLimits;
  return {
    maxEvents: limit(maxEvents, "maxEvents", DEFAULT_MAX_EVENTS, context, true),
    maxBytes: limit(maxBytes, "maxBytes", Infinity, context, false),
    maxAge: limit(maxAge, "maxAge", Infinity, context, false),
  };
}

function limit(value: unknown, name: string, fallback: number, context: string, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === "number" &&
    (allowZero ? value >= 0 : value > 0) &&
    (name === "maxEvents" ? Number.isSafeInteger(value) : Number.isFinite(value));
  if (!ok) {
    const what = name === "maxEvents" ? "a non-negative integer" : "a positive number";
    throw new TypeError(`${context}: \`history.${name}\` must be ${what} (got ${describeValue(value)})`);
  }
  return value as number;
}
