// Streams that ping after the same silence share one keep-alive timer (everywhere but workerd, where
// data-stream-lifecycle.own-timers.test.ts and the runtime suite cover a timer per stream).
import { afterEach, expect, test, vi } from "vitest";
import { DataStream, type StreamContext } from "edge-sse";
import { readChunk } from "../helpers/collect.ts";
import { deferred, flushMicrotasks } from "../helpers/deferred.ts";

const FAKE_TIMERS: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
};

afterEach(() => {
  vi.useRealTimers();
});

/** A stream silent until `quiet` resolves or it is cancelled (no timer of its own), read from its first bytes on. */
async function quietStream(keepAlive: number, quiet: Promise<void>): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = new DataStream(
    // biome-ignore lint/correctness/useYield: a source that only waits is what is tested
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

test("keepAlive: a ping leaves after keepAlive ms of silence, and at most an eighth of keepAlive later", async () => {
  vi.useFakeTimers(FAKE_TIMERS);
  const arrivals: [number, string][] = [];
  let ctx: StreamContext | undefined;
  const started = Date.now();
  const reader = new DataStream(
    (context) => {
      ctx = context;
      return new Promise<void>(() => {});
    },
    { keepAlive: 1_000 },
  )
    .toReadableStream()
    .getReader();
  const reading = (async () => {
    for (let text = await readChunk(reader); text !== undefined; text = await readChunk(reader)) {
      arrivals.push([Date.now() - started, text]);
    }
  })();
  await flushMicrotasks();
  // An event 300 ms in, between the clock's ticks: the silence starts there.
  await vi.advanceTimersByTimeAsync(300);
  ctx!.send("x");
  await vi.advanceTimersByTimeAsync(1);
  await vi.advanceTimersByTimeAsync(998);
  expect(arrivals).toEqual([
    [0, ":\n\n"],
    [300, "data: x\n\n"],
  ]);
  await vi.advanceTimersByTimeAsync(125);
  const [at, text] = arrivals[2]!;
  expect(text).toBe(": ping\n\n");
  expect(at).toBeGreaterThanOrEqual(1_300);
  expect(at).toBeLessThanOrEqual(1_300 + 125);
  await reader.cancel();
  await reading;
});
