/**
 * Detects "nothing more is ready": the engine pokes the detector for every item it takes, and the
 * detector calls `onIdle` once the work that was ready has run. It uses `process.nextTick` where that
 * runs after the microtasks already queued (Node, Deno, Bun), armed once per chunk; elsewhere, after a
 * few microtask turns in which no item arrived. Which of the two is learned by watching `nextTick` run
 * once, not from its presence: workerd has a `process.nextTick` that runs *before* the microtasks
 * already queued, so it would fire after every item and nothing would ever be batched.
 */
type Task = () => void;

/** Quiet microtask turns that mean "idle" without a usable `process.nextTick`: a generator takes 2–3 per item. */
const QUIET_TURNS = 8;

/**
 * Queues a microtask as a promise reaction. [measured] `queueMicrotask` costs about a hundred times
 * more in workerd (about 4 µs of CPU a call against 0.03 µs), and the portable detector queues one
 * per microtask turn while items flow.
 */
const resolved = Promise.resolve();
function later(task: Task): void {
  void resolved.then(task);
}

const processLike = (globalThis as { process?: { nextTick?: unknown } }).process;
const nextTick =
  typeof processLike?.nextTick === "function"
    ? (task: Task): void => (processLike.nextTick as (task: Task) => void).call(processLike, task)
    : undefined;

/**
 * Whether `nextTick` has been seen to run after the microtasks queued before it: `undefined` until
 * watched, then `false` while the check runs and wherever it fails.
 */
let nextTickRunsLast: boolean | undefined;

/** Microtask hops the check chains before `nextTick` must run: a generator step takes 2–3. */
const CHECK_HOPS = 3;

/**
 * Watches `nextTick` once, from inside a microtask, as the engine pokes it: it must run after a chain
 * of microtasks queued before it, each queuing the next (a `nextTick` that runs first, or one that is
 * only a microtask itself, fails).
 */
function watchNextTick(tick: (task: Task) => void): void {
  nextTickRunsLast = false;
  queueMicrotask(() => {
    let hops = 0;
    const hop = (): void => {
      if (++hops < CHECK_HOPS) queueMicrotask(hop);
    };
    queueMicrotask(hop);
    tick(() => {
      nextTickRunsLast = hops === CHECK_HOPS;
    });
  });
}

/** Returns `poke`: after a poke, `onIdle` runs once the microtask queue has drained (`process.nextTick` must run last). */
export function nextTickIdleDetector(onIdle: Task): Task {
  const tick = nextTick!;
  let armed = false;
  const fire = (): void => {
    armed = false;
    onIdle();
  };
  return () => {
    if (armed) return;
    armed = true;
    tick(fire);
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
    later(turn);
  };
  return () => {
    if (armed) {
      poked = true;
      return;
    }
    armed = true;
    poked = false;
    quiet = 0;
    later(turn);
  };
}

/**
 * A detector for one stream: the `nextTick` one once `nextTick` has been seen to run last, else the
 * portable one (the first streams of a process use it while the check runs).
 */
export function createIdleDetector(onIdle: Task): Task {
  if (nextTick === undefined) return microtaskIdleDetector(onIdle);
  if (nextTickRunsLast === undefined) watchNextTick(nextTick);
  return nextTickRunsLast ? nextTickIdleDetector(onIdle) : microtaskIdleDetector(onIdle);
}
