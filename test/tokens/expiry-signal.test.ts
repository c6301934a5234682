import { afterEach, expect, test, vi } from "vitest";
import { expirySignal, TokenExpiredError } from "edge-sse/tokens";
import { atTime } from "../../src/core/long-timeout.ts";
import { MAX_TIMER_MS as MAX_TIMER_DELAY } from "../../src/core/check.ts";
import { NOW } from "./oracle.ts";

const DAY = 86_400_000;

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

test("atTime waits 30 days in timers of at most 2^31-1 ms and calls back once, at the instant, leaving no timer", async () => {
  vi.useFakeTimers({ now: NOW });
  const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
  const at = NOW + 30 * DAY;
  let calls = 0;
  atTime(at, () => calls++);
  await vi.advanceTimersByTimeAsync(at - NOW - 1);
  expect(calls).toBe(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(calls).toBe(1);
  expect(Date.now()).toBe(at);
  expect(vi.getTimerCount()).toBe(0);
  const delays = setTimeoutSpy.mock.calls.map((call) => call[1]);
  expect(delays.length).toBe(Math.ceil((30 * DAY) / MAX_TIMER_DELAY));
  expect(delays.every((delay) => typeof delay === "number" && delay <= MAX_TIMER_DELAY)).toBe(true);
});

test("atTime checks the clock again when a timer fires, and waits on when it fired early", async () => {
  vi.useFakeTimers({ now: NOW });
  let calls = 0;
  atTime(NOW + 1_000, () => calls++);
  vi.setSystemTime(NOW - 500); // the clock went back while waiting: the first timer fires 500 ms early
  await vi.advanceTimersByTimeAsync(1_000);
  expect(calls).toBe(0);
  expect(vi.getTimerCount()).toBe(1);
  await vi.advanceTimersByTimeAsync(500);
  expect(calls).toBe(1);
  expect(vi.getTimerCount()).toBe(0);
});

test("atTime's cancel clears its timer, and the callback never runs", async () => {
  vi.useFakeTimers({ now: NOW });
  let calls = 0;
  const cancel = atTime(NOW + 40 * DAY, () => calls++);
  await vi.advanceTimersByTimeAsync(MAX_TIMER_DELAY + 1); // into the second timer
  expect(vi.getTimerCount()).toBe(1);
  cancel();
  expect(vi.getTimerCount()).toBe(0);
  await vi.advanceTimersByTimeAsync(40 * DAY);
  expect(calls).toBe(0);
});

test("atTime calls back on a later turn, not at once, when the instant has passed", async () => {
  vi.useFakeTimers({ now: NOW });
  let calls = 0;
  atTime(NOW - 5, () => calls++);
  expect(calls).toBe(0);
  await vi.advanceTimersByTimeAsync(0);
  expect(calls).toBe(1);
  expect(vi.getTimerCount()).toBe(0);
});

test("expirySignal aborts with a TokenExpiredError at validUntil, years away, and leaves no timer", async () => {
  vi.useFakeTimers({ now: NOW });
  const validUntil = NOW + 400 * DAY;
  const signal = expirySignal(validUntil);
  await vi.advanceTimersByTimeAsync(400 * DAY - 1);
  expect(signal.aborted).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBeInstanceOf(TokenExpiredError);
  expect((signal.reason as TokenExpiredError).validUntil).toBe(validUntil);
  expect((signal.reason as Error).message).toBe(`The token expired at ${new Date(validUntil).toISOString()}`);
  expect(vi.getTimerCount()).toBe(0);
});

test("signal: expirySignal follows a signal that aborts first, with its reason, and clears its timer", async () => {
  vi.useFakeTimers({ now: NOW });
  const stream = new AbortController();
  const signal = expirySignal(NOW + 60_000, { signal: stream.signal });
  expect(vi.getTimerCount()).toBe(1);
  const reason = new Error("the client left");
  stream.abort(reason);
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBe(reason);
  expect(vi.getTimerCount()).toBe(0);
});

test("signal: expirySignal removes its listener from the signal it follows once it has expired", async () => {
  vi.useFakeTimers({ now: NOW });
  const stream = new AbortController();
  const added = vi.spyOn(stream.signal, "addEventListener");
  const removed = vi.spyOn(stream.signal, "removeEventListener");
  const signal = expirySignal(NOW + 1_000, { signal: stream.signal });
  await vi.advanceTimersByTimeAsync(1_000);
  expect(signal.reason).toBeInstanceOf(TokenExpiredError);
  expect(removed.mock.calls).toEqual([["abort", added.mock.calls[0]![1]]]);
  stream.abort(new Error("later"));
  expect(signal.reason).toBeInstanceOf(TokenExpiredError);
});

test("signal: expirySignal is aborted at once, with no timer, when the signal it follows already is", () => {
  vi.useFakeTimers({ now: NOW });
  const reason = new Error("gone");
  const signal = expirySignal(NOW + 1_000, { signal: AbortSignal.abort(reason) });
  expect(signal.aborted && signal.reason).toBe(reason);
  expect(vi.getTimerCount()).toBe(0);
});

test("expirySignal rejects a bad validUntil or signal with a TypeError that names it", () => {
  expect(() => expirySignal(Number.NaN)).toThrow(
    new TypeError(
      "Cannot make expiry signal: `validUntil` must be a time in milliseconds since the epoch, a safe integer >= 0 (got number NaN)",
    ),
  );
  expect(() => expirySignal(new Date() as unknown as number)).toThrow(
    "`validUntil` must be a time in milliseconds since the epoch",
  );
  expect(() => expirySignal(NOW, { signal: {} as AbortSignal })).toThrow(
    new TypeError("Cannot make expiry signal: `signal` must be an AbortSignal (got an object)"),
  );
});

test("expirySignal is aborted at once, with no timer, when validUntil has passed", () => {
  vi.useFakeTimers({ now: NOW });
  const signal = expirySignal(NOW);
  expect(signal.reason).toBeInstanceOf(TokenExpiredError);
  expect(vi.getTimerCount()).toBe(0);
});
