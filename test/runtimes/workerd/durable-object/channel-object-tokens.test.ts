// edge-sse/durable-object and signed subscriptions inside workerd: the expiry the Worker forwards with
// routeToChannel ends the object's streams, a client cannot set it itself, authorizePublish refuses a
// POST before its body is read, and opaque event ids replay exactly. Requests go through SELF.fetch, across the Worker and the object's stub.
// Run: bash scripts/runtimes/workerd.sh
import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, test } from "vitest";
import { EXPIRED_EVENT } from "edge-sse";
import { type ChannelObject, routeToChannel, type DurableObjectStubLike } from "edge-sse/durable-object";
import { EventReader, WAIT_MS } from "../../../helpers/event-reader.ts";
import { createEventIdCodec } from "edge-sse/tokens";
import { GAP_EVENT } from "edge-sse/channel";
import { type Env, OPAQUE_ID_KEY, PUBLISHER_HEADER } from "./worker.ts";

const { CHANNELS, GUARDED_CHANNELS } = env as Env;
const ORIGIN = "http://example.com";

let channels = 0;
/** A fresh channel for each test: objects and their storage are not reset between tests. */
function newChannel(): string {
  return `expiry-${++channels}-${Math.random().toString(36).slice(2, 8)}`;
}

function stubOf(name: string, namespace = CHANNELS): DurableObjectStubLike {
  return namespace.get(namespace.idFromName(name));
}

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel().catch(() => {})));
});

async function subscribe(path: string, headers: Record<string, string> = {}): Promise<EventReader> {
  const response = await SELF.fetch(`${ORIGIN}${path}`, { headers });
  expect(response.status).toBe(200);
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  return reader;
}

async function publish(name: string, data: string, path = `/channels/${name}`, headers = {}): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    body: data,
    headers: { "content-type": "text/plain", ...headers },
  });
}

async function subscriberCount(name: string): Promise<number> {
  return runInDurableObject(stubOf(name), (instance) => (instance as ChannelObject).channel.subscriberCount);
}

test("durable-object: a stream routed with expiresAt gets its events, then EXPIRED_EVENT, and ends", async () => {
  const name = newChannel();
  const reader = await subscribe(`/expiring/${name}?in=1500`);
  const published = await publish(name, "before expiry");
  const { id } = (await published.json()) as { id: string };
  const events = await reader.rest(); // the object ends the stream at the expiry
  expect(events.map((event) => [event.event ?? "message", event.id])).toEqual([
    ["message", id],
    [EXPIRED_EVENT, undefined],
  ]);
  expect(events[0]!.data).toBe("before expiry");
  expect(JSON.parse(events[1]!.data)).toEqual({ expiresAt: expect.any(Number) });
  const deadline = Date.now() + WAIT_MS;
  while ((await subscriberCount(name)) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await subscriberCount(name)).toBe(0);
});

test("durable-object: an edge-sse-expires-at header from the client is removed by routeToChannel", async () => {
  const name = newChannel();
  // Without an expiry from the Worker, the client's own header (already past) must not end the stream.
  const open = await subscribe(`/channels/${name}`, { "edge-sse-expires-at": "0" });
  // With the Worker's expiry, the client's later one must not extend it.
  const expiring = await subscribe(`/expiring/${name}?in=1000`, { "edge-sse-expires-at": "99999999999999" });
  await publish(name, "one");
  expect((await open.next(1)).map((event) => event.data)).toEqual(["one"]);
  expect((await expiring.rest()).map((event) => event.event ?? event.data)).toEqual(["one", EXPIRED_EVENT]);
  await publish(name, "two");
  expect((await open.next(1)).map((event) => event.data)).toEqual(["two"]);
});

test("durable-object: the object answers 400 to an edge-sse-expires-at header that is not digits", async () => {
  const request = new Request(`${ORIGIN}/channels/x`, { headers: { "edge-sse-expires-at": "soon" } });
  const response = await stubOf(newChannel()).fetch(request);
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "Cannot subscribe: the `edge-sse-expires-at` header must be milliseconds since the epoch",
  });
});

test("durable-object: authorizePublish refuses a POST with its own response, and nothing is published", async () => {
  const name = newChannel();
  const path = `/guarded/${name}`;
  const response = await SELF.fetch(`${ORIGIN}${path}`);
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  const refused = await publish(name, "refused", path);
  expect([refused.status, await refused.text()]).toEqual([403, "Forbidden\n"]);
  const allowed = await publish(name, "allowed", path, { [PUBLISHER_HEADER]: "yes" });
  expect(allowed.status).toBe(201);
  expect((await reader.next(1)).map((event) => event.data)).toEqual(["allowed"]);
  const stored = await runInDurableObject(stubOf(name, GUARDED_CHANNELS), async (_, state) => [
    ...(await state.storage.list({ prefix: "edge-sse:event:" })).values(),
  ]);
  expect(stored).toHaveLength(1);
});

test("routeToChannel throws a TypeError naming a bad expiresAt or an unknown option", () => {
  const request = new Request(`${ORIGIN}/channels/x`);
  expect(() => routeToChannel(request, CHANNELS, "x", { expiresAt: Number.NaN })).toThrow(
    new TypeError(
      "Cannot route to channel: `expiresAt` must be a time: milliseconds since the epoch or a valid Date (got number NaN)",
    ),
  );
  expect(() => routeToChannel(request, CHANNELS, "x", { expiresIn: 5 } as never)).toThrow(TypeError);
});

test("durable-object: with eventIds, subscribers see opaque ids and resume exactly after the one they send back", async () => {
  const codec = createEventIdCodec(OPAQUE_ID_KEY, { scope: "opaque" });
  const name = newChannel();
  const path = `/opaque/${name}`;
  const raw: string[] = [];
  for (const data of ["one", "two", "three"]) {
    const response = await publish(name, data, path);
    raw.push(((await response.json()) as { id: string }).id);
  }
  const resumed = await subscribe(path, { "last-event-id": await codec.encode(raw[0]!) });
  const events = await resumed.next(2);
  expect(events.map((event) => [event.data, event.id])).toEqual([
    ["two", await codec.encode(raw[1]!)],
    ["three", await codec.encode(raw[2]!)],
  ]);
  const plain = await subscribe(path, { "last-event-id": raw[0]! });
  const [marker] = await plain.next(1);
  expect(marker!.event).toBe(GAP_EVENT);
  expect(JSON.parse(marker!.data)).toEqual({ lastEventId: raw[0], firstId: await codec.encode(raw[0]!) });
});
