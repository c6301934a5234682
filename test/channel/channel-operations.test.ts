import { describe, expect, test } from "vitest";
import {
  Channel,
  ChannelMetrics,
  Channels,
  GAP_EVENT,
  MemoryBroker,
  type ChannelStreamOptions,
} from "edge-sse/channel";
import { EventReader, datas, ids, parseWire } from "../helpers/event-reader.ts";

async function subscribe(channel: Channel, options: ChannelStreamOptions = {}): Promise<EventReader> {
  const reader = new EventReader((await channel.stream({ keepAlive: false, ...options })).toReadableStream());
  await reader.started();
  return reader;
}

async function subscribeTo(channels: Channels, name: string): Promise<EventReader> {
  const reader = new EventReader(await channels.response(name, { keepAlive: false }));
  await reader.started();
  return reader;
}

/** The UTF-8 bytes of the events a reader got: all it read but the first bytes (a comment that opens the stream). */
function eventBytes(reader: EventReader): number {
  return reader.chunks.slice(1).reduce((sum, chunk) => sum + chunk.byteLength, 0);
}

describe("ChannelMetrics", () => {
  test("ChannelMetrics counts streams, close reasons, bytes, replays and gap markers when channels run", async () => {
    const metrics = new ChannelMetrics();
    const channel = new Channel({ metrics, history: { maxEvents: 2 } });
    const live = await subscribe(channel);
    const published = [await channel.publish("one"), await channel.publish("two"), await channel.publish("three")];
    await live.until(3);
    expect(metrics).toMatchObject({ open: 1, opened: 1, replays: 0, gapMarkers: 0 });

    const resumed = await subscribe(channel, { lastEventId: published[1] });
    expect(datas(await resumed.until(1))).toEqual(["three"]);
    const behind = await subscribe(channel, { lastEventId: "long gone" });
    const caughtUp = await behind.until(3);
    expect(caughtUp[0]!.event).toBe(GAP_EVENT);
    expect(datas(caughtUp.slice(1))).toEqual(["two", "three"]);
    expect(metrics).toMatchObject({ open: 3, opened: 3, replays: 2, gapMarkers: 1 });

    // A second channel counts into the same object; its subscriber stops reading and overflows.
    const small = new Channel({ metrics, maxQueue: 200 });
    const stalled = new EventReader((await small.stream({ keepAlive: false })).toReadableStream());
    await stalled.started();
    const queued = await small.publish("x".repeat(80));
    expect(metrics.queueDepth).toBeGreaterThan(0);
    await small.publish("y".repeat(80));
    expect(metrics.closed.overflow).toBe(1);

    await live.cancel();
    expect(metrics.closed["client-gone"]).toBe(1);
    await channel.close();
    await resumed.rest();
    await behind.rest();
    expect(metrics).toMatchObject({
      open: 0,
      opened: 4,
      replays: 2,
      gapMarkers: 1,
      closed: { done: 2, "client-gone": 1, overflow: 1, error: 0, expired: 0 },
    });
    expect(metrics.queueDepth).toBe(0);
    const stalledBytes = new TextEncoder().encode(`id: ${queued}\ndata: ${"x".repeat(80)}\n\n`).byteLength;
    expect(metrics.bytesWritten).toBe(eventBytes(live) + eventBytes(resumed) + eventBytes(behind) + stalledBytes);
  });
});

describe("maxSubscribers", () => {
  test("Channel answers 503 with Retry-After and stream() rejects when maxSubscribers streams run", async () => {
    const metrics = new ChannelMetrics();
    const channel = new Channel({ maxSubscribers: 2, retry: 2_500, metrics });
    const first = await subscribe(channel);
    const second = await subscribe(channel);
    const refused = await channel.response();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("3");
    expect(await refused.text()).toContain("maxSubscribers");
    await expect(channel.stream()).rejects.toThrow(
      new TypeError("Cannot subscribe: the channel has 2 subscribers already, its `maxSubscribers`; retry later"),
    );
    expect(metrics.refused).toBe(2);
    await first.cancel();
    const third = await subscribe(channel);
    expect(channel.subscriberCount).toBe(2);
    await Promise.all([second.cancel(), third.cancel()]);
  });

  test("Channels answers 503 and stream() rejects beyond maxSubscribers and maxSubscribersPerChannel", async () => {
    const channels = new Channels({ maxSubscribers: 3, maxSubscribersPerChannel: 2 });
    const readers = [await subscribeTo(channels, "a"), await subscribeTo(channels, "a")];
    const perChannel = await channels.response("a");
    expect(perChannel.status).toBe(503);
    expect(perChannel.headers.get("retry-after")).toBe("3");
    readers.push(await subscribeTo(channels, "b"));
    const total = await channels.response("c");
    expect(total.status).toBe(503);
    expect(await total.text()).toContain("the channels have 3 subscribers already");
    await expect(channels.stream("c")).rejects.toThrow(/^Cannot subscribe: the channels have 3 subscribers already/);
    expect(channels.has("c")).toBe(false);
    await readers[2]!.cancel();
    readers.push(await subscribeTo(channels, "c"));
    await Promise.all(readers.map((reader) => reader.cancel()));
    expect(channels.size).toBe(0);
  });

  test("Channel refuses maxSubscribers that is not a positive integer", () => {
    expect(() => new Channel({ maxSubscribers: 0 })).toThrow(
      new TypeError("Cannot create Channel: `maxSubscribers` must be a positive integer (got number 0)"),
    );
    expect(() => new Channels({ maxSubscribersPerChannel: 1.5 })).toThrow(
      new TypeError("Cannot create Channels: `maxSubscribersPerChannel` must be a positive integer (got number 1.5)"),
    );
  });
});

describe("drain", () => {
  test("Channel drain ends each stream with a retry hint and a client resumes on another channel exactly", async () => {
    const broker = new MemoryBroker();
    const leaving = new Channel({ broker });
    const staying = new Channel({ broker });
    const client = await subscribe(leaving);
    const before = [await leaving.publish("one"), await leaving.publish("two")];
    await client.until(2);
    const drained = leaving.drain({ retry: 1_500, timeout: 200 });
    const during = await leaving.publish("three"); // still reaches the subscriber, or the replay
    const late = await leaving.response();
    expect(late.status).toBe(200); // EventSource ends for good at a 503; a 200 with a retry hint brings it back
    expect(parseWire(await late.text()).retries).toEqual([1_500]);
    await expect(leaving.stream()).rejects.toThrow(/^Cannot subscribe: the channel is draining; retry later$/);
    await client.rest();
    await drained;
    expect(client.retries).toEqual([1_500]);
    const after = [await staying.publish("four"), await staying.publish("five")];
    const seen = ids(client.events);
    const resumed = await subscribe(staying, { lastEventId: seen.at(-1) });
    const all = [...before, during, ...after];
    const missed = all.slice(all.indexOf(seen.at(-1)!) + 1);
    expect(ids(await resumed.until(missed.length))).toEqual(missed);
    expect([...seen, ...ids(resumed.events)]).toEqual(all);
    await resumed.cancel();
    await staying.close();
  });

  test("Channels drain ends every channel's streams and then answers new subscribers with a retry hint", async () => {
    const channels = new Channels({ history: { maxEvents: 10 } });
    const readers = [await subscribeTo(channels, "a"), await subscribeTo(channels, "b")];
    await channels.publish("a", "for a");
    const drained = channels.drain({ retry: 700, timeout: 100 });
    const late = await channels.response("a");
    expect(late.status).toBe(200);
    expect(parseWire(await late.text()).retries).toEqual([700]);
    await expect(channels.stream("c")).rejects.toThrow(/the channels are draining/);
    for (const reader of readers) await reader.rest();
    await drained;
    expect(datas(readers[0]!.events)).toEqual(["for a"]);
    expect(readers.map((reader) => reader.retries)).toEqual([[700], [700]]);
    expect(channels.size).toBe(0);
    const after = await channels.response("a");
    expect([after.status, parseWire(await after.text()).retries]).toEqual([200, [700]]);
  });

  test("Channel drain refuses options it does not know", () => {
    const channel = new Channel();
    expect(() => channel.drain({ timeout: -1 })).toThrow(/^Cannot drain channel: `timeout` must be a positive number/);
    expect(() => channel.drain({ retry: 1.5 })).toThrow(
      /^Cannot drain channel: `retry` must be a non-negative integer/,
    );
  });
});

describe("maxLifetime", () => {
  test("Channel ends a stream with reason done once maxLifetime passes and the client resumes exactly", async () => {
    const reasons: string[] = [];
    const channel = new Channel({ maxLifetime: 150, onLeave: (_subscriber, reason) => reasons.push(reason.type) });
    const client = await subscribe(channel);
    const sent = [await channel.publish("one"), await channel.publish("two")];
    await client.rest();
    expect(reasons).toEqual(["done"]);
    sent.push(await channel.publish("three"));
    const seen = ids(client.events);
    expect(seen).toEqual(sent.slice(0, 2));
    const resumed = await subscribe(channel, { lastEventId: seen.at(-1) });
    expect(ids(await resumed.until(1))).toEqual(sent.slice(2));
    await resumed.cancel();
    await channel.close();
  });

  test("Channel refuses a maxLifetime that is not a timer's delay", () => {
    expect(() => new Channel({ maxLifetime: 0 })).toThrow(
      /^Cannot create Channel: `maxLifetime` must be a positive number/,
    );
    expect(() => new Channels({ maxLifetime: 2 ** 31 })).toThrow(/^Cannot create Channels: `maxLifetime` must be/);
  });
});
