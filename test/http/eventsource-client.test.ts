/**
 * The `eventsource` npm client (a spec EventSource for Node) reading a DataStream served by
 * node:http through edge-sse/node: what it receives, and how it reconnects with Last-Event-ID.
 */
import { EventSource } from "eventsource";
import { expect, test } from "vitest";
import { DataStream, Message, type StreamClosedError } from "edge-sse";
import { serveNode, until } from "../helpers/serve-node.ts";

/** What the client saw of one event. */
interface Seen {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

function record(into: Seen[]): (event: MessageEvent<string>) => void {
  return (event) => into.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
}

test("EventSource receives named events, ids, multi-line data and JSON exactly as sent", async () => {
  const closes: StreamClosedError[] = [];
  const server = await serveNode((request) =>
    new DataStream(
      async function* (ctx) {
        yield Message.data("hello").event("greet").id("1");
        yield Message.data("line one\nline two\n\nline four").id("2");
        yield { price: 42, tags: ["a", "b"], nested: { ok: true }, text: 'é ✓ "quoted"' };
        yield Message.json([1, null, "x"]).event("list").id("3");
        yield " leading space and trailing space ";
        yield Message.data("").event("empty");
        // Stay open, so the client does not reconnect while we look at what it got.
        await ctx.sleep(60_000);
      },
      { request, keepAlive: false, onClose: (reason) => closes.push(reason) },
    ).toResponse(),
  );
  const source = new EventSource(`${server.url}/events`);
  const seen: Seen[] = [];
  source.onmessage = record(seen);
  source.addEventListener("greet", record(seen));
  source.addEventListener("list", record(seen));
  source.addEventListener("empty", record(seen));
  try {
    await until(() => seen.length >= 6, "six events at the EventSource");
    // This client sets `lastEventId` to the event's own `id:` field ("" when it has none), rather than
    // the spec's sticky last-event-id buffer; the sticky value is what it sends on reconnect (below).
    expect(seen).toEqual([
      { type: "greet", data: "hello", lastEventId: "1" },
      { type: "message", data: "line one\nline two\n\nline four", lastEventId: "2" },
      {
        type: "message",
        data: '{"price":42,"tags":["a","b"],"nested":{"ok":true},"text":"é ✓ \\"quoted\\""}',
        lastEventId: "",
      },
      { type: "list", data: '[1,null,"x"]', lastEventId: "3" },
      { type: "message", data: " leading space and trailing space ", lastEventId: "" },
      { type: "empty", data: "", lastEventId: "" },
    ]);
    expect(JSON.parse(seen[2]!.data)).toEqual({
      price: 42,
      tags: ["a", "b"],
      nested: { ok: true },
      text: 'é ✓ "quoted"',
    });
    expect(source.readyState).toBe(EventSource.OPEN);
  } finally {
    source.close();
    await server.close();
  }
  await until(() => closes.length > 0, "the stream to close after the client left");
  expect(closes.map((reason) => reason.type)).toEqual(["client-gone"]);
});

test("EventSource reconnects by itself after the stream ends and resumes with Last-Event-ID", async () => {
  interface Connection {
    readonly header: string | null;
    readonly lastEventId: string | undefined;
  }
  const connections: Connection[] = [];
  const closes: string[] = [];
  const server = await serveNode((request) => {
    const number = connections.length + 1;
    return new DataStream(
      async function* (ctx) {
        connections.push({ header: request.headers.get("last-event-id"), lastEventId: ctx.lastEventId });
        if (number === 1) {
          yield Message.data("first connection").event("note").id("7");
          return; // The stream ends; the client reconnects after `retry` ms.
        }
        yield Message.data(`resumed after ${ctx.lastEventId ?? "nothing"}`)
          .event("note")
          .id("8");
        yield "plain message on the second connection";
        await ctx.sleep(60_000);
      },
      {
        request,
        retry: 20,
        keepAlive: false,
        onClose: (reason) => closes.push(`${number}:${reason.type}`),
      },
    ).toResponse();
  });
  const source = new EventSource(`${server.url}/feed`);
  const seen: Seen[] = [];
  const opens: number[] = [];
  source.onopen = () => opens.push(connections.length);
  source.onmessage = record(seen);
  source.addEventListener("note", record(seen));
  try {
    await until(() => seen.length >= 3, "three events over two connections");
    expect(seen).toEqual([
      { type: "note", data: "first connection", lastEventId: "7" },
      { type: "note", data: "resumed after 7", lastEventId: "8" },
      { type: "message", data: "plain message on the second connection", lastEventId: "" },
    ]);
    expect(connections).toEqual([
      { header: null, lastEventId: undefined },
      { header: "7", lastEventId: "7" },
    ]);
    expect(opens).toHaveLength(2);
    expect(closes).toEqual(["1:done"]);
    expect(source.readyState).toBe(EventSource.OPEN);
  } finally {
    source.close();
    await server.close();
  }
  await until(() => closes.length === 2, "the second stream to close after the client left");
  expect(closes).toEqual(["1:done", "2:client-gone"]);
  expect(connections).toHaveLength(2);
});
