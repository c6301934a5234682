// Opaque event ids through a real redis-server: the Redis broker's stream ids ("1700000000000-0") never
// reach the client, and a filtered subscriber resumes exactly from the opaque id it was last shown.
import { afterAll, beforeAll, expect, test } from "vitest";
import { Channel } from "edge-sse/channel";
import { redisBroker } from "edge-sse/redis";
import { createEventIdCodec } from "edge-sse/tokens";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { CLIENT_KINDS, type TestClient } from "./clients.ts";
import { opaqueReplayScenario, unknownIdScenario } from "../channel/opaque-ids.scenario.ts";

const codec = createEventIdCodec("a secret of at least thirty-two bytes, for the tests", { scope: "room:1" });
let server: RedisServer;
let client: TestClient;
let keys = 0;

beforeAll(async () => {
  server = await startRedis();
  client = await CLIENT_KINDS[0]!.connect(server.url);
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** A channel on a fresh Redis stream whose ids `codec` makes opaque; `errors` gets what it reports. */
async function channelOnRedis(errors: unknown[]): Promise<Channel> {
  const onError = (error: unknown): number => errors.push(error);
  const broker = redisBroker({ client: client.client, key: `edge-sse:test:opaque:${++keys}`, onError });
  const channel = new Channel({ broker, eventIds: codec, keepAlive: false, onError });
  await channel.ready;
  return channel;
}

test("Channel with eventIds on Redis replays a filtered subscriber exactly after the opaque id it sends back", async () => {
  const errors: unknown[] = [];
  const channel = await channelOnRedis(errors);
  await opaqueReplayScenario(channel, codec);
  await channel.close();
  expect(errors).toEqual([]);
});

test("Channel with eventIds on Redis answers a tampered opaque id and a plain stream id with the gap marker", async () => {
  const errors: unknown[] = [];
  const good = await codec.encode("1700000000000-0");
  const tampered = good.slice(0, 2) + (good[2] === "A" ? "B" : "A") + good.slice(3);
  for (const sentFor of [() => tampered, (held: readonly string[]) => held[1]!]) {
    const channel = await channelOnRedis(errors);
    await unknownIdScenario(channel, codec, sentFor);
    await channel.close();
  }
  expect(errors).toEqual([]);
});
