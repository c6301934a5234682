import type {
  ChannelBroker,
  ChannelEvent,
  ChannelEventInit,
  HistoryLimits,
  ReplayResult,
  Unsubscribe,
} from "../channel/types.ts";
import type { DurableObjectStorageLike } from "./types.ts";
import { EventHistory } from "../channel/event-history.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import { checkKeys } from "../core/check.ts";
import { PUBLISH } from "../channel/publishable-event.ts";

/** Options of a `StorageBroker`. */
export interface StorageBrokerOptions {
  /** Bounds of the history; events past them are deleted from storage too. @default { maxEvents: 1000 } */
  readonly history?: HistoryLimits | undefined;
}

/** Every key a `StorageBroker` writes starts with this. */
const STORAGE_PREFIX = "edge-sse:";
/** Event `n` is stored under this prefix and `n` in 16 digits, so that key order is publish order. */
const EVENT_PREFIX = `${STORAGE_PREFIX}event:`;
/** The last sequence number given, kept apart from the events: it survives when every event has expired. */
const SEQUENCE_KEY = `${STORAGE_PREFIX}sequence`;
const KEY_DIGITS = 16;
/** Durable Object storage takes at most 128 keys per `put` or `delete`. */
const BATCH = 128;
const GIVEN_ID = /^[0-9]+$/;
const CONTEXT = "Cannot create StorageBroker";
const KEYS: ReadonlySet<string> = new Set(["history"]);

/** One event as stored: its fields (absent ones left out) and when it was published. */
interface StoredEvent extends ChannelEvent {
  readonly at: number;
}

/**
 * A `ChannelBroker` for one Durable Object: it keeps the history in memory for replay and writes
 * each event to the object's storage, so that a new instance of the object (after an eviction or a
 * restart) replays the same history. Events past the `history` bounds are deleted from storage.
 *
 * Ids count up from `"1"` with a sequence number kept in storage, so an id is never given twice,
 * even after every stored event has expired. A publisher may choose its own id (a `Message` with an
 * id), except one made of digits only (those are the broker's) or one the history holds: ids must
 * be unique. Past the history, keeping chosen ids unique is the publisher's part.
 *
 * A Durable Object runs one instance at a time, so delivery is local and synchronous, inside
 * `publish`; the storage write starts before delivery, and the object's output gate holds back what
 * it sends until the write is confirmed. The history loads when the broker is made: until `ready`
 * settles, `publish` and `replay` wait for it. `ChannelObject` makes one of these for you.
 *
 * Storage keys start with `edge-sse:`; leave them to the broker.
 *
 * @example Any storage with `get`, `list`, `put` and `delete` works; here, a stand-in for a Durable Object's
 * ```ts
 * import { Channel } from "edge-sse/channel";
 * import { StorageBroker } from "edge-sse/durable-object";
 *
 * const data = new Map<string, unknown>();
 * const storage = {
 *   get: async (key: string) => data.get(key),
 *   list: async ({ prefix }: { prefix: string }) =>
 *     new Map([...data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))),
 *   put: async (entries: Record<string, unknown>) => void Object.entries(entries).forEach(([k, v]) => data.set(k, v)),
 *   delete: async (keys: string[]) => keys.filter((key) => data.delete(key)).length,
 * };
 *
 * const first = new StorageBroker(storage, { history: { maxEvents: 2 } });
 * await first.ready;
 * const channel = new Channel({ broker: first });
 * for (const text of ["a", "b", "c"]) await channel.publish(text);
 *
 * const second = new StorageBroker(storage, { history: { maxEvents: 2 } }); // as after an eviction
 * await second.ready;
 * console.assert(second.events.map((event) => event.data).join() === "b,c");
 * console.assert(await second.publish({ data: "d" }) === "4");
 * ```
 */
export class StorageBroker implements ChannelBroker {
  readonly #storage: DurableObjectStorageLike;
  readonly #history: EventHistory;
  readonly #listeners = new Set<(event: ChannelEvent) => void>();
  /** The storage keys of the events `#history` holds (or held until its last lazy expiry), oldest first. */
  #keys: string[] = [];
  #sequence = 0;
  #loaded = false;
  /** The load of the stored history; made again by the next publish or replay when it failed. */
  #loading: Promise<void>;
  #loadFailed = false;

  /**
   * Starts loading the stored history at once.
   *
   * @param storage - the object's storage (`ctx.storage`)
   * @param options - see `StorageBrokerOptions`
   * @throws {TypeError} when `storage` lacks a method or an option is invalid
   */
  constructor(storage: DurableObjectStorageLike, options: StorageBrokerOptions = {}) {
    for (const method of ["get", "list", "put", "delete"] as const) {
      if (typeof (storage as Partial<DurableObjectStorageLike> | null)?.[method] !== "function") {
        throw new TypeError(
          `${CONTEXT}: \`storage\` must be a Durable Object's storage, with a \`${method}\` method (got ${describeValue(storage)})`,
        );
      }
    }
    checkKeys(options, KEYS, CONTEXT);
    this.#storage = storage;
    this.#history = new EventHistory(options.history, CONTEXT);
    this.#loading = this.#startLoading();
  }

  /**
   * Settles once the stored history is loaded; rejects if storage could not be read (then the next
   * `publish` or `replay` tries again).
   */
  get ready(): Promise<void> {
    return this.#loading;
  }

  /** The events held, oldest first (a copy; empty until `ready`). */
  get events(): readonly ChannelEvent[] {
    return this.#history.toArray();
  }

  /**
   * Stores the event and delivers it to every listener before returning; the promise settles when
   * storage has the event (and has dropped what fell out of the history).
   *
   * When storage refuses the write at once, nothing is delivered, kept or counted. When the write
   * fails later, the promise rejects; in a Durable Object the runtime then resets the object, and
   * its output gate has held back what was delivered, so no client saw the event.
   *
   * @throws {TypeError} when the publisher's id is made of digits only or is in the history
   *   already, or when the event alone is larger than `history.maxBytes`
   * @throws {Error} (as a rejection) when storage fails, with its error as `cause`
   */
  publish(init: ChannelEventInit): string | Promise<string> {
    if (!this.#loaded) return this.#whenLoaded().then(() => this.publish(init));
    const given = init.id;
    if (given !== undefined && GIVEN_ID.test(given)) {
      throw new TypeError(
        `${PUBLISH}: \`id\` must not be made of digits only, those ids are given by the durable object's history (got ${describeValue(given)})`,
      );
    }
    const sequence = this.#sequence + 1;
    const event: ChannelEvent = Object.freeze({
      id: given ?? String(sequence),
      event: init.event,
      data: init.data,
      comment: init.comment,
      retry: init.retry,
    });
    const size = this.#history.assertCanAppend(event, PUBLISH);
    const key = EVENT_PREFIX + String(sequence).padStart(KEY_DIGITS, "0");
    const at = Date.now();
    // The write starts before anything changes here (a refusal at once leaves no trace) and before
    // delivery (the output gate then holds every byte sent until storage has confirmed it).
    let stored: Promise<void>;
    try {
      stored = this.#storage.put({ [key]: toStored(event, at), [SEQUENCE_KEY]: sequence });
    } catch (error) {
      return Promise.reject(storageFailed(error));
    }
    this.#sequence = sequence;
    this.#history.append(event, at, size);
    this.#keys.push(key);
    const written = Promise.all([stored, this.#delete(this.#dropped())]);
    for (const listener of this.#listeners) listener(event);
    return written.then(
      () => event.id,
      (error: unknown) => Promise.reject(storageFailed(error)),
    );
  }

  /** Delivers every later event to `listener`, synchronously inside `publish`. */
  subscribe(listener: (event: ChannelEvent) => void): Unsubscribe {
    const own = (event: ChannelEvent): void => listener(event);
    this.#listeners.add(own);
    return () => void this.#listeners.delete(own);
  }

  /** The events after `afterId`, from memory (once loaded). */
  replay(afterId: string): ReplayResult | Promise<ReplayResult> {
    if (!this.#loaded) return this.#whenLoaded().then(() => this.replay(afterId));
    return this.#history.after(afterId);
  }

  #startLoading(): Promise<void> {
    const loading = this.#load();
    loading.catch(() => {
      this.#loadFailed = true;
    });
    return loading;
  }

  /** The load under way, or a new one if the last one failed. */
  #whenLoaded(): Promise<void> {
    if (this.#loadFailed) {
      this.#loadFailed = false;
      this.#loading = this.#startLoading();
    }
    return this.#loading;
  }

  async #load(): Promise<void> {
    const [stored, last] = await Promise.all([
      this.#storage.list({ prefix: EVENT_PREFIX }),
      this.#storage.get(SEQUENCE_KEY),
    ]);
    let sequence = typeof last === "number" && Number.isSafeInteger(last) && last > 0 ? last : 0;
    const unreadable: string[] = [];
    for (const [key, value] of stored) {
      const number = Number(key.slice(EVENT_PREFIX.length));
      const entry = fromStored(value);
      if (!Number.isSafeInteger(number) || entry === undefined) {
        unreadable.push(key);
        continue;
      }
      sequence = Math.max(sequence, number);
      this.#history.append(entry.event, entry.at);
      this.#keys.push(key);
    }
    this.#sequence = sequence;
    this.#loaded = true;
    // Bounds may be tighter than when the events were stored, and some may have expired since.
    await this.#delete([...unreadable, ...this.#dropped()]);
  }

  /** Takes the keys of the events the history has dropped since last asked. */
  #dropped(): string[] {
    return this.#keys.splice(0, this.#keys.length - this.#history.size);
  }

  async #delete(keys: readonly string[]): Promise<void> {
    const batches: Array<Promise<number>> = [];
    for (let i = 0; i < keys.length; i += BATCH) batches.push(this.#storage.delete(keys.slice(i, i + BATCH)));
    await Promise.all(batches);
  }
}

function storageFailed(error: unknown): Error {
  return new Error(`${PUBLISH}: the Durable Object's storage failed (${describeError(error)})`, { cause: error });
}

/** The event as stored: absent fields are left out, so that storage holds no key without a value. */
function toStored(event: ChannelEvent, at: number): StoredEvent {
  return {
    at,
    id: event.id,
    ...(event.event === undefined ? {} : { event: event.event }),
    ...(event.data === undefined ? {} : { data: event.data }),
    ...(event.comment === undefined ? {} : { comment: event.comment }),
    ...(event.retry === undefined ? {} : { retry: event.retry }),
  };
}

/** A stored event back in memory, or `undefined` when the value is not one (the channel checks the fields). */
function fromStored(value: unknown): { event: ChannelEvent; at: number } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { at, id, event, data, comment, retry } = value as Partial<Record<keyof StoredEvent, unknown>>;
  if (typeof at !== "number" || typeof id !== "string") return undefined;
  return {
    at,
    event: Object.freeze({ id, event, data, comment, retry } as ChannelEvent),
  };
}
