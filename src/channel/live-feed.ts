import type { ChannelBroker, ChannelEvent, Unsubscribe } from "./types.ts";
import { abortableSleep } from "../core/abortable-sleep.ts";
import { describeValue } from "../core/describe-value.ts";
import { isThenable } from "../core/check.ts";

/** After a failed subscribe, the next attempt waits this long, doubling up to `LAST_DELAY_MS`. */
const FIRST_DELAY_MS = 100;
const LAST_DELAY_MS = 5_000;
const START = "Cannot start the channel's live feed";

/**
 * A channel's subscription to its broker's live feed. It starts at once. When the broker's
 * `subscribe()` throws or rejects (say, Redis is down), the failure goes to `onError` and the
 * subscription is tried again after 100 ms, then 200 ms, doubling up to 5 s, until it succeeds or
 * the feed is stopped: a channel made during an outage starts once the broker is back.
 *
 * A broker that answers synchronously (as `MemoryBroker` does) is live as soon as this is made.
 */
export class LiveFeed {
  /** Settles once the feed is live; rejects (with a `TypeError`) only when stopped first or when the broker is broken. */
  readonly ready: Promise<void>;
  readonly #broker: ChannelBroker;
  readonly #listener: (event: ChannelEvent) => void;
  readonly #onError: (error: unknown) => void;
  /** Aborts the wait before the next attempt when the feed is stopped. */
  readonly #stop = new AbortController();
  #unsubscribe: Unsubscribe | undefined;
  #live = false;
  #settle!: { resolve(): void; reject(error: unknown): void };

  /**
   * @throws {TypeError} when a broker that answers synchronously gives something other than a function to unsubscribe
   */
  constructor(broker: ChannelBroker, listener: (event: ChannelEvent) => void, onError: (error: unknown) => void) {
    this.#broker = broker;
    this.#listener = listener;
    this.#onError = onError;
    this.ready = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    // Failures go to onError; only callers that await `ready` see its rejection.
    this.ready.catch(() => {});
    const first = this.#attempt();
    if (isThenable(first)) {
      this.#run(first).then(this.#settle.resolve, this.#settle.reject);
    } else {
      this.#started(first);
      this.#settle.resolve();
    }
  }

  /** Whether the broker delivers live events to the channel now. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Waits until the feed is live, for at most `ms` milliseconds.
   *
   * @returns whether it is live
   * @throws {TypeError} (as a rejection) when the feed was stopped before it started, or the broker is broken
   */
  async whenLive(ms: number): Promise<boolean> {
    if (this.#live) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.ready.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops the feed: no further attempt is made, and a live subscription is ended (this waits for
   * the broker's unsubscribe). An attempt already on its way is not waited for: when it succeeds,
   * it is unsubscribed at once.
   */
  async stop(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort(new TypeError(`${START}: the channel is closed`));
    this.#settle.reject(this.#stop.signal.reason); // Nothing, when the feed has started.
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    this.#live = false;
    await unsubscribe?.();
  }

  /** One call of the broker's subscribe, with a synchronous throw turned into a rejection. */
  #attempt(): Unsubscribe | PromiseLike<Unsubscribe> {
    try {
      return this.#broker.subscribe(this.#listener);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #run(first: PromiseLike<Unsubscribe>): Promise<void> {
    let attempt: Unsubscribe | PromiseLike<Unsubscribe> = first;
    for (let failures = 0; ; failures++) {
      let unsubscribe: Unsubscribe;
      try {
        unsubscribe = await attempt;
      } catch (error) {
        if (this.#stop.signal.aborted) throw this.#stop.signal.reason;
        const delay = Math.min(FIRST_DELAY_MS * 2 ** failures, LAST_DELAY_MS);
        this.#report(
          new Error(`${START}: the broker's subscribe() failed; trying again in ${delay} ms`, { cause: error }),
        );
        await abortableSleep(delay, this.#stop.signal);
        attempt = this.#attempt();
        continue;
      }
      try {
        this.#started(unsubscribe);
      } catch (error) {
        if (!this.#stop.signal.aborted) this.#report(error); // a broken broker: trying again would not help
        throw error;
      }
      return;
    }
  }

  /** Hands an error to `onError`; one that throws must not stop the attempts. */
  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // Nowhere left to report it.
    }
  }

  #started(unsubscribe: Unsubscribe): void {
    if (typeof unsubscribe !== "function") {
      throw new TypeError(
        `${START}: the broker's subscribe() must return a function (got ${describeValue(unsubscribe)})`,
      );
    }
    if (this.#stop.signal.aborted) {
      // Stopped while this attempt was on its way: end what it started.
      Promise.resolve()
        .then(unsubscribe)
        .catch((error: unknown) => this.#report(error));
      throw this.#stop.signal.reason;
    }
    this.#unsubscribe = unsubscribe;
    this.#live = true;
  }
}
