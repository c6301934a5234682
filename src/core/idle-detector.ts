/**
 * Detects "nothing more is ready": the engine pokes the detector for every item it takes, and the
 * detector calls `onIdle` once the work that was ready has run. It uses `process.nextTick` where that
 * runs after the microtasks already queued (Node, Deno), armed once per chunk; where `nextTick` runs
 * first (Bun, workerd) but `setImmediate` exists, that, armed once per chunk too; elsewhere, after a
 * few microtask turns in which no item arrived. Which is learned by watching `nextTick` run once, not
 * from its presence: a `process.nextTick` that runs *before* the microtasks already queued would fire
 * after every item, and nothing would ever be batched.
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
/** A macrotask: it runs once the microtask queue has drained, whatever `nextTick` does. */
const setImmediateLike = (globalThis as { setImmediate?: Schedule }).setImmediate;
type NextTick = <Argument>(task: (argument: Argument) => void, argument: Argument) => void;
const nextTick: NextTick | undefined =
  typeof processLike?.nextTick === "function"
    ? (task, argument) =>
        (processLike.nextTick as (task: unknown, argument: unknown) => void).call(processLike, task, argument)
    : undefined;

/**
 * Whether `nextTick` has been seen to run after the microtasks queued before it: `undefined` until
 * watched, then `false` while the check runs and wherever it fails.
 */
let nextTickRunsLast: boolean | undefined;
/** Whether `nextTick` has been seen to run before every microtask queued before it (Bun, workerd). */
let nextTickRunsFirst = false;
/** Set once the check has decided (at its last hop): detectors made before then change at their next poke. */
let nextTickChecked = false;

/** Microtask hops the check chains before `nextTick` must run: a generator step takes 2–3. */
const CHECK_HOPS = 3;

/**
 * Watches `nextTick` once, from inside a microtask, as the engine pokes it: it must run after a chain
 * of microtasks queued before it, each queuing the next (a `nextTick` that runs first, or one that is
 * only a microtask itself, fails). Decided at the chain's last hop when `nextTick` has not run by then,
 * not when it runs: where nothing but microtasks run (a stream drained in process), the queue may not
 * drain before every item is written, and `nextTick` would run only then.
 */
function watchNextTick(tick: NextTick): void {
  nextTickRunsLast = false;
  let ticked = false;
  queueMicrotask(() => {
    let hops = 0;
    const hop = (): void => {
      if (++hops < CHECK_HOPS) return queueMicrotask(hop);
      if (!ticked) nextTickRunsLast = true;
      nextTickChecked = true;
    };
    queueMicrotask(hop);
    tick(() => {
      ticked = true;
      nextTickRunsFirst = hops === 0;
    }, undefined);
  });
}

/** What a detector tells once nothing more is ready: the engine of one stream. */
export interface IdleListener {
  onIdle(): void;
}

/** The detector of one stream: `poke()` for every item taken; the listener's `onIdle` runs once. */
export interface IdleDetector {
  poke(): void;
}

/** Runs `task(detector)` once the microtask queue has drained: `process.nextTick` that runs last, or `setImmediate`. */
type Schedule = (task: (detector: DrainedQueueIdleDetector) => void, detector: DrainedQueueIdleDetector) => unknown;

/** One function for every detector, the detector passed as its argument: no closure per stream. */
function fire(detector: DrainedQueueIdleDetector): void {
  detector.armed = false;
  detector.listener.onIdle();
}

/** After a poke, `onIdle` runs once `schedule` runs its task, which must be after the microtask queue has drained. */
class DrainedQueueIdleDetector implements IdleDetector {
  armed = false;
  readonly listener: IdleListener;
  readonly schedule: Schedule;
  constructor(listener: IdleListener, schedule: Schedule) {
    this.listener = listener;
    this.schedule = schedule;
  }

  poke(): void {
    if (this.armed) return;
    this.armed = true;
    this.schedule(fire, this);
  }
}

/** After a poke, `onIdle` runs once `QUIET_TURNS` microtask turns pass with no poke. */
class MicrotaskIdleDetector implements IdleDetector {
  armed = false;
  poked = false;
  quiet = 0;
  /** Made at the first poke: one closure per stream, queued once per turn while items flow. */
  turnTask: Task | undefined;
  readonly listener: IdleListener;
  constructor(listener: IdleListener) {
    this.listener = listener;
  }

  poke(): void {
    if (this.armed) {
      this.poked = true;
      return;
    }
    this.armed = true;
    this.poked = false;
    this.quiet = 0;
    later((this.turnTask ??= () => this.turn()));
  }

  turn(): void {
    if (this.poked) {
      this.poked = false;
      this.quiet = 0;
    } else if (++this.quiet >= QUIET_TURNS) {
      this.armed = false;
      this.listener.onIdle();
      return;
    }
    later(this.turnTask!);
  }
}

/**
 * The detector of a stream made while the check of `nextTick` runs: the portable one until then, and
 * at its first poke at rest after the check, the one the check chose. So a stream that started early
 * (say, each subscriber of a channel's first publish) does not keep the portable detector for its life.
 */
class ProvisionalIdleDetector implements IdleDetector {
  readonly portable: MicrotaskIdleDetector;
  settled: IdleDetector | undefined;
  constructor(listener: IdleListener) {
    this.portable = new MicrotaskIdleDetector(listener);
  }

  poke(): void {
    if (this.settled === undefined && nextTickChecked && !this.portable.armed) {
      this.settled = createIdleDetector(this.portable.listener);
    }
    (this.settled ?? this.portable).poke();
  }
}

/** The portable detector: quiet microtask turns. */
export function microtaskIdleDetector(listener: IdleListener): IdleDetector {
  return new MicrotaskIdleDetector(listener);
}

/**
 * A detector for one stream: `nextTick` once it has been seen to run last; `setImmediate` once
 * `nextTick` has been seen to run first (Bun: the portable detector queues a microtask turn per turn
 * while items flow, `setImmediate` costs one macrotask per chunk); else the portable one. The streams
 * that start while the check runs use the portable one until it has decided.
 */
export function createIdleDetector(listener: IdleListener): IdleDetector {
  if (nextTick === undefined) return microtaskIdleDetector(listener);
  if (nextTickRunsLast === undefined) watchNextTick(nextTick);
  if (!nextTickChecked) return new ProvisionalIdleDetector(listener);
  if (nextTickRunsLast) return new DrainedQueueIdleDetector(listener, nextTick);
  if (nextTickRunsFirst && setImmediateLike !== undefined) {
    return new DrainedQueueIdleDetector(listener, setImmediateLike);
  }
  return microtaskIdleDetector(listener);
}
