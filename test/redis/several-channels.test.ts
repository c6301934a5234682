/**
 * Several channels on one stream, each a Redis stream on a real redis-server, served over real HTTP
 * to the `eventsource` client: a reconnect resumes every channel from the one cursor the client
 * sends back as Last-Event-ID, the channel whose history was trimmed gets its own gap marker.
 */
import { createClient } from "redis";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Channel, GAP_EVENT, severalChannelsResponse } from "edge-sse/channel";
import { redisBroker } from "edge-sse/redis";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { serveNode, until } from "../helpers/serve-node.ts";
import { deferred, type Deferred } from "../helpers/deferred.ts";
import { datas, EventReader } from "../helpers/event-reader.ts";

let redis: RedisServer;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  client.on("error", () => {});
  await client.connect();
}, 40_000);

afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

test("Several Redis channels on one stream: the eventsource client resumes each from its cursor; a trimmed one says so", async () => {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  const channel = (key: string, maxLen?: number): Channel =>
    new Channel({ broker: redisBroker({ client, key: `edge-sse:several:${key}`, maxLen, onError }), onError });
  const chat = channel("chat");
  const news = channel("news", 10);
  const quiet = channel("quiet");
  await chat.publish("before the client came");
  const lastEventIds: Array<string | null> = [];
  let gate: Deferred<void> | undefined;
  const server = await serveNode(async (request) => {
    lastEventIds.push(request.headers.get("last-event-id"));
    await gate?.promise;
    return severalChannelsResponse({ chat, news, quiet }, { request, retry: 20, keepAlive: false, onError });
  });
  const source = new EventSource(`${server.url}/events`);
  const seen: Array<{ id: string; data: string }> = [];
  const gaps: unknown[] = [];
  source.onmessage = (event) => seen.push({ id: event.lastEventId, data: event.data });
  source.addEventListener(GAP_EVENT, (event) => gaps.push(JSON.parse(event.data)));
  try {
    await until(() => chat.subscriberCount + news.subscriberCount + quiet.subscriberCount === 3, "the first join");
    await chat.publish("c1");
    await news.publish("n1");
    await until(() => seen.length === 2, "two live events", 10_000);
    // The connection drops; the client reconnects, and its request waits while events are published.
    gate = deferred();
    server.server.closeAllConnections();
    await until(() => lastEventIds.length === 2, "the reconnection", 10_000);
    await chat.publish("c2");
    await quiet.publish("q1");
    // Enough for Redis to trim whole nodes of `news` past "n1": its position is gone.
    const away = Array.from({ length: 400 }, (_, n) => `n-away-${n}`);
    for (const data of away) await news.publish(data);
    gate.resolve();
    await until(() => seen.some((event) => event.data === "q1"), "the replay", 10_000);
    await chat.publish("c3");
    await quiet.publish("q2");
    await until(() => seen.some((event) => event.data === "q2"), "live events after the replay", 10_000);

    expect(lastEventIds[0]).toBeNull();
    expect(lastEventIds[1]).toBe(seen[1]!.id);
    expect(lastEventIds[1]).toMatch(/^1;chat=\d+-\d+;news=\d+-\d+;quiet=$/);
    // `quiet` held nothing at join: it replays what it holds after a marker (Redis cannot tell whether
    // it dropped events before those); `news` lost the client's position.
    expect(gaps).toHaveLength(2);
    expect(gaps).toEqual(
      expect.arrayContaining([
        { channel: "quiet", lastEventId: "", firstId: expect.any(String) },
        { channel: "news", lastEventId: expect.any(String), firstId: expect.any(String) },
      ]),
    );
    const of = (prefix: string): string[] =>
      seen.map((event) => event.data).filter((data) => data.startsWith(prefix) && !data.startsWith("before"));
    expect(of("c")).toEqual(["c1", "c2", "c3"]);
    expect(of("q")).toEqual(["q1", "q2"]);
    const newsSeen = of("n");
    expect(newsSeen[0]).toBe("n1");
    // After the gap: the newest events Redis kept, in order, none twice, the last one published among them.
    const kept = newsSeen.slice(1);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(away.length);
    expect(kept).toEqual(away.slice(away.length - kept.length));
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    expect(errors).toEqual([]);
  } finally {
    source.close();
    await Promise.all([chat.close(), news.close(), quiet.close()]);
    await server.close();
  }
}, 30_000);

test("Several Redis channels on one stream: joining reads each channel's newest entry, not its whole history", async () => {
  const key = `edge-sse:several:join-${Date.now()}`;
  const sent: string[][] = [];
  // The broker's commands pass through here; its blocking reads go on a copy, not counted.
  const counted = new Proxy(client, {
    get(target, property) {
      if (property === "sendCommand") {
        return (args: string[]) => {
          sent.push([...args]);
          return target.sendCommand(args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const channel = new Channel({ broker: redisBroker({ client: counted, key }) });
  const ids: string[] = [];
  for (let index = 0; index < 30; index++) ids.push(await channel.publish(`e${index}`));
  sent.length = 0;
  const reader = new EventReader(await severalChannelsResponse({ big: channel }, { keepAlive: false }));
  try {
    await reader.waitFor(() => /^id: /m.test(reader.text), "the cursor at join");
    expect(/^id: (.*)$/m.exec(reader.text)![1]).toBe(`1;big=${ids.at(-1)}`);
    const reads = sent.filter(([command]) => command === "XRANGE" || command === "XREVRANGE");
    expect(reads.filter(([command, , start]) => command === "XRANGE" && start === "-")).toEqual([]);
    expect(reads.some(([command, , , , , count]) => command === "XREVRANGE" && count === "1")).toBe(true);
    await channel.publish("live");
    expect(datas(await reader.until(1))).toEqual(["live"]);
  } finally {
    await reader.cancel();
    await channel.close();
  }
});
