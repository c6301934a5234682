// Soak: a registry sees 100,000 distinct channel names, each subscribed to, published on and left,
// and must keep none of them: no channel, no broker listener, no timer, and a heap that came back to
// its baseline after a full collection.
import { expect, test } from "vitest";
import { Channels, MemoryBroker, type ChannelBroker, type ChannelEvent } from "edge-sse/channel";
import { activeTimers, settledHeap } from "../helpers/resources.ts";

const NAMES = 100_000;
/**
 * Names that come and go before the baseline: enough for the code to reach its optimized tiers and for
 * the engine's weak tables (those of `WeakMap`s, which grow with the keys that died since the last
 * collection and do not shrink after it) to reach their working size.
 */
const WARM_UP = 10_000;
/** Names in use at once. */
const BATCH = 100;
/** Heap after the cycles over heap before them, both after a full collection. */
const MAX_HEAP_RATIO = 1.15;

/** A MemoryBroker per name that counts the live-feed listeners all of them hold. */
function countingBrokers(): { broker(name: string): ChannelBroker; listeners(): number } {
  let listeners = 0;
  return {
    listeners: () => listeners,
    broker() {
      const inner = new MemoryBroker({ history: { maxEvents: 10 } });
      return {
        publish: (event) => inner.publish(event),
        replay: (afterId) => inner.replay(afterId),
        subscribe: (listener: (event: ChannelEvent) => void) => {
          listeners++;
          const unsubscribe = inner.subscribe(listener);
          return () => {
            listeners--;
            unsubscribe();
          };
        },
      };
    },
  };
}

/** One name's life: a client subscribes, gets one event published on its channel, and leaves. */
async function cycle(channels: Channels, n: number): Promise<void> {
  const name = `user:${n}`;
  const client = new AbortController();
  const response = await channels.response(name, { request: { headers: {}, signal: client.signal } });
  const reader = response.body!.getReader();
  let text = new TextDecoder().decode((await reader.read()).value); // The first bytes: it has joined.
  await channels.publish(name, { n });
  while (!text.includes(`{"n":${n}}`)) text += new TextDecoder().decode((await reader.read()).value);
  if (n % 2 === 0) await reader.cancel();
  else client.abort();
  if (n % 10 === 5) await channels.publish(`nobody:${n}`, "to a name nobody listens to");
}

test("Channels keeps no channel, no broker listener, no timer and its heap baseline after 100,000 names came and went", async () => {
  const counted = countingBrokers();
  const channels = new Channels({ broker: (name) => counted.broker(name), keepAlive: 60_000 });
  // Warm up first, so that the baseline holds what the code itself needs (see WARM_UP).
  const cycles = async (from: number, to: number): Promise<void> => {
    for (let n = from; n < to; n += BATCH) {
      await Promise.all(Array.from({ length: BATCH }, (_, i) => cycle(channels, n + i)));
      // Nothing piles up on the way, not only at the end.
      expect(channels.size).toBeLessThanOrEqual(BATCH);
    }
  };
  await cycles(0, WARM_UP);
  const settled = async (): Promise<void> => {
    for (let turn = 0; turn < 100 && channels.size > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  await settled();
  const heapBefore = await settledHeap();
  const timersBefore = activeTimers();

  await cycles(WARM_UP, WARM_UP + NAMES);
  await settled();

  expect(channels.size).toBe(0);
  expect(counted.listeners()).toBe(0);
  expect(activeTimers()).toBe(timersBefore);
  const heapAfter = await settledHeap();
  expect(heapAfter / heapBefore, `heap ${heapBefore} -> ${heapAfter} bytes`).toBeLessThan(MAX_HEAP_RATIO);
  await channels.close();
}, 300_000);
