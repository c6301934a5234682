import { describe, expect, test, vi } from "vitest";
import {
  Channel,
  ChannelMetrics,
  Channels,
  GAP_EVENT,
  MAX_CURSOR_LENGTH,
  MemoryBroker,
  severalChannelsResponse,
} from "edge-sse/channel";
import { Message } from "edge-sse";
import { END_EVENT } from "edge-sse";
import { EventReader, datas, type ReadEvent } from "../helpers/event-reader.ts";
import { flushMicrotasks } from "../helpers/deferred.ts";
import { createEventStreamParser } from "edge-sse/client";

type Picks = Parameters<typeof severalChannelsResponse>[0];

async function open(channels: Picks, lastEventId?: string): Promise<EventReader> {
  const reader = new EventReader(await severalChannelsResponse(channels, { keepAlive: false, lastEventId }));
  await reader.started();
  return reader;
}

const lastId = (events: readonly ReadEvent[]): string => events.filter((event) => event.id).at(-1)!.id!;
const gaps = (events: readonly ReadEvent[]): Array<Record<string, unknown>> =>
  events.filter((event) => event.event === GAP_EVENT).map((event) => JSON.parse(event.data) as Record<string, unknown>);
const notGaps = (events: readonly ReadEvent[]): string[] => datas(events.filter((event) => event.event !== GAP_EVENT));

describe("severalChannelsResponse", () => {
  test("interleaves the events of its channels as published, each filtered, each id the cursor after it", async () => {
    const room = new Channel();
    const alerts = new Channel();
    const reader = await open({ room, me: { channel: alerts, filter: "alert" } });
    const r1 = await room.publish("r1");
    await alerts.publish(new Message({ event: "note", data: "not for this stream" }));
    const a1 = await alerts.publish(new Message({ event: "alert", data: "a1" }));
    const r2 = await room.publish("r2");
    const events = await reader.until(3);
    expect(events.map((event) => [event.event ?? "message", event.data, event.id])).toEqual([
      ["message", "r1", `1;room=${r1};me=`],
      ["alert", "a1", `1;room=${r1};me=${a1}`],
      ["message", "r2", `1;room=${r2};me=${a1}`],
    ]);
    await reader.cancel();
    expect(room.subscriberCount + alerts.subscriberCount).toBe(0);
  });

  test("resumes every channel exactly from the cursor, those it had no event from yet included", async () => {
    const room = new Channel();
    const news = new Channel();
    const quiet = new Channel();
    await news.publish("old news, before the client came");
    const first = await open({ room, news, quiet });
    await room.publish("r1");
    const seen = await first.until(1);
    await first.cancel();
    // While away: each channel gets events, the one that was empty when it joined too.
    await room.publish("r2");
    await news.publish("n2");
    await quiet.publish("q1");
    const second = await open({ room, news, quiet }, lastId(seen));
    await second.until(4);
    await room.publish("r3");
    const events = await second.until(5);
    // The channel that held nothing at join replays all it holds now, after a marker: its broker
    // cannot tell whether it dropped events before those while the client had none of them.
    expect(gaps(events)).toEqual([{ channel: "quiet", lastEventId: "", firstId: expect.any(String) }]);
    expect(notGaps(events).slice(0, 3).sort()).toEqual(["n2", "q1", "r2"]);
    expect(notGaps(events)[3]).toBe("r3");
    await second.cancel();
  });

  test("a reconnect before any event replays what each channel got since the client joined it", async () => {
    const a = new Channel();
    const b = new Channel();
    await a.publish("before");
    const response = await severalChannelsResponse({ a, b }, { keepAlive: false });
    const reader = new EventReader(response);
    await reader.started();
    // No event came, so the browser holds no id: only the cursor this stream would have given helps.
    // Its first event carries it; here the client reconnects after one.
    await b.publish("b1");
    const cursor = lastId(await reader.until(1));
    expect(cursor).toMatch(/^1;a=[^;]+;b=[^;]+$/);
    await reader.cancel();
    await a.publish("a-away");
    const again = await open({ a, b }, cursor);
    expect(datas(await again.until(1))).toEqual(["a-away"]);
    await again.cancel();
  });

  test("sets the cursor at join with an id alone, which a spec parser takes as its last event id", async () => {
    const a = new Channel();
    const b = new Channel();
    const a0 = await a.publish("before");
    const reader = await open({ a, b });
    await reader.waitFor(() => reader.text.includes("id: "), "the cursor at join");
    expect(reader.text).toContain(`id: 1;a=${a0};b=\n\n`);
    const parser = createEventStreamParser({ onEvent: () => {} });
    parser.feed(reader.text);
    expect(parser.lastEventId).toBe(`1;a=${a0};b=`);
    expect(reader.events).toEqual([]);
    await reader.cancel();
  });

  test("a channel whose history lost the position sends its own gap marker, naming it; the others replay", async () => {
    const short = new Channel({ history: { maxEvents: 2 } });
    const long = new Channel();
    const reader = await open({ s: short, l: long });
    await short.publish("s1");
    await long.publish("l1");
    const cursor = lastId(await reader.until(2));
    await reader.cancel();
    for (const n of [2, 3, 4]) await short.publish(`s${n}`);
    await long.publish("l2");
    const again = await open({ s: short, l: long }, cursor);
    const events = await again.until(4);
    expect(gaps(events)).toEqual([{ channel: "s", lastEventId: expect.any(String), firstId: expect.any(String) }]);
    expect(notGaps(events).sort()).toEqual(["l2", "s3", "s4"]);
    await again.cancel();
  });

  test.each([
    ["huge", `1;a=${"x".repeat(MAX_CURSOR_LENGTH)}`],
    ["of another version", "2;a=x;b=y"],
    ["without a version", "a=x"],
    ["badly percent-encoded", "1;a=%E0%A4%A;b="],
    ["percent-encoding that is not UTF-8", "1;a=%FF"],
    ["with a key twice", "1;a=x;a=y"],
    ["with a bad key", "1;a b=x"],
    ["with a part without =", "1;a"],
    ["with raw non-ASCII", "1;a=é"],
    ["with a comma", "1;a=x,y"],
    ["empty", ""],
  ])("a cursor %s is no crash: each channel sends its gap marker and every event it holds", async (_name, cursor) => {
    const a = new Channel();
    const b = new Channel();
    await a.publish("a1");
    await b.publish("b1");
    const onError = vi.fn();
    const response = await severalChannelsResponse({ a, b }, { keepAlive: false, lastEventId: cursor, onError });
    expect(response.status).toBe(200);
    const reader = new EventReader(response);
    if (cursor === "") {
      // No cursor at all: a new client, live from now.
      await reader.started();
      await a.publish("a2");
      expect(datas(await reader.until(1))).toEqual(["a2"]);
    } else {
      const events = await reader.until(4);
      expect(
        gaps(events)
          .map((gap) => gap["channel"])
          .sort(),
      ).toEqual(["a", "b"]);
      expect(notGaps(events).sort()).toEqual(["a1", "b1"]);
    }
    expect(onError).not.toHaveBeenCalled();
    await reader.cancel();
  });

  test("keys the cursor names that the stream has not are ignored; a key it lacks starts from now", async () => {
    const a = new Channel();
    const added = new Channel();
    const first = await open({ a });
    const a1 = await a.publish("a1");
    await first.until(1);
    await first.cancel();
    await added.publish("before the client added it");
    await a.publish("a2");
    const again = await open({ a, added }, `1;gone=x;a=${a1}`);
    await added.publish("after");
    const events = await again.until(2);
    expect(gaps(events)).toEqual([]);
    expect(datas(events)).toEqual(["a2", "after"]);
    await again.cancel();
  });

  test("ids of any kind go into the cursor encoded so that it stays ASCII, and resume exactly", async () => {
    const broker = new MemoryBroker();
    const odd = new Channel({ broker });
    const other = new Channel();
    const reader = await open({ odd, other });
    const weird = ["a;b,c=d", "100%", "é ☃ 😀", "x".repeat(200)];
    for (const id of weird) await odd.publish(new Message({ id, data: id }));
    const events = await reader.until(4);
    for (const event of events) expect(event.id).toMatch(/^1;odd=[\w\-.!~*'()%]+;other=$/);
    await reader.cancel();
    const live: string[] = [];
    for (const [index, event] of events.entries()) {
      const again = await open({ odd, other }, event.id);
      live.push(`live ${index}`);
      await odd.publish(live.at(-1)!);
      const expected = [...weird.slice(index + 1), ...live];
      expect(datas(await again.until(expected.length))).toEqual(expected);
      await again.cancel();
    }
  });

  test("an id too long for the cursor is reported and not sent; the stream goes on", async () => {
    const a = new Channel();
    const onError = vi.fn();
    const reader = new EventReader(await severalChannelsResponse({ a }, { keepAlive: false, onError }));
    await reader.started();
    await a.publish(new Message({ id: "%".repeat(100), data: "too long once encoded" }));
    await a.publish("fits");
    expect(datas(await reader.until(1))).toEqual(["fits"]);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringContaining("Cannot carry event of channel") }),
    );
    await reader.cancel();
  });

  test.each([
    ["no channels", {}, "`channels` must name 1 to 16 channels, so that the cursor stays small (got 0)"],
    ["17 channels", Object.fromEntries(Array.from({ length: 17 }, (_, n) => [`c${n}`, new Channel()])), "(got 17)"],
    ["a key too long", { abcdefghijklmnopq: new Channel() }, '(got "abcdefghijklmnopq")'],
    ["a key with a semicolon", { "a;b": new Channel() }, '(got "a;b")'],
    [
      "a value that is no channel",
      { a: "room" },
      '`channels.a` must be a Channel, or { channel, filter } (got "room")',
    ],
    ["an unknown key beside the channel", { a: { channel: new Channel(), filters: "x" } }, "unknown option `filters`"],
  ])("refuses %s with a TypeError naming the field and value", async (_name, channels, message) => {
    const refused = await severalChannelsResponse(channels as Picks).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toContain("Cannot subscribe to several channels: ");
    expect((refused as TypeError).message).toContain(message);
  });

  test.each([
    ["request", { request: 5 }, "`request` must be a Request or an object with `headers` (got number 5)"],
    ["request.url", { request: { headers: {}, url: 5 } }, "`request.url` must be a string (got number 5)"],
    ["lastEventId", { lastEventId: 5 }, "`lastEventId` must be a string (got number 5)"],
    ["keepAlive", { keepAlive: -1 }, "`keepAlive` must be a positive number of milliseconds"],
    ["retry", { retry: Number.NaN }, "`retry` must be a non-negative integer of milliseconds (got number NaN)"],
    [
      "expiresAt",
      { expiresAt: "tomorrow" },
      '`expiresAt` must be a time: milliseconds since the epoch or a valid Date (got "tomorrow")',
    ],
    ["headers", { headers: { "a b": "x" } }, "`headers` must be a Headers, a record or a list of name/value pairs"],
    ["onError", { onError: "log" }, '`onError` must be a function (got "log")'],
  ])(
    "refuses a bad %s option with a TypeError naming it, as channel.response() does",
    async (_name, options, message) => {
      const channel = new Channel();
      const registry = new Channels();
      for (const answer of [
        severalChannelsResponse({ a: channel }, options as never),
        registry.responseMany({ a: "room" }, options as never),
      ]) {
        const refused = await answer.catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(TypeError);
        expect((refused as TypeError).message).toMatch(/^Cannot subscribe to several channels: /);
        expect((refused as TypeError).message).toContain(message);
      }
      expect(channel.subscriberCount).toBe(0);
      expect(registry.size).toBe(0);
    },
  );

  test("refuses an unknown option, and a bad filter of one channel", async () => {
    const channel = new Channel();
    await expect(severalChannelsResponse({ a: channel }, { keepalive: 1 } as never)).rejects.toThrow(
      "unknown option `keepalive` (did you mean `keepAlive`?)",
    );
    await expect(severalChannelsResponse({ a: { channel, filter: 42 as never } })).rejects.toThrow("`filter` must be");
    expect(channel.subscriberCount).toBe(0);
  });

  test("each channel's cap applies: a full channel answers 503 for the whole stream, and frees the others", async () => {
    const full = new Channel({ maxSubscribers: 1 });
    const free = new Channel({ maxSubscribers: 1 });
    const holder = await open({ full });
    const refused = await severalChannelsResponse({ free, full });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("3");
    await flushMicrotasks();
    // The place `free` gave is back: another subscriber fits.
    const fits = await open({ free });
    await holder.cancel();
    await fits.cancel();
  });

  test("metrics count the stream on each channel; a drain of one ends the stream with its retry hint", async () => {
    const metrics = new ChannelMetrics();
    const a = new Channel({ metrics });
    const b = new Channel({ metrics });
    const reader = await open({ a, b });
    expect(metrics.open).toBe(2);
    await a.drain({ retry: 700, timeout: 10 });
    await reader.rest();
    expect(reader.retries).toContain(700);
    expect(metrics.open).toBe(0);
  });

  test("a channel closed for good leaves the stream; once every channel has, the stream ends for good", async () => {
    const a = new Channel();
    const b = new Channel();
    const reader = await open({ a, b });
    await a.close({ end: true });
    await b.publish("b1");
    expect(datas(await reader.until(1))).toEqual(["b1"]);
    await b.close({ end: true });
    const events = await reader.rest();
    expect(events.at(-1)!.event).toBe(END_EVENT);
    expect((await severalChannelsResponse({ a, b })).status).toBe(204);
  });
});

describe("Channels.responseMany", () => {
  test("streams several channels of the registry by name, resumes them, and releases them when it ends", async () => {
    const registry = new Channels();
    const reader = new EventReader(
      await registry.responseMany({ inbox: "user-1", doc: { name: "doc-1", filter: "edit" } }, { keepAlive: false }),
    );
    await reader.started();
    expect(registry.has("user-1") && registry.has("doc-1")).toBe(true);
    await registry.publish("doc-1", new Message({ event: "edit", data: "e1" }));
    const cursor = lastId(await reader.until(1));
    await reader.cancel();
    await flushMicrotasks();
    expect(registry.size).toBe(0);
    await expect(registry.responseMany({ a: 7 as never })).rejects.toThrow(
      "`channels.a` must be a channel name, or { name, filter } (got number 7)",
    );
    await registry.close();
    expect(cursor).toMatch(/^1;inbox=;doc=/);
  });
});

test("severalChannelsResponse joins a channel through its broker's newest(), opaque ids included, not a whole replay", async () => {
  const { createEventIdCodec } = await import("edge-sse/tokens");
  const inner = new MemoryBroker();
  const afterIds: string[] = [];
  let newestCalls = 0;
  const broker = {
    publish: (event: Parameters<MemoryBroker["publish"]>[0]) => inner.publish(event),
    subscribe: (listener: Parameters<MemoryBroker["subscribe"]>[0]) => inner.subscribe(listener),
    replay: (afterId: string) => {
      afterIds.push(afterId);
      return inner.replay(afterId);
    },
    newest: () => {
      newestCalls++;
      return inner.events.at(-1);
    },
  };
  const codec = createEventIdCodec("a secret of at least thirty-two bytes, for the tests", { scope: "join" });
  const channel = new Channel({ broker, eventIds: codec, keepAlive: false });
  await channel.publish("one");
  const second = await channel.publish("two");
  const reader = new EventReader(await severalChannelsResponse({ room: channel }, { keepAlive: false }));
  await reader.waitFor(() => /^id: /m.test(reader.text), "the cursor at join");
  const position = decodeURIComponent(/^id: 1;room=(.*)$/m.exec(reader.text)![1]!);
  expect(newestCalls).toBe(1);
  expect(afterIds).not.toContain("");
  expect(await codec.decode(position)).toBe(second);
  await channel.publish("three");
  expect(datas(await reader.until(1))).toEqual(["three"]);
  await reader.cancel();
});
