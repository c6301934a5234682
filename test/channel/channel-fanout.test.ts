import { describe, expect, expectTypeOf, test, vi } from "vitest";
import { Message, type StreamClosedError } from "edge-sse";
import { Channel, MemoryBroker, type ChannelSubscriber, type SubscriberInfo } from "edge-sse/channel";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { flushMicrotasks } from "../helpers/deferred.ts";

async function subscribe(channel: Channel, options: Parameters<Channel["stream"]>[0] = {}): Promise<EventReader> {
  const reader = new EventReader((await channel.stream({ keepAlive: false, ...options })).toReadableStream());
  await reader.started();
  return reader;
}

describe("Channel fan-out", () => {
  test("one publish reaches every subscriber, serialized once and as the same bytes", async () => {
    const serialize = vi.fn(JSON.stringify);
    const channel = new Channel({ serialize });
    const readers = await Promise.all([subscribe(channel), subscribe(channel), subscribe(channel)]);
    const id = await channel.publish({ price: 42 });
    for (const reader of readers) {
      expect(await reader.until(1)).toEqual([{ id, event: undefined, data: '{"price":42}' }]);
    }
    expect(serialize).toHaveBeenCalledTimes(1);
    const [first, second, third] = readers.map((reader) => reader.chunks.at(-1));
    expect(first).toBe(second);
    expect(second).toBe(third);
    await channel.close();
  });

  test("ids increase unless the publisher gives one; an empty id is refused", async () => {
    const channel = new Channel();
    const reader = await subscribe(channel);
    const a = await channel.publish("a");
    const b = await channel.publish(Message.data("b").id("given-7"));
    const c = await channel.publish("c");
    expect(b).toBe("given-7");
    const [prefixA, countA] = a.split("-");
    const [prefixC, countC] = c.split("-");
    expect(prefixA).toBe(prefixC);
    expect(Number(countC)).toBeGreaterThan(Number(countA));
    expect(ids(await reader.until(3))).toEqual([a, "given-7", c]);
    await expect(channel.publish(Message.data("x").id(""))).rejects.toThrow(/`id` must not be empty in a channel/);
    await expect(channel.publish(undefined)).rejects.toThrow(TypeError);
    await channel.close();
  });

  test("filters: an event name, a list of names (message when unnamed), a predicate", async () => {
    const onError = vi.fn();
    const channel = new Channel({ onError });
    const named = await subscribe(channel, { filter: "tick" });
    const listed = await subscribe(channel, { filter: ["message", "tock"] });
    const odd = await subscribe(channel, { filter: (event) => Number(event.data) % 2 === 1 });
    const throwing = await subscribe(channel, {
      filter: () => {
        throw new Error("bad filter");
      },
    });
    await channel.publish(Message.data("1").event("tick"));
    await channel.publish("2");
    await channel.publish(Message.data("3").event("tock"));
    await channel.publish("4");
    await channel.publish(Message.data("5").event("tick"));
    expect(datas(await named.until(2))).toEqual(["1", "5"]);
    expect(datas(await listed.until(3))).toEqual(["2", "3", "4"]);
    expect(datas(await odd.until(3))).toEqual(["1", "3", "5"]);
    expect(onError).toHaveBeenCalledTimes(5);
    expect(onError.mock.calls[0]![0]).toMatchObject({ message: "bad filter" });
    await channel.close();
    expect(await throwing.rest()).toEqual([]);
  });

  test("subscriber count and join/leave hooks, with why each left", async () => {
    const joined: SubscriberInfo[] = [];
    const left: Array<[SubscriberInfo, StreamClosedError]> = [];
    const channel = new Channel({ onJoin: (s) => joined.push(s), onLeave: (s, reason) => left.push([s, reason]) });
    const request = new Request("http://localhost/events", { headers: { "last-event-id": "nope" } });
    const a = await subscribe(channel, { request });
    const b = await subscribe(channel);
    expect(channel.subscriberCount).toBe(2);
    expect(joined.map((s) => s.lastEventId)).toEqual(["nope", undefined]);
    expect(joined[0]!.replayedFrom).toBe("earliest");
    expect(joined[0]!.request).toBe(request);
    await a.cancel();
    await flushMicrotasks();
    expect(channel.subscriberCount).toBe(1);
    expect(left.map(([s, reason]) => [s.lastEventId, reason.type])).toEqual([["nope", "client-gone"]]);
    await channel.close();
    await b.rest();
    await flushMicrotasks();
    expect(channel.subscriberCount).toBe(0);
    expect(left.map(([, reason]) => reason.type)).toEqual(["client-gone", "done"]);
  });

  test("ChannelSubscriber, the deprecated name of SubscriberInfo, still types the join hook", async () => {
    expectTypeOf<ChannelSubscriber>().toEqualTypeOf<SubscriberInfo>();
    const joined: ChannelSubscriber[] = [];
    const channel = new Channel({ onJoin: (subscriber: ChannelSubscriber) => void joined.push(subscriber) });
    const reader = await subscribe(channel, { lastEventId: "unknown" });
    expect(joined.map((subscriber) => [subscriber.lastEventId, subscriber.replayedFrom])).toEqual([
      ["unknown", "earliest"],
    ]);
    await reader.cancel();
    await channel.close();
  });

  test("close() ends every stream; publishing or subscribing afterwards is a TypeError", async () => {
    const channel = new Channel();
    const reader = await subscribe(channel);
    await channel.publish("last");
    const closed = channel.close();
    expect(channel.close()).toBe(closed);
    await closed;
    expect(datas(await reader.rest())).toEqual(["last"]);
    await expect(channel.publish("late")).rejects.toThrow(/Cannot publish: the channel is closed/);
    await expect(channel.stream()).rejects.toThrow(/Cannot subscribe: the channel is closed/);
  });

  test("a subscriber that stops reading is closed with overflow; the others get everything", async () => {
    const left: string[] = [];
    const channel = new Channel({ maxQueue: 10_000, onLeave: (_s, reason) => left.push(reason.type) });
    // Reads its first bytes (it joins at its first read), then nothing more.
    const slow = (await channel.stream({ keepAlive: false })).toReadableStream().getReader();
    await slow.read();
    const fast = await subscribe(channel);
    const payload = "x".repeat(1000);
    for (let n = 0; n < 50; n++) {
      await channel.publish(payload);
      await fast.until(n + 1);
    }
    await flushMicrotasks();
    expect(left).toEqual(["overflow"]);
    expect(channel.subscriberCount).toBe(1);
    expect(fast.events).toHaveLength(50);
    // What it had not read is dropped, and its reader learns why.
    await expect(slow.read()).rejects.toMatchObject({ name: "AbortError", type: "overflow" });
    await channel.close();
  });

  test("an invalid event from a broker is reported and skipped; the next one is delivered", async () => {
    const onError = vi.fn();
    const inner = new MemoryBroker();
    const broker = {
      publish: (event: { data?: string | undefined }) =>
        inner.publish(event.data === "bad" ? { ...event, event: "a\nb" } : event),
      subscribe: inner.subscribe.bind(inner),
      replay: inner.replay.bind(inner),
    };
    const channel = new Channel({ broker, onError });
    const reader = await subscribe(channel);
    await channel.publish("bad");
    await channel.publish("good");
    expect(datas(await reader.until(1))).toEqual(["good"]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(String(onError.mock.calls[0]![0])).toMatch(/`event` must not contain a line break/);
    await channel.close();
  });
});

describe("Channel options", () => {
  test.each([
    [{ bufferSize: 1 }, /unknown option `bufferSize`/],
    [{ maxqueue: 1 }, /did you mean `maxQueue`/],
    [{ maxQueue: 0 }, /`maxQueue` must be a positive number of code units \(got number 0\)/],
    [{ keepAlive: -1 }, /`keepAlive` must be a positive number/],
    [
      { keepAlive: 2 ** 31 },
      /^Cannot create Channel: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false \(got number 2147483648\)$/,
    ],
    [{ retry: 1.5 }, /`retry` must be a non-negative integer/],
    [{ onJoin: "x" }, /`onJoin` must be a function \(got "x"\)/],
    [
      { broker: {} },
      /`broker` must have publish, subscribe and replay methods \(got an object, missing publish, subscribe, replay\)/,
    ],
    [{ broker: new MemoryBroker(), history: { maxEvents: 1 } }, /with `broker`, bound the history in the broker/],
    [
      { history: { maxEvents: -1 } },
      /^Cannot create Channel: `history.maxEvents` must be a non-negative integer \(got number -1\)$/,
    ],
    [{ history: { maxAge: "1h" } }, /^Cannot create Channel: `history.maxAge` must be a positive number \(got "1h"\)$/],
    [{ history: { size: 1 } }, /^Cannot create Channel: unknown history limit `size`/],
    [{ history: 5 }, /^Cannot create Channel: `history` must be an object \(got number 5\)$/],
    [{ maxQueue: 0.5 }, /^Cannot create Channel: `maxQueue` must be at least 64 code units: .* \(got number 0.5\)$/],
    [{ maxQueue: 63 }, /^Cannot create Channel: `maxQueue` must be at least 64 code units/],
    [{ headers: { connection: "close" } }, /header `connection` in `headers` is not allowed/],
  ])("new Channel(%o) throws a TypeError naming the option", (options, message) => {
    expect(() => new Channel(options as never)).toThrow(TypeError);
    expect(() => new Channel(options as never)).toThrow(message);
  });

  test.each([
    [{ filter: 3 }, /`filter` must be an event name, a non-empty array of names, or a function \(got number 3\)/],
    [{ filter: [] }, /`filter` must be an event name/],
    [{ filter: "" }, /`filter` names must be event names: not empty .* \(got ""\)/],
    [{ filter: ["tick", "a\nb"] }, /`filter` names must be event names: .* without line breaks \(got "a\\nb"\)/],
    [{ lastEventId: 7 }, /`lastEventId` must be a string \(got number 7\)/],
    [{ maxQueue: Infinity }, /`maxQueue` must be a positive number/],
    [
      { keepAlive: 2 ** 31 },
      /^Cannot subscribe: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false \(got number 2147483648\)$/,
    ],
    [{ since: "1" }, /unknown option `since`/],
    [{ maxQueue: 32 }, /^Cannot subscribe: `maxQueue` must be at least 64 code units/],
    [
      { request: "/events" },
      /Cannot subscribe: `request` must be a Request or an object with `headers` \(got "\/events"\)/,
    ],
  ])("channel.stream(%o) rejects with a TypeError naming the option", async (options, message) => {
    const channel = new Channel();
    await expect(channel.stream(options as never)).rejects.toThrow(message);
    await channel.close();
  });

  test("Channel sends every Set-Cookie of the channel's and the stream's headers, and the last-event-id header", async () => {
    const channel = new Channel({
      headers: [
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x-room", "lobby"],
      ],
    });
    const id = await channel.publish("x");
    const response = await channel.response({
      lastEventId: id,
      keepAlive: false,
      headers: [
        ["Set-Cookie", "c=3"],
        ["x-room", "hall"],
      ],
    });
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2", "c=3"]);
    expect(response.headers.get("x-room")).toBe("hall");
    expect(response.headers.get("last-event-id")).toBe(id);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await response.body!.cancel();
    await channel.close();
  });

  test("the smallest maxQueue carries a short event with the id the broker gives it, live and replayed", async () => {
    const errors: unknown[] = [];
    const channel = new Channel({ maxQueue: 64, onError: (error) => errors.push(error) });
    const live = await subscribe(channel);
    const first = await channel.publish("hi");
    const second = await channel.publish("yo");
    expect(ids(await live.until(2))).toEqual([first, second]);
    const replayed = await subscribe(channel, { lastEventId: first });
    expect(ids(await replayed.until(1))).toEqual([second]);
    expect(errors).toEqual([]);
    await channel.close();
  });
});
