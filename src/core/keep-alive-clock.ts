/**
 * The keep-alive of many streams on one timer. Every stream that pings after the same silence joins
 * that silence's clock: one interval timer that looks at each of its streams every eighth of the
 * silence and tells those that have been quiet for all of it to ping. A stream holds an entry in a
 * `Set`, not a timer of its own (a pending timer costs about 350 bytes of heap on Node and 800 on Deno;
 * an idle server holds one per connection). A ping leaves after `keepAlive` ms of silence and at most
 * an eighth of `keepAlive` later. The clock stops when its last stream leaves, and keeps a process alive
 * no longer than its streams would.
 *
 * Cloudflare Workers tie every timer, and every write it makes, to the request that set it: a timer of
 * one request cannot serve another's stream, and it ends with its request. There each stream keeps a
 * timer of its own (`sharesTimers` is false).
 */

/** A stream on a clock: told the time at each tick, it pings when it has been silent long enough. */
export interface KeepAliveMember {
  keepAliveTick(now: number): void;
}

/** Ticks per keep-alive interval: how late a ping may leave, as a fraction of the interval. */
const TICKS_PER_INTERVAL = 8;

/**
 * Whether streams may share a timer here: everywhere but in Cloudflare's workerd (see above), known by
 * its user agent or, with a compatibility date older than `navigator`, by its `WebSocketPair` global.
 */
export const sharesTimers: boolean =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent !== "Cloudflare-Workers" &&
  typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair === "undefined";

/** One interval's clock: the streams on it, and the timer that ticks while it has any. */
interface KeepAliveClock {
  readonly members: Set<KeepAliveMember>;
  readonly timer: ReturnType<typeof setInterval>;
}

/** The running clocks, by their interval; a clock stops and leaves once it has no member. */
const clocks = new Map<number, KeepAliveClock>();

/** Tells every member of a clock the time (one that ends in its tick leaves during the loop, which `Set` allows). */
function tick(members: Set<KeepAliveMember>): void {
  const now = Date.now();
  for (const member of members) member.keepAliveTick(now);
}

/** Puts `member` on the clock of `interval` ms, which starts if it was not running. */
export function joinKeepAliveClock(member: KeepAliveMember, interval: number): void {
  let clock = clocks.get(interval);
  if (clock === undefined) {
    const members = new Set<KeepAliveMember>();
    clock = { members, timer: setInterval(tick, Math.max(1, Math.floor(interval / TICKS_PER_INTERVAL)), members) };
    clocks.set(interval, clock);
  }
  clock.members.add(member);
}

/** Takes `member` off the clock of `interval` ms; the last one to leave stops it. */
export function leaveKeepAliveClock(member: KeepAliveMember, interval: number): void {
  const clock = clocks.get(interval);
  if (clock === undefined || !clock.members.delete(member) || clock.members.size > 0) return;
  clearInterval(clock.timer);
  clocks.delete(interval);
}
