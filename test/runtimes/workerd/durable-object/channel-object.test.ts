// edge-sse/durable-object inside workerd: a Worker (worker.ts) routes /channels/:name to one TestChannels
// Durable Object per name, bound in wrangler.toml. Requests go through SELF.fetch, so they cross the
// Worker and the object's stub as in production; streams are read as they arrive and cancelled at the end.
// Run: bash scripts/runtimes/workerd.sh
import { evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, test } from "vitest";
import { GAP_EVENT } from "edge-sse/channel";
import { type ChannelObject, routeToChannel, type DurableObjectStubLike } from "edge-sse/durable-object";
import { EventReader, WAIT_MS } from "../../../helpers/event-reader.ts";
import { MAX_AGE_MS, MAX_BODY_BYTES, MAX_EVENTS, type Env, type FlakyChannels, type WriteMode } from "./worker.ts";

const { CHANNELS, AGED_CHANNELS, FLAKY_CHANNELS } = env as Env;
const EVENT_KEYS = "edge-sse:event:";

let channels = 0;
/** A fresh channel for each test: objects and their storage are not reset between tests. */
function newChannel(): string {
  return `test-${++channels}-${Math.random().toString(36).slice(2, 8)}`;
}

function stubOf(name: string, namespace = CHANNELS): DurableObjectStubLike {
  return namespace.get(namespace.idFromName(name));
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function expectTypeError(run: () => unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as TypeError).message).toMatch(message);
}

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel().catch(() => {})));
});

/** Subscribes and waits until the stream has started (so the subscriber has joined). */
async function subscribe(
  name: string,
  headers: Record<string, string> = {},
  path = `/channels/${name}`,
): Promise<{ response: Response; reader: EventReader }> {
  const response = await SELF.fetch(`http://example.com${path}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  return { response, reader };
}

function post(
  name: string,
  body: BodyInit,
  contentType = "application/json",
  path = `/channels/${name}`,
): Promise<Response> {
  return SELF.fetch(`http://example.com${path}`, { method: "POST", body, headers: { "content-type": contentType } });
}

/** Publishes and returns the event's id. */
async function publish(name: string, fields: Record<string, unknown>, path?: string): Promise<string> {
  const response = await post(name, JSON.stringify(fields), "application/json", path);
  const body = (await response.json()) as { id?: string; error?: string };
  expect(response.status, body.error).toBe(201);
  expect(typeof body.id).toBe("string");
  return body.id!;
}

async function storedKeys(name: string, namespace = CHANNELS): Promise<string[]> {
  return runInDurableObject(stubOf(name, namespace), async (_, state) => [
    ...(await state.storage.list({ prefix: EVENT_KEYS })).keys(),
  ]);
}

async function subscriberCount(name: string): Promise<number> {
  return runInDurableObject(stubOf(name), (instance) => (instance as ChannelObject).channel.subscriberCount);
}

test("durable-object: every subscriber gets a published event, with the same id", async () => {
  const name = newChannel();
  const first = await subscribe(name);
  const second = await subscribe(name);
  const id = await publish(name, { data: "hello", event: "greeting" });
  expect(id).toBe("1");
  const expected = [{ id: "1", event: "greeting", data: "hello" }];
  expect(await first.reader.next(1)).toEqual(expected);
  expect(await second.reader.next(1)).toEqual(expected);
  expect(first.response.headers.get("last-event-id")).toBeNull();
});

test("durable-object: concurrent publishes reach every subscriber in one order, with unique ids", async () => {
  const name = newChannel();
  const first = await subscribe(name);
  const second = await subscribe(name);
  const ids = await Promise.all(["a", "b", "c", "d"].map((data) => publish(name, { data })));
  expect(new Set(ids).size).toBe(4);
  const seenByFirst = await first.reader.next(4);
  expect(await second.reader.next(4)).toEqual(seenByFirst);
  expect(seenByFirst.map((event) => event.id)).toEqual(["1", "2", "3", "4"]);
  expect(seenByFirst.map((event) => event.data).sort()).toEqual(["a", "b", "c", "d"]);
});

test("durable-object: a reconnect with Last-Event-ID replays exactly what was missed, then goes live", async () => {
  const name = newChannel();
  for (const data of ["a", "b", "c"]) await publish(name, { data });
  const { response, reader } = await subscribe(name, { "last-event-id": "1" });
  expect(response.headers.get("last-event-id")).toBe("1");
  expect(await reader.next(2)).toEqual([
    { id: "2", event: undefined, data: "b" },
    { id: "3", event: undefined, data: "c" },
  ]);
  await publish(name, { data: "d" });
  await publish(name, { data: "e" });
  // Read one at a time: a replayed event sent twice would show up here, before d.
  expect(await reader.next(1)).toEqual([{ id: "4", event: undefined, data: "d" }]);
  expect(await reader.next(1)).toEqual([{ id: "5", event: undefined, data: "e" }]);
});

test("durable-object: the lastEventId query parameter resumes like the header", async () => {
  const name = newChannel();
  for (const data of ["a", "b"]) await publish(name, { data });
  const { response, reader } = await subscribe(name, {}, `/channels/${name}?lastEventId=1`);
  expect(response.headers.get("last-event-id")).toBe("1");
  expect(await reader.next(1)).toEqual([{ id: "2", event: undefined, data: "b" }]);
  await publish(name, { data: "c" });
  expect(await reader.next(1)).toEqual([{ id: "3", event: undefined, data: "c" }]);
});

test("durable-object: an id older than the history gets the gap marker, every held event and `last-event-id: earliest`", async () => {
  const name = newChannel();
  const total = MAX_EVENTS + 2;
  for (let n = 1; n <= total; n++) await publish(name, { data: `event ${n}` });
  const { response, reader } = await subscribe(name, { "last-event-id": "1" });
  expect(response.headers.get("last-event-id")).toBe("earliest");
  const [marker, ...replayed] = await reader.next(1 + MAX_EVENTS);
  expect(marker).toEqual({ id: undefined, event: GAP_EVENT, data: JSON.stringify({ lastEventId: "1", firstId: "3" }) });
  expect(replayed.map((event) => event.id)).toEqual(["3", "4", "5", "6", "7"]);
  expect(replayed.map((event) => event.data)).toEqual(["event 3", "event 4", "event 5", "event 6", "event 7"]);
});

test("durable-object: events that fall out of the history are deleted from storage; keys keep publish order", async () => {
  const name = newChannel();
  for (let n = 1; n <= MAX_EVENTS + 3; n++) await publish(name, { data: String(n) });
  const keys = await storedKeys(name);
  expect(keys).toEqual([4, 5, 6, 7, 8].map((n) => `${EVENT_KEYS}${String(n).padStart(16, "0")}`));
  const stored = await runInDurableObject(stubOf(name), (_, state) => state.storage.get(keys[0]!));
  expect(stored).toMatchObject({ id: "4", data: "4" });
});

test("durable-object: a new instance of the object replays the stored history and never reuses an id", async () => {
  const name = newChannel();
  for (const data of ["a", "b", "c"]) await publish(name, { data });
  const stub = stubOf(name);
  const mark = Symbol.for("edge-sse.test.instance");
  await runInDurableObject(stub, (instance) => void ((instance as Record<symbol, boolean>)[mark] = true));
  await evictDurableObject(stub);
  // The same object, a new instance: the mark is gone, the history is back.
  expect(await runInDurableObject(stub, (instance) => (instance as Record<symbol, boolean>)[mark])).toBeUndefined();
  const { response, reader } = await subscribe(name, { "last-event-id": "1" });
  expect(response.headers.get("last-event-id")).toBe("1");
  expect(await reader.next(2)).toEqual([
    { id: "2", event: undefined, data: "b" },
    { id: "3", event: undefined, data: "c" },
  ]);
  expect(await publish(name, { data: "d" })).toBe("4");
  expect(await reader.next(1)).toEqual([{ id: "4", event: undefined, data: "d" }]);
});

test("durable-object: history.maxAge: expired events leave storage, and ids keep counting after eviction", async () => {
  const name = newChannel();
  const path = `/aged/${name}`;
  for (const data of ["a", "b"]) await publish(name, { data }, path);
  await pause(MAX_AGE_MS * 4);
  const { response, reader } = await subscribe(name, { "last-event-id": "1" }, path);
  expect(response.headers.get("last-event-id")).toBe("earliest");
  expect(await reader.next(1)).toEqual([
    { id: undefined, event: GAP_EVENT, data: JSON.stringify({ lastEventId: "1", firstId: null }) },
  ]);
  await reader.cancel();
  const stub = stubOf(name, AGED_CHANNELS);
  await evictDurableObject(stub);
  // The next instance finds only expired events and deletes them: storage holds no event, only the
  // sequence number, and the instance after that one goes on from it.
  expect(await storedKeys(name, AGED_CHANNELS)).toEqual([]);
  await evictDurableObject(stub);
  expect(await publish(name, { data: "c" }, path)).toBe("3");
  expect(await storedKeys(name, AGED_CHANNELS)).toEqual([`${EVENT_KEYS}${"3".padStart(16, "0")}`]);
});

test("durable-object: POST takes a text body as data, JSON data as its JSON text, and a chosen id", async () => {
  const name = newChannel();
  const { reader } = await subscribe(name);
  const text = await post(name, "line one\nline two", "text/plain; charset=utf-8");
  expect(text.status).toBe(201);
  expect(text.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(await text.json()).toEqual({ id: "1" });
  expect(await publish(name, { data: { price: 42, tags: ["a"] }, event: "tick" })).toBe("2");
  expect(await publish(name, { data: "chosen", id: "order-7" })).toBe("order-7");
  expect(await publish(name, { data: null })).toBe("4");
  expect(await reader.next(4)).toEqual([
    { id: "1", event: undefined, data: "line one\nline two" },
    { id: "2", event: "tick", data: '{"price":42,"tags":["a"]}' },
    { id: "order-7", event: undefined, data: "chosen" },
    { id: "4", event: undefined, data: "null" },
  ]);
});

test("durable-object: a bad POST body gets 400 with a message naming the problem, and publishes nothing", async () => {
  const name = newChannel();
  const cases: Array<[body: string, message: string]> = [
    ["{", "Cannot publish: the body is not valid JSON"],
    ["[1]", "Cannot publish: the JSON body must be an object"],
    ['{"event":"x"}', "Cannot publish: the JSON body has no `data` field"],
    ['{"data":"x","retry":1}', "Cannot publish: unknown field `retry` (expected data, event or id)"],
    ['{"data":"x","event":7}', "Cannot publish: `event` must be a string (got number 7)"],
    ['{"data":"x","event":"a\\nb"}', "`event` must not contain a line break"],
    ['{"data":"x","id":"12"}', "Cannot publish: `id` must not be made of digits only"],
    ['{"data":"x","id":""}', "Cannot publish: `id` must not be empty"],
  ];
  for (const [body, message] of cases) {
    const response = await post(name, body);
    expect(response.status, body).toBe(400);
    expect(((await response.json()) as { error: string }).error, body).toContain(message);
  }
  expect(await storedKeys(name)).toEqual([]);
});

test("durable-object: POST of the gap marker's name or of an id the history holds gets 400 with the reason, and stores nothing", async () => {
  const name = newChannel();
  expect(await publish(name, { data: "a", id: "order-7" })).toBe("order-7");
  const cases: Array<[body: object, message: string]> = [
    [
      { data: "{}", event: GAP_EVENT },
      'Cannot publish: `event` must not be "edge-sse-gap", the name of the gap marker',
    ],
    [{ data: "b", id: "order-7" }, "Cannot publish: `id` must be unique"],
  ];
  for (const [body, message] of cases) {
    const response = await post(name, JSON.stringify(body));
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(message);
  }
  expect(await storedKeys(name)).toEqual([`${EVENT_KEYS}${"1".padStart(16, "0")}`]);
});

test("durable-object: POST refuses other content types with 415 and bodies over maxBodyBytes with 413", async () => {
  const name = newChannel();
  const form = await post(name, "data=x", "application/x-www-form-urlencoded");
  expect(form.status).toBe(415);
  expect(((await form.json()) as { error: string }).error).toContain(
    "send JSON (content-type: application/json) or text",
  );
  const latin1 = await post(name, "x", "text/plain; charset=iso-8859-1");
  expect(latin1.status).toBe(415);
  await latin1.body?.cancel();
  const large = await post(name, "x".repeat(MAX_BODY_BYTES + 1), "text/plain");
  expect(large.status).toBe(413);
  expect(await large.json()).toEqual({ error: `Cannot publish: the body is larger than ${MAX_BODY_BYTES} bytes` });
  // Streamed, without content-length: the limit holds while reading.
  const chunks = ["x".repeat(MAX_BODY_BYTES / 2), "x".repeat(MAX_BODY_BYTES / 2), "x"].map((text) =>
    new TextEncoder().encode(text),
  );
  const streamed = await post(
    name,
    new ReadableStream({
      pull: (controller) => void (chunks.length ? controller.enqueue(chunks.shift()!) : controller.close()),
    }),
    "text/plain",
  );
  expect(streamed.status).toBe(413);
  await streamed.body?.cancel();
  const fits = await post(name, "x".repeat(MAX_BODY_BYTES), "text/plain");
  expect(fits.status).toBe(201);
  await fits.body?.cancel();
  expect(await storedKeys(name)).toHaveLength(1);
});

/** A body of `total` bytes in `chunk`-byte pieces that counts how many bytes were pulled from it. */
function countingBody(total: number, chunk = 65_536): { body: ReadableStream<Uint8Array>; pulled(): number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        const size = Math.min(chunk, total - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x78));
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => pulled };
}

test("durable-object: refused bodies are not read to their end: 20 MB declared, streamed, of another type or method", async () => {
  const total = 20 * 1024 * 1024;
  const cases: Array<[what: string, method: string, headers: Record<string, string>, status: number]> = [
    ["declared too large", "POST", { "content-type": "text/plain", "content-length": String(total) }, 413],
    ["streamed past the bound", "POST", { "content-type": "text/plain" }, 413],
    ["of another content type", "POST", { "content-type": "application/x-www-form-urlencoded" }, 415],
    ["with another method", "PUT", { "content-type": "text/plain" }, 405],
  ];
  for (const [what, method, headers, status] of cases) {
    const name = newChannel();
    const { body, pulled } = countingBody(total);
    const response = await SELF.fetch(`http://example.com/channels/${name}`, { method, body, headers });
    expect(response.status, what).toBe(status);
    await response.body?.cancel();
    await pause(100); // Time to read on, had anything kept reading.
    // A few chunks may be in flight between the Worker and the object; 20 MB are not read.
    expect(pulled(), what).toBeLessThan(1024 * 1024);
    expect(await storedKeys(name), what).toEqual([]);
  }
});

test("durable-object: a publish whose storage write fails gets 503 and is reported; a write refused at once leaves no trace", async () => {
  for (const mode of ["throws", "rejects"] as const) {
    const name = newChannel();
    const path = `/flaky/${name}`;
    const stub = stubOf(name, FLAKY_CHANNELS);
    const setWrites = (writes: WriteMode): Promise<void> =>
      runInDurableObject(stub, (instance) => void ((instance as FlakyChannels).writes = writes));
    await setWrites(mode);
    const refused = await post(name, JSON.stringify({ data: "lost" }), "application/json", path);
    expect(refused.status, mode).toBe(503);
    expect(await refused.json(), mode).toEqual({
      error: "Cannot publish: the channel could not store the event; try again",
    });
    const reported = await runInDurableObject(stub, (instance) => (instance as FlakyChannels).reported);
    expect(reported, mode).toEqual([
      `Error: Cannot publish: the Durable Object's storage failed (${mode === "throws" ? "storage refused the write" : "storage failed the write"})`,
    ]);
    await setWrites("works");
    if (mode === "throws") {
      // Refused at once: nothing kept, the id not used.
      expect(await publish(name, { data: "stored" }, path)).toBe("1");
      const { reader } = await subscribe(name, { "last-event-id": "0" }, path);
      expect(await reader.next(1)).toEqual([
        { id: undefined, event: GAP_EVENT, data: JSON.stringify({ lastEventId: "0", firstId: "1" }) },
      ]);
      expect(await reader.next(1)).toEqual([{ id: "1", event: undefined, data: "stored" }]);
    }
    expect(await storedKeys(name, FLAKY_CHANNELS), mode).toEqual(
      mode === "throws" ? [`${EVENT_KEYS}${"1".padStart(16, "0")}`] : [],
    );
  }
});

test("durable-object: a text body that is not UTF-8 gets 400", async () => {
  const name = newChannel();
  const response = await post(name, new Uint8Array([0x61, 0xff, 0x62]), "text/plain");
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: "Cannot publish: the body is not valid UTF-8" });
});

test("durable-object: other methods get 405 with Allow: GET, POST", async () => {
  const name = newChannel();
  for (const method of ["PUT", "DELETE", "PATCH"]) {
    const response = await SELF.fetch(`http://example.com/channels/${name}`, { method, body: "ignored" });
    expect(response.status, method).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
    expect(((await response.json()) as { error: string }).error).toBe(
      `Cannot ${method} a channel: GET subscribes, POST publishes`,
    );
  }
});

test("durable-object: a subscriber that hangs up leaves the channel", async () => {
  const name = newChannel();
  const { reader } = await subscribe(name);
  expect(await subscriberCount(name)).toBe(1);
  await reader.cancel();
  const deadline = Date.now() + WAIT_MS;
  let count = await subscriberCount(name);
  while (count !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    count = await subscriberCount(name);
  }
  expect(count).toBe(0);
});

test("routeToChannel throws a TypeError naming the bad argument", () => {
  const request = new Request("http://example.com/channels/x");
  expectTypeError(
    () => routeToChannel(undefined as never, CHANNELS, "x"),
    "Cannot route to channel: `request` must be a Request (got undefined)",
  );
  expectTypeError(
    () => routeToChannel("http://example.com/" as never, CHANNELS, "x"),
    'Cannot route to channel: `request` must be a Request (got "http://example.com/")',
  );
  expectTypeError(
    () => routeToChannel(request, {} as never, "x"),
    /^Cannot route to channel: `namespace` must be a Durable Object namespace with idFromName and get \(got an object\); bind the class/,
  );
  expectTypeError(
    () => routeToChannel(request, CHANNELS, ""),
    'Cannot route to channel: `name` must be a non-empty string (got "")',
  );
  expectTypeError(
    () => routeToChannel(request, CHANNELS, 7 as never),
    "Cannot route to channel: `name` must be a non-empty string (got number 7)",
  );
});
