import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GAP_EVENT } from "edge-sse/channel";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { EventReader } from "../helpers/event-reader.ts";
import { startChannelProcess, type ChannelProcess } from "./processes.ts";
import { waitFor } from "./wait.ts";

/** Below this many events the stream is never trimmed, so the first tests see the whole history. */
const MAX_LEN = 100;

let redis: RedisServer;
let first: ChannelProcess;
let second: ChannelProcess;
let published: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  // One process on each client library: both read and write the same stream.
  const env = { REDIS_URL: redis.url, KEY: "edge-sse:two-process", MAX_LEN: String(MAX_LEN) };
  [first, second] = await Promise.all([
    startChannelProcess({ ...env, CLIENT: "node-redis" }),
    startChannelProcess({ ...env, CLIENT: "ioredis" }),
  ]);
}, 40_000);

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await redis?.stop();
});

/** Publishes `data` through `server` and records its id, in the order the stream holds them. */
async function publish(server: ChannelProcess, data: string): Promise<string> {
  const id = await server.publish({ data });
  published.push(id);
  return id;
}

describe("a Channel on redisBroker in two processes", () => {
  test("delivers an event published on one process to the subscribers of both", async () => {
    const onFirst = await EventReader.fetch(`${first.url}/events`);
    const onSecond = await EventReader.fetch(`${second.url}/events`);
    try {
      await waitFor(
        async () => (await first.subscribers()) === 1 && (await second.subscribers()) === 1,
        "a subscriber on each process",
      );
      const id = await publish(first, "hello from the first");
      expect(id).toMatch(/^\d+-\d+$/);
      const other = await publish(second, "hello from the second");
      await onFirst.until(2);
      await onSecond.until(2);
      for (const reader of [onFirst, onSecond]) {
        expect(reader.response!.headers.get("last-event-id")).toBeNull();
        expect(reader.events.map(({ id, data }) => ({ id, data }))).toEqual([
          { id, data: "hello from the first" },
          { id: other, data: "hello from the second" },
        ]);
      }
    } finally {
      await onFirst.cancel();
      await onSecond.cancel();
    }
  });

  test("resumes on the other process after Last-Event-ID with exactly the missed events, then live ones", async () => {
    published = [];
    const watcher = await EventReader.fetch(`${second.url}/events`);
    const leaving = await EventReader.fetch(`${first.url}/events`);
    await waitFor(
      async () => (await first.subscribers()) === 1 && (await second.subscribers()) === 1,
      "a subscriber on each process",
    );

    // Publishing goes on, alternating between the processes, through the disconnect and the reconnect.
    let publishing = true;
    let back: EventReader | undefined;
    const publisher = (async () => {
      while (publishing && published.length < 500)
        await publish(published.length % 2 === 0 ? first : second, `event ${published.length}`);
    })();
    try {
      await leaving.until(5);
      await leaving.cancel();
      const lastSeen = leaving.events[4]!.id!;
      const away = published.length;
      await waitFor(() => published.length >= away + 5, "events published while the subscriber is away");
      back = await EventReader.fetch(`${second.url}/events`, { headers: { "last-event-id": lastSeen } });
      expect(back.response!.headers.get("last-event-id")).toBe(lastSeen);
      const reconnected = published.length;
      await waitFor(() => published.length >= reconnected + 5, "events published after the reconnect");
      publishing = false;
      await publisher;
      for (const server of [first, second]) await publish(server, `event ${published.length}`); // Live, once all is quiet.
      const missedThenLive = published.slice(published.indexOf(lastSeen) + 1);
      await back.until(missedThenLive.length);
      await watcher.until(published.length);
      // No gap, no duplicate: exactly the events after lastSeen, in the stream's order.
      expect(back.events.map((event) => event.id)).toEqual(missedThenLive);
      expect(back.events.map((event) => event.data)).toEqual(
        missedThenLive.map((id) => `event ${published.indexOf(id)}`),
      );
      expect(leaving.events.slice(0, 5).map((event) => event.id)).toEqual(published.slice(0, 5));
      expect(watcher.events.map((event) => event.id)).toEqual(published);
    } finally {
      publishing = false;
      await publisher;
      await leaving.cancel();
      await watcher.cancel();
      await back?.cancel();
    }
  });

  test("sends the gap marker and every event held when the id was trimmed away", async () => {
    published = [];
    for (let n = 0; n < 400; n++) await publish(n % 2 === 0 ? first : second, `bulk ${n}`);
    const trimmed = published[0]!;
    const reader = await EventReader.fetch(`${first.url}/events`, { headers: { "last-event-id": trimmed } });
    try {
      expect(reader.response!.headers.get("last-event-id")).toBe("earliest");
      await reader.until(1 + MAX_LEN);
      const [marker, ...replayed] = reader.events;
      expect(marker!.event).toBe(GAP_EVENT);
      expect(marker!.id).toBeUndefined();
      expect(JSON.parse(marker!.data)).toEqual({ lastEventId: trimmed, firstId: replayed[0]!.id });
      const held = published.indexOf(replayed[0]!.id!);
      expect(held).toBeGreaterThan(0); // The oldest events are gone...
      expect(published.length - held).toBeGreaterThanOrEqual(MAX_LEN); // ...and at least maxLen are kept.
      await reader.until(1 + published.length - held);
      expect(reader.events.slice(1).map((event) => event.id)).toEqual(published.slice(held));
      // Then live.
      const live = await publish(second, "after the gap");
      await reader.until(1 + published.length - held);
      expect(reader.events.at(-1)).toMatchObject({ id: live, data: "after the gap" });
    } finally {
      await reader.cancel();
    }
  });
});
