/**
 * authorize in front of a Channel's response over real HTTP: a node:http server on 127.0.0.1 through
 * edge-sse/node, read with fetch and eventsource-parser, and with the `eventsource` client (a spec
 * EventSource for Node, whose `fetch` option can set the Authorization header a browser's cannot).
 */
import { EventSource } from "eventsource";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import type { StreamClosedError } from "edge-sse";
import { authorize, EXPIRED_EVENT, signToken, type TokenGrant, type TokenRefusal } from "edge-sse/tokens";
import { parseWire, readEvents } from "../helpers/event-reader.ts";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";
import { KEY } from "./oracle.ts";

let server: TestServer;
const channels = new Map<string, Channel>();
const refusals: TokenRefusal[] = [];
const left: StreamClosedError[] = [];
let requests = 0;

function channelNamed(name: string): Channel {
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = new Channel({ keepAlive: false, retry: 50, onLeave: (_, reason) => left.push(reason) });
    channels.set(name, channel);
  }
  return channel;
}

beforeAll(async () => {
  // GET /channels/<name> subscribes, POST publishes its body; /q/channels/<name> also takes ?token=.
  server = await serveNode(async (request) => {
    requests++;
    const url = new URL(request.url);
    const byQuery = url.pathname.startsWith("/q/");
    const name = decodeURIComponent(url.pathname.replace(/^(\/q)?\/channels\//, ""));
    const auth = await authorize(request, {
      keys: KEY,
      channel: name,
      cookie: "sse-token",
      ...(byQuery ? { query: "token" } : {}),
    });
    if (!auth.ok) {
      refusals.push(auth.reason);
      return auth.response;
    }
    const channel = channelNamed(name);
    if (request.method === "POST")
      return Response.json({ id: await channel.publish(await request.text()) }, { status: 201 });
    return channel.response({ request, expiresAt: auth.validUntil });
  });
});

afterAll(async () => {
  await Promise.all([...channels.values()].map((channel) => channel.close()));
  await server.close();
});

function token(grant: Partial<TokenGrant> = {}): Promise<string> {
  return signToken({ channels: ["room:1"], expiresIn: 60_000, ...grant }, KEY);
}

test("Over node:http, authorize answers 401 without a token or with a bad one, 403 for another channel, and the channel's stream with a good one", async () => {
  const good = await token({ channels: ["room:1", "doc:*"] });
  const status = async (path: string, headers: Record<string, string> = {}): Promise<[number, string]> => {
    const response = await fetch(`${server.url}${path}`, { headers });
    return [response.status, await response.text()];
  };
  refusals.length = 0;
  expect(await status("/channels/room:1")).toEqual([401, "Unauthorized\n"]);
  expect(await status("/channels/room:1", { authorization: `Bearer ${good.slice(0, -1)}` })).toEqual([
    401,
    "Unauthorized\n",
  ]);
  expect(
    await status("/channels/room:1", {
      authorization: `Bearer ${await token({ expiresIn: 1, channels: ["room:1"] })}`,
    }),
  ).toEqual([401, "Unauthorized\n"]);
  expect(await status("/channels/room:10", { authorization: `Bearer ${good}` })).toEqual([403, "Forbidden\n"]);
  expect(await status("/channels/doc:", { authorization: `Bearer ${good}` })).toEqual([403, "Forbidden\n"]);
  expect(await status(`/channels/room:1?token=${good}`)).toEqual([401, "Unauthorized\n"]);
  expect(refusals).toEqual(["missing", "malformed", "expired", "channel", "channel", "missing"]);

  const room = channelNamed("room:1");
  const ids = [await room.publish("before")];
  const reading = readEvents(`${server.url}/channels/room:1`, 2, {
    authorization: `Bearer ${good}`,
    "last-event-id": ids[0]!,
  });
  await until(() => room.subscriberCount === 1, "the subscriber to join");
  ids.push(await room.publish("one"), await room.publish("two"));
  const { parsed, response } = await reading;
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(parsed.events).toEqual([
    { data: "one", event: undefined, id: ids[1] },
    { data: "two", event: undefined, id: ids[2] },
  ]);
});

test("Over node:http, a token for one channel never replays another: 403 there, and another's id replays only its own", async () => {
  const forA = await token({ channels: ["room:a"] });
  const a = channelNamed("room:a");
  const b = channelNamed("room:b");
  const secret = [await b.publish("b's first"), await b.publish("b's second")];
  const own = await a.publish("a's first");
  const bearer = { authorization: `Bearer ${forA}` };
  for (const path of ["/channels/room:b", `/channels/room:b?lastEventId=${secret[0]}`, "/channels/room%3Ab"]) {
    const response = await fetch(`${server.url}${path}`, { headers: { ...bearer, "last-event-id": secret[0]! } });
    if (response.status !== 403) await response.body?.cancel(); // a stream would not end by itself
    expect([response.status, response.bodyUsed ? "" : await response.text()]).toEqual([403, "Forbidden\n"]);
  }
  // In its own channel, B's id is unknown: the gap marker and A's events only.
  const { parsed, response } = await readEvents(`${server.url}/channels/room:a`, 2, {
    ...bearer,
    "last-event-id": secret[0]!,
  });
  expect(response.headers.get("last-event-id")).toBe("earliest");
  expect(parsed.events.map((event) => [event.event ?? "message", event.event ? "" : event.data])).toEqual([
    [GAP_EVENT, ""],
    ["message", "a's first"],
  ]);
  expect(parsed.events[1]!.id).toBe(own);
  expect(b.subscriberCount).toBe(0);
});

test("Over node:http, a token in the cookie, or in the query where the route allows it, opens the stream", async () => {
  const good = await token({ channels: ["room:2"] });
  const first = await channelNamed("room:2").publish("hello");
  await channelNamed("room:2").publish("again");
  const byCookie = await readEvents(`${server.url}/channels/room:2`, 3, {
    cookie: `theme=dark; sse-token=${good}`,
    "last-event-id": "gone",
  });
  expect(byCookie.parsed.events.map((event) => event.event ?? event.data)).toEqual(["edge-sse-gap", "hello", "again"]);
  const byQuery = await readEvents(`${server.url}/q/channels/room:2?token=${good}&lastEventId=${first}`, 1);
  expect(byQuery.parsed.events.map((event) => event.data)).toEqual(["again"]);
  const refused = await fetch(`${server.url}/channels/room:2?token=${good}`);
  expect(refused.status).toBe(401);
  await refused.body?.cancel();
});

test("Over node:http, POST publishes only with a token that may publish", async () => {
  const reader = await token();
  const writer = await token({ publish: true });
  const post = (bearer: string): Promise<Response> =>
    fetch(`${server.url}/channels/room:1`, {
      method: "POST",
      body: "posted",
      headers: { authorization: `Bearer ${bearer}` },
    });
  const refused = await post(reader);
  expect([refused.status, await refused.text()]).toEqual([403, "Forbidden\n"]);
  const accepted = await post(writer);
  expect(accepted.status).toBe(201);
  expect(await accepted.json()).toEqual({ id: expect.any(String) });
});

test("The eventsource client gets the events with a Bearer header set through its fetch, and stops at a 401 without retrying", async () => {
  const good = await token({ channels: ["room:3"] });
  const room = channelNamed("room:3");
  const seen: string[] = [];
  const source = new EventSource(`${server.url}/channels/room:3`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${good}` } }),
  });
  source.onmessage = (event) => seen.push(event.data);
  try {
    await until(() => room.subscriberCount === 1, "the eventsource client to subscribe");
    await room.publish("hi");
    await until(() => seen.length === 1, "the event at the client");
    expect(seen).toEqual(["hi"]);
  } finally {
    source.close();
  }

  const before = requests;
  const refused = new EventSource(`${server.url}/channels/room:3`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: "Bearer v1.forged.token" } }),
  });
  const errors: unknown[] = [];
  refused.onerror = (event) => errors.push(event);
  // A non-200 answer fails the connection for good (CLOSED): EventSource does not reconnect after it.
  await until(() => refused.readyState === EventSource.CLOSED, "the client to give up after the 401");
  expect(requests - before).toBe(1);
  expect(errors).toHaveLength(1);
  refused.close();
});

test("Over node:http, a stream ends at its token's expiry with the expired event; the client resumes without a gap once it has a new token", async () => {
  const room = channelNamed("room:4");
  const grant = { channels: ["room:4"], expiresIn: 1_500 };
  let current = await signToken(grant, KEY);
  const fresh = await signToken({ channels: ["room:4"], expiresIn: 60_000 }, KEY);
  const seen: Array<{ type: string; data: string }> = [];
  left.length = 0;
  const source = new EventSource(`${server.url}/channels/room:4`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${current}` } }),
  });
  const record = (event: MessageEvent<string>): number => seen.push({ type: event.type, data: event.data });
  source.onmessage = record;
  source.addEventListener(EXPIRED_EVENT, (event) => {
    record(event);
    current = fresh; // as a page would get a new cookie; without it the reconnect gets a 401 and the client gives up
    void room.publish("while away");
  });
  try {
    await until(() => room.subscriberCount === 1, "the client to subscribe");
    await room.publish("before expiry");
    await until(
      () => seen.some((event) => event.data === "while away"),
      "the event published while the client was away",
      10_000,
    );
    await room.publish("after reconnect");
    await until(
      () => seen.some((event) => event.data === "after reconnect"),
      "the live event after the reconnect",
      10_000,
    );
    expect(seen.map((event) => (event.type === "message" ? event.data : event.type))).toEqual([
      "before expiry",
      EXPIRED_EVENT,
      "while away",
      "after reconnect",
    ]);
    expect(left[0]?.type).toBe("expired");
  } finally {
    source.close();
  }
});

test("Over node:http, the expired event and the end of the stream arrive as a plain fetch reads them", async () => {
  const good = await signToken({ channels: ["room:5"], expiresIn: 400 }, KEY);
  const response = await fetch(`${server.url}/channels/room:5`, { headers: { authorization: `Bearer ${good}` } });
  const text = await response.text(); // the server ends it
  expect(parseWire(text).events.map((event) => event.event)).toEqual([EXPIRED_EVENT]);
});
