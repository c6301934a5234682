// A Last-Event-ID that the Redis stream does not hold gets the gap marker, then every live event: one far in
// the future (past the stream's last entry), and a genuine id from a stream since deleted and made anew,
// whose new ids are lower. A held id still resumes exactly: no gap marker, no duplicate.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { Message } from "edge-sse";
import { Channel, GAP_EVENT, type ChannelBroker } from "edge-sse/channel";
import { redisBroker } from "edge-sse/redis";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { CLIENT_KINDS, type TestClient } from "./clients.ts";
import { useRedisServer } from "./redis-fixture.ts";
import { waitFor } from "./wait.ts";

/** A stream id far past anything Redis gives today (the year 5138). */
const FAR = "99999999999999";

const redis = useRedisServer();
let keys = 0;
const nextKey = (): string => `edge-sse:test:unknown-id:${++keys}`;

/** A channel on `key` and a count of the replays its broker has answered. */
interface CountedChannel {
  readonly channel: Channel;
  readonly answered: () => number;
}

/** One node-redis and one ioredis client: the order of ids is the broker's, whichever library reads. */
describe.each([CLIENT_KINDS[0]!, CLIENT_KINDS[2]!])("a Channel on redisBroker with $name", (kind) => {
  let client: TestClient;
  const channels: Channel[] = [];
  const readers: EventReader[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    client = await kind.connect(redis.server.url);
  });

  afterAll(async () => {
    await client?.close();
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.cancel();
    for (const channel of channels.splice(0)) await channel.close();
    expect(errors.splice(0)).toEqual([]);
  });

  /** A live channel on `key`, whose broker counts the replays it answers. */
  async function channelOn(key: string): Promise<CountedChannel> {
    const onError = (error: unknown): number => errors.push(error);
    const broker = redisBroker({ client: client.client, key, onError });
    let answered = 0;
    const counting: ChannelBroker = {
      ...broker,
      replay: async (afterId) => {
        const result = await broker.replay(afterId);
        answered++;
        return result;
      },
    };
    const channel = new Channel({ broker: counting, keepAlive: false, onError });
    channels.push(channel);
    await channel.ready;
    return { channel, answered: () => answered };
  }

  /**
   * A client that resumes after `lastEventId`, once it has caught up: the channel replays once before the
   * stream starts, the subscriber once more when it starts, and is live as soon as that one is answered.
   */
  async function resume({ channel, answered }: CountedChannel, lastEventId: string): Promise<EventReader> {
    const before = answered();
    const reader = new EventReader(await channel.response({ lastEventId }));
    readers.push(reader);
    await waitFor(() => answered() >= before + 2, "the subscriber's own replay");
    return reader;
  }

  test("an id past the stream's last entry gets the gap marker, every event held, then every live event", async () => {
    const sent = `${FAR}-0`;
    for (const heldCount of [0, 2]) {
      const counted = await channelOn(nextKey());
      const { channel } = counted;
      const held: string[] = [];
      for (let n = 0; n < heldCount; n++) held.push(await channel.publish(`held ${n}`));
      const reader = await resume(counted, sent);
      expect(reader.response!.headers.get("last-event-id")).toBe("earliest");

      // Live events before the id sent, one the publisher sets just past it, and one after that.
      const live = [
        await channel.publish("live before"),
        await channel.publish(new Message({ id: `${FAR}-5`, data: "live past" })),
        await channel.publish("live after"),
      ];
      expect(live[2]).toBe(`${FAR}-6`); // Redis numbers on from the greatest id.
      const events = await reader.until(1 + heldCount + live.length);
      const [marker, ...rest] = events;
      expect(marker!.event).toBe(GAP_EVENT);
      expect(JSON.parse(marker!.data)).toEqual({ lastEventId: sent, firstId: held[0] ?? null });
      expect(ids(rest)).toEqual([...held, ...live]);
      expect(datas(rest)).toEqual([...held.map((_, n) => `held ${n}`), "live before", "live past", "live after"]);
    }
  });

  test("an id of a deleted stream, made anew with lower ids, gets the gap marker, then every live event", async () => {
    for (const madeAnewWith of [0, 1]) {
      const key = nextKey();
      // The old stream's ids ran an hour ahead of today's clock (a Redis whose clock was ahead, or ids a
      // publisher set); a client saw its last event. Then the stream is deleted.
      const ahead = Date.now() + 3_600_000;
      await redis.admin.send(["XADD", key, `${ahead}-0`, "data", "old 0"]);
      const lastSeen = String(await redis.admin.send(["XADD", key, `${ahead}-1`, "data", "old 1"]));
      expect(await redis.admin.send(["DEL", key])).toBe(1);

      // A process that starts afterwards; the new stream's ids are lower than the one the client sends.
      const counted = await channelOn(key);
      const { channel } = counted;
      const anew: string[] = [];
      for (let n = 0; n < madeAnewWith; n++) anew.push(await channel.publish(`anew ${n}`));
      const reader = await resume(counted, lastSeen);
      expect(reader.response!.headers.get("last-event-id")).toBe("earliest");
      const live = [await channel.publish("live 0"), await channel.publish("live 1")];
      for (const id of live) expect(Number(id.split("-")[0])).toBeLessThan(ahead);

      const [marker, ...rest] = await reader.until(1 + anew.length + live.length);
      expect(marker!.event).toBe(GAP_EVENT);
      expect(JSON.parse(marker!.data)).toEqual({ lastEventId: lastSeen, firstId: anew[0] ?? null });
      expect(ids(rest)).toEqual([...anew, ...live]);
      expect(datas(rest)).toEqual([...anew.map((_, n) => `anew ${n}`), "live 0", "live 1"]);
    }
  });

  test("a held id, the last one too, resumes with no gap marker and no duplicate, then every live event", async () => {
    const counted = await channelOn(nextKey());
    const { channel } = counted;
    const held = [await channel.publish("held 0"), await channel.publish("held 1"), await channel.publish("held 2")];
    const afterFirst = await resume(counted, held[0]!);
    const afterLast = await resume(counted, held[2]!);
    expect(afterFirst.response!.headers.get("last-event-id")).toBe(held[0]);
    expect(afterLast.response!.headers.get("last-event-id")).toBe(held[2]);
    const live = [await channel.publish("live 0"), await channel.publish("live 1")];
    // Exactly these, each once, in order: a duplicate or a gap marker would show among them.
    expect(ids(await afterFirst.until(4))).toEqual([held[1], held[2], ...live]);
    expect(ids(await afterLast.until(2))).toEqual(live);
    const end = await channel.publish("end");
    expect(ids(await afterFirst.until(5))).toEqual([held[1], held[2], ...live, end]);
    expect(ids(await afterLast.until(3))).toEqual([...live, end]);
    expect(datas(afterFirst.events)).toEqual(["held 1", "held 2", "live 0", "live 1", "end"]);
  });
});
