import { afterEach, expect, test, vi } from "vitest";
import { DataStream, EXPIRED_EVENT, type StreamClosedError } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

/** A push stream that never ends by itself, and where its close reason lands. */
function openStream(expiresAt: number | Date) {
  const closed: StreamClosedError[] = [];
  const sent: Array<(item: unknown) => void> = [];
  const stream = new DataStream(
    (ctx) => {
      sent.push((item) => ctx.send(item));
    },
    { keepAlive: false, expiresAt, onClose: (reason) => closed.push(reason) },
  );
  return { body: stream.toReadableStream(), closed, send: (item: unknown) => sent[0]!(item) };
}

test("DataStream sends EXPIRED_EVENT after its events and closes with reason expired at expiresAt", async () => {
  vi.useFakeTimers({ now: NOW });
  const { body, closed, send } = openStream(NOW + 1_000);
  const text = new Response(body).text();
  await vi.advanceTimersByTimeAsync(0);
  send("one");
  send({ two: 2 });
  await vi.advanceTimersByTimeAsync(999);
  expect(closed).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  const { events } = parseWire(await text);
  expect(events).toEqual([
    { id: undefined, event: undefined, data: "one" },
    { id: undefined, event: undefined, data: '{"two":2}' },
    { id: undefined, event: EXPIRED_EVENT, data: `{"expiresAt":${NOW + 1_000}}` },
  ]);
  await vi.advanceTimersByTimeAsync(0);
  expect(closed.map((reason) => reason.type)).toEqual(["expired"]);
  expect(closed[0]!.message).toBe("The event stream ended: it reached its expiresAt");
  expect(vi.getTimerCount()).toBe(0);
});

test("DataStream takes expiresAt as a Date, and waits for one 400 days away in timers a setTimeout honours", async () => {
  vi.useFakeTimers({ now: NOW });
  const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
  const expiresAt = new Date(NOW + 400 * DAY);
  const { body, closed } = openStream(expiresAt);
  const text = new Response(body).text();
  await vi.advanceTimersByTimeAsync(400 * DAY - 1);
  expect(closed).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(parseWire(await text).events.map((event) => event.event)).toEqual([EXPIRED_EVENT]);
  await vi.advanceTimersByTimeAsync(0);
  expect(closed.map((reason) => reason.type)).toEqual(["expired"]);
  const delays = setTimeoutSpy.mock.calls.map((call) => call[1] ?? 0);
  expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
  setTimeoutSpy.mockRestore();
});

test("DataStream whose expiresAt has passed sends only EXPIRED_EVENT and never starts its producer", async () => {
  let started = false;
  const closed: StreamClosedError[] = [];
  const stream = new DataStream(
    () => {
      started = true;
    },
    { expiresAt: Date.now() - 1, onClose: (reason) => closed.push(reason) },
  );
  const text = await stream.toResponse().text();
  expect(parseWire(text).events.map((event) => event.event)).toEqual([EXPIRED_EVENT]);
  expect(started).toBe(false);
  await vi.waitFor(() => expect(closed.map((reason) => reason.type)).toEqual(["expired"]));
});

test("DataStream clears its expiry timer when the client leaves first", async () => {
  vi.useFakeTimers({ now: NOW });
  const { body, closed } = openStream(NOW + 60_000);
  const reader = body.getReader();
  await reader.read();
  expect(vi.getTimerCount()).toBe(1);
  await reader.cancel();
  await vi.advanceTimersByTimeAsync(0);
  expect(closed.map((reason) => reason.type)).toEqual(["client-gone"]);
  expect(vi.getTimerCount()).toBe(0);
});

test("DataStream clears its expiry timer when its source ends first", async () => {
  vi.useFakeTimers({ now: NOW });
  const text = await new DataStream(["a"], { keepAlive: false, expiresAt: NOW + 60_000 }).toResponse().text();
  expect(parseWire(text).events.map((event) => event.data)).toEqual(["a"]);
  expect(vi.getTimerCount()).toBe(0);
});

test("DataStream rejects an expiresAt that is not a time with a TypeError naming it", () => {
  for (const bad of [Number.NaN, Infinity, "2030-01-01", new Date("nope"), null]) {
    expect(() => new DataStream([], { expiresAt: bad as number })).toThrow(TypeError);
  }
  expect(() => new DataStream([], { expiresAt: "2030-01-01" as unknown as number })).toThrow(
    new TypeError(
      'Cannot create DataStream: `expiresAt` must be a time: milliseconds since the epoch or a valid Date (got "2030-01-01")',
    ),
  );
  expect(() => new DataStream([], { expiresAt: new Date("nope") })).toThrow(/`expiresAt` must be a time/);
});
