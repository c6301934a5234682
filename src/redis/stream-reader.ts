import type { ChannelEvent } from "../channel/types.ts";
import { abortableSleep } from "../core/abortable-sleep.ts";
import { describeValue } from "../core/describe-value.ts";
import type { RedisConnection } from "./connection.ts";
import { parseStreamReads } from "./entries.ts";
import { compareStreamIds } from "./stream-id.ts";

/** How long one `XREAD BLOCK` waits before it is sent again; also the bound on a wake-up that could not be sent. */
export const BLOCK_MS = 5_000;
/** At most this many events per stream and `XREAD`. */
const READ_COUNT = 100;
/** The back-off after a failed read: doubling from the first to the last. */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_LAST_MS = 5_000;
/** A wake-up that found no read blocked, while one is on its way, is sent again this often, this many times. */
const WAKE_RETRY_MS = 10;
const WAKE_TRIES = 20;
/** How many keys an error message names before it counts the rest. */
const KEYS_NAMED = 3;

/** One live feed on the shared connection: a stream followed after the last id it delivered. */
export interface Follower {
  readonly key: string;
  /** The last id delivered (or the stream's last id when the feed started). */
  lastId: string;
  readonly listener: (event: ChannelEvent) => void;
  /** The broker's `onError`. */
  readonly report: (error: unknown) => void;
  /** The broker's own connection: it sends `CLIENT UNBLOCK` to wake a blocked read. */
  readonly waker: RedisConnection;
}

/** The open connection and its read loop. */
interface Session {
  readonly connection: Promise<RedisConnection>;
  readonly stop: AbortController;
  readonly loop: Promise<void>;
}

/** The read on its way: its connection's client id once known, and whether a stream was added meanwhile. */
interface PendingRead {
  clientId: string | undefined;
  changed: boolean;
  /** Set when `CLIENT ID` failed: refused, if the read itself then succeeds on the same connection. */
  idFailed: boolean;
}

/** Opens the blocking connection (a duplicate of the client, or the one given). */
type Open = (onError: (error: unknown) => void) => Promise<RedisConnection>;

/**
 * One blocking connection shared by every live feed that reads through it: it reads every stream
 * followed with one `XREAD BLOCK … STREAMS key… id…`, each stream from the oldest id any of its
 * feeds has delivered, and hands each feed only what comes after its own last id.
 *
 * A stream added while a read is blocked cannot miss an event: its feed starts from a fixed id (not
 * `$`), so the next read returns whatever came after it. To make that read come at once, the
 * blocked read is woken with `CLIENT UNBLOCK <id> TIMEOUT` sent on the broker's own connection (the
 * id comes with each read, from `CLIENT ID` pipelined before it); if that cannot be sent (a `CLIENT`
 * command refused by an ACL, say), the read ends by itself within `BLOCK_MS`.
 *
 * The connection is opened on first use and closed once no feed uses it (one that was given is
 * left open).
 */
export class StreamReader {
  readonly #open: Open;
  /** Whether the connection is ours to close. */
  readonly #owned: boolean;
  /** Streams followed, each with its feeds. */
  readonly #keys = new Map<string, Set<Follower>>();
  /** Feeds starting (between `acquire` and `follow`) or following. */
  #users = 0;
  /** The connection and its read loop, while there are users. */
  #session: Session | undefined;
  /** Set when a key is added while a read is on its way; the loop wakes when it is at rest. */
  #idle: (() => void) | undefined;
  /** The read on its way. */
  #read: PendingRead | undefined;
  /** Keys that held something else than a stream: left out of reads until `until`. */
  readonly #suspended = new Map<string, { until: number; failures: number }>();
  /**
   * Once Redis refused `CLIENT ID` (it failed, and the read after it on the same connection did not),
   * reads are no longer woken (they end within `BLOCK_MS`). A `CLIENT ID` that failed with its
   * connection (closed by the last unsubscribe, or lost in an outage) leaves reads wakeable.
   */
  #wakeable = true;

  constructor(open: Open, owned: boolean) {
    this.#open = open;
    this.#owned = owned;
  }

  /**
   * Takes a use of the connection, opening it when it is not open.
   *
   * @throws {Error} (as a rejection) when the connection could not be opened; the use is not taken
   */
  async acquire(report: (error: unknown) => void): Promise<void> {
    this.#users++;
    try {
      await this.#start(report).connection;
    } catch (error) {
      await this.release();
      throw error;
    }
  }

  /** Starts following `follower.key` after `follower.lastId`; the use taken by `acquire` is now its. */
  follow(follower: Follower): void {
    let feeds = this.#keys.get(follower.key);
    if (feeds === undefined) this.#keys.set(follower.key, (feeds = new Set()));
    feeds.add(follower);
    this.#changed();
  }

  /** Stops following for `follower`; nothing more is delivered to it. Its use stays until `release`. */
  unfollow(follower: Follower): void {
    const feeds = this.#keys.get(follower.key);
    if (feeds?.delete(follower) && feeds.size === 0) this.#keys.delete(follower.key);
  }

  /** Gives a use back; the last one stops the reads and closes an owned connection. */
  async release(): Promise<void> {
    if (--this.#users > 0) return;
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined) return;
    session.stop.abort(new Error("edge-sse/redis: no live feed left"));
    this.#idle?.();
    if (this.#owned) {
      const connection = await session.connection.catch(() => undefined);
      await connection?.close(); // Rejects the pending XREAD, if the client still holds it.
    }
    await session.loop;
  }

  #start(report: (error: unknown) => void): Session {
    if (this.#session !== undefined) return this.#session;
    const stop = new AbortController();
    const connection = this.#open((error) => this.#reportAll(error, report));
    const session: Session = {
      connection,
      stop,
      loop: connection.then(
        (opened) => this.#loop(opened, stop.signal),
        () => {
          if (this.#session === session) this.#session = undefined; // The next acquire opens anew.
        },
      ),
    };
    this.#session = session;
    return session;
  }

  /** A stream was added: the read on its way must be woken, or the loop at rest started. */
  #changed(): void {
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.();
    if (this.#read === undefined) return;
    this.#read.changed = true;
    this.#wake(this.#read, 0);
  }

  /** Sends `CLIENT UNBLOCK` for `read`, once its client id is known; again while Redis has not blocked it yet. */
  #wake(read: PendingRead, tries: number): void {
    if (read.clientId === undefined || this.#read !== read || tries >= WAKE_TRIES) return;
    const waker = this.#anyFollower()?.waker;
    if (waker === undefined || waker.connecting()) return;
    waker.send(["CLIENT", "UNBLOCK", read.clientId, "TIMEOUT"]).then(
      (unblocked) => {
        if (Number(unblocked) === 1 || this.#read !== read) return;
        setTimeout(() => this.#wake(read, tries + 1), WAKE_RETRY_MS);
      },
      () => {}, // The read ends within BLOCK_MS all the same.
    );
  }

  async #loop(connection: RedisConnection, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const keys = [...this.#keys.keys()].filter((key) => !this.#isSuspended(key));
      if (keys.length === 0) {
        await this.#rest();
        continue;
      }
      const ids = keys.map((key) => this.#position(key));
      const read: PendingRead = { clientId: undefined, changed: false, idFailed: false };
      this.#read = read;
      if (this.#wakeable) this.#askClientId(connection, read);
      let reply: unknown;
      try {
        const command = ["XREAD", "COUNT", String(READ_COUNT), "BLOCK", String(BLOCK_MS), "STREAMS", ...keys, ...ids];
        reply = await untilAborted(connection.send(command), signal);
        failures = 0;
        if (read.idFailed) this.#wakeable = false; // The connection works: Redis refused CLIENT ID (an ACL).
      } catch (error) {
        if (signal.aborted) return;
        // One key that is not a stream fails the read of all: set it aside, and read the others at once.
        if (keys.length > 1 && /WRONGTYPE/.test(String(error)) && (await this.#suspendWrongTypes(keys, error)))
          continue;
        this.#reportFailure(keys, error);
        try {
          await abortableSleep(Math.min(BACKOFF_FIRST_MS * 2 ** failures++, BACKOFF_LAST_MS), signal);
        } catch {
          return;
        }
        continue;
      } finally {
        this.#read = undefined;
      }
      if (signal.aborted) return;
      for (const key of keys) this.#suspended.delete(key); // Read without error: streams (or nothing) again.
      let streams: Array<[string, ChannelEvent[]]>;
      try {
        streams = parseStreamReads(reply);
      } catch (error) {
        this.#reportFailure(keys, error);
        continue;
      }
      for (const [key, events] of streams) this.#deliver(key, events);
    }
  }

  /** Waits until a stream is added, a stream set aside may be read again, or the reads stop. */
  async #rest(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      const next = Math.min(...[...this.#suspended.values()].map(({ until }) => until));
      if (Number.isFinite(next)) timer = setTimeout(resolve, Math.max(0, next - Date.now()));
    });
    clearTimeout(timer);
    this.#idle = undefined;
  }

  /** Whether `key` is set aside (it held something else than a stream) until a later read. */
  #isSuspended(key: string): boolean {
    const suspended = this.#suspended.get(key);
    if (suspended === undefined || !this.#keys.has(key)) {
      this.#suspended.delete(key);
      return false;
    }
    return Date.now() < suspended.until;
  }

  /**
   * Asks Redis the type of each key of a read that failed with WRONGTYPE, and sets aside those that
   * hold something else than a stream, reporting each to its brokers; each is tried again after a
   * back-off of its own (100 ms doubling to 5 s).
   *
   * @returns whether a key was set aside (else the read failed for another reason)
   */
  async #suspendWrongTypes(keys: readonly string[], cause: unknown): Promise<boolean> {
    const waker = this.#anyFollower()?.waker;
    if (waker === undefined) return false;
    let types: unknown[];
    try {
      types = await Promise.all(keys.map((key) => waker.send(["TYPE", key])));
    } catch {
      return false;
    }
    const wrong = keys.filter((_, n) => !["stream", "none"].includes(String(types[n])));
    for (const key of wrong) {
      const failures = this.#suspended.get(key)?.failures ?? 0;
      const delay = Math.min(BACKOFF_FIRST_MS * 2 ** failures, BACKOFF_LAST_MS);
      this.#suspended.set(key, { until: Date.now() + delay, failures: failures + 1 });
      this.#reportFailure([key], cause);
    }
    return wrong.length > 0;
  }

  /** Pipelines `CLIENT ID` before the read, so that the read can be woken. */
  #askClientId(connection: RedisConnection, read: PendingRead): void {
    connection.send(["CLIENT", "ID"]).then(
      (id) => {
        if (typeof id !== "number" && typeof id !== "bigint" && !(typeof id === "string" && /^\d+$/.test(id))) {
          this.#wakeable = false;
          return;
        }
        read.clientId = String(id);
        if (read.changed) this.#wake(read, 0);
      },
      () => {
        read.idFailed = true; // Refused (an ACL), or the connection failed: the read tells which.
      },
    );
  }

  /** Where to read `key` from: the oldest last id among its feeds. */
  #position(key: string): string {
    let oldest: string | undefined;
    for (const { lastId } of this.#keys.get(key)!) {
      if (oldest === undefined || compareStreamIds(lastId, oldest) < 0) oldest = lastId;
    }
    return oldest!;
  }

  /** Hands each feed of `key` the events after its own last id, in order. */
  #deliver(key: string, events: readonly ChannelEvent[]): void {
    const feeds = this.#keys.get(key);
    if (feeds === undefined) return;
    for (const follower of [...feeds]) {
      for (const event of events) {
        if (!feeds.has(follower)) break; // Unsubscribed by a listener.
        if (compareStreamIds(event.id, follower.lastId) <= 0) continue;
        follower.lastId = event.id;
        try {
          follower.listener(event);
        } catch (error) {
          report(follower.report, error);
        }
      }
    }
  }

  /** Reports a failed read to each broker once, naming its streams; the feeds resume after their last ids. */
  #reportFailure(keys: readonly string[], cause: unknown): void {
    const byReport = new Map<(error: unknown) => void, Follower[]>();
    for (const key of keys) {
      for (const follower of this.#keys.get(key) ?? []) {
        const group = byReport.get(follower.report) ?? [];
        group.push(follower);
        byReport.set(follower.report, group);
      }
    }
    for (const [onError, followers] of byReport) {
      const named = [...new Set(followers.map((follower) => follower.key))];
      const streams =
        named.length === 1
          ? `stream ${describeValue(named[0])}`
          : `streams ${named.slice(0, KEYS_NAMED).map(describeValue).join(", ")}` +
            (named.length > KEYS_NAMED ? ` and ${named.length - KEYS_NAMED} more` : "");
      const after = followers.length === 1 ? followers[0]!.lastId : "the last event each feed delivered";
      report(
        onError,
        new Error(`Cannot read the Redis ${streams}: the read failed; resuming after ${after}`, { cause }),
      );
    }
  }

  /** Reports an error of the connection to each broker that uses it, or to `fallback` when none follows yet. */
  #reportAll(error: unknown, fallback: (error: unknown) => void): void {
    const reports = new Set<(error: unknown) => void>();
    for (const feeds of this.#keys.values()) for (const follower of feeds) reports.add(follower.report);
    if (reports.size === 0) reports.add(fallback);
    for (const onError of reports) report(onError, error);
  }

  #anyFollower(): Follower | undefined {
    for (const feeds of this.#keys.values()) for (const follower of feeds) return follower;
    return undefined;
  }
}

/** Calls `onError`; one that throws must not stop the reads. */
function report(onError: (error: unknown) => void, error: unknown): void {
  try {
    onError(error);
  } catch {
    // Nowhere left to report it.
  }
}

/** `promise`, or a rejection as soon as `signal` aborts: a read left waiting for Redis must not hold up unsubscribe. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}); // Once aborted, how it ends is no news.
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The reader of each blocking connection: keyed by the client it duplicates, or by the blocking client given. */
const readers = new WeakMap<object, StreamReader>();

/**
 * The shared reader for `owner` (a client object), made on first use.
 *
 * @param owned - whether the reader opens its own connection (a duplicate) and closes it
 */
export function readerFor(owner: object, open: Open, owned: boolean): StreamReader {
  let reader = readers.get(owner);
  if (reader === undefined) readers.set(owner, (reader = new StreamReader(open, owned)));
  return reader;
}
