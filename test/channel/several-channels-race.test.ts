import { expect, test } from "vitest";
import fc from "fast-check";
import {
  Channel,
  GAP_EVENT,
  MemoryBroker,
  severalChannelsResponse,
  type ChannelBroker,
  type ChannelEvent,
} from "edge-sse/channel";
import { EventReader, type ReadEvent } from "../helpers/event-reader.ts";
import { flushMicrotasks } from "../helpers/deferred.ts";
import { readCursor } from "../../src/channel/cursor.ts";

/** The first id the stream set: the id-only frame it sends when it joins, the cursor at join. */
const joinCursor = (text: string): string => /^id: (.*)$/m.exec(text)![1]!;

/** Which channel an event of the merged stream came from: the key whose position it moved. */
function channelOf(event: ReadEvent, before: string): string {
  const now = readCursor(event.id!)!;
  const was = readCursor(before)!;
  const moved = [...now].filter(([key, position]) => was.get(key) !== position).map(([key]) => key);
  expect(moved).toHaveLength(1);
  return moved[0]!;
}

test("property: publishes on several channels racing a join and a reconnect: every event once, per channel in order", async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.array(fc.constantFrom("memory", "remote"), { minLength: 2, maxLength: 3 }),
      fc.array(fc.nat({ max: 2 }), { maxLength: 4 }),
      fc.array(fc.nat({ max: 2 }), { maxLength: 6 }),
      fc.array(fc.nat({ max: 2 }), { maxLength: 6 }),
      fc.nat({ max: 12 }),
      async (s, kinds, earlier, duringJoin, duringReconnect, seenDraw) => {
        runs++;
        const inners = kinds.map(() => new MemoryBroker());
        const brokers: ChannelBroker[] = kinds.map((kind, index) => {
          const inner = inners[index]!;
          if (kind === "memory") return inner;
          return {
            publish: (event) => inner.publish(event),
            subscribe: (listener) => inner.subscribe(listener),
            replay: (afterId) => s.schedule(Promise.resolve()).then(() => inner.replay(afterId)),
          };
        });
        const channels = brokers.map((broker) => new Channel({ broker }));
        const keys = channels.map((_, index) => `c${index}`);
        const picks = Object.fromEntries(channels.map((channel, index) => [keys[index]!, channel]));
        let counter = 0;
        const publishOn = (picked: readonly number[]) =>
          s.scheduleSequence(
            picked.map((draw) => {
              const index = draw % channels.length;
              const data = `${keys[index]} #${counter++}`;
              return { label: `publish ${data}`, builder: () => channels[index]!.publish(data) };
            }),
          );
        // Runs every scheduled task until `work` is done.
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
        for (const draw of earlier) await channels[draw % channels.length]!.publish(`early ${counter++}`);

        // The first connection joins while publishes race it.
        let first: EventReader | undefined;
        const joining = (async () => {
          const response = await severalChannelsResponse(picks, { keepAlive: false });
          await s.schedule(Promise.resolve(), "start the first stream");
          first = new EventReader(response);
          await first.waitFor(() => /^id: /m.test(first!.text), "the cursor at join");
        })();
        await drive(Promise.all([joining, publishOn(duringJoin).task]));
        const joined = readCursor(joinCursor(first!.text))!;
        // Every event after the position each channel joined at: what the client must see, once.
        const owed = (key: string): readonly ChannelEvent[] => {
          const history = inners[keys.indexOf(key)]!.events;
          const from = joined.get(key)!;
          return history.slice(from === "" ? 0 : history.findIndex((event) => event.id === from) + 1);
        };
        const total = (): number => keys.reduce((sum, key) => sum + owed(key).length, 0);
        const firstEvents = await drive(first!.until(total()));
        // The client saw only the first `seen` of them, then lost the connection.
        const seen = firstEvents.slice(0, seenDraw % (firstEvents.length + 1));
        const cursor = seen.length === 0 ? joinCursor(first!.text) : seen.at(-1)!.id!;
        await first!.cancel();

        // It reconnects while other publishes race it; then one live event per channel.
        let second: EventReader | undefined;
        const reconnecting = (async () => {
          const response = await severalChannelsResponse(picks, { keepAlive: false, lastEventId: cursor });
          await s.schedule(Promise.resolve(), "start the second stream");
          second = new EventReader(response);
          await second.waitFor(() => /^id: /m.test(second!.text), "the cursor at join");
        })();
        await drive(Promise.all([reconnecting, publishOn(duringReconnect).task]));
        for (const channel of channels) await channel.publish(`live ${counter++}`);
        const markers = (): number => second!.events.filter((event) => event.event === GAP_EVENT).length;
        await drive(
          second!.waitFor(() => second!.events.length - markers() >= total() - seen.length, "every event owed"),
        );
        for (const channel of channels) await channel.close();
        const secondEvents = (await second!.rest()).filter((event) => event.event === GAP_EVENT || event.id);
        expect(secondEvents.length - markers()).toBe(total() - seen.length);

        // Per channel: what the first connection saw, then what the second did, is every event owed, in order.
        // A marker only from a channel the client had nothing from (its broker cannot prove it dropped
        // nothing before what it holds), and only when it has events to replay; then it names it.
        const fromStart = [...readCursor(cursor)!].filter(([, position]) => position === "").map(([key]) => key);
        for (const gap of secondEvents.filter((event) => event.event === GAP_EVENT)) {
          const { channel, firstId } = JSON.parse(gap.data) as { channel: string; firstId: string | null };
          expect(fromStart).toContain(channel);
          expect(firstId).not.toBeNull();
        }
        const got = new Map(keys.map((key) => [key, [] as string[]]));
        let position = joinCursor(first!.text);
        for (const event of seen) {
          got.get(channelOf(event, position))!.push(event.data);
          position = event.id!;
        }
        position = cursor;
        for (const event of secondEvents.filter((event) => event.event !== GAP_EVENT)) {
          got.get(channelOf(event, position))!.push(event.data);
          position = event.id!;
        }
        for (const key of keys) expect(got.get(key)).toEqual(owed(key).map((event) => event.data));
      },
    ),
    { numRuns: 200 },
  );
  expect(runs).toBe(200);
});
