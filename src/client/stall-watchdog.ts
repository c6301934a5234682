/**
 * Fires when the client has waited `timeout` ms for the server without a byte: for the response, or
 * for the next chunk. Time the consumer spends between reads does not count, so a slow consumer is
 * never taken for a stalled server. One timer at a time, re-armed only when it fires early: a read
 * costs a `Date.now()`, not a timer.
 */
export class StallWatchdog {
  readonly #timeout: number;
  readonly #onStall: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the current wait began; 0 while not waiting. */
  #since = 0;

  /**
   * @param timeout - ms of waiting without a byte that count as a stall
   * @param onStall - called once per stall
   */
  constructor(timeout: number, onStall: () => void) {
    this.#timeout = timeout;
    this.#onStall = onStall;
  }

  /** The client starts to wait for the server. */
  wait(): void {
    this.#since = Date.now();
    this.#timer ??= setTimeout(this.#check, this.#timeout);
  }

  /** The server answered (a response, a chunk): the wait is over. */
  rest(): void {
    this.#since = 0;
  }

  /** Stops watching. */
  stop(): void {
    this.#since = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#since === 0) return;
    const left = this.#since + this.#timeout - Date.now();
    if (left > 0) this.#timer = setTimeout(this.#check, left);
    else {
      this.#since = 0;
      this.#onStall();
    }
  };
}
