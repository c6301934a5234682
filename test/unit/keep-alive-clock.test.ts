// Streams that ping after the same silence share one keep-alive timer (everywhere but workerd, where
// data-stream-lifecycle.own-timers.test.ts and the runtime suite cover a timer per stream).
import { afterEach, expect, test, vi } from "vitest";
import { DataStream, type StreamContext } from "edge-sse";
import { readChunk } from "../helpers/collect.ts";
import { deferred, flushMicrotasks } from "../helpers/deferred.ts";

const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ["setTimeout", "clearTimeout", "Date"],
};

afterEach(() => {
  vi.useRealTimers();
});

/** A stream silent until `quiet` resolves or it is cancelled (no timer of its own), read from its first bytes on. */
async function quietStream(keepAlive: number, quiet: Promise<void>): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = new DataStream(
    async function* ({ signal }) {
      await new Promise((resolve) => {
        signal.addEventListener("abort", resolve, { once: true });
        void quiet.then(resolve);
      });
    },
    { keepAlive },
  )
    .toReadableStream()
    .getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  return reader;
}

test("keepAlive: quiet streams with the same keepAlive share one timer, each still pinged, and the last to end stops it", async () => {
  vi.useFakeTimers(FAKE_TIMERS);
  const quiet = deferred();
  const readers = await Promise.all(Array.from({ length: 50 }, () => quietStream(1_000, quiet.promise)));
  const other = await quietStream(3_000, quiet.promise);
  // One timer per keep-alive interval in use, not one per stream.
  expect(vi.getTimerCount()).toBe(2);

  const pings = readers.map((reader) => readChunk(reader));
  await vi.advanceTimersByTimeAsync(1_000);
  expect(await Promise.all(pings)).toEqual(readers.map(() => ": ping\n\n"));

  await Promise.all(readers.map((reader) => reader.cancel()));
  expect(vi.getTimerCount()).toBe(1);
  quiet.resolve();
  expect(await readChunk(other)).toBeUndefined();
  expect(vi.getTimerCount()).toBe(0);
});

/** A push-mode stream read from its first bytes on, with what it wrote and when (ms after `origin`). */
function timedStream(
  keepAlive: number,
  origin: number,
): { send(item: string): void; arrivals: [number, string][]; stop(): Promise<void> } {
  const arrivals: [number, string][] = [];
  let ctx: StreamContext | undefined;
  const reader = new DataStream(
    (context) => {
      ctx = context;
      return new Promise<void>(() => {});
    },
    { keepAlive },
  )
    .toReadableStream()
    .getReader();
  const reading = (async () => {
    for (let text = await readChunk(reader); text !== undefined; text = await readChunk(reader)) {
      arrivals.push([Date.now() - origin, text]);
    }
  })();
  return {
    send: (item) => void ctx!.send(item),
    arrivals,
    stop: async () => {
      await reader.cancel();
      await reading;
    },
  };
}

test("keepAlive: a lone stream pings exactly keepAlive ms after its last write", async () => {
  vi.useFakeTimers(FAKE_TIMERS);
  const stream = timedStream(1_000, Date.now());
  await flushMicrotasks();
  // An event 300 ms in: the silence starts there.
  await vi.advanceTimersByTimeAsync(300);
  stream.send("x");
  await vi.advanceTimersByTimeAsync(999);
  expect(stream.arrivals).toEqual([
    [0, ":\n\n"],
    [300, "data: x\n\n"],
  ]);
  await vi.advanceTimersByTimeAsync(1);
  expect(stream.arrivals[2]).toEqual([1_300, ": ping\n\n"]);
  await vi.advanceTimersByTimeAsync(1_000);
  expect(stream.arrivals[3]).toEqual([2_300, ": ping\n\n"]);
  await stream.stop();
});

test("keepAlive: streams on one timer each ping after keepAlive ms of silence, and at most an eighth of it later", async () => {
  vi.useFakeTimers(FAKE_TIMERS);
  const origin = Date.now();
  const streams = Array.from({ length: 20 }, () => timedStream(1_000, origin));
  await flushMicrotasks();
  // Each stream's last event at its own time: 0, 37, 74, … 703 ms in.
  for (const stream of streams) {
    await vi.advanceTimersByTimeAsync(37);
    stream.send("x");
  }
  await vi.advanceTimersByTimeAsync(3_000);
  for (const { arrivals } of streams) {
    const [wroteAt] = arrivals[1]!;
    const pings = arrivals.slice(2);
    expect(pings.length).toBeGreaterThanOrEqual(2);
    let silentSince = wroteAt;
    for (const [at, text] of pings) {
      expect(text).toBe(": ping\n\n");
      expect(at - silentSince).toBeGreaterThanOrEqual(1_000);
      expect(at - silentSince).toBeLessThanOrEqual(1_000 + 125);
      silentSince = at;
    }
  }
  await Promise.all(streams.map((stream) => stream.stop()));
  expect(vi.getTimerCount()).toBe(0);
});
