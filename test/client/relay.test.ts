/**
 * Relaying over real HTTP: an upstream edge-sse server, a relay server whose DataStream's source is a
 * client subscription to it, and a client behind the relay. What the client reads is checked with
 * eventsource-parser against what the upstream sends when read directly.
 */
import { afterEach, expect, test } from "vitest";
import { DataStream, Message } from "edge-sse";
import { subscribe } from "edge-sse/client";
import { SUBSCRIPTION } from "../../src/core/relay.ts";
import { EventReader, type ReadEvent } from "../helpers/event-reader.ts";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Events of every shape: unnamed and named, multi-line and empty data, ids set, kept, changed and reset. */
const UPSTREAM_ITEMS = [
  Message.data("first").id("1"),
  Message.data("line one\nline two\n\nline four").event("multi"),
  Message.data("").event("empty").id("2"),
  Message.data("  spaced  ").retry(2500),
  Message.json({ emoji: "😀", cjk: "漢字" }).event("json").id("id with spaces"),
  Message.data("after a reset").id(""),
  Message.data("last").event("message").id("3"),
];

interface Upstream {
  readonly url: string;
  /** How many requests the upstream served, and whether each one's request signal aborted. */
  readonly requests: Array<{ aborted: boolean }>;
}

async function startUpstream(): Promise<Upstream> {
  const requests: Array<{ aborted: boolean }> = [];
  const server = await serveNode((request) => {
    const record = { aborted: false };
    requests.push(record);
    request.signal.addEventListener("abort", () => {
      record.aborted = true;
    });
    const { pathname } = new URL(request.url);
    if (pathname === "/finite") {
      return new DataStream(UPSTREAM_ITEMS, { request, retry: 1000, finite: true, keepAlive: false }).toResponse();
    }
    // "/endless": one event, then nothing until the client leaves.
    return new DataStream(
      async function* ({ sleep }) {
        yield Message.data("only").id("1");
        await sleep(60_000);
      },
      { request, keepAlive: false },
    ).toResponse();
  });
  servers.push(server);
  return { url: server.url, requests };
}

/** A relay in front of `upstream`: the few lines the README shows. */
async function startRelay(upstream: string): Promise<{ url: string; requests: number }> {
  const counter = { url: "", requests: 0 };
  const server = await serveNode((request) => {
    counter.requests++;
    const { pathname } = new URL(request.url);
    return new DataStream(({ lastEventId }) => subscribe(`${upstream}${pathname}`, { lastEventId }), {
      request,
      keepAlive: false,
    }).toResponse();
  });
  servers.push(server);
  counter.url = server.url;
  return counter;
}

test("DataStream relays a subscription's events exactly: event, data, id and retry, and passes the end on", async () => {
  const upstream = await startUpstream();
  const relay = await startRelay(upstream.url);
  const direct = new EventReader(await fetch(`${upstream.url}/finite`));
  const relayed = new EventReader(await fetch(`${relay.url}/finite`));
  await Promise.all([direct.rest(), relayed.rest()]);
  // [spec] A block without `event` is dispatched as "message": the one difference a reader may see.
  const dispatched = (events: readonly ReadEvent[]) =>
    events.map((event) => ({ ...event, event: event.event ?? "message" }));
  expect(dispatched(relayed.events)).toEqual(dispatched(direct.events));
  expect(relayed.events.at(-1)).toEqual({ id: undefined, event: "edge-sse-end", data: "" });
  expect(relayed.events.filter((event) => event.data.includes("\n")).map((event) => event.data)).toEqual([
    "line one\nline two\n\nline four",
  ]);
  expect(relayed.retries).toEqual(direct.retries);
  expect(relayed.retries).toEqual([1000, 2500]);
});

test("subscribe behind a relay gets the upstream's events and ends with no further request when the upstream ends", async () => {
  const upstream = await startUpstream();
  const relay = await startRelay(upstream.url);
  const subscription = subscribe(`${relay.url}/finite`, { reconnect: { delay: 5, jitter: 0 } });
  const events = [];
  for await (const event of subscription) events.push(event);
  expect(events.map(({ event, data, id }) => ({ event, data, id }))).toEqual([
    { event: "message", data: "first", id: "1" },
    { event: "multi", data: "line one\nline two\n\nline four", id: "1" },
    { event: "empty", data: "", id: "2" },
    { event: "message", data: "  spaced  ", id: "2" },
    { event: "json", data: '{"emoji":"😀","cjk":"漢字"}', id: "id with spaces" },
    { event: "message", data: "after a reset", id: "" },
    { event: "message", data: "last", id: "3" },
  ]);
  expect(subscription.finished).toBe(true);
  expect(events.map((event) => event.retry)).toEqual([
    1000,
    undefined,
    undefined,
    2500,
    undefined,
    undefined,
    undefined,
  ]);
  // Give a reconnection the time it would need (5 ms) many times over, then count.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect({ relay: relay.requests, upstream: upstream.requests.length }).toEqual({ relay: 1, upstream: 1 });
});

test("A relay's client leaving aborts the upstream request", async () => {
  const upstream = await startUpstream();
  const relay = await startRelay(upstream.url);
  const reader = await EventReader.fetch(`${relay.url}/endless`);
  expect(await reader.until(1)).toEqual([{ id: "1", event: undefined, data: "only" }]);
  expect(upstream.requests).toEqual([{ aborted: false }]);
  await reader.cancel();
  await until(() => upstream.requests[0]?.aborted === true, "the upstream request's signal to abort");
  expect(upstream.requests.length).toBe(1);
});

test("DataStream refuses a relayed item that is not an event, naming the field", async () => {
  const errors: unknown[] = [];
  const forged = {
    get [SUBSCRIPTION]() {
      return true;
    },
    finished: false,
    async *[Symbol.asyncIterator]() {
      yield { event: "ok", data: "fine", id: "1" };
      yield { event: "bad\nname", data: "x", id: "1" };
    },
  };
  const text = await new DataStream(forged, { keepAlive: false, onError: (error) => void errors.push(error) })
    .toResponse()
    .text();
  expect(text).toBe(":\n\nevent: ok\nid: 1\ndata: fine\n\n");
  expect(String(errors[0])).toBe(
    'TypeError: Cannot relay event: `event` must be a string without line breaks or NUL (got "bad\\nname")',
  );
});
