/**
 * Detects "nothing more is ready": the engine pokes the detector for every item it takes, and the
 * detector calls `onIdle` once the work that was ready has run. With `process.nextTick` where the
 * runtime has one (Node, Bun, Deno: it runs after the microtask queue drains), armed once per chunk;
 * else after a few microtask turns in which no item arrived. Feature-detected, never sniffed.
 */
type Task = () => void;

/** Quiet microtask turns that mean "idle" without `process.nextTick`: a generator takes 2–3 per item. */
const QUIET_TURNS = 8;

const processLike = (globalThis as { process?: { nextTick?: unknown } }).process;

/** Returns `poke`: after a poke, `onIdle` runs once the microtask queue has drained. */
export function nextTickIdleDetector(onIdle: Task): Task {
  const nextTick = processLike!.nextTick as (task: Task) => void;
  let armed = false;
  const fire = (): void => {
    armed = false;
    onIdle();
  };
  return () => {
    if (armed) return;
    armed = true;
    nextTick.call(processLike, fire);
  };
}

/** Returns `poke`: after a poke, `onIdle` runs once `QUIET_TURNS` microtask turns pass with no poke. */
export function microtaskIdleDetector(onIdle: Task): Task {
  let armed = false;
  let poked = false;
  let quiet = 0;
  const turn = (): void => {
    if (poked) {
      poked = false;
      quiet = 0;
    } else if (++quiet >= QUIET_TURNS) {
      armed = false;
      onIdle();
      return;
    }
    queueMicrotask(turn);
  };
  return () => {
    if (armed) {
      poked = true;
      return;
    }
    armed = true;
    poked = false;
    quiet = 0;
    queueMicrotask(turn);
  };
}

export const createIdleDetector: (onIdle: Task) => Task =
  typeof processLike?.nextTick === "function" ? nextTickIdleDetector : microtaskIdleDetector;
