import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// The same as starting Node with --expose-gc, for tests that must see memory come back.
setFlagsFromString("--expose-gc");
const gc = ((globalThis as { gc?: () => void }).gc ?? runInNewContext("gc")) as () => void;

/** Runs full garbage collections, with turns of the event loop between them for finalizers to run. */
export async function collectGarbage(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The heap in use after a full collection, in bytes. */
export async function settledHeap(): Promise<number> {
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** How many timers (`setTimeout`, `setInterval`) keep this process's event loop alive. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

/**
 * Counts how many of the objects given to `watch` were garbage collected, through a
 * `FinalizationRegistry`: the one way to see that nothing holds them any more.
 */
export class CollectionCounter {
  collected = 0;
  readonly #registry = new FinalizationRegistry<number>(() => {
    this.collected++;
  });

  watch(value: object): void {
    this.#registry.register(value, 0);
  }

  /** Collects garbage until `count` watched objects are gone, or fails after `rounds` collections. */
  async until(count: number, rounds = 50): Promise<void> {
    for (let i = 0; this.collected < count; i++) {
      if (i >= rounds) throw new Error(`${this.collected} of ${count} watched objects were collected`);
      await collectGarbage(1);
    }
  }
}
