import { describe, expect, expectTypeOf, test } from "vitest";
import * as z from "zod";
import { defineEvents, Message, type StreamClosedError } from "edge-sse";
import { createEventIdCodec } from "edge-sse/tokens";
import {
  type Channel,
  Channels,
  GAP_EVENT,
  MemoryBroker,
  type ChannelBroker,
  type ChannelEvent,
  type ChannelStreamOptions,
  type SubscriberInfo,
} from "edge-sse/channel";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { deferred, flushMicrotasks } from "../helpers/deferred.ts";
import { CollectionCounter, collectGarbage } from "../helpers/resources.ts";

async function subscribe(
  channels: Pick<Channels, "stream">,
  name: string,
  options: ChannelStreamOptions = {},
): Promise<EventReader> {
  const reader = new EventReader((await channels.stream(name, { keepAlive: false, ...options })).toReadableStream());
  await reader.started();
  return reader;
}

/** Brokers kept by name outside the registry, as Redis keeps a stream per key; counts feeds and calls. */
function keptBrokers() {
  const brokers = new Map<string, MemoryBroker>();
  const made: string[] = [];
  let feeds = 0;
  const broker = (name: string): ChannelBroker => {
    made.push(name);
    let inner = brokers.get(name);
    if (inner === undefined) brokers.set(name, (inner = new MemoryBroker()));
    const kept = inner;
    return {
      publish: (event) => kept.publish(event),
      replay: (afterId) => kept.replay(afterId),
      subscribe(listener: (event: ChannelEvent) => void) {
        feeds++;
        const stop = kept.subscribe(listener);
        return () => {
          feeds--;
          stop();
        };
      },
    };
  };
  return { broker, made, feeds: () => feeds };
}

describe("Channels", () => {
  test("Channels makes a channel on first use by name and releases it when its last subscriber leaves", async () => {
    const kept = keptBrokers();
    const channels = new Channels({ broker: kept.broker });
    const first = await subscribe(channels, "user-1");
    const second = await subscribe(channels, "user-1");
    const other = await subscribe(channels, "user-2");
    expect(channels.size).toBe(2);
    expect(kept.made).toEqual(["user-1", "user-2"]);
    const id = await channels.publish("user-1", "for user 1");
    expect(datas(await first.until(1))).toEqual(["for user 1"]);
    expect(ids(await second.until(1))).toEqual([id]);
    await first.cancel();
    expect(channels.has("user-1")).toBe(true); // The second subscriber still listens.
    await second.cancel();
    expect(channels.has("user-1")).toBe(false);
    expect(channels.has("user-2")).toBe(true);
    await other.cancel();
    expect(channels.size).toBe(0);
    await channels.close();
    expect(kept.feeds()).toBe(0); // Every released channel stopped its broker's live feed.
    expect(other.events).toEqual([]);
  });

  test("Channels publishes to a name with no channel through broker(name), without making a channel", async () => {
    const kept = keptBrokers();
    const channels = new Channels({ broker: kept.broker });
    const id = await channels.publish("doc-1", { title: "draft" });
    expect(channels.size).toBe(0);
    expect(kept.made).toEqual(["doc-1"]);
    expect(kept.feeds()).toBe(0);
    const reader = await subscribe(channels, "doc-1", { lastEventId: "unknown" });
    const [marker, event] = await reader.until(2);
    expect(marker!.event).toBe(GAP_EVENT);
    expect(event).toEqual({ id, event: undefined, data: '{"title":"draft"}' });
    await reader.cancel();
    await channels.close();
  });

  test("Channels replays a released channel's history exactly when it is asked for again", async () => {
    const kept = keptBrokers();
    const channels = new Channels({ broker: kept.broker });
    const leaving = await subscribe(channels, "room");
    const published = [await channels.publish("room", "one"), await channels.publish("room", "two")];
    await leaving.until(2);
    await leaving.cancel();
    expect(channels.has("room")).toBe(false);
    published.push(await channels.publish("room", "three"), await channels.publish("room", "four"));
    const back = await subscribe(channels, "room", { lastEventId: published[1] });
    expect(ids(await back.until(2))).toEqual(published.slice(2));
    published.push(await channels.publish("room", "five"));
    expect(ids(await back.until(3))).toEqual(published.slice(2));
    expect(datas(back.events)).toEqual(["three", "four", "five"]);
    expect(kept.made).toEqual(["room", "room", "room", "room"]); // Made, released, published to, made again.
    await back.cancel();
    await channels.close();
  });

  test("Channels keeps a channel while a publish is in flight, and releases it when the broker answers", async () => {
    const answer = deferred<string>();
    const inner = new MemoryBroker();
    const channels = new Channels({
      broker: () => ({
        publish: () => answer.promise,
        replay: (afterId) => inner.replay(afterId),
        subscribe: (listener) => inner.subscribe(listener),
      }),
    });
    const reader = await subscribe(channels, "slow");
    const publishing = channels.publish("slow", "x");
    await reader.cancel();
    await flushMicrotasks();
    expect(channels.has("slow")).toBe(true);
    answer.resolve("1");
    expect(await publishing).toBe("1");
    await flushMicrotasks();
    expect(channels.has("slow")).toBe(false);
    await channels.close();
  });

  test("Channels keeps a channel while a subscriber's replay runs, and while its stream is made but not read", async () => {
    const replayed = deferred<void>();
    const inner = new MemoryBroker();
    const channels = new Channels({
      broker: () => ({
        publish: (event) => inner.publish(event),
        replay: async (afterId) => {
          await replayed.promise;
          return inner.replay(afterId);
        },
        subscribe: (listener) => inner.subscribe(listener),
      }),
    });
    const making = channels.stream("late", { lastEventId: "x", keepAlive: false });
    const other = await subscribe(channels, "late");
    await other.cancel(); // The only running subscriber leaves while the other one replays.
    await flushMicrotasks();
    expect(channels.has("late")).toBe(true);
    replayed.resolve();
    const stream = await making;
    await flushMicrotasks();
    expect(channels.has("late")).toBe(true); // Made, not read yet.
    const reader = new EventReader(stream.toReadableStream());
    await reader.started();
    const id = await channels.publish("late", "live");
    expect((await reader.until(2)).map((event) => event.id)).toEqual([undefined, id]); // The gap marker, then live.
    await reader.cancel();
    expect(channels.has("late")).toBe(false);
    await channels.close();
  });

  test("Channels gives a subscriber that arrives while the channel is being released a live channel", async () => {
    const unsubscribed = deferred<void>();
    const kept = new MemoryBroker();
    let feeds = 0;
    const channels = new Channels({
      broker: () => ({
        publish: (event) => kept.publish(event),
        replay: (afterId) => kept.replay(afterId),
        subscribe(listener) {
          feeds++;
          const stop = kept.subscribe(listener);
          return async () => {
            stop();
            await unsubscribed.promise; // The old channel's release is still on its way.
            feeds--;
          };
        },
      }),
    });
    const leaving = await subscribe(channels, "busy");
    await leaving.cancel();
    expect(channels.has("busy")).toBe(false);
    expect(feeds).toBe(1); // Released, still closing.
    const arriving = await subscribe(channels, "busy");
    expect(channels.has("busy")).toBe(true);
    const id = await channels.publish("busy", "after the release");
    expect(await arriving.until(1)).toEqual([{ id, event: undefined, data: "after the release" }]);
    const closing = channels.close();
    unsubscribed.resolve();
    await closing;
    expect(feeds).toBe(0);
  });

  test("Channels releases a channel whose stream was made and dropped unread, once that stream is collected", async () => {
    const channels = new Channels();
    const collected = new CollectionCounter();
    await (async () => {
      const stream = await channels.stream("dropped");
      collected.watch(stream);
    })();
    expect(channels.has("dropped")).toBe(true);
    await collected.until(1);
    for (let round = 0; round < 50 && channels.has("dropped"); round++) await collectGarbage(1);
    expect(channels.has("dropped")).toBe(false);
    await channels.close();
  });

  test("Channels releases a channel whose stream was refused, or answered with a retry hint", async () => {
    const channels = new Channels();
    await expect(channels.stream("a", { maxQueue: -1 })).rejects.toThrow(TypeError);
    expect(channels.size).toBe(0);
    const down = new Channels({
      broker: () => ({
        publish: () => "1",
        replay: () => Promise.reject(new Error("broker down")),
        subscribe: () => () => {},
      }),
      onError: () => {},
      retry: 10,
    });
    const reader = new EventReader((await down.stream("b", { lastEventId: "1" })).toReadableStream());
    await reader.rest();
    expect(reader.retries).toEqual([10]);
    expect(down.size).toBe(0);
    await Promise.all([channels.close(), down.close()]);
  });

  test("a publish to a name with no channel in use is checked and encoded by the event map, as in use", async () => {
    const events = defineEvents({ tick: z.object({ n: z.number() }) });
    const kept = new Map<string, MemoryBroker>();
    const broker = (name: string): MemoryBroker => {
      if (!kept.has(name)) kept.set(name, new MemoryBroker());
      return kept.get(name)!;
    };
    const channels = new Channels({ events, broker });
    // Typed as a channel with the map is: publish takes the map's items.
    expectTypeOf(channels.publish).parameter(1).toEqualTypeOf<Parameters<Channel<typeof events>["publish"]>[0]>();
    // @ts-expect-error not an event of the map
    void channels.publish("never", { event: "other", data: {} }).catch(() => {});
    await channels.publish("idle", { event: "tick", data: { n: 1 } });
    await channels.publish("idle", events.tick({ n: 2 }));
    const stored = () => kept.get("idle")!.events.map(({ event, data }) => ({ event, data }));
    expect(stored()).toEqual([
      { event: "tick", data: '{"n":1}' },
      { event: "tick", data: '{"n":2}' },
    ]);
    const busy = await subscribe(channels, "busy");
    expect(channels.has("idle")).toBe(false);
    for (const name of ["idle", "busy"]) {
      // Items the types refuse, as plain JavaScript could still send them.
      await expect(channels.publish(name, { event: "tick", data: { n: "not a number" } } as never)).rejects.toThrow(
        /^Cannot build event "tick": `data` does not match its schema/,
      );
      await expect(channels.publish(name, { event: "other", data: {} } as never)).rejects.toThrow(TypeError);
    }
    expect(stored()).toHaveLength(2);
    expect(kept.get("busy")!.events).toEqual([]);
    await busy.cancel();
    await channels.close();
  });

  test("a publish to a name with no channel in use refuses an id that eventIds cannot encode, as in use", async () => {
    const codec = createEventIdCodec("a secret of at least thirty-two bytes, for the tests", { scope: "registry" });
    const made: string[] = [];
    const kept = new MemoryBroker();
    const channels = new Channels({
      eventIds: codec,
      broker: (name) => {
        made.push(name);
        return kept;
      },
    });
    const tooLong = new Message({ id: "x".repeat(800), data: "y" });
    await expect(channels.publish("idle", tooLong)).rejects.toThrow(
      /^Cannot encode event id: `id` must be at most 735 bytes of UTF-8/,
    );
    expect(made).toEqual([]);
    expect(kept.events).toEqual([]);
    expect(await channels.publish("idle", new Message({ id: "chosen", data: "y" }))).toBe("chosen");
    expect(kept.events.map((event) => event.id)).toEqual(["chosen"]);
    await channels.close();
  });

  test("Channels tells its hooks the channel's name", async () => {
    const seen: string[] = [];
    const channels = new Channels({
      onJoin: (_subscriber: SubscriberInfo, name) => seen.push(`join ${name}`),
      onLeave: (_subscriber: SubscriberInfo, reason: StreamClosedError, name) =>
        seen.push(`leave ${name} ${reason.type}`),
      onError: (error, name) => seen.push(`error ${name} ${(error as Error).message}`),
    });
    const filter = (): boolean => {
      throw new Error("bad filter");
    };
    const reader = await subscribe(channels, "hooks", { filter });
    await channels.publish("hooks", "x");
    await reader.cancel();
    expect(seen).toEqual(["join hooks", "error hooks bad filter", "leave hooks client-gone"]);
    await channels.close();
  });

  test("Channels ends every stream on close() and refuses later calls", async () => {
    const channels = new Channels();
    const reader = await subscribe(channels, "a");
    await channels.close();
    await reader.rest();
    expect(channels.size).toBe(0);
    await expect(channels.publish("a", "x")).rejects.toThrow(new TypeError("Cannot publish: the channels are closed"));
    await expect(channels.stream("a")).rejects.toThrow(new TypeError("Cannot subscribe: the channels are closed"));
  });

  test("Channels refuses invalid options and names with a TypeError that names them", async () => {
    expect(() => new Channels({ broker: new MemoryBroker() as never })).toThrow(
      /^Cannot create Channels: `broker` must be a function that makes the broker of a channel from its name \(got /,
    );
    expect(() => new Channels({ broker: () => new MemoryBroker(), history: { maxEvents: 5 } })).toThrow(
      "Cannot create Channels: `history` sets the default broker's bounds; with `broker`, bound the history in the broker",
    );
    expect(() => new Channels({ maxQueue: 0 })).toThrow(/^Cannot create Channels: `maxQueue` must be/);
    expect(() => new Channels({ maxQueue: 0.5 })).toThrow(/^Cannot create Channels: `maxQueue` must be at least 64/);
    // Checked when the registry is made, not at the first publish or stream of a name.
    expect(() => new Channels({ history: { maxEvents: -1 } })).toThrow(
      new TypeError("Cannot create Channels: `history.maxEvents` must be a non-negative integer (got number -1)"),
    );
    expect(() => new Channels({ history: 5 as never })).toThrow(
      new TypeError("Cannot create Channels: `history` must be an object (got number 5)"),
    );
    expect(() => new Channels({ events: 5 as never })).toThrow(
      /^Cannot create Channels: `events` must be an event map made by defineEvents\(\) \(got number 5\)$/,
    );
    expect(() => new Channels({ eventIds: {} as never })).toThrow(
      /^Cannot create Channels: `eventIds` must be an event id codec with encode and decode/,
    );
    expect(() => new Channels({ brokers: 1 } as never)).toThrow(/^Cannot create Channels: .*brokers/);
    const channels = new Channels({ broker: () => ({ publish: () => "1" }) as never });
    await expect(channels.publish(7 as never, "x")).rejects.toThrow(
      new TypeError("Cannot publish: `name` must be a string, the channel's name (got number 7)"),
    );
    await expect(channels.stream(undefined as never)).rejects.toThrow(
      new TypeError("Cannot subscribe: `name` must be a string, the channel's name (got undefined)"),
    );
    await expect(channels.publish("n", "x")).rejects.toThrow(
      /^Cannot publish: `broker\("n"\)` must have publish, subscribe and replay methods \(got .*missing subscribe, replay\)$/,
    );
    await expect(channels.stream("n")).rejects.toThrow(/^Cannot subscribe: `broker\("n"\)` must have publish/);
    expect(channels.size).toBe(0);
  });
});
