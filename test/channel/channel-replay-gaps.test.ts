import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Message } from "edge-sse";
import { Channel, ChannelMetrics, GAP_EVENT, MemoryBroker, type ChannelBroker } from "edge-sse/channel";
import { EventReader, parseWire, type ReadEvent } from "../helpers/event-reader.ts";

const pad = "x".repeat(90);

/** What a client read, in order: event ids, and gap markers as `gap <lastEventId> → <firstId>`. */
function shown(events: readonly ReadEvent[]): string[] {
  return events.map((event) => {
    if (event.event !== GAP_EVENT) return event.id ?? "(no id)";
    const { lastEventId, firstId } = JSON.parse(event.data) as { lastEventId: string; firstId: string | null };
    return `gap ${lastEventId} → ${firstId}`;
  });
}

/** Publishes `ids` in order, each with its id and `data`. */
async function publishIds(channel: Channel, ids: readonly string[], data = pad): Promise<void> {
  for (const id of ids) await channel.publish(new Message({ id, data }));
}

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, n) => `e${from + n}`);

describe("Channel replay that falls behind the history", () => {
  test("a slow client's catch-up overtaken by the history: a second gap marker, from the last id it got", async () => {
    const metrics = new ChannelMetrics();
    // Each frame takes a quarter of the queue: the replay waits for the client after each one.
    const channel = new Channel({ keepAlive: false, history: { maxEvents: 4 }, maxQueue: 400, metrics });
    await publishIds(channel, range(1, 4));
    const reader = new EventReader((await channel.stream({ lastEventId: "unknown" })).toReadableStream());
    await reader.readOnce();
    // The client reads nothing while e5..e16 come: the history drops e1..e12, the held live events overflow.
    await publishIds(channel, range(5, 16));
    await reader.waitFor(() => reader.events.some((event) => event.id === "e16"), "e16");
    expect(shown(reader.events)).toEqual(["gap unknown → e1", ...range(1, 4), "gap e4 → e13", ...range(13, 16)]);
    expect(metrics.gapMarkers).toBe(2);
    await channel.close();
  });

  test("a gap found later names the last id the client got, not the one it resumed after", async () => {
    const channel = new Channel({ keepAlive: false, history: { maxEvents: 4 }, maxQueue: 400 });
    await publishIds(channel, range(1, 4));
    const reader = new EventReader((await channel.stream({ lastEventId: "e1" })).toReadableStream());
    await reader.readOnce();
    await publishIds(channel, range(5, 16));
    await reader.waitFor(() => reader.events.some((event) => event.id === "e16"), "e16");
    expect(shown(reader.events)).toEqual([...range(2, 4), "gap e4 → e13", ...range(13, 16)]);
    await channel.close();
  });

  test("live events held while the history overtook the replay are not sent after newer ones, nor twice", async () => {
    const channel = new Channel({ keepAlive: false, history: { maxEvents: 2 }, maxQueue: 400 });
    await channel.publish(new Message({ id: "a", data: "a" }));
    // Longer than a quarter of maxQueue: the replay waits for the client after it.
    await channel.publish(new Message({ id: "b", data: "b".repeat(150) }));
    const reader = new EventReader((await channel.stream({ lastEventId: "a" })).toReadableStream());
    await reader.readOnce();
    // Held while the replay waits; c leaves the history before the replay goes on.
    await publishIds(channel, ["c", "d", "e"], "small");
    await reader.waitFor(() => reader.events.some((event) => event.id === "e"), "e");
    await publishIds(channel, ["f"], "live");
    await reader.waitFor(() => reader.events.some((event) => event.id === "f"), "f");
    expect(shown(reader.events)).toEqual(["b", "gap b → d", "d", "e", "f"]);
    await channel.close();
  });

  test("unknown id, empty history, events before the first read: one marker, naming the first kept", async () => {
    const channel = new Channel({ keepAlive: false, history: { maxEvents: 2 } });
    const stream = await channel.stream({ lastEventId: "unknown" });
    // Published after the stream was made, before it started: the history keeps only the last two.
    await publishIds(channel, range(1, 5), "d");
    const reader = new EventReader(stream.toReadableStream());
    await reader.waitFor(() => reader.events.some((event) => event.id === "e5"), "e5");
    await publishIds(channel, ["e6"], "live");
    await reader.waitFor(() => reader.events.some((event) => event.id === "e6"), "e6");
    expect(shown(reader.events)).toEqual(["gap unknown → e4", "e4", "e5", "e6"]);
    await channel.close();
  });

  test("an unknown id and an empty history, nothing published: one marker, firstId null", async () => {
    const channel = new Channel({ keepAlive: false, history: { maxEvents: 2 } });
    const reader = new EventReader((await channel.stream({ lastEventId: "unknown" })).toReadableStream());
    await reader.until(1);
    await publishIds(channel, ["e1"], "live");
    expect(shown(await reader.until(2))).toEqual(["gap unknown → null", "e1"]);
    await channel.close();
  });

  test("property: slow reads and publishes: every event in order, or a gap marker where events were lost", async () => {
    const action = fc.oneof(
      fc.record({ publish: fc.integer({ min: 1, max: 200 }) }),
      fc.constant({ read: true } as const),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }),
        fc.option(fc.nat({ max: 5 }), { nil: undefined }),
        fc.constantFrom("memory", "remote"),
        fc.array(action, { maxLength: 30 }),
        async (maxEvents, before, seenIndex, kind, actions) => {
          const inner = new MemoryBroker({ history: { maxEvents } });
          const broker: ChannelBroker =
            kind === "memory"
              ? inner
              : {
                  publish: (event) => inner.publish(event),
                  subscribe: (listener) => inner.subscribe(listener),
                  replay: (afterId) => Promise.resolve().then(() => inner.replay(afterId)),
                };
          const channel = new Channel({ broker, keepAlive: false, maxQueue: 600 });
          const published: string[] = [];
          for (const size of before) published.push(await channel.publish("b".repeat(size)));
          const resumeIndex = seenIndex === undefined || before.length === 0 ? -1 : seenIndex % before.length;
          const resumeId = resumeIndex < 0 ? "unknown" : published[resumeIndex]!;
          const body = (await channel.stream({ lastEventId: resumeId })).toReadableStream().getReader();
          let text = "";
          let done = false;
          // A stream closed for overflow errors: for this client, it has ended.
          const read = () => body.read().catch(() => ({ done: true as const, value: undefined }));
          let pending = read();
          // One read, if a chunk comes before the event loop turns (every step here is a promise job).
          const readOnce = async (): Promise<boolean> => {
            const idle = new Promise<"idle">((resolve) => setTimeout(() => resolve("idle"), 0));
            const step = await Promise.race([pending, idle]);
            if (step === "idle") return false;
            if (step.done) done = true;
            else text += new TextDecoder().decode(step.value);
            pending = read();
            return !step.done;
          };
          for (const step of actions) {
            if ("read" in step) await readOnce();
            else published.push(await channel.publish("p".repeat(step.publish)));
          }
          while (await readOnce());
          await body.cancel().catch(() => {}); // rejects when the stream closed for overflow
          await channel.close();

          const received = parseWire(text).events;
          // An unknown id: the marker comes first, unless the stream overflowed before the client read
          // anything (its client resumes from the same id, and gets the marker then).
          if (resumeIndex < 0 && !(done && received.length === 0)) expect(received[0]?.event).toBe(GAP_EVENT);
          let lastIndex = resumeIndex;
          let lastId = resumeId;
          let gap: { lastEventId: string; firstId: string | null } | undefined;
          for (const event of received) {
            if (event.event === GAP_EVENT) {
              gap = JSON.parse(event.data) as { lastEventId: string; firstId: string | null };
              expect(gap.lastEventId).toBe(lastId);
              continue;
            }
            const index = published.indexOf(event.id!);
            if (gap === undefined) expect(index).toBe(lastIndex + 1);
            else {
              expect(index).toBeGreaterThan(lastIndex);
              if (gap.firstId !== null) expect(event.id).toBe(gap.firstId);
            }
            gap = undefined;
            lastIndex = index;
            lastId = event.id!;
          }
          // A stream still open got everything; one closed for overflow got a prefix, and its client resumes.
          if (!done) expect(lastIndex).toBe(published.length - 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
