/**
 * The keep-alive of many streams on one timer. Every stream that pings after the same silence joins
 * that silence's clock: one timer, due when the member that has been silent longest is due, which
 * tells each member the time; those silent for the whole interval ping. A stream holds an entry in a
 * `Set`, not a timer of its own (a pending timer costs about 350 bytes of heap on Node and 800 on Deno;
 * an idle server holds one per connection). The clock looks at its members at most every eighth of the
 * interval, so a ping leaves `keepAlive` ms after the last write, or, when another member was looked at
 * less than an eighth of the interval before, at most that much later. The clock stops when its last
 * stream leaves, and keeps a process alive no longer than its streams would.
 *
 * Cloudflare Workers tie every timer, and every write it makes, to the request that set it: a timer of
 * one request cannot serve another's stream, and it ends with its request. There each stream gets a
 * clock of its own (`sharesTimers` is false), which works the same way for its one member.
 */

/**
 * A stream on a clock: told the time, it pings when it has been silent long enough, and returns when it
 * is due next (its last write plus the interval).
 */
export interface KeepAliveMember {
  keepAliveTick(now: number): number;
}

/** The clock looks at its members at most this many times per interval: a ping is at most this fraction late. */
const TICKS_PER_INTERVAL = 8;

/**
 * Whether streams may share a timer here: everywhere but in Cloudflare's workerd (see above), known by
 * its user agent or, with a compatibility date older than `navigator`, by its `WebSocketPair` global.
 */
export const sharesTimers: boolean =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent !== "Cloudflare-Workers" &&
  typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair === "undefined";

/** One interval's clock: the streams on it, and its timer while it has members. */
export interface KeepAliveClock {
  readonly interval: number;
  readonly members: Set<KeepAliveMember>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The running shared clocks, by their interval; a clock stops and leaves once it has no member. */
const clocks = new Map<number, KeepAliveClock>();

/**
 * Tells every member the time (one that ends in its tick leaves during the loop, which `Set` allows),
 * then waits until the next member is due, or an eighth of the interval when that is sooner.
 */
function tick(clock: KeepAliveClock): void {
  const now = Date.now();
  let next = Number.POSITIVE_INFINITY;
  for (const member of clock.members) next = Math.min(next, member.keepAliveTick(now));
  clock.timer = undefined;
  if (clock.members.size > 0) {
    const step = Math.max(1, Math.floor(clock.interval / TICKS_PER_INTERVAL));
    clock.timer = setTimeout(tick, Math.max(next - now, step), clock);
  }
}

/**
 * Puts `member` on a clock of `interval` ms, which starts if it was not running: the shared one when
 * `shared` (pass `sharesTimers`), else one of its own. A member joins just after a write, due in
 * `interval`: a timer already set is due no later than that.
 */
export function joinKeepAliveClock(member: KeepAliveMember, interval: number, shared: boolean): KeepAliveClock {
  let clock = shared ? clocks.get(interval) : undefined;
  if (clock === undefined) {
    clock = { interval, members: new Set(), timer: undefined };
    if (shared) clocks.set(interval, clock);
  }
  clock.members.add(member);
  clock.timer ??= setTimeout(tick, interval, clock);
  return clock;
}

/** Takes `member` off `clock`; the last one to leave stops it. */
export function leaveKeepAliveClock(member: KeepAliveMember, clock: KeepAliveClock): void {
  if (!clock.members.delete(member) || clock.members.size > 0) return;
  clearTimeout(clock.timer);
  clock.timer = undefined;
  if (clocks.get(clock.interval) === clock) clocks.delete(clock.interval);
}
