// The channel's operations for subscribers over hibernatable WebSockets, inside workerd (worker.ts):
// `maxSubscribers` counts sockets and the streams the object holds together, `drain()` ends the Worker's
// streams after the retry hint as it ends the object's own, and `maxLifetime` ends the Worker's streams.
// /capped/:name and /short-lived/:name route with `hibernate: true`; /capped-held/:name and
// /short-lived-held/:name without it, for what the object's own streams do. Run: bash scripts/runtimes/workerd.sh
import { evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, test } from "vitest";
import type { DurableObjectStubLike } from "edge-sse/durable-object";
import { EventReader } from "../../../helpers/event-reader.ts";
import { type Env, type HookCall, LIFETIME_MS, MAX_SUBSCRIBERS, RETRY_MS } from "./worker.ts";

const { CAPPED_CHANNELS, SHORT_LIVED_CHANNELS } = env as Env;

let channels = 0;
/** A fresh channel for each test: objects and their storage are not reset between tests. */
function newChannel(): string {
  return `operations-${++channels}-${Math.random().toString(36).slice(2, 8)}`;
}

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel().catch(() => {})));
});

function get(route: string, name: string): Promise<Response> {
  return SELF.fetch(`http://example.com/${route}/${name}`);
}

async function subscribe(route: string, name: string, headers: Record<string, string> = {}): Promise<EventReader> {
  const response = await SELF.fetch(`http://example.com/${route}/${name}`, { headers });
  expect(response.status).toBe(200);
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  return reader;
}

async function publish(route: string, name: string, data: string): Promise<void> {
  const response = await SELF.fetch(`http://example.com/${route}/${name}`, { method: "POST", body: data });
  // Read to its end: an answer left unread holds the object, which could then not be evicted.
  expect([response.status, await response.text()]).toEqual([201, expect.stringMatching(/^\{"id":/)]);
}

/** How many subscriber sockets the object has open (it wakes the object up). */
function openSockets(stub: DurableObjectStubLike): Promise<number> {
  return runInDurableObject(stub, (_, state) => state.getWebSockets?.().length ?? -1);
}

/** Polls `check` until it holds, for at most 10 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a refused subscriber gets: its status, `Retry-After` and text (none read from a stream that was not refused). */
async function refusalOf(response: Response): Promise<[number, string | null, string]> {
  if (response.status === 200) await response.body?.cancel();
  const text = response.status === 200 ? "(a stream)" : await response.text();
  return [response.status, response.headers.get("retry-after"), text];
}

const FULL = [
  503,
  String(Math.ceil(RETRY_MS / 1000)),
  `the channel has ${MAX_SUBSCRIBERS} subscribers already, its \`maxSubscribers\`; retry later\n`,
] as const;

test("hibernate: maxSubscribers refuses a socket subscriber with 503 and Retry-After, counting sockets after an eviction", async () => {
  const name = newChannel();
  const stub = CAPPED_CHANNELS.get(CAPPED_CHANNELS.idFromName(name));
  for (let n = 0; n < MAX_SUBSCRIBERS; n++) await subscribe("capped", name);
  expect(await refusalOf(await get("capped", name))).toEqual(FULL);
  // The object's own streams are refused alike: the sockets count for them too.
  expect(await refusalOf(await get("capped-held", name))).toEqual(FULL);
  // The count is the sockets the object finds again, not one it kept in memory.
  await evictDurableObject(stub);
  expect(await refusalOf(await get("capped", name))).toEqual(FULL);
  const metrics = (await (await SELF.fetch(`http://example.com/metrics/${name}`)).json()) as { refused: number };
  expect(metrics.refused).toBe(1); // counted by this instance, made by the eviction
});

test("hibernate: maxSubscribers counts the object's own streams against socket subscribers, and frees a place when one leaves", async () => {
  const name = newChannel();
  const stub = CAPPED_CHANNELS.get(CAPPED_CHANNELS.idFromName(name));
  const overSocket = await subscribe("capped", name);
  await subscribe("capped-held", name);
  expect(await refusalOf(await get("capped", name))).toEqual(FULL);
  await overSocket.cancel();
  await eventually(async () => (await openSockets(stub)) === 0, "the object's socket to close");
  const again = await subscribe("capped", name);
  await publish("capped", name, "a");
  expect(await again.next(1)).toEqual([{ id: "1", event: undefined, data: "a" }]);
});

test("hibernate: drain() ends each socket subscriber's stream after the retry hint, as it ends the object's own streams", async () => {
  const name = newChannel();
  const overSocket = await subscribe("capped", name);
  const held = await subscribe("capped-held", name);
  await publish("capped", name, "a");
  await overSocket.next(1);
  await held.next(1);
  const drained = await SELF.fetch(`http://example.com/drain/${name}?retry=700&timeout=300`);
  expect(await drained.json()).toEqual({ drained: true });
  expect(await overSocket.rest()).toEqual([{ id: "1", event: undefined, data: "a" }]);
  expect(await held.rest()).toEqual([{ id: "1", event: undefined, data: "a" }]);
  // The same bytes from the Worker's stream (after its first, empty comment) as from the object's: the
  // channel's retry, the event, the hint, the end.
  expect(overSocket.text).toBe(`:\n\n${held.text}`);
  expect(overSocket.text.endsWith("data: a\n\nretry: 700\n\n")).toBe(true);
  expect(overSocket.retries).toEqual([RETRY_MS, 700]);
  // A subscriber that comes during or after the drain gets only the hint, 200, so that EventSource follows it.
  const late = await get("capped", name);
  const lateHeld = await get("capped-held", name);
  expect(late.status).toBe(200);
  const lateText = await late.text();
  expect(lateText).toBe(await lateHeld.text());
  expect(lateText).toMatch(/^retry: 700\n\n: the channel is draining; reconnect in 700 ms\n\n$/);
});

test("hibernate: close({ end: true }) ends each socket subscriber's stream with the end event, as it ends the object's own", async () => {
  const name = newChannel();
  const overSocket = await subscribe("capped", name);
  const held = await subscribe("capped-held", name);
  await publish("capped", name, "a");
  await overSocket.next(1);
  await held.next(1);
  const closed = await SELF.fetch(`http://example.com/close/${name}?end`);
  expect(await closed.json()).toEqual({ closed: true });
  const ended = [
    { id: "1", event: undefined, data: "a" },
    { id: undefined, event: "edge-sse-end", data: "" },
  ];
  expect(await overSocket.rest()).toEqual(ended);
  expect(await held.rest()).toEqual(ended);
  expect(overSocket.text).toBe(`:\n\n${held.text}`);
  // Ended for good: 204, which tells EventSource not to reconnect.
  expect((await get("capped", name)).status).toBe(204);
  expect((await get("capped-held", name)).status).toBe(204);
});

test("hibernate: maxLifetime ends a socket subscriber's stream between 90% and 100% of it, and closes its socket", async () => {
  const name = newChannel();
  const stub = SHORT_LIVED_CHANNELS.get(SHORT_LIVED_CHANNELS.idFromName(name));
  const started = Date.now();
  const overSocket = await subscribe("short-lived", name);
  const held = await subscribe("short-lived-held", name);
  await publish("short-lived", name, "a");
  expect(await overSocket.rest()).toEqual([{ id: "1", event: undefined, data: "a" }]);
  // Not before nine tenths of the lifetime: a bound the stream must keep, not a measure of speed.
  expect(Date.now() - started).toBeGreaterThanOrEqual(0.9 * LIFETIME_MS);
  expect(await held.rest()).toEqual([{ id: "1", event: undefined, data: "a" }]);
  expect(overSocket.text).toBe(held.text);
  await eventually(async () => (await openSockets(stub)) === 0, "the object's socket to close");
});

async function hookCalls(name: string): Promise<HookCall[]> {
  return (await (await SELF.fetch(`http://example.com/hooks/${name}`)).json()) as HookCall[];
}

test("hibernate: onJoin and onLeave see a socket subscriber as they see a stream, and its reasons", async () => {
  const name = newChannel();
  await publish("capped", name, "a");
  await publish("capped", name, "b");
  const overSocket = await subscribe("capped", name, { "last-event-id": "1" });
  const held = await subscribe("capped-held", name, { "last-event-id": "1" });
  await overSocket.next(1);
  await held.next(1);
  const joined = { lastEventId: "1", replayedFrom: "1", request: true };
  expect(await hookCalls(name)).toEqual([
    { hook: "join", ...joined },
    { hook: "join", ...joined },
  ]);
  await held.cancel();
  await overSocket.cancel();
  await eventually(async () => (await hookCalls(name)).length === 4, "onLeave of both");
  const left = (await hookCalls(name)).slice(2);
  // Each the same, but for the request: it is not kept through hibernation.
  expect(left).toContainEqual({ hook: "leave", ...joined, reason: "client-gone" });
  expect(left).toContainEqual({ hook: "leave", ...joined, request: false, reason: "client-gone" });
  const metrics = (await (await SELF.fetch(`http://example.com/metrics/${name}`)).json()) as {
    closed: Record<string, number>;
    replays: number;
  };
  expect(metrics.closed["client-gone"]).toBe(2);
  expect(metrics.replays).toBe(2);

  // A drain: the socket's subscriber leaves with reason "done", as the stream's does.
  await subscribe("capped", name);
  await subscribe("capped-held", name);
  await SELF.fetch(`http://example.com/drain/${name}?retry=700&timeout=100`);
  await eventually(async () => (await hookCalls(name)).length === 8, "onLeave after the drain");
  const afterDrain = (await hookCalls(name)).slice(6);
  expect(afterDrain).toEqual([
    { hook: "leave", lastEventId: undefined, replayedFrom: undefined, request: expect.any(Boolean), reason: "done" },
    { hook: "leave", lastEventId: undefined, replayedFrom: undefined, request: expect.any(Boolean), reason: "done" },
  ]);
});

test("hibernate: onLeave gets what the socket's attachment kept when its subscriber leaves after an eviction", async () => {
  const name = newChannel();
  const stub = CAPPED_CHANNELS.get(CAPPED_CHANNELS.idFromName(name));
  await publish("capped", name, "a");
  const overSocket = await subscribe("capped", name, { "last-event-id": "7" }); // not held: a gap
  await overSocket.next(2);
  await evictDurableObject(stub);
  await overSocket.cancel();
  await eventually(async () => (await hookCalls(name)).length === 2, "the socket's onLeave");
  expect(await hookCalls(name)).toEqual([
    { hook: "join", lastEventId: "7", replayedFrom: "earliest", request: true },
    { hook: "leave", lastEventId: "7", replayedFrom: "earliest", request: false, reason: "client-gone" },
  ]);
  const metrics = (await (await SELF.fetch(`http://example.com/metrics/${name}`)).json()) as {
    closed: Record<string, number>;
  };
  expect(metrics.closed["client-gone"]).toBe(1); // counted by the new instance
});

test("hibernate: with eventIds, socket subscribers get the opaque ids a stream gets, and resume from them", async () => {
  const name = newChannel();
  const overSocket = await subscribe("opaque-hibernating", name);
  const held = await subscribe("opaque", name);
  await publish("opaque", name, "a");
  await publish("opaque", name, "b");
  const [first, second] = await overSocket.next(2);
  expect(await held.next(2)).toEqual([first, second]);
  expect([first?.data, second?.data]).toEqual(["a", "b"]);
  expect(first?.id).not.toMatch(/^\d+$/);

  // Back with the opaque id: exactly what came after it, then live events.
  const again = await subscribe("opaque-hibernating", name, { "last-event-id": first!.id! });
  expect(again.response?.headers.get("last-event-id")).toBe(encodeURIComponent(first!.id!));
  expect(await again.next(1)).toEqual([second]);
  await publish("opaque", name, "c");
  const [third] = await again.next(1);
  expect(third?.data).toBe("c");
  expect(await held.next(1)).toEqual([third]);

  // A plain id does not decode: the gap marker, whose firstId is opaque too, then every event.
  const plain = await subscribe("opaque-hibernating", name, { "last-event-id": "1" });
  expect(plain.response?.headers.get("last-event-id")).toBe("earliest");
  const [marker, ...replayed] = await plain.next(4);
  expect(marker).toEqual({
    id: undefined,
    event: "edge-sse-gap",
    data: JSON.stringify({ lastEventId: "1", firstId: first!.id }),
  });
  expect(replayed).toEqual([first, second, third]);
});
