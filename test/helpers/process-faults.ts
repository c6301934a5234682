/**
 * Records the unhandled rejections and uncaught exceptions of this process while installed: each one
 * would end a Node process that runs with default settings.
 */
export class ProcessFaults {
  readonly #faults: unknown[] = [];
  readonly #record = (fault: unknown): void => void this.#faults.push(fault);

  install(): void {
    process.on("unhandledRejection", this.#record);
    process.on("uncaughtException", this.#record);
  }

  uninstall(): void {
    process.off("unhandledRejection", this.#record);
    process.off("uncaughtException", this.#record);
  }

  /** Lets pending rejections surface (they are detected between event-loop turns), then hands over what was recorded. */
  async take(): Promise<unknown[]> {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    return this.#faults.splice(0);
  }
}
