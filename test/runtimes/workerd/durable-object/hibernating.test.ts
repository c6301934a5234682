// edge-sse/durable-object over hibernatable WebSockets, inside workerd: the Worker (worker.ts) routes
// /hibernating/:name with `routeToChannel(…, { hibernate: true })`, so the Worker holds each event stream
// and the HibernatingChannels object fans out over sockets it accepted with ctx.acceptWebSocket. Eviction is
// forced with evictDurableObject (its sockets hibernate, as in production when the object is idle) and, in
// one test, left to workerd, which evicts an object idle for 10 s whose only connections are such sockets.
// Run: bash scripts/runtimes/workerd.sh
import { evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, test } from "vitest";
import { GAP_EVENT } from "edge-sse/channel";
import type { DurableObjectStubLike } from "edge-sse/durable-object";
import { EventReader } from "../../../helpers/event-reader.ts";
import {
  LARGE_BODY_BYTES,
  MAX_EVENTS,
  RETRY_MS,
  STREAM_ERROR_EVENT,
  type Env,
  type HibernatingChannels,
} from "./worker.ts";

const { HIBERNATING_CHANNELS } = env as Env;
/** How long workerd lets an object sit idle before it evicts it (when nothing holds it in memory). */
const IDLE_EVICTION_MS = 10_000;

let channels = 0;
/** A fresh channel for each test: objects and their storage are not reset between tests. */
function newChannel(): string {
  return `hibernating-${++channels}-${Math.random().toString(36).slice(2, 8)}`;
}

function stubOf(name: string): DurableObjectStubLike {
  return HIBERNATING_CHANNELS.get(HIBERNATING_CHANNELS.idFromName(name));
}

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel().catch(() => {})));
});

async function subscribe(
  name: string,
  headers: Record<string, string> = {},
  query = "",
  route = "hibernating",
): Promise<EventReader> {
  const response = await SELF.fetch(`http://example.com/${route}/${name}${query}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  return reader;
}

async function publish(name: string, fields: Record<string, unknown>): Promise<string> {
  const response = await SELF.fetch(`http://example.com/hibernating/${name}`, {
    method: "POST",
    body: JSON.stringify(fields),
    headers: { "content-type": "application/json" },
  });
  const body = (await response.json()) as { id?: string; error?: string };
  expect(response.status, body.error).toBe(201);
  return body.id!;
}

/** The object's instance: its nonce and number, which change when it is evicted and woken up. */
function instanceOf(name: string): Promise<{ nonce: string; instance: number }> {
  return runInDurableObject(stubOf(name), (object) => {
    const { nonce, instance } = object as HibernatingChannels;
    return { nonce, instance };
  });
}

/** How many subscriber sockets the object has open (it wakes the object up). */
function openSockets(name: string): Promise<number> {
  return runInDurableObject(stubOf(name), (_, state) => state.getWebSockets?.().length ?? -1);
}

/** Polls `check` until it holds, for at most 10 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("hibernate: every subscriber gets a published event over its socket, with the same id", async () => {
  const name = newChannel();
  const first = await subscribe(name);
  const second = await subscribe(name);
  expect(await openSockets(name)).toBe(2);
  const id = await publish(name, { data: "hello", event: "greeting" });
  expect(id).toBe("1");
  const expected = [{ id: "1", event: "greeting", data: "hello" }];
  expect(await first.next(1)).toEqual(expected);
  expect(await second.next(1)).toEqual(expected);
  // The channel's `retry` comes first, over the socket too.
  expect(first.text.startsWith(`:\n\nretry: ${RETRY_MS}\n\n`)).toBe(true);
  expect(first.retries).toEqual([RETRY_MS]);
});

test("hibernate: subscribers stay connected while the object is evicted, and get what is published after", async () => {
  const name = newChannel();
  const all = await subscribe(name);
  const alerts = await subscribe(name, {}, "?filter=alert");
  await publish(name, { data: "a" });
  expect(await all.next(1)).toEqual([{ id: "1", event: undefined, data: "a" }]);
  const before = await instanceOf(name);

  await evictDurableObject(stubOf(name));
  const after = await instanceOf(name); // a new instance, woken up by this call
  expect(after.nonce).not.toBe(before.nonce);
  expect(after.instance).toBeGreaterThan(before.instance);
  // The sockets are the same ones, found again after the wake-up, with their filters (their attachments).
  expect(await openSockets(name)).toBe(2);

  await publish(name, { data: "b" });
  await publish(name, { data: "disk full", event: "alert" });
  expect(await all.next(2)).toEqual([
    { id: "2", event: undefined, data: "b" },
    { id: "3", event: "alert", data: "disk full" },
  ]);
  expect(await alerts.next(1)).toEqual([{ id: "3", event: "alert", data: "disk full" }]);
  expect(alerts.events).toHaveLength(1);
});

test("hibernate: a reconnect after an eviction replays exactly what was missed, then goes live", async () => {
  const name = newChannel();
  const reader = await subscribe(name);
  for (const data of ["a", "b", "c"]) await publish(name, { data });
  expect((await reader.next(3)).map((event) => event.id)).toEqual(["1", "2", "3"]);
  await reader.cancel();
  await evictDurableObject(stubOf(name));

  const again = await subscribe(name, { "last-event-id": "1" });
  expect(again.response?.headers.get("last-event-id")).toBe("1");
  expect(await again.next(2)).toEqual([
    { id: "2", event: undefined, data: "b" },
    { id: "3", event: undefined, data: "c" },
  ]);
  await publish(name, { data: "d" });
  // One at a time: a replayed event sent twice would show up here, before d.
  expect(await again.next(1)).toEqual([{ id: "4", event: undefined, data: "d" }]);
});

test("hibernate: an id older than the history gets the gap marker, every held event and `last-event-id: earliest`", async () => {
  const name = newChannel();
  for (let n = 1; n <= MAX_EVENTS + 2; n++) await publish(name, { data: `event ${n}` });
  await evictDurableObject(stubOf(name));
  const reader = await subscribe(name, { "last-event-id": "1" });
  expect(reader.response?.headers.get("last-event-id")).toBe("earliest");
  const [marker, ...replayed] = await reader.next(1 + MAX_EVENTS);
  expect(marker).toEqual({ id: undefined, event: GAP_EVENT, data: JSON.stringify({ lastEventId: "1", firstId: "3" }) });
  expect(replayed.map((event) => event.id)).toEqual(["3", "4", "5", "6", "7"]);
});

test("hibernate: the object's socket closes when the client leaves", async () => {
  const name = newChannel();
  const reader = await subscribe(name);
  await publish(name, { data: "a" });
  await reader.next(1);
  expect(await openSockets(name)).toBe(1);
  await reader.cancel();
  await eventually(async () => (await openSockets(name)) === 0, "the object's socket to close");
});

test("hibernate: the stream ends when the object closes its socket, so the client reconnects", async () => {
  const name = newChannel();
  const reader = await subscribe(name);
  await publish(name, { data: "a" });
  await reader.next(1);
  await evictDurableObject(stubOf(name), { webSockets: "close" });
  expect(await reader.rest()).toEqual([{ id: "1", event: undefined, data: "a" }]);
});

test("hibernate: a malformed frame from the object ends the stream with a clear error, and closes the socket", async () => {
  const malformed = [
    ["not json", /a frame must be JSON \(got "not json"\)/],
    ['{"id":"9","data":"x","extra":1}', /only the fields id, event, data, comment and retry \(got "extra"\)/],
    ['{"id":"a\\nb","data":"x"}', /`id` must not contain a line break/],
    ['{"data":5}', /`data` must be a string \(got number 5\)/],
    ["[1]", /must be an object of event fields/],
  ] as const;
  for (const [frame, why] of malformed) {
    const name = newChannel();
    const reader = await subscribe(name);
    await publish(name, { data: "a" });
    await reader.next(1);
    await runInDurableObject(stubOf(name), (_, state) => {
      for (const socket of state.getWebSockets?.() ?? []) socket.send(frame);
    });
    const [first, last, ...more] = await reader.rest();
    expect(first).toEqual({ id: "1", event: undefined, data: "a" });
    expect(last?.event).toBe(STREAM_ERROR_EVENT);
    expect(last?.data).toMatch(/^TypeError: Cannot read a frame of the channel's object: /);
    expect(last?.data).toMatch(why);
    expect(more).toEqual([]);
    await eventually(async () => (await openSockets(name)) === 0, "the object's socket to close");
  }
});

test("hibernate: an event larger than 1 MiB goes over the socket in pieces and arrives whole", async () => {
  const name = newChannel();
  const reader = await subscribe(name);
  // 2, 4 and 1 bytes of UTF-8: about 1.3 MB in all, past 1 MiB, with surrogate pairs to split. This workerd takes
  // a message that large whole too (its limit is 32 MiB today): the size of each piece is checked on Node
  // (test/durable-object/socket-frames.test.ts); here, that the pieces cross a real socket and join again.
  const data = "é😀x".repeat(190_000);
  expect(JSON.stringify({ data }).length).toBeLessThan(LARGE_BODY_BYTES);
  await publish(name, { data, event: "large" });
  await publish(name, { data: "after" });
  const [large, after] = await reader.next(2);
  expect(large?.event).toBe("large");
  expect(large?.data.length).toBe(data.length);
  expect(large?.data === data).toBe(true);
  expect(after).toEqual({ id: "2", event: undefined, data: "after" });
});

test("hibernate: workerd evicts an idle object whose subscribers hold sockets, not one that holds their streams", async () => {
  const sockets = newChannel();
  const streams = newChannel();
  const overSockets = await subscribe(sockets);
  const overStreams = await subscribe(streams, {}, "", "held");
  await publish(sockets, { data: "a" });
  await publish(streams, { data: "a" });
  await overSockets.next(1);
  await overStreams.next(1);
  const [socketsBefore, streamsBefore] = await Promise.all([instanceOf(sockets), instanceOf(streams)]);
  // workerd evicts an object after 10 s without work when its only connections are hibernatable sockets.
  await new Promise((resolve) => setTimeout(resolve, IDLE_EVICTION_MS + 3_000));
  const [socketsAfter, streamsAfter] = await Promise.all([instanceOf(sockets), instanceOf(streams)]);
  expect(socketsAfter.nonce).not.toBe(socketsBefore.nonce);
  expect(streamsAfter.nonce).toBe(streamsBefore.nonce);
  await publish(sockets, { data: "b" });
  expect(await overSockets.next(1)).toEqual([{ id: "2", event: undefined, data: "b" }]);
}, 60_000);

test("hibernate: the object refuses a socket with a bad filter header (400)", async () => {
  const headers = { upgrade: "websocket" };
  const badFilter = await stubOf(newChannel()).fetch(
    new Request("http://example.com/", { headers: { ...headers, "edge-sse-filter": "chat" } }),
  );
  expect(badFilter.status).toBe(400);
  expect(await badFilter.json()).toEqual({
    error: "Cannot subscribe over a WebSocket: the `edge-sse-filter` header must be a JSON array of event names",
  });
});

test("hibernate: the object closes a subscriber's socket that sends it a message (1003)", async () => {
  const name = newChannel();
  const answer = await stubOf(name).fetch(new Request("http://example.com/", { headers: { upgrade: "websocket" } }));
  const socket = (answer as Response & { webSocket: WebSocket & { accept(): void } }).webSocket;
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)));
  socket.accept();
  socket.send("hello?");
  expect(await closed).toBe(1003);
  await eventually(async () => (await openSockets(name)) === 0, "the object's socket to close");
});

test("routeToChannel's filter works without hibernate too: the object's own stream gets only those events", async () => {
  const name = newChannel();
  const alerts = await subscribe(name, {}, "?filter=alert", "held");
  await publish(name, { data: "a" });
  await publish(name, { data: "disk full", event: "alert" });
  expect(await alerts.next(1)).toEqual([{ id: "2", event: "alert", data: "disk full" }]);
});
