/**
 * Broker outages and bounded bodies: what was tried against the channel, the brokers, the Durable
 * Object's body reading and the chat demo, in one place.
 *
 * Here, in process: brokers that fail on purpose (replay, subscribe, storage), request bodies that
 * count the bytes read from them, and the chat room's presence. Against real parts elsewhere:
 * - test/redis/outage.test.ts: a real redis-server stopped and restarted mid-stream, with node-redis
 *   and ioredis (live subscribers, a client reconnecting during the outage, a channel made while
 *   Redis is down, publish and close during the outage, with and without persistence);
 * - test/runtimes/workerd/durable-object/channel-object.test.ts: refused bodies in workerd (bytes
 *   read, no log line), and the object's storage failing during a publish;
 * - test/browser/chat.test.ts: the chat page in Chromium, presence on the same stream.
 */
import { EventSource } from "eventsource";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Channel, MemoryBroker, type ChannelBroker, type Unsubscribe } from "edge-sse/channel";
import { redisBroker, type IoRedisClient, type NodeRedisClient } from "edge-sse/redis";
import { StorageBroker, type DurableObjectStorageLike } from "edge-sse/durable-object";
import { datas, EventReader, parseWire } from "../helpers/event-reader.ts";
import { deferred } from "../helpers/deferred.ts";
import { collectText } from "../helpers/collect.ts";
import { serveNode, until } from "../helpers/serve-node.ts";
import { handleChat, MAX_BODY_BYTES } from "../../examples/shared/chat-handler.ts";
import { ChatRoom } from "../../examples/shared/chat-room.ts";

/** A promise that fails the test when `promise` has not settled within `ms` (a bound, not a timing assertion). */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out waiting for: ${what}`)), ms)),
  );
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A MemoryBroker whose replay, subscribe or publish can be made to fail, as a remote broker in an outage. */
function flakyBroker(inner = new MemoryBroker()) {
  const state = {
    /** While true, replay rejects. */
    replayDown: false,
    /** The replay calls (counting from 1) that reject. */
    failingReplays: new Set<number>(),
    /** How many of the next subscribe calls reject. */
    subscribeFailures: 0,
    replays: 0,
    subscribes: 0,
  };
  const broker: ChannelBroker = {
    publish: (event) => inner.publish(event),
    subscribe: async (listener) => {
      state.subscribes++;
      if (state.subscribeFailures > 0) {
        state.subscribeFailures--;
        throw new Error("broker down: subscribe");
      }
      return inner.subscribe(listener);
    },
    replay: async (afterId) => {
      state.replays++;
      if (state.replayDown || state.failingReplays.has(state.replays)) throw new Error("broker down: replay");
      return inner.replay(afterId);
    },
  };
  return { broker, state, inner };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Broker outages: the channel", () => {
  test("Channel.stream answers 200 with a retry hint and ends when the broker's replay keeps failing; onError hears why", async () => {
    const { broker, state } = flakyBroker();
    const errors: unknown[] = [];
    const channel = new Channel({ broker, onError: (error) => errors.push(error) });
    await channel.ready;
    const [first] = [await channel.publish("a"), await channel.publish("b")];
    state.replayDown = true;
    const response = await channel.response({
      request: new Request("http://localhost/", { headers: { "last-event-id": first! } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("last-event-id")).toBeNull();
    const parsed = parseWire(await collectText(response.body!)); // It ends by itself.
    expect(parsed.events).toEqual([]);
    expect(parsed.retries).toEqual([3000]);
    expect(state.replays).toBe(3);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toBe(`Error: Cannot replay after ${JSON.stringify(first)}: the broker failed 3 times`);
    expect(String((errors[0] as Error).cause)).toBe("Error: broker down: replay");
    expect(channel.subscriberCount).toBe(0);
    await channel.close();
  });

  test("Channel.stream's retry hint is the stream's retry when set", async () => {
    const { broker, state } = flakyBroker();
    const channel = new Channel({ broker, retry: 1500, onError: () => {} });
    state.replayDown = true;
    const stream = await channel.stream({ lastEventId: "x", retry: 250 });
    expect(parseWire(await collectText(stream.toReadableStream())).retries).toEqual([250]);
    await channel.close();
  });

  test("Channel.stream asks again for a replay that failed once, and the client gets exactly what it missed", async () => {
    const { broker, state } = flakyBroker();
    const errors: unknown[] = [];
    const channel = new Channel({ broker, onError: (error) => errors.push(error) });
    const [first] = [await channel.publish("a"), await channel.publish("b"), await channel.publish("c")];
    state.replayDown = true;
    const streaming = channel.stream({ lastEventId: first!, keepAlive: false });
    await until(() => state.replays === 1, "the first replay");
    state.replayDown = false;
    const reader = new EventReader((await streaming).toReadableStream());
    await channel.publish("d");
    expect(datas(await reader.until(3))).toEqual(["b", "c", "d"]);
    expect(errors).toEqual([]);
    await channel.close();
  });

  test("A subscriber's second replay (the one that closes the race with live events) is asked again when it fails, and the stream goes on", async () => {
    const { broker, state } = flakyBroker();
    const errors: unknown[] = [];
    const channel = new Channel({ broker, onError: (error) => errors.push(error) });
    const [first] = [await channel.publish("a"), await channel.publish("b")];
    state.failingReplays.add(2); // The first replay answers; the second one fails once.
    const reader = new EventReader(
      (await channel.stream({ lastEventId: first!, keepAlive: false })).toReadableStream(),
    );
    await until(() => state.replays === 3, "the second replay, asked again");
    await channel.publish("c");
    expect(datas(await reader.until(2))).toEqual(["b", "c"]);
    expect(reader.done).toBe(false);
    expect(channel.subscriberCount).toBe(1);
    expect(errors).toEqual([]);
    await channel.close();
  });

  test("A Channel whose broker cannot subscribe at first keeps trying, reports each failure, and starts once it can", async () => {
    const { broker, state } = flakyBroker();
    state.subscribeFailures = 3;
    const errors: unknown[] = [];
    const channel = new Channel({
      broker,
      onError: (error) => {
        errors.push(error);
        throw new Error("an onError that throws does not stop the attempts");
      },
    });
    await within(channel.ready, "the live feed to start after three failures");
    expect(state.subscribes).toBe(4);
    expect(errors.map(String)).toEqual(
      [100, 200, 400].map(
        (ms) =>
          `Error: Cannot start the channel's live feed: the broker's subscribe() failed; trying again in ${ms} ms`,
      ),
    );
    expect(String((errors[0] as Error).cause)).toBe("Error: broker down: subscribe");
    const reader = new EventReader((await channel.stream({ keepAlive: false })).toReadableStream());
    await reader.started();
    await channel.publish("live");
    expect(datas(await reader.until(1))).toEqual(["live"]);
    await channel.close();
  });

  test("A Channel's retries of a failing subscribe double from 100 ms up to 5 s, and stop at close()", async () => {
    vi.useFakeTimers();
    const { broker, state } = flakyBroker();
    state.subscribeFailures = Infinity;
    const errors: string[] = [];
    const channel = new Channel({ broker, onError: (error) => errors.push(String(error)) });
    await vi.advanceTimersByTimeAsync(60_000);
    const delays = errors.map((message) => Number(/trying again in (\d+) ms/.exec(message)?.[1]));
    expect(delays.slice(0, 8)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(new Set(delays.slice(6))).toEqual(new Set([5000]));
    expect(state.subscribes).toBe(errors.length); // Each attempt failed and was reported; the next waits.
    await channel.close();
    const attempts = state.subscribes;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.subscribes).toBe(attempts);
    await expect(channel.ready).rejects.toThrow(
      new TypeError("Cannot start the channel's live feed: the channel is closed"),
    );
  });

  test("Channel.stream while the live feed cannot start answers with the retry hint instead of failing", async () => {
    const { broker, state } = flakyBroker();
    state.subscribeFailures = Infinity;
    const channel = new Channel({ broker, retry: 100, onError: () => {} });
    for (const lastEventId of [undefined, "some-id"]) {
      const response = await within(channel.response({ ...(lastEventId ? { lastEventId } : {}) }), "the response");
      expect(response.status).toBe(200);
      const parsed = parseWire(await collectText(response.body!));
      expect(parsed).toMatchObject({ events: [], retries: [100] });
    }
    expect(state.replays).toBe(0);
    await channel.close();
  });

  test("Channel.publish goes to the broker at once while the live feed is still starting", async () => {
    const inner = new MemoryBroker();
    const never = deferred<Unsubscribe>();
    const channel = new Channel({
      broker: {
        publish: (event) => inner.publish(event),
        subscribe: () => never.promise,
        replay: (id) => inner.replay(id),
      },
    });
    const id = await within(channel.publish("stored"), "the publish");
    expect(inner.events.map((event) => [event.id, event.data])).toEqual([[id, "stored"]]);
    await within(channel.close(), "close");
  });

  test("Channel.close() ends at once while the broker's subscribe hangs, and ends the subscription that comes late", async () => {
    const late = deferred<Unsubscribe>();
    const unsubscribed = deferred<void>();
    const channel = new Channel({
      broker: { publish: () => "1", subscribe: () => late.promise, replay: () => ({ found: false, events: [] }) },
    });
    await within(channel.close(), "close() while subscribe hangs");
    await expect(channel.ready).rejects.toThrow(TypeError);
    late.resolve(() => unsubscribed.resolve());
    await within(unsubscribed.promise, "the late subscription to be ended");
    await expect(channel.stream()).rejects.toThrow(new TypeError("Cannot subscribe: the channel is closed"));
  });

  test("A broker whose subscribe gives no function is not retried: ready rejects with a TypeError that says so", async () => {
    const errors: unknown[] = [];
    const channel = new Channel({
      broker: {
        publish: () => "1",
        subscribe: async () => "oops" as never,
        replay: () => ({ found: false, events: [] }),
      },
      onError: (error) => errors.push(error),
    });
    const expected = new TypeError(
      "Cannot start the channel's live feed: the broker's subscribe() must return a function (got \"oops\")",
    );
    await expect(channel.ready).rejects.toThrow(expected);
    expect(errors).toEqual([expected]);
    await expect(channel.stream()).rejects.toThrow(expected);
    expect(
      () =>
        new Channel({
          broker: { publish: () => "1", subscribe: () => 7 as never, replay: () => ({ found: false, events: [] }) },
        }),
    ).toThrow(
      new TypeError(
        "Cannot start the channel's live feed: the broker's subscribe() must return a function (got number 7)",
      ),
    );
  });

  test("The eventsource client, told to retry during a replay outage, reconnects with the same Last-Event-ID and misses nothing", async () => {
    const { broker, state } = flakyBroker();
    const errors: unknown[] = [];
    const channel = new Channel({ broker, retry: 50, keepAlive: false, onError: (error) => errors.push(error) });
    const statuses: number[] = [];
    const resumedAfter: Array<string | null> = [];
    const server = await serveNode(async (request) => {
      resumedAfter.push(request.headers.get("last-event-id"));
      const response = await channel.response({ request });
      statuses.push(response.status);
      return response;
    });
    const source = new EventSource(`${server.url}/events`);
    const seen: Array<{ id: string; data: string }> = [];
    source.onmessage = (event) => seen.push({ id: event.lastEventId, data: event.data });
    try {
      await until(() => channel.subscriberCount === 1, "the first connection");
      const ids = [await channel.publish("e1"), await channel.publish("e2")];
      await until(() => seen.length === 2, "two events");
      state.replayDown = true;
      server.server.closeAllConnections(); // The client reconnects with Last-Event-ID e2, into the outage.
      await until(() => errors.length >= 2, "two reconnections told to retry", 10_000);
      ids.push(await channel.publish("e3"), await channel.publish("e4"));
      state.replayDown = false;
      await until(() => seen.length === 4, "the missed events after the outage", 10_000);
      ids.push(await channel.publish("e5"));
      await until(() => seen.length === 5, "a live event");
      expect(seen).toEqual(["e1", "e2", "e3", "e4", "e5"].map((data, n) => ({ id: ids[n], data })));
      expect(new Set(statuses)).toEqual(new Set([200]));
      expect(resumedAfter[0]).toBeNull();
      expect(new Set(resumedAfter.slice(1))).toEqual(new Set([ids[1]]));
      expect(source.readyState).toBe(EventSource.OPEN);
    } finally {
      source.close();
      await channel.close();
      await server.close();
    }
  });
});

describe("Broker outages: the Redis broker, with stand-in clients", () => {
  /** A node-redis stand-in that is reconnecting (open, not ready) until `ready` is set, and records every command. */
  function reconnectingNodeRedis() {
    const sent: string[][] = [];
    const client = {
      isOpen: true,
      isReady: false,
      sendCommand: async (args: string[]) => {
        sent.push(args);
        return args[0] === "XADD" ? "1-1" : [];
      },
      duplicate: (): unknown => client,
    };
    return { client: client as NodeRedisClient, state: client, sent };
  }

  test("redisBroker publish and replay reject, sending nothing, while the client reconnects past offlineTimeout", async () => {
    const { client, sent } = reconnectingNodeRedis();
    const broker = redisBroker({ client, key: "k", offlineTimeout: 50 });
    await expect(within(Promise.resolve(broker.publish({ data: "x" })), "publish")).rejects.toThrow(
      new Error(
        'Cannot publish to the Redis stream "k": Redis is not connected (the client has been reconnecting for 50 ms), so nothing was sent',
      ),
    );
    await expect(within(Promise.resolve(broker.replay("1-0")), "replay")).rejects.toThrow(
      new Error(
        'Cannot replay the Redis stream "k": Redis is not connected (the client has been reconnecting for 50 ms), so nothing was sent',
      ),
    );
    expect(sent).toEqual([]);
  });

  test("redisBroker publish waits for a client that reconnects within offlineTimeout, then sends", async () => {
    const { client, state, sent } = reconnectingNodeRedis();
    const broker = redisBroker({ client, key: "k", offlineTimeout: 5_000 });
    const publishing = Promise.resolve(broker.publish({ data: "x" }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([]);
    state.isReady = true;
    expect(await within(publishing, "publish")).toBe("1-1");
    expect(sent.map((args) => args[0])).toEqual(["XADD"]);
  });

  test("redisBroker's unsubscribe ends at once when the client never settles a read it holds (ioredis while reconnecting)", async () => {
    let reads = 0;
    const client: IoRedisClient & { status: string; disconnect(): void } = {
      status: "ready",
      call: async (command: string) => {
        if (command !== "XREAD") return [];
        reads++;
        return new Promise(() => {}); // Held for a reconnection that does not come; disconnect() does not reject it.
      },
      duplicate: () => client,
      disconnect: () => {},
    };
    const stop = await redisBroker({ client, key: "k" }).subscribe(() => {});
    await until(() => reads === 1, "the first read");
    await within(Promise.resolve(stop()), "unsubscribe");
  });
});

describe("Broker outages: a Durable Object's storage (StorageBroker, with stand-in storage)", () => {
  /** Storage in a Map, whose put and list can be made to fail, at once (a throw) or later (a rejection). */
  function flakyStorage() {
    const data = new Map<string, unknown>();
    const control = { put: "works" as "works" | "throws" | "rejects", listFailures: 0 };
    const storage: DurableObjectStorageLike = {
      get: async (key) => data.get(key),
      list: async ({ prefix }) => {
        if (control.listFailures > 0) {
          control.listFailures--;
          throw new Error("storage unreachable");
        }
        return new Map([...data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)));
      },
      put: (entries) => {
        if (control.put === "throws") throw new RangeError("value too large");
        if (control.put === "rejects") return Promise.reject(new Error("disk full"));
        for (const [key, value] of Object.entries(entries)) data.set(key, value);
        return Promise.resolve();
      },
      delete: async (keys) => keys.filter((key) => data.delete(key)).length,
    };
    return { storage, control, data };
  }

  test("StorageBroker: storage that refuses a write at once leaves no trace: nothing delivered, kept, or counted", async () => {
    const { storage, control } = flakyStorage();
    const broker = new StorageBroker(storage);
    const channel = new Channel({ broker });
    const reader = new EventReader((await channel.stream({ keepAlive: false })).toReadableStream());
    control.put = "throws";
    await expect(channel.publish("refused")).rejects.toThrow(
      new Error("Cannot publish: the Durable Object's storage failed (value too large)"),
    );
    expect(broker.events).toEqual([]);
    control.put = "works";
    expect(await channel.publish("stored")).toBe("1");
    expect(datas(await reader.until(1))).toEqual(["stored"]);
    expect((await broker.replay("0")).events.map((event) => event.data)).toEqual(["stored"]);
    await channel.close();
  });

  test("StorageBroker: a write that fails later rejects the publish with the storage's error as cause", async () => {
    const { storage, control } = flakyStorage();
    const channel = new Channel({ broker: new StorageBroker(storage) });
    control.put = "rejects";
    const failure = await channel.publish("x").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(failure)).toBe("Error: Cannot publish: the Durable Object's storage failed (disk full)");
    expect((failure as Error).cause).toEqual(new Error("disk full"));
    await channel.close();
  });

  test("StorageBroker: a history that could not be loaded is loaded again by the next publish or replay", async () => {
    const { storage, control, data } = flakyStorage();
    const first = new StorageBroker(storage);
    await first.ready;
    await first.publish({ data: "kept" });
    control.listFailures = 1;
    const broker = new StorageBroker(storage);
    await expect(broker.ready).rejects.toThrow(new Error("storage unreachable"));
    expect((await broker.replay("0")).events.map((event) => event.data)).toEqual(["kept"]);
    expect(await broker.publish({ data: "next" })).toBe("2");
    expect(data.get("edge-sse:sequence")).toBe(2);
  });
});

describe("Bounded bodies: the chat demo", () => {
  /** A body of `total` bytes in 64 KiB pieces that counts how many bytes were pulled from it. */
  function countingBody(total: number): { body: ReadableStream<Uint8Array>; pulled(): number } {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= total) return controller.close();
          const size = Math.min(65_536, total - pulled);
          pulled += size;
          controller.enqueue(new Uint8Array(size).fill(0x20));
        },
      },
      { highWaterMark: 0 },
    );
    return { body, pulled: () => pulled };
  }

  function postRequest(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      body,
      duplex: "half",
      headers: { "content-type": "application/json", ...headers },
    };
    return new Request("http://localhost/chat/messages", init);
  }

  test("The chat answers 413 to a body whose content-length is over the bound without reading any of it", async () => {
    const room = new ChatRoom();
    const total = 48 * 1024 * 1024;
    const { body, pulled } = countingBody(total);
    const response = await handleChat(postRequest(body, { "content-length": String(total) }), room);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: `The body must be at most ${MAX_BODY_BYTES} bytes` });
    expect(pulled()).toBe(0);
    await room.close();
  });

  test("The chat stops reading a streamed body at the bound and answers 413", async () => {
    const room = new ChatRoom();
    const { body, pulled } = countingBody(48 * 1024 * 1024);
    const response = await handleChat(postRequest(body), room);
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(MAX_BODY_BYTES + 65_536); // The chunk that passed the bound, and no more.
    await room.close();
  });
});

describe("Presence in the chat's history", () => {
  test("1,000 clients joining and leaving leave every chat message in the history", async () => {
    const room = new ChatRoom();
    const ids = [];
    for (const text of ["one", "two", "three"]) ids.push(await room.post({ name: "ada", text }));
    const events = (lastEventId?: string): Request =>
      new Request(
        "http://localhost/chat/events",
        lastEventId === undefined ? {} : { headers: { "last-event-id": lastEventId } },
      );
    for (let n = 0; n < 1_000; n++) {
      // A client joins at its stream's first read: read once, then hang up.
      const reader = (await room.connect(events())).body!.getReader();
      await reader.read();
      await reader.cancel();
    }
    await flushTimers();
    // A client that saw the first message comes back: no gap, the two messages it missed.
    const response = await room.connect(events(ids[0]));
    expect(response.headers.get("last-event-id")).toBe(ids[0]);
    const reader = new EventReader(response.body!);
    const got = await reader.until(4); // two messages, the latest presence, then its own join (live)
    expect(got.filter((event) => event.event === "edge-sse-gap")).toEqual([]);
    expect(
      got.filter((event) => event.event === "chat").map((event) => [event.id, JSON.parse(event.data).text]),
    ).toEqual([
      [ids[1], "two"],
      [ids[2], "three"],
    ]);
    expect(got.filter((event) => event.event === "presence").map((event) => JSON.parse(event.data))).toEqual([
      { online: 0 },
      { online: 1 },
    ]);
    await reader.cancel();
    await room.close();
  });
});

/** Lets the leave hooks of cancelled streams run (they follow the cancel by a few turns). */
async function flushTimers(): Promise<void> {
  for (let n = 0; n < 5; n++) await new Promise((resolve) => setTimeout(resolve, 0));
}
