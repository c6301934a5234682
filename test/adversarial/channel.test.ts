// What one publisher or one subscriber of a channel was tried with, to hurt the others: oversize
// events, ids that collide, the gap marker's name, streams that outlive close(), and hooks, filters
// and serializers that throw. Each case names what it guards; the README's "Refusals" lists the rules.
import { describe, expect, test, vi } from "vitest";
import fc from "fast-check";
import { END_EVENT, EXPIRED_EVENT, Message, type StreamClosedError } from "edge-sse";
import { Channel, GAP_EVENT, MemoryBroker, type ChannelBroker, type Unsubscribe } from "edge-sse/channel";
import { ChannelObject, StorageBroker, type DurableObjectStorageLike } from "edge-sse/durable-object";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { deferred, flushMicrotasks } from "../helpers/deferred.ts";

async function subscribe(channel: Channel, options: Parameters<Channel["stream"]>[0] = {}): Promise<EventReader> {
  return new EventReader((await channel.stream({ keepAlive: false, ...options })).toReadableStream());
}

/** Durable Object storage in a Map, as the StorageBroker's example has it; counts writes. */
function memoryStorage(): DurableObjectStorageLike & { data: Map<string, unknown>; puts: number } {
  const data = new Map<string, unknown>();
  const storage = {
    data,
    puts: 0,
    get: async (key: string) => data.get(key),
    list: async ({ prefix }: { prefix: string }) =>
      new Map([...data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))),
    put: async (entries: Record<string, unknown>) => {
      storage.puts++;
      for (const [key, value] of Object.entries(entries)) data.set(key, value);
    },
    delete: async (keys: string[]) => keys.filter((key) => data.delete(key)).length,
  };
  return storage;
}

function channelObject(): ChannelObject {
  const ctx = { storage: memoryStorage(), blockConcurrencyWhile: <T>(run: () => Promise<T>): Promise<T> => run() };
  return new ChannelObject(ctx, {});
}

async function post(
  object: ChannelObject,
  body: object,
): Promise<{ status: number; body: { id?: string; error?: string } }> {
  const response = await object.fetch(
    new Request("http://localhost/", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  );
  return { status: response.status, body: (await response.json()) as { id?: string; error?: string } };
}

describe("one event too large for a subscriber's queue", () => {
  test("Channel.publish refuses an event longer than half of maxQueue, naming its size and the bound; subscribers stay", async () => {
    const left: string[] = [];
    const channel = new Channel({ maxQueue: 1000, onLeave: (_s, reason) => left.push(reason.type) });
    const reader = await subscribe(channel);
    const error = await channel.publish("x".repeat(600)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    // "data: " + 600 + "\n\n"
    expect((error as TypeError).message).toMatch(
      /^Cannot publish: the event's frame is 608 code units, more than 500, half of `maxQueue` \(1000\)/,
    );
    const fits = await channel.publish("y".repeat(400));
    expect(ids(await reader.until(1))).toEqual([fits]);
    expect(left).toEqual([]);
    await channel.close();
  });

  test("Channel.publish refuses what serialize makes too large, as it refuses a string", async () => {
    const channel = new Channel({ maxQueue: 1000, serialize: () => "z".repeat(5000) });
    await expect(channel.publish({ any: "value" })).rejects.toThrow(/the event's frame is 5008 code units/);
    await channel.close();
  });

  test("property: every event publish accepts reaches a subscriber live and again when it resumes, whatever their sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1300 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        async (sizes, reconnectAt) => {
          const left: string[] = [];
          const maxQueue = 1000;
          const channel = new Channel({ maxQueue, onLeave: (_s, reason) => left.push(reason.type) });
          const live = await subscribe(channel);
          const start = await channel.publish("start");
          const accepted: string[] = [];
          for (const [n, size] of sizes.entries()) {
            try {
              accepted.push(await channel.publish(Message.data("d".repeat(size)).event(`e${n}`)));
            } catch (error) {
              expect(error).toBeInstanceOf(TypeError);
            }
            await live.until(accepted.length + 1);
          }
          expect(ids(live.events)).toEqual([start, ...accepted]);
          // Resumes after the start, or after one of the accepted events, and reads it all at once.
          const after = [start, ...accepted][Math.min(reconnectAt, accepted.length)]!;
          const resumed = await subscribe(channel, { lastEventId: after });
          const expected = accepted.slice(accepted.indexOf(after) + 1);
          expect(ids(await resumed.until(expected.length))).toEqual(expected);
          expect(left).toEqual([]);
          await channel.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  test("Channel.stream refuses a maxQueue below the channel's: it could not take every event the channel accepts", async () => {
    const channel = new Channel({ maxQueue: 10_000 });
    await expect(channel.stream({ maxQueue: 100 })).rejects.toThrow(
      /^Cannot subscribe: `maxQueue` must not be below the channel's \(10000\), whose events may take half of that \(got number 100\)/,
    );
    const raised = await subscribe(channel, { maxQueue: 20_000 });
    const id = await channel.publish("x".repeat(4000));
    expect(ids(await raised.until(1))).toEqual([id]);
    await channel.close();
  });

  test("a subscriber skips and reports an event from the broker too large for its queue, instead of closing on every reconnect", async () => {
    // Two channels share a broker, as two processes share a Redis stream; one allows larger events.
    const broker = new MemoryBroker();
    const large = new Channel({ broker, maxQueue: 100_000 });
    const onError = vi.fn();
    const left: string[] = [];
    const small = new Channel({ broker, maxQueue: 1000, onError, onLeave: (_s, reason) => left.push(reason.type) });
    const live = await subscribe(small);
    const first = await small.publish("first");
    await large.publish("x".repeat(10_000));
    const last = await small.publish("last");
    expect(ids(await live.until(2))).toEqual([first, last]);
    const resumed = await subscribe(small, { lastEventId: first });
    expect(ids(await resumed.until(1))).toEqual([last]);
    expect(left).toEqual([]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(String(onError.mock.calls[0]![0])).toMatch(
      /^TypeError: Cannot deliver event "[^"]+": its frame is 10\d\d\d code units, more than a subscriber with maxQueue 1000 can take \(750\); it was skipped/,
    );
    await Promise.all([large.close(), small.close()]);
  });

  test("a resuming subscriber is not closed by line-break-heavy events published while its replay is under way", async () => {
    const inner = new MemoryBroker();
    const gates: Array<() => void> = [];
    const broker: ChannelBroker = {
      publish: (event) => inner.publish(event),
      subscribe: (listener) => inner.subscribe(listener),
      replay: (afterId) => new Promise((resolve) => gates.push(() => resolve(inner.replay(afterId)))),
    };
    const left: string[] = [];
    const channel = new Channel({ broker, maxQueue: 2000, onLeave: (_s, reason) => left.push(reason.type) });
    const start = await channel.publish("start");
    const streaming = channel.stream({ keepAlive: false, lastEventId: start });
    while (gates.length < 1) await flushMicrotasks(1);
    gates.shift()!();
    const reader = new EventReader((await streaming).toReadableStream());
    while (gates.length < 1) await flushMicrotasks(1);
    // The second replay reads the history as its gate opens; these come right after, so they are held:
    // 90 code units of data each, but 637 as a frame.
    gates.shift()!();
    const during = await Promise.all(Array.from({ length: 9 }, () => channel.publish("\n".repeat(90))));
    const reading = reader.until(9);
    for (let turn = 0; turn < 100 && reader.events.length < 9; turn++) {
      await flushMicrotasks();
      gates.shift()?.();
    }
    expect(ids(await reading)).toEqual(during);
    expect(left).toEqual([]);
    await channel.close();
  });

  test("a client resuming after a long unknown id gets the gap marker, then events as large as allowed, without overflow", async () => {
    const left: string[] = [];
    const channel = new Channel({ maxQueue: 1000, onLeave: (_s, reason) => left.push(reason.type) });
    const published = [await channel.publish("d".repeat(490)), await channel.publish("e".repeat(490))];
    // The marker repeats the id asked for: with it, the first event would not fit the queue.
    const reader = await subscribe(channel, { lastEventId: "x".repeat(480) });
    const [marker, ...rest] = await reader.until(3);
    expect(marker!.event).toBe(GAP_EVENT);
    expect(ids(rest)).toEqual(published);
    expect(left).toEqual([]);
    await channel.close();
  });
});

describe("one event larger than history.maxBytes", () => {
  test("MemoryBroker refuses it, naming its size and the bound, and keeps the history it had", async () => {
    const broker = new MemoryBroker({ history: { maxBytes: 200 } });
    const kept = [broker.publish({ data: "a" }), broker.publish({ data: "b" })];
    expect(() => broker.publish({ data: "x".repeat(300) })).toThrow(
      /^Cannot publish: the event is 3\d\d bytes, more than `history.maxBytes` \(200\): the history could not hold it/,
    );
    expect(broker.events.map((event) => event.id)).toEqual(kept);
    const channel = new Channel({ broker });
    await expect(channel.publish("y".repeat(300))).rejects.toThrow(TypeError);
    expect(broker.replay(kept[0]!)).toMatchObject({ found: true, events: [{ id: kept[1] }] });
    await channel.close();
  });

  test("StorageBroker refuses it, and neither its memory nor its storage loses an event", async () => {
    const storage = memoryStorage();
    const broker = new StorageBroker(storage, { history: { maxBytes: 200 } });
    await broker.ready;
    const kept = [await broker.publish({ data: "a" }), await broker.publish({ data: "b" })];
    const puts = storage.puts;
    expect(() => broker.publish({ data: "x".repeat(300) })).toThrow(/more than `history.maxBytes` \(200\)/);
    expect(storage.puts).toBe(puts);
    expect(broker.events.map((event) => event.id)).toEqual(kept);
    const reloaded = new StorageBroker(storage, { history: { maxBytes: 200 } });
    await reloaded.ready;
    expect(reloaded.events.map((event) => event.id)).toEqual(kept);
    // The sequence did not move: the next id follows the kept ones.
    expect(await reloaded.publish({ data: "c" })).toBe("3");
  });
});

describe("ids never collide", () => {
  test("MemoryBroker ids are short: a 15-character prefix of letters and digits, a dash, a count", () => {
    const broker = new MemoryBroker();
    const [first, second] = [broker.publish({ data: "a" }), broker.publish({ data: "b" })];
    expect(first).toMatch(/^[0-9a-z]{15}-1$/);
    expect(second).toBe(`${first.split("-")[0]}-2`);
  });

  test("two MemoryBrokers made in the same millisecond give different ids; a client resuming on the other gets a gap", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_700_000_000_000 });
    let one: MemoryBroker;
    let other: MemoryBroker;
    try {
      one = new MemoryBroker();
      other = new MemoryBroker();
    } finally {
      vi.useRealTimers();
    }
    const seen = one.publish({ data: "on one" });
    other.publish({ data: "on the other" });
    other.publish({ data: "again on the other" });
    expect(other.events.map((event) => event.id)).not.toContain(seen);
    const channel = new Channel({ broker: other });
    const reader = await subscribe(channel, { lastEventId: seen });
    const [marker, ...rest] = await reader.until(3);
    expect(marker!.event).toBe(GAP_EVENT);
    expect(datas(rest)).toEqual(["on the other", "again on the other"]);
    await channel.close();
  });

  test("MemoryBroker refuses a publisher id of its own form, so that no id it gives later can meet it", () => {
    const broker = new MemoryBroker();
    const [prefix] = broker.publish({ data: "a" }).split("-");
    for (const id of [`${prefix}-2`, `${prefix}-99`, "0123456789abcde-1", "zzzzzzzzzzzzzzzzz-7"]) {
      expect(() => broker.publish({ id, data: "forged" }), id).toThrow(
        /^Cannot publish: `id` must not have the form of the ids the memory broker gives \(15 or more lowercase letters and digits, a dash, a number\)/,
      );
    }
    expect(broker.publish({ data: "b" })).toBe(`${prefix}-2`);
    // Other forms stay the publisher's.
    expect(broker.publish({ id: "given-7", data: "c" })).toBe("given-7");
    expect(broker.publish({ id: "Upper0123456789-1", data: "d" })).toBe("Upper0123456789-1");
  });

  test("MemoryBroker refuses an id its history holds: a client that saw the first would resume after the second", async () => {
    const channel = new Channel();
    await channel.publish(Message.data("online").id("status"));
    const between = await channel.publish("between");
    await expect(channel.publish(Message.data("offline").id("status"))).rejects.toThrow(
      /^Cannot publish: `id` must be unique, and the history holds an event with this id \(got "status"\)/,
    );
    const reader = await subscribe(channel, { lastEventId: "status" });
    expect(ids(await reader.until(1))).toEqual([between]);
    await channel.close();
  });

  test("StorageBroker refuses an id its history holds", async () => {
    const broker = new StorageBroker(memoryStorage());
    await broker.ready;
    await broker.publish({ id: "order-7", data: "a" });
    expect(() => broker.publish({ id: "order-7", data: "b" })).toThrow(/`id` must be unique/);
    expect(broker.events.map((event) => event.data)).toEqual(["a"]);
  });

  test("a Durable Object's POST of an id it holds gets 400 with the reason", async () => {
    const object = channelObject();
    expect(await post(object, { data: "a", id: "order-7" })).toEqual({ status: 201, body: { id: "order-7" } });
    const again = await post(object, { data: "b", id: "order-7" });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatch(/^Cannot publish: `id` must be unique/);
    await object.channel.close();
  });
});

describe("the gap marker's name", () => {
  test("Channel.publish refuses an event named like the gap marker; subscribers never see it", async () => {
    const channel = new Channel();
    const reader = await subscribe(channel);
    await expect(channel.publish(Message.data("{}").event(GAP_EVENT))).rejects.toThrow(
      /^Cannot publish: `event` must not be "edge-sse-gap", the name of the gap marker: clients would take it for a gap \(got "edge-sse-gap"\)/,
    );
    const id = await channel.publish("after");
    expect(ids(await reader.until(1))).toEqual([id]);
    await channel.close();
  });

  test("a Durable Object's POST of an event named like the gap marker gets 400 with the reason", async () => {
    const object = channelObject();
    const refused = await post(object, { data: "{}", event: GAP_EVENT });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/`event` must not be "edge-sse-gap", the name of the gap marker/);
    await object.channel.close();
  });

  test.each([
    [GAP_EVENT, "gap marker"],
    [END_EVENT, "end event"],
    [EXPIRED_EVENT, "expiry event"],
  ])("an event named %s that a broker brings anyway is reported and skipped", async (name, what) => {
    const broker = new MemoryBroker();
    const onError = vi.fn();
    const channel = new Channel({ broker, onError });
    const reader = await subscribe(channel);
    broker.publish({ event: name, data: "{}" }); // past the channel, as another writer of a shared store could
    const id = await channel.publish("real");
    expect(ids(await reader.until(1))).toEqual([id]);
    expect(String(onError.mock.calls[0]![0])).toMatch(
      new RegExp(`Cannot deliver event "[^"]+": its name is the ${what}'s \\("${name}"\\)`),
    );
    await channel.close();
  });
});

describe("streams and close()", () => {
  test("a stream made before close() and read after it ends at once with done", async () => {
    const reasons: StreamClosedError[] = [];
    const channel = new Channel({ onLeave: (_s, reason) => reasons.push(reason) });
    const stream = await channel.stream({ keepAlive: false });
    await channel.close();
    const response = stream.toResponse();
    expect(await new EventReader(response.body!).rest()).toEqual([]); // bounded: a stream that never ends fails
    expect(channel.subscriberCount).toBe(0);
    expect(reasons).toEqual([]); // it never joined
  });

  test.each([
    ["a memory broker, no replay", false, undefined],
    ["a memory broker, with replay", false, "unknown"],
    ["a broker that answers later, no replay", true, undefined],
    ["a broker that answers later, with replay", true, "unknown"],
  ])(
    "stream() racing close() (%s) rejects with a TypeError or gives a stream that ends at once",
    async (_name, remote, lastEventId) => {
      const inner = new MemoryBroker();
      const broker: ChannelBroker = remote
        ? {
            publish: (e) => inner.publish(e),
            subscribe: async (l) => inner.subscribe(l),
            replay: async (id) => inner.replay(id),
          }
        : inner;
      const channel = new Channel({ broker });
      const streaming = channel.stream({ keepAlive: false, ...(lastEventId === undefined ? {} : { lastEventId }) });
      const closing = channel.close();
      const outcome = await streaming.then(
        (stream) => stream,
        (error: unknown) => error,
      );
      await closing;
      if (outcome instanceof TypeError) {
        expect(outcome.message).toBe("Cannot subscribe: the channel is closed");
      } else {
        const reader = new EventReader((outcome as Awaited<typeof streaming>).toReadableStream());
        await reader.rest();
        expect(reader.done).toBe(true);
      }
      expect(channel.subscriberCount).toBe(0);
    },
  );

  test("a publish made while the broker's feed is starting goes to the broker at once, and one after close() is refused", async () => {
    const inner = new MemoryBroker();
    const feed = deferred<Unsubscribe>();
    const broker: ChannelBroker = {
      publish: (event) => inner.publish(event),
      subscribe: (listener) => feed.promise.then(() => inner.subscribe(listener)),
      replay: (afterId) => inner.replay(afterId),
    };
    const channel = new Channel({ broker });
    const id = await channel.publish("early");
    expect(inner.events.map((event) => event.id)).toEqual([id]);
    const closing = channel.close();
    await expect(channel.publish("late")).rejects.toThrow(/^Cannot publish: the channel is closed/);
    feed.resolve(() => {});
    await closing;
    expect(inner.events.map((event) => event.data)).toEqual(["early"]);
  });
});

describe("hooks, filters and serializers that throw", () => {
  test("a filter that throws is reported, and the other subscribers get every event", async () => {
    const onError = vi.fn();
    const channel = new Channel({ onError });
    const throwing = await subscribe(channel, {
      filter: () => {
        throw new Error("bad filter");
      },
    });
    const other = await subscribe(channel);
    const published = [await channel.publish("a"), await channel.publish("b")];
    expect(ids(await other.until(2))).toEqual(published);
    expect(onError.mock.calls.map(([error]) => (error as Error).message)).toEqual(["bad filter", "bad filter"]);
    await channel.close();
    expect(await throwing.rest()).toEqual([]);
  });

  test("an onError that throws too does not stop the event from reaching the other subscribers", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const channel = new Channel({
        onError: () => {
          throw new Error("onError fails too");
        },
      });
      await subscribe(channel, {
        filter: () => {
          throw new Error("bad filter");
        },
      });
      const other = await subscribe(channel);
      const id = await channel.publish("for everyone");
      expect(ids(await other.until(1))).toEqual([id]);
      expect(logged).toHaveBeenCalled();
      await channel.close();
    } finally {
      logged.mockRestore();
    }
  });

  test("an onJoin that throws, with an onError that throws, leaves no subscriber behind", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const channel = new Channel({
        onJoin: () => {
          throw new Error("onJoin fails");
        },
        onError: () => {
          throw new Error("onError fails");
        },
      });
      const reader = await subscribe(channel);
      await reader.readOnce();
      const id = await channel.publish("still served");
      expect(ids(await reader.until(1))).toEqual([id]);
      await reader.cancel();
      await flushMicrotasks();
      expect(channel.subscriberCount).toBe(0);
      await channel.close();
    } finally {
      logged.mockRestore();
    }
  });

  test("an onLeave that throws is reported; the channel goes on", async () => {
    const onError = vi.fn();
    const channel = new Channel({
      onError,
      onLeave: () => {
        throw new Error("onLeave fails");
      },
    });
    const leaving = await subscribe(channel);
    const staying = await subscribe(channel);
    await leaving.cancel();
    await flushMicrotasks();
    expect(onError.mock.calls.map(([error]) => (error as Error).message)).toEqual(["onLeave fails"]);
    const id = await channel.publish("after");
    expect(ids(await staying.until(1))).toEqual([id]);
    await channel.close();
  });

  test("a filter cannot change the event that the next subscribers' filters see", async () => {
    const inner = new MemoryBroker();
    // A broker whose events are plain objects, as one that parses them from the network makes.
    const broker: ChannelBroker = {
      publish: (event) => inner.publish(event),
      subscribe: (listener) => inner.subscribe((event) => listener({ ...event })),
      replay: (afterId) => inner.replay(afterId),
    };
    const onError = vi.fn();
    const channel = new Channel({ broker, onError });
    await subscribe(channel, {
      filter: (event) => {
        (event as { event?: string }).event = "hidden";
        return true;
      },
    });
    const chat = await subscribe(channel, { filter: "chat" });
    const id = await channel.publish(Message.data("hi").event("chat"));
    expect(ids(await chat.until(1))).toEqual([id]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(TypeError);
    await channel.close();
  });

  test("a filter that publishes does not change the order in which the others get events", async () => {
    const channel = new Channel();
    let first = true;
    const publishing = await subscribe(channel, {
      filter: () => {
        if (first) void channel.publish("second");
        first = false;
        return true;
      },
    });
    const other = await subscribe(channel);
    await channel.publish("first");
    expect(datas(await other.until(2))).toEqual(["first", "second"]);
    expect(datas(await publishing.until(2))).toEqual(["first", "second"]);
    await channel.close();
  });

  test("a serialize or toServerSentEvent that throws rejects only that publish; the next one goes out", async () => {
    const serialize = (value: unknown): string => {
      if ((value as { bad?: boolean }).bad) throw new Error("cannot serialize");
      return JSON.stringify(value);
    };
    const channel = new Channel({ serialize });
    const reader = await subscribe(channel);
    await expect(channel.publish({ bad: true })).rejects.toThrow(
      /^Cannot encode message: `serialize` threw for an object \(cannot serialize\)/,
    );
    await expect(
      channel.publish({
        toServerSentEvent: () => {
          throw new Error("no form");
        },
      }),
    ).rejects.toThrow("no form");
    const id = await channel.publish({ fine: true });
    expect(await reader.until(1)).toEqual([{ id, event: undefined, data: '{"fine":true}' }]);
    await channel.close();
  });

  test("publish(undefined) rejects with a TypeError and publishes nothing", async () => {
    const broker = new MemoryBroker();
    const channel = new Channel({ broker });
    await expect(channel.publish(undefined)).rejects.toThrow(
      /^Cannot encode message: undefined has no event-stream form/,
    );
    expect(broker.events).toEqual([]);
    await channel.close();
  });
});
