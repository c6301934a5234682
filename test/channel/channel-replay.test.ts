import { describe, expect, test, vi } from "vitest";
import fc from "fast-check";
import {
  Channel,
  GAP_EVENT,
  MemoryBroker,
  type ChannelBroker,
  type ChannelEvent,
  type ChannelEventInit,
  type ReplayResult,
} from "edge-sse/channel";
import { EventReader, datas, ids } from "../helpers/event-reader.ts";
import { deferred, flushMicrotasks, type Deferred } from "../helpers/deferred.ts";
import { createEventIdCodec } from "edge-sse/tokens";

/** Opaque ids for the property below, when it draws them. */
const codec = createEventIdCodec("a secret of at least thirty-two bytes, for the tests", { scope: "replay" });

async function subscribe(channel: Channel, options: Parameters<Channel["stream"]>[0] = {}): Promise<EventReader> {
  const reader = new EventReader((await channel.stream({ keepAlive: false, ...options })).toReadableStream());
  await reader.started();
  return reader;
}

async function publishAll(channel: Channel, items: readonly string[]): Promise<string[]> {
  const published: string[] = [];
  for (const item of items) published.push(await channel.publish(item));
  return published;
}

/** A MemoryBroker whose replays answer only when the test opens their gate, as a remote broker would. */
function gatedBroker(inner = new MemoryBroker()): { broker: ChannelBroker; gates: Array<Deferred<void>> } {
  const gates: Array<Deferred<void>> = [];
  const broker: ChannelBroker = {
    publish: (event: ChannelEventInit) => inner.publish(event),
    subscribe: (listener) => inner.subscribe(listener),
    replay: (afterId): Promise<ReplayResult> => {
      const gate = deferred();
      gates.push(gate);
      return gate.promise.then(() => inner.replay(afterId));
    },
  };
  return { broker, gates };
}

/** Orders MemoryBroker ids (`<start>-<n>`) by their count, as a broker whose feed can lag must. */
const byCount = (a: string, b: string): number => Number(a.split("-")[1]) - Number(b.split("-")[1]);

async function waitForGate(gates: readonly unknown[], count: number): Promise<void> {
  for (let turn = 0; gates.length < count; turn++) {
    if (turn > 1000) throw new Error(`replay was asked ${gates.length} times, expected ${count}`);
    await flushMicrotasks(1);
  }
}

describe("Channel replay", () => {
  test("Last-Event-ID header: the events after it, then live ones; the response says where replay started", async () => {
    const channel = new Channel();
    const [, second] = await publishAll(channel, ["a", "b", "c", "d"]);
    const stream = await channel.stream({
      keepAlive: false,
      request: new Request("http://x/", { headers: { "last-event-id": second! } }),
    });
    const response = stream.toResponse();
    expect(response.headers.get("last-event-id")).toBe(second);
    const reader = new EventReader(response.body!);
    await channel.publish("e");
    expect(datas(await reader.until(3))).toEqual(["c", "d", "e"]);
    await channel.close();
  });

  test("the lastEventId query parameter, for clients that cannot set headers; the header wins over it", async () => {
    const channel = new Channel();
    const [first, second] = await publishAll(channel, ["a", "b", "c"]);
    const byQuery = await subscribe(channel, { request: new Request(`http://x/events?lastEventId=${first}`) });
    expect(datas(await byQuery.until(2))).toEqual(["b", "c"]);
    const both = await subscribe(channel, {
      request: new Request(`http://x/events?lastEventId=${first}`, { headers: { "last-event-id": second! } }),
    });
    expect(datas(await both.until(1))).toEqual(["c"]);
    // A Node request has a path, not a URL.
    const nodeLike = await subscribe(channel, { request: { headers: {}, url: `/events?lastEventId=${second}` } });
    expect(datas(await nodeLike.until(1))).toEqual(["c"]);
    const option = await subscribe(channel, {
      lastEventId: first!,
      request: new Request("http://x/", { headers: { "last-event-id": second! } }),
    });
    expect(datas(await option.until(2))).toEqual(["b", "c"]);
    await channel.close();
  });

  test("an id older than the history: the gap marker, every event held, header `earliest`", async () => {
    const channel = new Channel({ history: { maxEvents: 2 } });
    const [first, , third, fourth] = await publishAll(channel, ["a", "b", "c", "d"]);
    const response = await channel.response({ lastEventId: first!, keepAlive: false });
    expect(response.headers.get("last-event-id")).toBe("earliest");
    const reader = new EventReader(response.body!);
    const [marker, ...rest] = await reader.until(3);
    expect(marker).toEqual({
      event: GAP_EVENT,
      id: undefined,
      data: JSON.stringify({ lastEventId: first, firstId: third }),
    });
    expect(ids(rest)).toEqual([third, fourth]);
    await channel.close();
  });

  test("the gap marker reaches a filtered subscriber; an unknown id with an empty history says firstId null", async () => {
    const channel = new Channel();
    const reader = await subscribe(channel, { lastEventId: "from-another-server", filter: "never" });
    const [marker] = await reader.until(1);
    expect(JSON.parse(marker!.data)).toEqual({ lastEventId: "from-another-server", firstId: null });
    await channel.close();
  });

  test("no Last-Event-ID: no replay and no last-event-id header", async () => {
    const channel = new Channel();
    await channel.publish("old");
    const response = await channel.response({ keepAlive: false });
    expect(response.headers.get("last-event-id")).toBeNull();
    const reader = new EventReader(response.body!);
    await channel.publish("new");
    expect(datas(await reader.until(1))).toEqual(["new"]);
    await channel.close();
  });

  test("history bounds: by count, by size and by age", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const bySize = new MemoryBroker({ history: { maxBytes: 100 } });
      for (let n = 0; n < 5; n++) bySize.publish({ data: "x".repeat(30) });
      expect(bySize.events.length).toBeLessThanOrEqual(3);
      expect(bySize.events.length).toBeGreaterThanOrEqual(2);
      const byAge = new MemoryBroker({ history: { maxAge: 1000 } });
      const old = byAge.publish({ data: "old" });
      vi.advanceTimersByTime(600);
      byAge.publish({ data: "newer" });
      vi.advanceTimersByTime(600);
      expect(byAge.events.map((event) => event.data)).toEqual(["newer"]);
      expect(byAge.replay(old).found).toBe(false);
      const byCount = new MemoryBroker({ history: { maxEvents: 0 } });
      const gone = byCount.publish({ data: "kept nowhere" });
      expect(byCount.replay(gone)).toEqual({ found: false, events: [] });
    } finally {
      vi.useRealTimers();
    }
  });

  test("a replay longer than maxQueue is paced by the client's reading, not closed as overflow", async () => {
    const left: string[] = [];
    const channel = new Channel({ maxQueue: 4096, onLeave: (_s, reason) => left.push(reason.type) });
    const published = await publishAll(
      channel,
      Array.from({ length: 200 }, (_, n) => `event ${n} `.padEnd(100, ".")),
    );
    const reader = await subscribe(channel, { lastEventId: published[0]! });
    await channel.publish("live");
    const events = await reader.until(200);
    expect(datas(events).at(-1)).toBe("live");
    expect(ids(events.slice(0, 199))).toEqual(published.slice(1));
    expect(left).toEqual([]);
    await channel.close();
  });
});

describe("Channel replay races (no gap, no duplicate)", () => {
  test("publishes racing a reconnect through a broker that answers later", async () => {
    const { broker, gates } = gatedBroker();
    const channel = new Channel({ broker });
    const before = await publishAll(channel, ["e1", "e2", "e3", "e4", "e5"]);
    // The client saw e1..e3 and reconnects; the replay is asked, and e6 is published before it answers.
    const streaming = channel.stream({ keepAlive: false, lastEventId: before[2]! });
    await waitForGate(gates, 1);
    await channel.publish("e6");
    gates[0]!.resolve();
    const stream = await streaming;
    // Published after the first replay answered and before the stream started: only a second replay sees it.
    await channel.publish("e7");
    const reader = new EventReader(stream.toReadableStream());
    await waitForGate(gates, 2);
    // Held live while the second replay is on its way, and in that replay too: sent once.
    await channel.publish("e8");
    await channel.publish("e9");
    gates[1]!.resolve();
    await flushMicrotasks();
    await channel.publish("e10");
    expect(datas(await reader.until(7))).toEqual(["e4", "e5", "e6", "e7", "e8", "e9", "e10"]);
    await channel.close();
    expect(datas(await reader.rest())).toHaveLength(7);
  });

  test.each([
    ["without compare, a feed behind the replay only", false, 0],
    ["with compare, a feed behind even the id resumed after", true, 1],
  ])(
    "a live feed that lags behind the replay (%s): events it brings late are not sent again",
    async (_name, ordered, resumeIndex) => {
      const inner = new MemoryBroker();
      const late: Array<() => void> = [];
      let lagging = false;
      const broker: ChannelBroker = {
        publish: (event) => inner.publish(event),
        subscribe: (listener) =>
          inner.subscribe((event) => (lagging ? late.push(() => listener(event)) : listener(event))),
        replay: async (afterId) => inner.replay(afterId),
        ...(ordered ? { compare: byCount } : {}),
      };
      const channel = new Channel({ broker });
      const [first] = await publishAll(channel, ["e1"]);
      lagging = true;
      // Stored, and in any replay from now on; the feed brings them later.
      const [second] = await publishAll(channel, ["e2", "e3"]);
      const reader = await subscribe(channel, { lastEventId: [first, second][resumeIndex]! });
      await flushMicrotasks();
      lagging = false;
      for (const deliver of late.splice(0)) deliver();
      await channel.publish("e4");
      const expected = ["e2", "e3", "e4"].slice(resumeIndex);
      expect(datas(await reader.until(expected.length))).toEqual(expected);
      await channel.close();
      expect(datas(await reader.rest())).toEqual(expected);
    },
  );

  test("live events held past their bound during a slow replay make it replay again, still exact", async () => {
    const { broker, gates } = gatedBroker();
    const channel = new Channel({ broker, maxQueue: 2000 });
    const [first] = await publishAll(channel, ["start"]);
    const streaming = channel.stream({ keepAlive: false, lastEventId: first! });
    await waitForGate(gates, 1);
    gates[0]!.resolve();
    const reader = new EventReader((await streaming).toReadableStream());
    await waitForGate(gates, 2);
    // 40 events of 100 code units: more than the held bound (half of maxQueue).
    const during = Array.from({ length: 40 }, (_, n) => `during ${n} `.padEnd(100, "-"));
    await publishAll(channel, during);
    gates[1]!.resolve();
    const reading = reader.until(41);
    await waitForGate(gates, 3);
    gates[2]!.resolve();
    await flushMicrotasks();
    await channel.publish("after");
    expect(datas(await reading)).toEqual([...during, "after"]);
    await channel.close();
  });

  test("property: any interleaving of publishes with a reconnect delivers exactly the missed events, then live ones (opaque ids or not)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        fc.nat({ max: 5 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom("memory", "remote", "remote with a lagging feed"),
        fc.boolean(),
        async (s, before, seenIndex, racing, kind, opaque) => {
          const inner = new MemoryBroker();
          // A lagging feed brings events in order, each when the scheduler lets it.
          const lagged: Array<() => void> = [];
          const lag =
            (listener: (event: ChannelEvent) => void) =>
            (event: ChannelEvent): void => {
              lagged.push(() => listener(event));
              void s.schedule(Promise.resolve(), "the feed brings an event").then(() => lagged.shift()!());
            };
          const broker: ChannelBroker =
            kind === "memory"
              ? inner
              : {
                  publish: (event) => inner.publish(event),
                  subscribe: (listener) => inner.subscribe(kind === "remote" ? listener : lag(listener)),
                  replay: (afterId) => s.schedule(Promise.resolve()).then(() => inner.replay(afterId)),
                  ...(kind === "remote" ? {} : { compare: byCount }),
                };
          const channel = new Channel({ broker, ...(opaque ? { eventIds: codec } : {}) });
          const wire = (id: string): Promise<string> => (opaque ? codec.encode(id) : Promise.resolve(id));
          const published = await publishAll(
            channel,
            Array.from({ length: before }, (_, n) => `before ${n}`),
          );
          const lastEventId = published[Math.min(seenIndex, before - 1)]!;
          let reader: EventReader | undefined;
          const connecting = (async () => {
            const stream = await channel.stream({ keepAlive: false, lastEventId: await wire(lastEventId) });
            await s.schedule(Promise.resolve(), "start the stream");
            reader = new EventReader(stream.toReadableStream());
          })();
          const publishing = s.scheduleSequence(
            Array.from({ length: racing }, (_, n) => ({
              label: `publish ${n}`,
              builder: () => channel.publish(`racing ${n}`),
            })),
          );
          // Runs every scheduled task until `work` is done, including replays asked once the stream starts,
          // and those asked after the codec's WebCrypto calls, which settle outside the scheduler.
          const drive = async <T>(work: Promise<T>): Promise<T> => {
            let done = false;
            const finished = work.finally(() => {
              done = true;
            });
            while (!done) {
              await s.waitAll();
              await flushMicrotasks();
              if (!done) await new Promise((resolve) => setTimeout(resolve, 1));
            }
            return finished;
          };
          await drive(Promise.all([connecting, publishing.task]));
          await channel.publish("live");
          const history = inner.events;
          const expected = history.slice(history.findIndex((event) => event.id === lastEventId) + 1);
          const received = await drive(reader!.until(expected.length));
          expect(ids(received)).toEqual(await Promise.all(expected.map((event) => wire(event.id))));
          await channel.close();
          expect(await reader!.rest()).toHaveLength(expected.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
