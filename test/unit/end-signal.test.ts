/**
 * Ending on purpose: `finite`, `ctx.end()` and `Channel.close({ end: true })` write the end event
 * last, read back through eventsource-parser; `publish` refuses the reserved names.
 */
import { expect, test } from "vitest";
import { DataStream, END_EVENT, Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { END_EVENT as CLIENT_END_EVENT } from "edge-sse/client";
import { EventReader, parseWire } from "../helpers/event-reader.ts";

const END_FRAME = "event: edge-sse-end\ndata:\n\n";
const END = { id: undefined, event: "edge-sse-end", data: "" };

test("END_EVENT is one declaration that edge-sse and edge-sse/client both export", () => {
  expect(END_EVENT).toBe("edge-sse-end");
  expect(CLIENT_END_EVENT).toBe(END_EVENT);
});

test("DataStream with finite writes the end event last when the source runs out", async () => {
  const text = await new DataStream(["a", Message.data("b").id("2")], { finite: true, keepAlive: false })
    .toResponse()
    .text();
  expect(text).toBe(`:\n\ndata: a\n\nid: 2\ndata: b\n\n${END_FRAME}`);
  expect(parseWire(text).events.at(-1)).toEqual(END);
});

test("DataStream with finite writes the end event when a push producer's promise settles or it calls ctx.close()", async () => {
  const settled = await new DataStream(
    async ({ send }) => {
      send("x");
    },
    { finite: true, keepAlive: false },
  )
    .toResponse()
    .text();
  const closed = await new DataStream(
    ({ send, close }) => {
      send("y");
      close();
    },
    { finite: true, keepAlive: false },
  )
    .toResponse()
    .text();
  expect([settled, closed]).toEqual([`:\n\ndata: x\n\n${END_FRAME}`, `:\n\ndata: y\n\n${END_FRAME}`]);
});

test("DataStream without finite writes no end event when the source runs out", async () => {
  expect(await new DataStream(["a"], { keepAlive: false }).toResponse().text()).toBe(":\n\ndata: a\n\n");
});

test("DataStream with finite writes no end event when the producer fails, so that the client comes back", async () => {
  const text = await new DataStream(
    async function* () {
      yield "a";
      throw new Error("boom");
    },
    { finite: true, keepAlive: false, onError: () => {} },
  )
    .toResponse()
    .text();
  expect(text).toBe(":\n\ndata: a\n\n");
});

test("ctx.end() writes what was sent, then the end event, and ends the stream", async () => {
  let sentAfter: boolean | undefined;
  const text = await new DataStream(
    ({ send, end }) => {
      send("last");
      end();
      sentAfter = send("too late");
    },
    { keepAlive: false },
  )
    .toResponse()
    .text();
  expect(text).toBe(`:\n\ndata: last\n\n${END_FRAME}`);
  expect(sentAfter).toBe(false);
});

test("ctx.end() ends a generator's stream for good from inside the generator", async () => {
  const text = await new DataStream(
    async function* ({ end }) {
      yield "one";
      end();
      yield "never";
    },
    { keepAlive: false },
  )
    .toResponse()
    .text();
  expect(parseWire(text).events).toEqual([{ id: undefined, event: undefined, data: "one" }, END]);
});

test("DataStream refuses a finite option that is not a boolean", () => {
  expect(() => new DataStream([], { finite: "yes" as unknown as boolean })).toThrow(
    'Cannot create DataStream: `finite` must be a boolean (got "yes")',
  );
});

test("DataStream refuses a Response as its source and says how to relay one", () => {
  const response = new Response("data: x\n\n", { headers: { "content-type": "text/event-stream" } });
  expect(() => new DataStream(response as never)).toThrow(
    /relay a Response with subscribe\(response\) from edge-sse\/client/,
  );
});

test("Channel.close({ end: true }) sends every subscriber the end event after what it was sent", async () => {
  const channel = new Channel({ keepAlive: false });
  const readers = await Promise.all(
    [1, 2].map(async () => new EventReader((await channel.stream()).toReadableStream())),
  );
  const id = await channel.publish("before the end");
  await Promise.all(readers.map((reader) => reader.waitFor(() => reader.events.length === 1, "the live event")));
  await channel.close({ end: true });
  for (const reader of readers) {
    await reader.waitFor(() => reader.done, "the end of the stream");
    expect(reader.events).toEqual([{ id, event: undefined, data: "before the end" }, END]);
  }
});

test("Channel.close() without end sends no end event", async () => {
  const channel = new Channel({ keepAlive: false });
  const reader = new EventReader((await channel.stream()).toReadableStream());
  await reader.waitFor(() => reader.chunks.length > 0, "the first bytes");
  await channel.close();
  await reader.waitFor(() => reader.done, "the end of the stream");
  expect(reader.events).toEqual([]);
});

test("Channel.response() answers 204 after close({ end: true }), and a stream made before starts with the end event", async () => {
  const channel = new Channel({ keepAlive: false });
  const early = await channel.stream();
  await channel.close({ end: true });
  const late = await channel.response({
    request: new Request("http://localhost/", { headers: { "last-event-id": "1" } }),
  });
  expect(late.status).toBe(204);
  expect(late.body).toBe(null);
  expect(parseWire(await early.toResponse().text()).events).toEqual([END]);
});

test("Channel.close() refuses options other than { end: boolean }", () => {
  const channel = new Channel();
  expect(() => channel.close({ end: 1 as unknown as boolean })).toThrow(
    "Cannot close channel: `end` must be a boolean (got number 1)",
  );
  expect(() => channel.close({ ending: true } as never)).toThrow("Cannot close channel: unknown option `ending`");
  return channel.close();
});

test("Channel.publish refuses the end event's name and the gap marker's with a TypeError", async () => {
  const channel = new Channel();
  await expect(channel.publish(Message.data("").event("edge-sse-end"))).rejects.toThrow(
    /^Cannot publish: `event` must not be "edge-sse-end", the name of the end event/,
  );
  await expect(channel.publish(Message.data("").event("edge-sse-gap"))).rejects.toThrow(
    /^Cannot publish: `event` must not be "edge-sse-gap"/,
  );
  await expect(channel.publish(Message.data("").event("edge-sse-end"))).rejects.toBeInstanceOf(TypeError);
  await channel.close();
});
