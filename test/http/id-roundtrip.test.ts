/**
 * Every id the library accepts comes back intact over real HTTP: a node:http server (through
 * edge-sse/node) sends it as `id:`, a client reads it with eventsource-parser and sends it back as
 * `Last-Event-ID` the way a browser does (its UTF-8 bytes), and the server finds it again, in
 * `ctx.lastEventId` and in a channel's replay (no gap marker, no duplicate).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { DataStream, Message } from "edge-sse";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { EventReader, parseWire } from "../helpers/event-reader.ts";
import { acceptedId, asHeaderBytes, HARD_IDS, isPublishableId } from "../helpers/ids.ts";

/** The id each test token stands for, and the channel that published it. */
const ids = new Map<string, string>();
const channels = new Map<string, { channel: Channel; after: string }>();
let server: TestServer;

beforeAll(async () => {
  server = await serveNode(async (request) => {
    const url = new URL(request.url);
    const token = url.searchParams.get("token") ?? "";
    switch (url.pathname) {
      case "/send": // the id as `id:`, then the stream ends
        return new DataStream([Message.data("x").id(ids.get(token)!)], { request, keepAlive: false }).toResponse();
      case "/resume": // what the producer sees
        return new DataStream(
          async function* ({ lastEventId }) {
            yield Message.json({ lastEventId: lastEventId ?? null, header: request.headers.get("last-event-id") });
          },
          { request, keepAlive: false },
        ).toResponse();
      case "/channel":
        return channels.get(token)!.channel.response({ request, keepAlive: false });
      default:
        return new Response("not found", { status: 404 });
    }
  });
});

afterAll(async () => {
  for (const { channel } of channels.values()) await channel.close();
  await server.close();
});

let tokens = 0;

/** Sends `id` through the whole round trip and checks each stage. */
async function roundTrip(id: string): Promise<void> {
  const token = String(++tokens);
  ids.set(token, id);
  const channel = new Channel();
  await channel.publish("before");
  const publishable = isPublishableId(id);
  if (publishable) {
    await channel.publish(Message.data("the id").id(id));
    channels.set(token, { channel, after: await channel.publish("after") });
  } else {
    // The rare id of the form the channel's broker gives its own: refused, by name, never stored.
    const refused = channel.publish(Message.data("the id").id(id));
    await expect(refused).rejects.toThrow(TypeError);
    await expect(refused).rejects.toThrow(`the form of the ids the memory broker gives`);
    await expect(refused).rejects.toThrow(`(got ${JSON.stringify(id)})`);
    await channel.close();
  }

  // 1. The client reads the id from the wire with an independent parser.
  const sent = parseWire(await (await fetch(`${server.url}/send?token=${token}`)).text()).events;
  expect(sent.map((event) => event.id)).toEqual([id]);
  const header = asHeaderBytes(sent[0]!.id!);

  // 2. It sends the id back as UTF-8 bytes; the producer's ctx.lastEventId is the id.
  const resumed = parseWire(
    await (await fetch(`${server.url}/resume?token=${token}`, { headers: { "last-event-id": header } })).text(),
  );
  expect(JSON.parse(resumed.events[0]!.data)).toEqual({ lastEventId: id, header });

  // 2b. A page whose new EventSource has no header to send puts the id in the URL instead; once the
  // EventSource reconnects, it sends the header, newer than the URL's id, and the header wins.
  const query = `${server.url}/resume?token=${token}&lastEventId=`;
  const byQuery = parseWire(await (await fetch(`${query}${encodeURIComponent(id)}`)).text());
  expect(JSON.parse(byQuery.events[0]!.data)).toEqual({ lastEventId: id, header: null });
  const both = parseWire(await (await fetch(`${query}older`, { headers: { "last-event-id": header } })).text());
  expect(JSON.parse(both.events[0]!.data)).toEqual({ lastEventId: id, header });

  if (!publishable) {
    ids.delete(token);
    return;
  }

  // 3. A channel finds the id: it replays what came after, once, then goes live.
  const { after } = channels.get(token)!;
  const response = await fetch(`${server.url}/channel?token=${token}`, { headers: { "last-event-id": header } });
  expect(response.status).toBe(200);
  expect(response.headers.get("last-event-id")).toBe(encodeURIComponent(id));
  expect(decodeURIComponent(response.headers.get("last-event-id")!)).toBe(id);
  const reader = new EventReader(response.body!);
  try {
    await reader.until(1);
    const live = await channel.publish("live");
    const events = await reader.until(2);
    expect(events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
      { event: undefined, id: after, data: "after" },
      { event: undefined, id: live, data: "live" },
    ]);
    expect(events.some((event) => event.event === GAP_EVENT)).toBe(false);
  } finally {
    await reader.cancel();
    await channel.close();
    channels.delete(token);
    ids.delete(token);
  }
}

test.each(
  HARD_IDS.map((id) => [
    id.length > 40 ? `${JSON.stringify(id.slice(0, 12))}… (${id.length} code units)` : JSON.stringify(id),
    id,
  ]),
)(
  "An id comes back intact through node:http, Last-Event-ID, ctx.lastEventId and a channel replay when it is %s",
  async (_label, id) => {
    await roundTrip(id);
  },
);

test("An accepted id of the form a channel's broker gives its own still round-trips through a DataStream, and a channel refuses it by name", async () => {
  const id = "0a1700000000000-0"; // a Redis stream id behind two characters: 15 lowercase letters and digits
  expect(isPublishableId(id)).toBe(false);
  await roundTrip(id);
});

test("Every accepted id comes back intact through node:http, Last-Event-ID, ctx.lastEventId and a channel replay (fast-check, 150 runs)", async () => {
  await fc.assert(fc.asyncProperty(acceptedId(), roundTrip), { numRuns: 150 });
}, 120_000);

test("Node's IncomingMessage as the request (no bridge): its header record and its path's query give ctx.lastEventId and a channel's", async () => {
  const channel = new Channel();
  await channel.publish(Message.data("the id").id("\u65E5\u672C \u{1F600}"));
  const after = await channel.publish("after");
  const seen: Array<string | undefined> = [];
  const plain = createServer((req: IncomingMessage, res) => {
    void (async () => {
      const stream = req.url?.startsWith("/channel")
        ? await channel.stream({ request: req, keepAlive: false })
        : new DataStream(
            ({ lastEventId }) => {
              seen.push(lastEventId);
              return [];
            },
            { request: req, keepAlive: false },
          );
      res.writeHead(200, { "content-type": "text/event-stream" });
      const reader = stream.toReadableStream().getReader();
      res.on("close", () => void reader.cancel());
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
      res.end();
    })();
  });
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  try {
    const header = asHeaderBytes("\u65E5\u672C \u{1F600}");
    await (await fetch(`${base}/stream`, { headers: { "last-event-id": header } })).text();
    expect(seen).toEqual(["\u65E5\u672C \u{1F600}"]);
    await (await fetch(`${base}/stream?lastEventId=%E6%97%A5%E6%9C%AC%20%F0%9F%98%80`)).text();
    await (await fetch(`${base}/stream?lastEventId=older`, { headers: { "last-event-id": header } })).text();
    expect(seen).toEqual(Array(3).fill("\u65E5\u672C \u{1F600}"));
    for (const init of [
      { url: `${base}/channel`, headers: { "last-event-id": header } },
      { url: `${base}/channel?lastEventId=%E6%97%A5%E6%9C%AC%20%F0%9F%98%80`, headers: {} },
    ]) {
      const reader = new EventReader((await fetch(init.url, { headers: init.headers })).body!);
      expect((await reader.until(1)).map(({ id, data }) => ({ id, data }))).toEqual([{ id: after, data: "after" }]);
      await reader.cancel();
    }
  } finally {
    await channel.close();
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
});
