/**
 * Calls `task` once the work that is ready now has run: with `process.nextTick` where the runtime has
 * one (Node, Bun, Deno; it runs after the microtask queue drains), else after a few microtask turns.
 * Feature-detected, never sniffed by version. The engine arms it once per chunk, not per item.
 */
type Task = () => void;

/** Microtask turns to wait without `process.nextTick`: an async generator takes two or three per item. */
const IDLE_TURNS = 8;

const processLike = (globalThis as { process?: { nextTick?: unknown } }).process;

export function afterMicrotasks(task: Task): void {
  let turns = 0;
  const hop = (): void => {
    if (++turns < IDLE_TURNS) queueMicrotask(hop);
    else task();
  };
  queueMicrotask(hop);
}

export const whenIdle: (task: Task) => void = typeof processLike?.nextTick === "function"
  ? (task) => (processLike.nextTick as (task: Task) => void)(task)
  : afterMicrotasks;
