/**
 * The frames a push producer has sent and the consumer has not read yet, measured in UTF-16 code
 * units of frame text (bytes, for ASCII). `ready` waits until the queue is at or below the high-water
 * mark; after `close()` it rejects with the close reason.
 */
export class PushQueue {
  readonly highWaterMark: number;
  #frames: string[] = [];
  #size = 0;
  #closedReason: unknown;
  #closed = false;
  #waiting: { promise: Promise<void>; resolve: () => void; reject: (reason: unknown) => void } | undefined;

  constructor(highWaterMark: number) {
    this.highWaterMark = highWaterMark;
  }

  /** Queued text, in code units. */
  get size(): number {
    return this.#size;
  }

  /** Room left below the high-water mark (negative when above it). */
  get desiredSize(): number {
    return this.#closed ? 0 : this.highWaterMark - this.#size;
  }

  /** Adds one frame. */
  push(frame: string): void {
    this.#frames.push(frame);
    this.#size += frame.length;
  }

  /** Removes and returns every queued frame as one text, and wakes `ready` waiters. */
  drain(): string {
    const text = this.#frames.length === 1 ? this.#frames[0]! : this.#frames.join("");
    this.#frames = [];
    this.#size = 0;
    this.#waiting?.resolve();
    this.#waiting = undefined;
    return text;
  }

  /** Resolves when the queue is at or below the high-water mark; rejects once the queue is closed. */
  get ready(): Promise<void> {
    if (this.#closed) return handled(Promise.reject(this.#closedReason));
    if (this.#size <= this.highWaterMark) return Promise.resolve();
    if (this.#waiting === undefined) {
      let resolve!: () => void;
      let reject!: (reason: unknown) => void;
      const promise = handled(new Promise<void>((res, rej) => { resolve = res; reject = rej; }));
      this.#waiting = { promise, resolve, reject };
    }
    return this.#waiting.promise;
  }

  /** Rejects `ready` from now on with `reason`. Queued frames stay until drained. */
  close(reason: unknown): void {
    this.#closed = true;
    this.#closedReason = reason;
    this.#waiting?.reject(reason);
    this.#waiting = undefined;
  }
}

/** Marks a promise as handled, so that a rejection nobody awaits is not reported as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
