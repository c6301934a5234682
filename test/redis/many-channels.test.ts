/**
 * Many channels on one process through one Redis client: a `Channels` registry with a Redis stream
 * per channel name, 10,000 channels with a subscriber each, and events published on some of them by
 * another process (channel-server.ts, on ioredis) while this one reads on node-redis.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Channels } from "edge-sse/channel";
import { redisBroker } from "edge-sse/redis";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { adminClient } from "./clients.ts";
import { startChannelProcess, type ChannelProcess } from "./processes.ts";
import { waitFor } from "./wait.ts";

const CHANNELS = 10_000;
/** Subscribers started at once. */
const BATCH = 100;
const PREFIX = "edge-sse:many:";

let redis: RedisServer;
let admin: Awaited<ReturnType<typeof adminClient>>;
let publisher: ChannelProcess;

beforeAll(async () => {
  redis = await startRedis();
  admin = await adminClient(redis.url);
  publisher = await startChannelProcess({ REDIS_URL: redis.url, KEY: PREFIX, CLIENT: "ioredis" });
}, 40_000);

afterAll(async () => {
  await publisher?.stop();
  await admin?.close();
  await redis?.stop();
});

/** The ids of the connections to the server. */
async function connectionIds(): Promise<Set<string>> {
  const list = String(await admin.send(["CLIENT", "LIST"]));
  return new Set([...list.matchAll(/^id=(\d+) /gm)].map((match) => match[1]!));
}

/** A node-redis client of this process, and a registry whose channel `name` is the stream PREFIX + name. */
async function registry() {
  const client = createClient({ url: redis.url });
  client.on("error", () => {});
  await client.connect();
  const errors: unknown[] = [];
  const channels = new Channels({
    broker: (name) => redisBroker({ client, key: `${PREFIX}${name}` }),
    keepAlive: false,
    onError: (error) => void errors.push(error),
  });
  return { client, channels, errors };
}

async function subscribe(channels: Channels, name: string, lastEventId?: string): Promise<EventReader> {
  const reader = new EventReader((await channels.stream(name, { lastEventId })).toReadableStream());
  await reader.started();
  return reader;
}

test("Channels on redisBroker: 10,000 channels use 2 Redis connections, and get what another process publishes", async () => {
  const before = await connectionIds();
  const { client, channels, errors } = await registry();
  const readers = new Map<string, EventReader>();
  try {
    const names = Array.from({ length: CHANNELS }, (_, n) => `user-${n}`);
    for (let n = 0; n < CHANNELS; n += BATCH) {
      const batch = names.slice(n, n + BATCH);
      const started = await Promise.all(batch.map((name) => subscribe(channels, name)));
      for (const [i, reader] of started.entries()) readers.set(batch[i]!, reader);
    }
    expect(channels.size).toBe(CHANNELS);
    const ours = [...(await connectionIds())].filter((id) => !before.has(id));
    expect(ours).toHaveLength(2); // The client, and the one blocking connection all 10,000 feeds share.

    const targets = ["user-0", "user-4711", `user-${CHANNELS - 1}`];
    const published = new Map<string, string>();
    for (const name of targets) published.set(name, await publisher.publish({ data: `for ${name}`, channel: name }));
    for (const name of targets) {
      const reader = readers.get(name)!;
      expect(await reader.until(1)).toEqual([{ id: published.get(name), event: undefined, data: `for ${name}` }]);
    }
    // A channel added while the shared read blocks gets what is published right after it joined.
    const late = await subscribe(channels, "late");
    const lateId = await publisher.publish({ data: "right after", channel: "late" });
    expect(await late.until(1)).toEqual([{ id: lateId, event: undefined, data: "right after" }]);
    expect((await connectionIds()).size - before.size).toBe(2);
    // Nobody else got anything.
    const others = [...readers].filter(([name]) => !targets.includes(name));
    expect(others.filter(([, reader]) => reader.events.length > 0)).toEqual([]);
    expect(errors).toEqual([]);

    // Every subscriber leaves: every channel is released, and the shared connection closed.
    readers.set("late", late);
    for (const reader of readers.values()) await reader.cancel();
    expect(channels.size).toBe(0);
    await channels.close();
    await waitFor(async () => (await connectionIds()).size - before.size === 1, "the blocking connection closed");
  } finally {
    for (const reader of readers.values()) await reader.cancel();
    await channels.close();
    await client.destroy();
  }
}, 240_000);

test("Channels on redisBroker: a released channel asked for again replays from Redis exactly", async () => {
  const { client, channels, errors } = await registry();
  try {
    const leaving = await subscribe(channels, "room");
    const sent = [await publisher.publish({ data: "one", channel: "room" })];
    await leaving.until(1);
    await leaving.cancel();
    expect(channels.has("room")).toBe(false);
    sent.push(
      await publisher.publish({ data: "two", channel: "room" }),
      await publisher.publish({ data: "three", channel: "room" }),
    );
    const back = await subscribe(channels, "room", sent[0]);
    expect(ids(await back.until(2))).toEqual(sent.slice(1));
    sent.push(await publisher.publish({ data: "four", channel: "room" }));
    expect(datas(await back.until(3))).toEqual(["two", "three", "four"]);
    expect(ids(back.events)).toEqual(sent.slice(1));
    await back.cancel();
    expect(errors).toEqual([]);
  } finally {
    await channels.close();
    await client.destroy();
  }
}, 60_000);
