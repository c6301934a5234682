/**
 * A Channel on redisBroker through a Redis outage: a real redis-server is stopped (by its PID) and
 * started again on the same port, with node-redis and with ioredis, while the `eventsource` client
 * reads the channel over real HTTP. Redis keeps its data on disk (append-only file) or not at all.
 *
 * Every wait is bounded (waitFor: 10 s unless said otherwise).
 */
import { EventSource } from "eventsource";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterEach, describe, expect, test } from "vitest";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { redisBroker, type RedisClient } from "edge-sse/redis";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { waitFor } from "./wait.ts";

/** How long the broker waits for a reconnecting client in these tests (the default is 1 s). */
const OFFLINE_TIMEOUT = 300;
/** The reconnection delay the channel asks of its clients. */
const RETRY = 200;

/** A client of one library, made without waiting for it to connect (Redis may be down). */
interface LibraryClient {
  readonly client: RedisClient;
  /** Whether the client is connected and ready for commands. */
  ready(): boolean;
  close(): Promise<void>;
}

interface Library {
  readonly name: string;
  open(url: string): LibraryClient;
}

const LIBRARIES: readonly Library[] = [
  {
    name: "node-redis",
    open(url) {
      const client = createClient({ url });
      client.on("error", () => {}); // The broker's onError is what the tests look at.
      client.connect().catch(() => {}); // Waits for as long as Redis is down; destroy() ends it.
      return { client, ready: () => client.isReady, close: async () => client.destroy() };
    },
  },
  {
    name: "ioredis",
    open(url) {
      const client = new Redis(url);
      client.on("error", () => {});
      return { client, ready: () => client.status === "ready", close: async () => client.disconnect() };
    },
  },
];

/** What the server saw of one `/events` request. */
interface Served {
  readonly client: string;
  readonly lastEventId: string | null;
  readonly status: number;
  /** The response's `last-event-id` header: where replay started (null: no replay, or a retry hint). */
  readonly replayedFrom: string | null;
}

/** The channel over HTTP, with the sockets of each named client, so that one client's connection can be cut. */
interface ChannelServer {
  readonly url: string;
  readonly served: Served[];
  /** Cuts the `/events` connections of one client: its EventSource reconnects with its Last-Event-ID. */
  cut(client: string): void;
  close(): Promise<void>;
}

async function serveChannel(channel: Channel): Promise<ChannelServer> {
  const served: Served[] = [];
  const sockets = new Map<string, Array<{ destroy(): void }>>();
  const server: TestServer = await serveNode(async (request) => {
    const client = new URL(request.url).searchParams.get("client") ?? "";
    const response = await channel.response({ request });
    served.push({
      client,
      lastEventId: request.headers.get("last-event-id"),
      status: response.status,
      replayedFrom: response.headers.get("last-event-id"),
    });
    return response;
  });
  server.server.on("request", (req) => {
    const client = new URL(req.url ?? "/", "http://localhost").searchParams.get("client") ?? "";
    sockets.set(client, [...(sockets.get(client) ?? []), req.socket]);
  });
  return {
    url: server.url,
    served,
    cut(client) {
      for (const socket of sockets.get(client) ?? []) socket.destroy();
      sockets.delete(client);
    },
    close: () => server.close(),
  };
}

/** One EventSource and every event it got, in order (gap markers as `{ event: "edge-sse-gap" }`). */
interface Reader {
  readonly source: EventSource;
  readonly events: Array<{ id: string; data: string; event: string }>;
}

function listen(server: ChannelServer, client: string): Reader {
  const source = new EventSource(`${server.url}/events?client=${client}`);
  const events: Reader["events"] = [];
  source.onmessage = (event) => events.push({ id: event.lastEventId, data: event.data, event: event.type });
  source.addEventListener(GAP_EVENT, (event) => events.push({ id: "", data: event.data, event: event.type }));
  return { source, events };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let keys = 0;
const nextKey = (): string => `edge-sse:outage:${++keys}`;

describe.each(LIBRARIES)("a Channel on redisBroker with $name through a Redis outage", (library) => {
  /** A redis-server, a client, a channel on it served over HTTP; all stopped after the test. */
  async function setUp(options: { persistence: boolean; down?: boolean }) {
    const redis: RedisServer = await startRedis({ persistence: options.persistence });
    cleanups.push(() => redis.stop());
    if (options.down === true) await redis.down();
    const opened = library.open(redis.url);
    cleanups.push(() => opened.close());
    const errors: unknown[] = [];
    const channel = new Channel({
      broker: redisBroker({
        client: opened.client,
        key: nextKey(),
        offlineTimeout: OFFLINE_TIMEOUT,
        onError: (error) => errors.push(error),
      }),
      retry: RETRY,
      keepAlive: 1_000,
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => channel.close());
    const server = await serveChannel(channel);
    cleanups.push(() => server.close());
    return { redis, client: opened, channel, server, errors };
  }

  for (const persistence of [true, false]) {
    const kept = persistence
      ? "with persistence: nothing is lost"
      : "without persistence: the resuming client gets the gap marker";
    test(`Subscribers live through the outage get every later event; a client reconnecting meanwhile is told to retry, then resumes (${kept})`, async () => {
      const { redis, client, channel, server, errors } = await setUp({ persistence });
      await channel.ready;
      const live = listen(server, "live");
      const resuming = listen(server, "resuming");
      cleanups.push(
        () => live.source.close(),
        () => resuming.source.close(),
      );
      await waitFor(() => channel.subscriberCount === 2, "both subscribers");
      const before = [await channel.publish("before 1"), await channel.publish("before 2")];
      await waitFor(() => live.events.length === 2 && resuming.events.length === 2, "the events before the outage");

      await redis.down();
      await waitFor(() => !client.ready(), "the client to notice the outage");
      await expect(channel.publish("during")).rejects.toThrow(
        new RegExp(
          '^Cannot publish to the Redis stream "edge-sse:outage:\\d+": Redis is not connected ' +
            "\\(the client has been reconnecting for 300 ms\\), so nothing was sent$",
        ),
      );
      server.cut("resuming");
      // Its reconnections get 200 and a retry hint while Redis is down (each failed replay is reported).
      await waitFor(
        () => server.served.filter((served) => served.client === "resuming" && served.lastEventId !== null).length >= 2,
        "two reconnections during the outage",
      );

      await redis.up();
      await waitFor(() => client.ready(), "the client to reconnect", 15_000);
      const after = [await channel.publish("after 1"), await channel.publish("after 2")];
      await waitFor(() => live.events.length === 4, "the events after the outage on the live subscriber", 15_000);
      const resumed = persistence ? 4 : 5; // Without persistence: the gap marker, then the events after the outage.
      await waitFor(() => resuming.events.length === resumed, "the resuming client's events", 15_000);

      const all = ["before 1", "before 2", "after 1", "after 2"];
      const ids = [...before, ...after];
      expect(live.events).toEqual(all.map((data, n) => ({ id: ids[n], data, event: "message" })));
      if (persistence) {
        expect(resuming.events).toEqual(all.map((data, n) => ({ id: ids[n], data, event: "message" })));
      } else {
        expect(resuming.events.slice(0, 2)).toEqual(live.events.slice(0, 2));
        expect(resuming.events[2]).toMatchObject({ event: GAP_EVENT });
        expect(JSON.parse(resuming.events[2]!.data)).toMatchObject({ lastEventId: before[1] });
        expect(resuming.events.slice(3)).toEqual(live.events.slice(2));
      }
      const reconnections = server.served.filter(
        (served) => served.client === "resuming" && served.lastEventId !== null,
      );
      expect(new Set(server.served.map((served) => served.status))).toEqual(new Set([200]));
      expect(new Set(reconnections.map((served) => served.lastEventId))).toEqual(new Set([before[1]]));
      const hints = reconnections.filter((served) => served.replayedFrom === null);
      expect(hints.length).toBeGreaterThanOrEqual(2);
      expect(reconnections.at(-1)!.replayedFrom).toBe(persistence ? before[1] : "earliest");
      expect(
        errors.some((error) =>
          /^Cannot replay after "[\d-]+": the broker failed 3 times$/.test((error as Error).message),
        ),
      ).toBe(true);
      expect(live.source.readyState).toBe(EventSource.OPEN);
      expect(resuming.source.readyState).toBe(EventSource.OPEN);
    }, 60_000);
  }

  test("A Channel made while Redis is down answers with retry hints, refuses publishes, and starts once Redis is up", async () => {
    const { redis, channel, server, errors } = await setUp({ persistence: false, down: true });
    await expect(channel.publish("too early")).rejects.toThrow(/Redis is not connected/);
    const early = await channel.response();
    expect(early.status).toBe(200);
    expect(await early.text()).toBe(
      `retry: ${RETRY}\n\n: the channel cannot reach its broker now; reconnect in ${RETRY} ms\n\n`,
    );

    const reader = listen(server, "early");
    cleanups.push(() => reader.source.close());
    await waitFor(() => server.served.length >= 2, "the EventSource told to retry");
    await redis.up();
    await waitFor(
      async () => {
        await Promise.race([channel.ready, new Promise((resolve) => setTimeout(resolve, 100))]);
        return channel.subscriberCount === 1;
      },
      "the channel to start and the EventSource to join",
      20_000,
    );
    const id = await channel.publish("first");
    await waitFor(() => reader.events.length === 1, "the first event");
    expect(reader.events).toEqual([{ id, data: "first", event: "message" }]);
    expect(new Set(server.served.map((served) => served.status))).toEqual(new Set([200]));
    expect(
      errors.some((error) =>
        /^Cannot start the channel's live feed: the broker's subscribe\(\) failed; trying again in \d+ ms$/.test(
          (error as Error).message,
        ),
      ),
    ).toBe(true);
    expect(reader.source.readyState).toBe(EventSource.OPEN);
  }, 60_000);

  test("Channel.close() during an outage ends at once, live or still starting", async () => {
    const started = await setUp({ persistence: false });
    await started.channel.ready;
    const reader = listen(started.server, "closing");
    cleanups.push(() => reader.source.close());
    await waitFor(() => started.channel.subscriberCount === 1, "the subscriber");
    await started.redis.down();
    await waitFor(() => !started.client.ready(), "the client to notice the outage");
    await withinBound(started.channel.close(), "close() of a live channel during the outage");
    reader.source.close(); // Before it reconnects to the closed channel.
    expect(started.channel.subscriberCount).toBe(0);

    const starting = await setUp({ persistence: false, down: true });
    await withinBound(starting.channel.close(), "close() of a channel still starting during the outage");
    await expect(starting.channel.ready).rejects.toThrow(
      new TypeError("Cannot start the channel's live feed: the channel is closed"),
    );
  }, 60_000);
});

/** Fails when `promise` has not settled within 5 s (a bound, not a timing assertion). */
async function withinBound(promise: Promise<unknown>, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out waiting for: ${what}`)), 5_000)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
