// routeToChannels inside workerd: the Worker (worker.ts, /several?<key>=<name>) merges the streams of
// several TestChannels objects into one, resumable from one composite cursor.
// Run: bash scripts/runtimes/workerd.sh
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect, test } from "vitest";
import { GAP_EVENT } from "edge-sse/channel";
import { routeToChannels } from "edge-sse/durable-object";
import { EventReader, datas, type ReadEvent } from "../../../helpers/event-reader.ts";
import { MAX_EVENTS, type Env } from "./worker.ts";

const { CHANNELS } = env as Env;
let count = 0;
const newName = (): string => `several-${++count}-${Math.random().toString(36).slice(2, 8)}`;

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel().catch(() => {})));
});

async function open(names: Record<string, string>, cursor?: string): Promise<EventReader> {
  const query = new URLSearchParams(names).toString();
  const headers: Record<string, string> = cursor === undefined ? {} : { "last-event-id": cursor };
  const response = await SELF.fetch(`http://example.com/several?${query}`, { headers });
  expect(response.status).toBe(200);
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.waitFor(() => /^id: /m.test(reader.text), "the cursor at join");
  return reader;
}

async function publish(name: string, data: string): Promise<string> {
  const response = await SELF.fetch(`http://example.com/channels/${name}`, {
    method: "POST",
    body: JSON.stringify({ data }),
    headers: { "content-type": "application/json" },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const joinCursor = (reader: EventReader): string => /^id: (.*)$/m.exec(reader.text)![1]!;
const gaps = (events: readonly ReadEvent[]): unknown[] =>
  events.filter((event) => event.event === GAP_EVENT).map((event) => JSON.parse(event.data));

test("durable-object: routeToChannels interleaves several objects' events, each id the cursor after it", async () => {
  const [a, b] = [newName(), newName()];
  await publish(a, "before");
  const reader = await open({ a, b });
  expect(joinCursor(reader)).toBe("1;a=1;b=");
  await publish(b, "b1");
  await publish(a, "a2");
  expect((await reader.until(2)).map((event) => [event.data, event.id])).toEqual([
    ["b1", "1;a=1;b=1"],
    ["a2", "1;a=2;b=1"],
  ]);
});

test("durable-object: a reconnect resumes every object from the cursor; one whose history is gone sends its gap marker", async () => {
  const [a, b, c] = [newName(), newName(), newName()];
  const first = await open({ a, b, c });
  await publish(a, "a1");
  const cursor = (await first.until(1))[0]!.id!;
  await first.cancel();
  // While away: b (empty when the client joined) gets one event, c more than its history holds.
  await publish(b, "b1");
  for (let n = 1; n <= MAX_EVENTS + 2; n++) await publish(c, `c${n}`);
  await publish(a, "a2");
  const again = await open({ a, b, c }, cursor);
  const events = await again.until(MAX_EVENTS + 2 + 2);
  // Both held nothing at join: each replays what it holds after its own marker, since a history
  // cannot tell whether it dropped events before those (c did: c1 and c2).
  expect(gaps(events)).toEqual([
    { channel: "b", lastEventId: "", firstId: "1" },
    { channel: "c", lastEventId: "", firstId: "3" },
  ]);
  const of = (prefix: string): string[] => datas(events).filter((data) => data.startsWith(prefix));
  expect(of("a")).toEqual(["a2"]);
  expect(of("b")).toEqual(["b1"]);
  expect(of("c")).toEqual(["c3", "c4", "c5", "c6", "c7"]);
});

test("durable-object: a cursor a client forged or garbled is no crash: each object sends its gap marker", async () => {
  const [a, b] = [newName(), newName()];
  await publish(a, "a1");
  for (const cursor of ["9;a=1", `1;a=${"%".repeat(5000)}`, "1;a=1;a=2", "1;a=%FF;b="]) {
    const reader = await open({ a, b }, cursor);
    const events = await reader.until(3);
    expect(
      gaps(events)
        .map((gap) => (gap as { channel: string }).channel)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(datas(events.filter((event) => event.event !== GAP_EVENT))).toEqual(["a1"]);
    await reader.cancel();
  }
});

test("durable-object: routeToChannels refuses bad arguments with a TypeError, and methods other than GET with 405", async () => {
  const request = new Request("http://example.com/several");
  expect(() => routeToChannels(request, CHANNELS, {})).toThrow(
    "`channels` must name 1 to 16 channels, so that the cursor stays small (got 0)",
  );
  expect(() => routeToChannels(request, CHANNELS, { a: "" })).toThrow("`channels.a` must be a channel name");
  expect(() => routeToChannels(request, {} as never, { a: "x" })).toThrow(
    "`namespace` must be a Durable Object namespace",
  );
  const post = await routeToChannels(new Request("http://example.com/", { method: "POST" }), CHANNELS, { a: "x" });
  expect(post.status).toBe(405);
});

test("durable-object: routeToChannels answers a stream when the client asks for an upgrade or sends its own filter", async () => {
  const [a, b] = [newName(), newName()];
  const query = new URLSearchParams({ a, b }).toString();
  const response = await SELF.fetch(`http://example.com/several?${query}`, {
    headers: { upgrade: "websocket", "edge-sse-filter": JSON.stringify(["nothing"]) },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.waitFor(() => /^id: /m.test(reader.text), "the cursor at join");
  await publish(a, "a1");
  expect(datas(await reader.until(1))).toEqual(["a1"]);
});
