// Which "nothing more is ready" detector a stream gets is learned by watching process.nextTick run once:
// it must run after the microtasks queued before it (Node, Deno), not as a plain microtask; where it runs
// first (Bun, workerd), setImmediate serves when there is one. Each test loads a fresh copy of the module
// with the nextTick (and setImmediate) under test.
import { afterEach, expect, test, vi } from "vitest";
import type { IdleDetector, IdleListener } from "../../src/core/idle-detector.ts";

type Task = () => void;
const realNextTick = process.nextTick;
const realSetImmediate = globalThis.setImmediate;

afterEach(() => {
  process.nextTick = realNextTick;
  globalThis.setImmediate = realSetImmediate;
  vi.resetModules();
});

/** A fresh copy of the detector module, seeing `tick` as process.nextTick (and no setImmediate, when told). */
async function loadWith(
  tick: (task: Task) => void,
  { setImmediate = true } = {},
): Promise<typeof import("../../src/core/idle-detector.ts")> {
  process.nextTick = tick as typeof process.nextTick;
  if (!setImmediate) Reflect.deleteProperty(globalThis, "setImmediate");
  vi.resetModules();
  return import("../../src/core/idle-detector.ts");
}

const turnOfTheEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Pokes a new detector, then runs a chain of `hops` microtasks with no poke; returns where in the chain
 * the detector fired ("idle" after all hops means it waited for the queue to drain).
 */
async function fireAfterChain(
  createIdleDetector: (listener: IdleListener) => IdleDetector,
  hops: number,
): Promise<string[]> {
  const log: string[] = [];
  const detector = createIdleDetector({ onIdle: () => log.push("idle") });
  queueMicrotask(() => {
    detector.poke();
    let hop = 0;
    const next = (): void => {
      log.push(`hop ${++hop}`);
      if (hop < hops) queueMicrotask(next);
    };
    queueMicrotask(next);
  });
  await turnOfTheEventLoop();
  return log;
}

const chainThenIdle = (hops: number): string[] => [...Array.from({ length: hops }, (_, i) => `hop ${i + 1}`), "idle"];

test("createIdleDetector uses process.nextTick once it has seen it run after the queued microtasks (Node)", async () => {
  const { createIdleDetector } = await loadWith(realNextTick);
  createIdleDetector({ onIdle: () => {} }); // starts the check
  await turnOfTheEventLoop();
  // 20 quiet hops: only a detector that waits for the queue to drain fires after all of them.
  expect(await fireAfterChain(createIdleDetector, 20)).toEqual(chainThenIdle(20));
});

test("createIdleDetector uses setImmediate when process.nextTick runs before queued microtasks (Bun)", async () => {
  const { createIdleDetector } = await loadWith((task) => task()); // runs at once: before anything queued
  createIdleDetector({ onIdle: () => {} });
  await turnOfTheEventLoop();
  // A macrotask: only after every quiet hop, as the nextTick detector of Node.
  expect(await fireAfterChain(createIdleDetector, 20)).toEqual(chainThenIdle(20));
});

test("createIdleDetector keeps the portable detector when process.nextTick runs first and there is no setImmediate", async () => {
  const { createIdleDetector } = await loadWith((task) => task(), { setImmediate: false });
  createIdleDetector({ onIdle: () => {} });
  await turnOfTheEventLoop();
  const log = await fireAfterChain(createIdleDetector, 20);
  // The portable detector fires after a few quiet turns, inside the chain, and never on every hop.
  expect(log.indexOf("idle")).toBeGreaterThan(2);
  expect(log.indexOf("idle")).toBeLessThan(20);
});

test("createIdleDetector keeps the portable detector when process.nextTick is only a microtask", async () => {
  const { createIdleDetector } = await loadWith((task) => queueMicrotask(task));
  createIdleDetector({ onIdle: () => {} });
  await turnOfTheEventLoop();
  const log = await fireAfterChain(createIdleDetector, 20);
  expect(log.indexOf("idle")).toBeGreaterThan(2);
  expect(log.indexOf("idle")).toBeLessThan(20);
});

test("createIdleDetector gives the portable detector to streams made while the check runs", async () => {
  const { createIdleDetector } = await loadWith(realNextTick);
  // The first detector of the process: the check has only just started.
  const log = await fireAfterChain(createIdleDetector, 20);
  expect(log.indexOf("idle")).toBeLessThan(20);
});

test("A detector made while the check ran waits for the queue to drain from its first poke after the check", async () => {
  const { createIdleDetector } = await loadWith(realNextTick);
  // Made (and used once) while the check runs, as each subscriber of a channel at its first publish.
  const log: string[] = [];
  const early = createIdleDetector({ onIdle: () => log.push("idle") });
  early.poke();
  await turnOfTheEventLoop();
  expect(log).toEqual(["idle"]);
  log.length = 0;
  // Poked again once the check has decided: it now fires only after all 20 quiet hops.
  queueMicrotask(() => {
    early.poke();
    let hop = 0;
    const next = (): void => {
      log.push(`hop ${++hop}`);
      if (hop < 20) queueMicrotask(next);
    };
    queueMicrotask(next);
  });
  await turnOfTheEventLoop();
  expect(log).toEqual(chainThenIdle(20));
});

test("createIdleDetector learns that process.nextTick runs last while nothing but microtasks run", async () => {
  const { createIdleDetector } = await loadWith(realNextTick);
  const log: string[] = [];
  // One chain of microtasks that never lets the queue drain (a stream drained in process): the check
  // starts at its first hop, and a detector made at hop 10 must already wait for the queue to drain.
  await new Promise<void>((resolve) => {
    let hop = 0;
    let detector: IdleDetector | undefined;
    const next = (): void => {
      hop++;
      if (hop === 1) createIdleDetector({ onIdle: () => {} });
      if (hop === 10) {
        detector = createIdleDetector({ onIdle: () => log.push("idle") });
        detector.poke();
      }
      if (hop > 10) log.push(`hop ${hop - 10}`);
      if (hop < 30) queueMicrotask(next);
      else setTimeout(resolve, 0);
    };
    queueMicrotask(next);
  });
  expect(log).toEqual(chainThenIdle(20));
});
