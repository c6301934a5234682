import { afterEach, describe, expect, test } from "vitest";
import type { ChannelBroker, ChannelEvent, Unsubscribe } from "edge-sse/channel";
import { redisBroker } from "edge-sse/redis";
import { CLIENT_KINDS, type TestClient } from "./clients.ts";
import { useRedisServer } from "./redis-fixture.ts";
import { waitFor } from "./wait.ts";

const redis = useRedisServer();
let keys = 0;
const nextKey = (): string => `edge-sse:test:${++keys}`;

/** One line per connection to the server. */
async function clientList(): Promise<string[]> {
  return String(await redis.admin.send(["CLIENT", "LIST"])).split("\n");
}

/** How many CLIENT UNBLOCK commands the server has run. */
async function unblockCalls(): Promise<number> {
  const stats = String(await redis.admin.send(["INFO", "commandstats"]));
  return Number(/cmdstat_client\|unblock:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/** The connections whose last command was XREAD (the feeds' connections, until closed). */
async function xreadConnections(): Promise<string[]> {
  return (await clientList()).filter((line) => line.includes(" cmd=xread "));
}

function collector(): { events: ChannelEvent[]; listener: (event: ChannelEvent) => void } {
  const events: ChannelEvent[] = [];
  return { events, listener: (event) => void events.push(event) };
}

describe.each(CLIENT_KINDS)("redisBroker with $name", (kind) => {
  const opened: TestClient[] = [];
  const connect = async (): Promise<TestClient> => {
    const client = await kind.connect(redis.server.url);
    opened.push(client);
    return client;
  };

  const subscriptions: Unsubscribe[] = [];
  /** Subscribes, and makes sure (in afterEach) that a failed test does not leave the feed running. */
  const subscribe = async (broker: ChannelBroker, listener: (event: ChannelEvent) => void): Promise<Unsubscribe> => {
    const stop = await broker.subscribe(listener);
    subscriptions.push(stop);
    return stop;
  };

  afterEach(async () => {
    for (const stop of subscriptions.splice(0)) await stop();
    for (const client of opened.splice(0)) await client.close();
    await waitFor(async () => (await xreadConnections()).length === 0, "no XREAD connection left");
  });

  test("publishes with XADD, storing only the present fields, and returns the stream id", async () => {
    const { client } = await connect();
    const key = nextKey();
    const broker = redisBroker({ client, key });
    const first = await broker.publish({ event: "greet", data: "hello\nworld ✓", comment: "c", retry: 1500 });
    const second = await broker.publish({ data: "" });
    const third = await broker.publish({});
    for (const id of [first, second, third]) expect(id).toMatch(/^\d+-\d+$/);
    expect(await redis.admin.send(["XRANGE", key, "-", "+"])).toEqual([
      [first, ["event", "greet", "data", "hello\nworld ✓", "comment", "c", "retry", "1500"]],
      [second, ["data", ""]],
      [third, ["empty", ""]],
    ]);
    expect(await broker.replay(first)).toEqual({ found: true, events: [{ id: second, data: "" }, { id: third }] });
    expect((await broker.replay("0-1")).events[0]).toEqual({
      id: first,
      event: "greet",
      data: "hello\nworld ✓",
      comment: "c",
      retry: 1500,
    });
  });

  test("replays after a held id; after the last one, nothing", async () => {
    const { client } = await connect();
    const broker = redisBroker({ client, key: nextKey() });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await broker.publish({ data: String(n) }));
    expect(await broker.replay(ids[1]!)).toEqual({
      found: true,
      events: [2, 3, 4].map((n) => ({ id: ids[n], data: String(n) })),
    });
    expect(await broker.replay(ids[4]!)).toEqual({ found: true, events: [] });
  });

  test("does not find ids that are not stream ids or not in the stream, and then returns every event", async () => {
    const { client } = await connect();
    const broker = redisBroker({ client, key: nextKey() });
    expect(await broker.replay("1-0")).toEqual({ found: false, events: [] });
    const ids = [await broker.publish({ data: "a" }), await broker.publish({ data: "b" })];
    const all = [
      { id: ids[0], data: "a" },
      { id: ids[1], data: "b" },
    ];
    const [ms, seq] = ids[0]!.split("-");
    for (const afterId of [
      "",
      "abc",
      ms!,
      `${ms}-*`,
      `0${ms}-${seq}`,
      `${ms}-${seq}-0`,
      "1-0",
      "99999999999999-0",
      "18446744073709551616-0",
    ]) {
      expect(await broker.replay(afterId), afterId).toEqual({ found: false, events: all });
    }
  });

  test("takes a publisher's id when it is a stream id greater than the last one, and rejects others", async () => {
    const { client } = await connect();
    const broker = redisBroker({ client, key: nextKey() });
    expect(await broker.publish({ id: "5-1", data: "a" })).toBe("5-1");
    expect(await broker.publish({ id: "5-2", data: "b" })).toBe("5-2");
    await expect(broker.publish({ id: "5-2", data: "again" })).rejects.toThrow(
      /Cannot publish to the Redis stream "edge-sse:test:\d+": the event's id "5-2" must be greater than the stream's last id \(Redis: .*equal or smaller/,
    );
    await expect(broker.publish({ id: "4-0", data: "older" })).rejects.toThrow(
      /"4-0" must be greater than the stream's last id/,
    );
    await expect(broker.publish({ id: "7", data: "short" })).rejects.toThrow(TypeError);
    await expect(broker.publish({ id: "*", data: "auto" })).rejects.toThrow(
      /must be a Redis stream id "<ms>-<seq>".*\(got "\*"\)/,
    );
    expect(await broker.publish({ data: "c" })).toMatch(/^\d+-\d+$/);
    expect((await broker.replay("5-1")).events.map((event) => event.data)).toEqual(["b", "c"]);
  });

  test("trims to about maxLen: an id trimmed away is not found, and replay returns every event held", async () => {
    const { client } = await connect();
    const key = nextKey();
    const broker = redisBroker({ client, key, maxLen: 5 });
    const ids: string[] = [];
    for (let n = 0; n < 400; n++) ids.push(await broker.publish({ data: String(n) }));
    const held = Number(await redis.admin.send(["XLEN", key]));
    expect(held).toBeGreaterThanOrEqual(5);
    expect(held).toBeLessThan(400);
    // `~` trims whole nodes, so more than maxLen + 1 events are held: replay pages through them all.
    expect(held).toBeGreaterThan(6);
    const kept = ids.slice(-held);
    const gone = await broker.replay(ids[0]!);
    expect(gone.found).toBe(false);
    expect(gone.events.map((event) => event.id)).toEqual(kept);
    const resumed = await broker.replay(kept[0]!);
    expect(resumed.found).toBe(true);
    expect(resumed.events.map((event) => event.id)).toEqual(kept.slice(1));
  });

  test("delivers every event published after subscribe settles, once, in order; not earlier ones", async () => {
    const { client } = await connect();
    const key = nextKey();
    const broker = redisBroker({ client, key, onError: (error) => errors.push(error) });
    const errors: unknown[] = [];
    await broker.publish({ data: "before" });
    const first = collector();
    const second = collector();
    const stops = [
      await subscribe(broker, first.listener),
      await subscribe(redisBroker({ client, key }), second.listener),
    ];
    const ids: string[] = [];
    for (let n = 0; n < 250; n++) ids.push(await broker.publish({ data: String(n) }));
    await waitFor(() => first.events.length >= 250 && second.events.length >= 250, "250 events on both subscribers");
    for (const { events } of [first, second]) {
      expect(events.map((event) => event.id)).toEqual(ids);
      expect(events.map((event) => event.data)).toEqual(ids.map((_, n) => String(n)));
    }
    for (const stop of stops) await stop();
    expect(errors).toEqual([]);
  });

  test("starts an empty stream's feed at 0-0", async () => {
    const { client } = await connect();
    const broker = redisBroker({ client, key: nextKey() });
    const { events, listener } = collector();
    const stop = await subscribe(broker, listener);
    const id = await broker.publish({ data: "first" });
    await waitFor(() => events.length === 1, "the first event");
    expect(events).toEqual([{ id, data: "first" }]);
    await stop();
  });

  test("shares one XREAD connection between the feeds of a client, and closes it when the last unsubscribes", async () => {
    const { client } = await connect();
    const key = nextKey();
    const otherKey = nextKey();
    const broker = redisBroker({ client, key });
    const stopped = collector();
    const kept = collector();
    const other = collector();
    const stop = await subscribe(broker, stopped.listener);
    const keep = await subscribe(broker, kept.listener);
    const stopOther = await subscribe(redisBroker({ client, key: otherKey }), other.listener);
    await waitFor(async () => (await xreadConnections()).length === 1, "one XREAD connection");
    const before = await broker.publish({ data: "before" });
    const elsewhere = await redisBroker({ client, key: otherKey }).publish({ data: "elsewhere" });
    await waitFor(() => stopped.events.length === 1 && kept.events.length === 1, "the first event on both");
    await waitFor(() => other.events.length === 1, "the event of the other key");
    await stop();
    await stop(); // Twice is harmless.
    const after = await broker.publish({ data: "after" });
    await waitFor(() => kept.events.length === 2, "the second event on the kept subscriber");
    expect(kept.events.map((event) => event.id)).toEqual([before, after]);
    expect(stopped.events.map((event) => event.id)).toEqual([before]);
    expect(other.events.map((event) => event.id)).toEqual([elsewhere]);
    expect(await xreadConnections()).toHaveLength(1);
    await keep();
    await stopOther();
    await waitFor(async () => (await xreadConnections()).length === 0, "the shared connection closed");
  });

  test("follows many keys on one connection, and a key added while the read blocks gets what is published right after", async () => {
    const { client } = await connect();
    const errors: unknown[] = [];
    const onError = (error: unknown): void => void errors.push(error);
    const keys = Array.from({ length: 50 }, nextKey);
    const feeds = keys.map(() => collector());
    for (const [n, key] of keys.entries()) await subscribe(redisBroker({ client, key, onError }), feeds[n]!.listener);
    await waitFor(async () => / flags=b /.test((await xreadConnections()).join("\n")), "the read blocked");
    const unblocked = await unblockCalls();
    const lateKey = nextKey();
    const late = collector();
    const lateBroker = redisBroker({ client, key: lateKey, onError });
    await subscribe(lateBroker, late.listener);
    const lateId = await lateBroker.publish({ data: "right after" });
    const ids = await Promise.all(keys.map((key, n) => redisBroker({ client, key }).publish({ data: String(n) })));
    await waitFor(() => late.events.length > 0 && feeds.every(({ events }) => events.length > 0), "every event");
    expect(late.events).toEqual([{ id: lateId, data: "right after" }]);
    for (const [n, { events }] of feeds.entries()) expect(events).toEqual([{ id: ids[n], data: String(n) }]);
    expect(await unblockCalls()).toBeGreaterThan(unblocked); // Woken for the new key, not left to its BLOCK timeout.
    expect(await xreadConnections()).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  test("reads on a given blockingClient, leaves it open on unsubscribe and delivers nothing more", async () => {
    const { client } = await connect();
    const blocking = await connect();
    await blocking.send(["CLIENT", "SETNAME", "given-blocking"]);
    const given = async (): Promise<string> =>
      (await clientList()).find((line) => line.includes(" name=given-blocking ")) ?? "";
    const broker = redisBroker({ client, key: nextKey(), blockingClient: blocking.client });
    const { events, listener } = collector();
    const stop = await subscribe(broker, listener);
    await waitFor(async () => / flags=b .* cmd=xread /.test(await given()), "the XREAD on the given connection");
    const id = await broker.publish({ data: "one" });
    await waitFor(() => events.length === 1, "the event");
    await stop();
    expect(blocking.isOpen()).toBe(true);
    await broker.publish({ data: "two" }); // Ends the current read, whose event is dropped.
    await waitFor(async () => !/ flags=b /.test(await given()), "the read on the given connection ended");
    // Queued behind any read the feed might still send: the connection's last command shows there was none.
    expect(await blocking.send(["PING"])).toBe("PONG");
    expect(await given()).toMatch(/ flags=N .* cmd=ping /);
    expect(events).toEqual([{ id, data: "one" }]);
    expect(blocking.isOpen()).toBe(true);
  });

  test("resumes after the last delivered event when its connection is killed: no loss, no duplicate", async () => {
    const { client } = await connect();
    const key = nextKey();
    const errors: unknown[] = [];
    const broker = redisBroker({ client, key, onError: (error) => errors.push(error) });
    const { events, listener } = collector();
    const stop = await subscribe(broker, listener);
    const ids = [await broker.publish({ data: "0" })];
    await waitFor(() => events.length === 1, "the first event");
    await waitFor(async () => (await xreadConnections()).length === 1, "the XREAD connection");
    const [line] = await xreadConnections();
    const clientId = /\bid=(\d+)/.exec(line!)![1]!;
    expect(await redis.admin.send(["CLIENT", "KILL", "ID", clientId])).toBe(1);
    for (let n = 1; n < 20; n++) ids.push(await broker.publish({ data: String(n) }));
    await waitFor(() => events.length >= 20, "20 events");
    expect(events.map((event) => event.id)).toEqual(ids);
    await stop();
    for (const error of errors)
      expect(String(error)).toMatch(
        /Cannot read the Redis stream .*: the read failed; resuming after|Socket closed|closed/i,
      );
  });

  test("reports read errors to onError, backs off and resumes after the last delivered event", async () => {
    const { client } = await connect();
    const key = nextKey();
    const errors: unknown[] = [];
    const broker = redisBroker({ client, key, onError: (error) => errors.push(error) });
    const { events, listener } = collector();
    const stop = await subscribe(broker, listener);
    const ids = [await broker.publish({ data: "0" })];
    await waitFor(() => events.length === 1, "the first event");
    // The key stops being a stream, and the waiting read is ended with an error: the reads after
    // it fail with WRONGTYPE until the key is a stream again.
    await waitFor(async () => (await xreadConnections()).length === 1, "the XREAD connection");
    const clientId = /\bid=(\d+)/.exec((await xreadConnections())[0]!)![1]!;
    await redis.admin.send(["DEL", key]);
    await redis.admin.send(["SET", key, "not a stream"]);
    expect(await redis.admin.send(["CLIENT", "UNBLOCK", clientId, "ERROR"])).toBe(1);
    await waitFor(() => errors.length >= 3, "three failed reads reported");
    await redis.admin.send(["DEL", key]);
    for (let n = 1; n < 5; n++) ids.push(await broker.publish({ data: String(n) }));
    await waitFor(() => events.length >= 5, "the events after the failure");
    expect(events.map((event) => event.id)).toEqual(ids);
    expect(String(errors[0])).toMatch(
      new RegExp(`Cannot read the Redis stream "${key}": the read failed; resuming after ${ids[0]}`),
    );
    expect(String((errors[0] as Error).cause)).toMatch(/UNBLOCKED/);
    expect(String((errors[1] as Error).cause)).toMatch(/WRONGTYPE/);
    await stop();
  });

  test("sets aside a key that holds no stream, reads the other keys on, and resumes it once it is a stream again", async () => {
    const { client } = await connect();
    const errors: unknown[] = [];
    const onError = (error: unknown): void => void errors.push(error);
    const [goodKey, badKey] = [nextKey(), nextKey()];
    const [good, bad] = [collector(), collector()];
    const goodBroker = redisBroker({ client, key: goodKey, onError });
    const badBroker = redisBroker({ client, key: badKey, onError });
    await subscribe(goodBroker, good.listener);
    await subscribe(badBroker, bad.listener);
    const badIds = [await badBroker.publish({ data: "before" })];
    await waitFor(() => bad.events.length === 1, "the first event");
    await waitFor(async () => / flags=b /.test((await xreadConnections()).join("\n")), "the read blocked");
    const clientId = /\bid=(\d+)/.exec((await xreadConnections())[0]!)![1]!;
    await redis.admin.send(["DEL", badKey]);
    await redis.admin.send(["SET", badKey, "not a stream"]);
    expect(await redis.admin.send(["CLIENT", "UNBLOCK", clientId, "ERROR"])).toBe(1);
    await waitFor(() => errors.length >= 3, "the unblocked read and the key set aside, reported");
    const goodIds = [await goodBroker.publish({ data: "on" }), await goodBroker.publish({ data: "and on" })];
    await waitFor(() => good.events.length === 2, "the other key's events while the bad one is set aside");
    await redis.admin.send(["DEL", badKey]);
    badIds.push(await badBroker.publish({ data: "after" }));
    await waitFor(() => bad.events.length === 2, "the key's event once it is a stream again");
    expect(good.events.map((event) => event.id)).toEqual(goodIds);
    expect(bad.events.map((event) => event.id)).toEqual(badIds);
    // The read of both keys was unblocked: one report naming both, for their shared onError.
    expect(String(errors[0])).toMatch(`Cannot read the Redis streams "${goodKey}", "${badKey}": the read failed`);
    expect(String((errors[0] as Error).cause)).toMatch(/UNBLOCKED/);
    for (const error of errors.slice(1)) {
      expect(String(error)).toMatch(new RegExp(`^Error: Cannot read the Redis stream "${badKey}": the read failed`));
      expect(String((error as Error).cause)).toMatch(/WRONGTYPE/);
    }
  });

  test("reports a listener that throws and goes on delivering", async () => {
    const { client } = await connect();
    const errors: unknown[] = [];
    const broker = redisBroker({ client, key: nextKey(), onError: (error) => errors.push(error) });
    const events: ChannelEvent[] = [];
    const stop = await subscribe(broker, (event) => {
      events.push(event);
      if (event.data === "bad") throw new Error("listener failed");
    });
    await broker.publish({ data: "bad" });
    await broker.publish({ data: "good" });
    await waitFor(() => events.length === 2, "both events");
    expect(errors).toEqual([new Error("listener failed")]);
    await stop();
  });
});
