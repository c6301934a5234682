/**
 * Calls `ping` whenever nothing has been written for `intervalMs`. Writes only record a timestamp
 * (`touch()`), so a busy stream costs no timer work; one timer is armed at a time and `stop()`
 * clears it for good.
 */
export class KeepAlive {
  readonly #intervalMs: number;
  readonly #ping: () => void;
  #lastActivity: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(intervalMs: number, ping: () => void) {
    this.#intervalMs = intervalMs;
    this.#ping = ping;
    this.#lastActivity = Date.now();
    this.#timer = setTimeout(this.#tick, intervalMs);
  }

  /** Records that bytes were just written. */
  touch(): void {
    this.#lastActivity = Date.now();
  }

  /** Clears the timer; no ping follows. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick = (): void => {
    const idle = Date.now() - this.#lastActivity;
    if (idle >= this.#intervalMs) {
      this.#ping();
      this.#lastActivity = Date.now();
    }
    // The ping may have ended the stream (a failed write), which stops this timer.
    if (this.#timer !== undefined) {
      this.#timer = setTimeout(this.#tick, Math.max(1, this.#intervalMs - (Date.now() - this.#lastActivity)));
    }
  };
}
