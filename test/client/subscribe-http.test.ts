/**
 * subscribe() over real HTTP: a node:http server on 127.0.0.1 (through edge-sse/node) serving
 * edge-sse's own DataStreams and a Channel. The server counts and records every request; connections
 * are cut from the server side by destroying their sockets. Delays are small and no assertion is on
 * wall-clock time: the tests count requests and check the delays the client asked for.
 */
import type { Socket } from "node:net";
import { afterEach, expect, test } from "vitest";
import { DataStream, Message } from "edge-sse";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { EventStreamError, subscribe, type RetryInfo, type ServerSentEvent } from "edge-sse/client";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";

const END = Message.data("").event("edge-sse-end");
const FAST = { delay: 5, jitter: 0 } as const;

interface Seen {
  readonly method: string;
  readonly lastEventId: string | null;
  readonly authorization: string | null;
  readonly body: string;
}

/** A server for one test: `handle` answers request number `index` (0-based); every request is recorded. */
async function serve(handle: (request: Request, index: number) => Response | Promise<Response>): Promise<{
  server: TestServer;
  seen: Seen[];
  /** Destroys every open connection, as a crash or a proxy would. */
  cut(): void;
}> {
  const seen: Seen[] = [];
  const server = await serveNode(async (request) => {
    const index = seen.length;
    seen.push({
      method: request.method,
      lastEventId: request.headers.get("last-event-id"),
      authorization: request.headers.get("authorization"),
      body: request.method === "GET" ? "" : await request.text(),
    });
    return handle(request, index);
  });
  const sockets = new Set<Socket>();
  server.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  servers.push(server);
  return {
    server,
    seen,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Reads a subscription in the background, keeping what it yields and how it ended. */
function read<E>(iterable: AsyncIterable<E>): { events: E[]; done: Promise<unknown> } {
  const events: E[] = [];
  const done = (async () => {
    for await (const event of iterable) events.push(event);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { events, done };
}

const dataOf = (events: readonly ServerSentEvent<string, unknown>[]): unknown[] => events.map((event) => event.data);

test("subscribe resumes a Channel after the server cuts the connection and gets exactly the events it missed, once", async () => {
  const channel = new Channel({ keepAlive: false });
  const { server, seen, cut } = await serve((request) => channel.response({ request }));
  const ids: string[] = [];
  const subscription = subscribe(`${server.url}/room`, {
    reconnect: FAST,
    // Published while the client is away: after the cut, before the reconnection.
    onRetry: async () => {
      for (const n of [3, 4]) ids.push(await channel.publish(`event ${n}`));
    },
  });
  const reading = read(subscription);
  await until(() => channel.subscriberCount === 1, "the client to subscribe");
  for (const n of [1, 2]) ids.push(await channel.publish(`event ${n}`));
  await until(() => reading.events.length === 2, "the two live events");
  cut();
  await until(() => reading.events.length === 4, "the missed events, replayed");
  ids.push(await channel.publish("event 5"));
  await until(() => reading.events.length === 5, "the next live event");
  subscription.close();
  expect(await reading.done).toBeUndefined();
  channel.close();

  expect(dataOf(reading.events)).toEqual(["event 1", "event 2", "event 3", "event 4", "event 5"]);
  expect(reading.events.map((event) => event.id)).toEqual(ids);
  expect(seen.map((request) => request.lastEventId)).toEqual([null, ids[1]]);
});

test("subscribe stops at the end signal on the wire and makes no other request", async () => {
  const { server, seen } = await serve((request) =>
    new DataStream([Message.data("a").id("1"), Message.json({ b: 2 }).event("json"), END, "never read"], {
      request,
      keepAlive: false,
    }).toResponse(),
  );
  const events: ServerSentEvent[] = [];
  for await (const event of subscribe(`${server.url}/answer`, { reconnect: FAST })) events.push(event);
  expect(events).toEqual([
    { event: "message", data: "a", id: "1" },
    { event: "json", data: '{"b":2}', id: "1" },
  ]);
  expect(seen.length).toBe(1);
});

test("subscribe reconnects a GET stream that ends without the end signal, and stops at a 204", async () => {
  const { server, seen } = await serve((request, index) =>
    index < 2
      ? new DataStream([Message.data(`part ${index + 1}`).id(String(index + 1))], {
          request,
          keepAlive: false,
        }).toResponse()
      : new Response(null, { status: 204 }),
  );
  const events: ServerSentEvent[] = [];
  for await (const event of subscribe(`${server.url}/parts`, { reconnect: FAST })) events.push(event);
  expect(dataOf(events)).toEqual(["part 1", "part 2"]);
  expect(seen.map((request) => request.lastEventId)).toEqual([null, "1", "2"]);
});

test("subscribe calls the headers function once per request, and each request carries its fresh value", async () => {
  let token = 0;
  const { server, seen, cut } = await serve((request, index) =>
    new DataStream(
      async function* ({ sleep }) {
        yield Message.data(`hello ${index + 1}`).id(String(index + 1));
        if (index === 1) yield END;
        await sleep(60_000);
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  const reading = read(
    subscribe(`${server.url}/auth`, { reconnect: FAST, headers: () => ({ authorization: `Bearer ${++token}` }) }),
  );
  await until(() => reading.events.length === 1, "the first event");
  cut();
  expect(await reading.done).toBeUndefined();
  expect(dataOf(reading.events)).toEqual(["hello 1", "hello 2"]);
  expect(token).toBe(2);
  expect(seen.map(({ authorization, lastEventId }) => ({ authorization, lastEventId }))).toEqual([
    { authorization: "Bearer 1", lastEventId: null },
    { authorization: "Bearer 2", lastEventId: "1" },
  ]);
});

test("subscribe sends a POST body once by default: a cut answer throws instead of running the request again", async () => {
  const { server, seen, cut } = await serve((request) =>
    new DataStream(
      async function* ({ sleep }) {
        yield "the first words";
        await sleep(60_000);
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  const reading = read(subscribe(`${server.url}/chat`, { body: '{"prompt":"hi"}' }));
  await until(() => reading.events.length === 1, "the first words");
  cut();
  const error = await reading.done;
  expect(error).toBeInstanceOf(EventStreamError);
  expect(error).toMatchObject({ type: "network" });
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(seen).toEqual([{ method: "POST", lastEventId: null, authorization: null, body: '{"prompt":"hi"}' }]);
});

test("subscribe sends a POST body again with Last-Event-ID when reconnect is on", async () => {
  const { server, seen, cut } = await serve((request, index) =>
    new DataStream(
      async function* ({ sleep, lastEventId }) {
        yield Message.data(`after ${lastEventId ?? "nothing"}`).id(String(index + 1));
        if (index === 1) yield END;
        await sleep(60_000);
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  const reading = read(subscribe(`${server.url}/job`, { method: "POST", body: "job 7", reconnect: FAST }));
  await until(() => reading.events.length === 1, "the first event");
  cut();
  expect(await reading.done).toBeUndefined();
  expect(dataOf(reading.events)).toEqual(["after nothing", "after 1"]);
  expect(seen.map(({ method, body, lastEventId }) => ({ method, body, lastEventId }))).toEqual([
    { method: "POST", body: "job 7", lastEventId: null },
    { method: "POST", body: "job 7", lastEventId: "1" },
  ]);
});

test("stallTimeout: a server that stops sending anything is dropped and the client resumes after the last id", async () => {
  const retries: RetryInfo[] = [];
  const { server, seen } = await serve((request, index) =>
    new DataStream(
      async function* ({ sleep }) {
        if (index === 0) {
          yield Message.data("then silence").id("1");
          await sleep(60_000); // no events, no pings: keepAlive is off
        }
        yield END;
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  const events: ServerSentEvent[] = [];
  for await (const event of subscribe(`${server.url}/quiet`, {
    stallTimeout: 300,
    reconnect: FAST,
    onRetry: (info) => void retries.push(info),
  })) {
    events.push(event);
  }
  expect(dataOf(events)).toEqual(["then silence"]);
  expect(retries.map((info) => (info.error as EventStreamError).type)).toEqual(["stalled"]);
  expect(seen.map((request) => request.lastEventId)).toEqual([null, "1"]);
});

test("stallTimeout: pings keep a quiet stream alive", async () => {
  const { server, seen } = await serve((request) =>
    new DataStream(
      async function* ({ sleep }) {
        await sleep(700);
        yield "awake";
        yield END;
      },
      { request, keepAlive: 50 },
    ).toResponse(),
  );
  const events: ServerSentEvent[] = [];
  for await (const event of subscribe(`${server.url}/pings`, { stallTimeout: 300, reconnect: FAST }))
    events.push(event);
  expect(dataOf(events)).toEqual(["awake"]);
  expect(seen.length).toBe(1);
});

test("subscribe makes no further request once its signal aborts, and throws the abort reason", async () => {
  const abort = new AbortController();
  const { server, seen } = await serve((request) =>
    new DataStream([Message.data("x").id("1")], { request, keepAlive: false }).toResponse(),
  );
  const reading = read(
    subscribe(`${server.url}/abort`, { signal: abort.signal, reconnect: { delay: 200, jitter: 0 } }),
  );
  await until(() => reading.events.length === 1 && seen.length === 1, "the first event");
  abort.abort(new Error("left the page"));
  expect(await reading.done).toEqual(new Error("left the page"));
  await new Promise((resolve) => setTimeout(resolve, 400)); // longer than the reconnection delay
  expect(seen.length).toBe(1);
});

test("subscribe makes no further request after close(), and the server's stream ends", async () => {
  let closed = "";
  const { server, seen } = await serve((request) =>
    new DataStream(
      async function* ({ sleep }) {
        yield "one";
        await sleep(60_000);
      },
      { request, keepAlive: false, onClose: (reason) => void (closed = reason.type) },
    ).toResponse(),
  );
  const subscription = subscribe(`${server.url}/close`, { reconnect: FAST });
  expect((await subscription.next()).value?.data).toBe("one");
  subscription.close();
  expect(await subscription.next()).toEqual({ done: true, value: undefined });
  await until(() => closed !== "", "the server's stream to end");
  expect(closed).toBe("client-gone");
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(seen.length).toBe(1);
});

test("onGap hears a Channel's gap marker, which is yielded before the replayed events", async () => {
  const channel = new Channel({ keepAlive: false });
  const first = await channel.publish("kept 1");
  await channel.publish("kept 2");
  const { server } = await serve((request) => channel.response({ request }));
  const gaps: unknown[] = [];
  const subscription = subscribe(`${server.url}/room`, {
    lastEventId: "from-before-a-restart",
    onGap: (gap) => void gaps.push(gap),
  });
  const events: ServerSentEvent[] = [];
  for await (const event of subscription) {
    events.push(event);
    if (events.length === 3) break;
  }
  expect(gaps).toEqual([{ lastEventId: "from-before-a-restart", firstId: first }]);
  expect(events.map((event) => event.event)).toEqual([GAP_EVENT, "message", "message"]);
  expect(dataOf(events.slice(1))).toEqual(["kept 1", "kept 2"]);
  channel.close();
});

test("subscribe waits what the server's retry field asks before it reconnects", async () => {
  const retries: RetryInfo[] = [];
  const { server, seen } = await serve((request, index) =>
    new DataStream(index === 0 ? [Message.data("a").id("1")] : [END], {
      request,
      keepAlive: false,
      retry: 40,
    }).toResponse(),
  );
  for await (const _ of subscribe(`${server.url}/retry`, {
    reconnect: { delay: 10_000 },
    onRetry: (info) => void retries.push(info),
  })) {
    // read to the end
  }
  expect(retries.length).toBe(1);
  expect(retries[0]!.delay).toBeGreaterThanOrEqual(40);
  expect(retries[0]!.delay).toBeLessThanOrEqual(60);
  expect(seen.length).toBe(2);
});

test("subscribe backs off, bounded by maxDelay, while the server is down, then gives up after maxRetries", async () => {
  const { server } = await serve(() => new Response(null, { status: 204 }));
  const url = `${server.url}/down`;
  await server.close(); // nothing listens on the port any more: every attempt is refused
  servers.length = 0;
  const retries: RetryInfo[] = [];
  const error = await (async () => {
    try {
      for await (const _ of subscribe(url, {
        reconnect: { delay: 5, maxDelay: 40, jitter: 0.5, maxRetries: 5 },
        onRetry: (info) => void retries.push(info),
      })) {
        // nothing arrives
      }
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  expect(error).toMatchObject({ type: "network" });
  expect(retries.map((info) => [info.attempt, info.retries])).toEqual([
    [2, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [6, 5],
  ]);
  expect(retries[0]!.delay).toBeGreaterThanOrEqual(5);
  expect(retries[0]!.delay).toBeLessThanOrEqual(7.5);
  for (const { delay } of retries.slice(1)) expect(delay).toBe(40);
});

test("subscribe does not re-run a finite DataStream: one request, one run, and the iterator ends", async () => {
  let runs = 0;
  const { server, seen } = await serve((request) =>
    new DataStream(
      async function* () {
        runs++;
        yield Message.data("the whole answer").id("1");
      },
      { request, finite: true, keepAlive: false, retry: 5 },
    ).toResponse(),
  );
  const subscription = subscribe(`${server.url}/answer`, { reconnect: FAST });
  const events: ServerSentEvent[] = [];
  for await (const event of subscription) events.push(event);
  expect(events).toEqual([{ event: "message", data: "the whole answer", id: "1", retry: 5 }]);
  expect(subscription.finished).toBe(true);
  // A reconnection would come after 5 ms: wait many times that, then count.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect({ requests: seen.length, runs }).toEqual({ requests: 1, runs: 1 });
});

test("subscribe ends at a Channel's close({ end: true }), and a later subscription gets 204 and makes one request", async () => {
  const channel = new Channel({ keepAlive: false });
  const { server, seen } = await serve((request) => channel.response({ request }));
  const subscription = subscribe(`${server.url}/room`, { reconnect: FAST });
  const events: ServerSentEvent[] = [];
  const reading = (async () => {
    for await (const event of subscription) events.push(event);
  })();
  await until(() => channel.subscriberCount === 1, "the subscriber to join");
  const id = await channel.publish("bye");
  await until(() => events.length === 1, "the live event");
  await channel.close({ end: true });
  await reading;
  expect(events).toEqual([{ event: "message", data: "bye", id }]);
  expect(subscription.finished).toBe(true);

  const late = subscribe(`${server.url}/room`, { reconnect: FAST, lastEventId: id });
  for await (const event of late) events.push(event);
  expect(late.finished).toBe(true);
  expect(events.length).toBe(1);
  expect(seen.map((request) => request.lastEventId)).toEqual([null, id]);
});
