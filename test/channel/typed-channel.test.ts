/**
 * A Channel with `events`: publish takes the map's items, checks each once (not once per subscriber)
 * before the broker sees it, and rejects with the map's TypeError an item it refuses: nothing of that
 * item is stored, replayed or sent.
 */
import { expect, test } from "vitest";
import * as z from "zod";
import { defineEvents, Message, type StandardSchemaV1 } from "edge-sse";
import { Channel, MemoryBroker, type ChannelEventInit } from "edge-sse/channel";
import { catchError } from "../helpers/catch-error.ts";
import { EventReader } from "../helpers/event-reader.ts";

const post = z.object({ author: z.string().min(1), text: z.string().max(20) });

/** A MemoryBroker that records what it is handed. */
class RecordingBroker extends MemoryBroker {
  readonly published: ChannelEventInit[] = [];
  override publish(event: ChannelEventInit): string {
    this.published.push(event);
    return super.publish(event);
  }
}

async function subscribe(channel: Pick<Channel, "stream">, lastEventId?: string): Promise<EventReader> {
  const stream = await channel.stream(
    lastEventId === undefined ? { keepAlive: false } : { keepAlive: false, lastEventId },
  );
  const reader = new EventReader(stream.toReadableStream());
  await reader.started();
  return reader;
}

test("A typed channel publishes valid items, plain or built, to every subscriber", async () => {
  const events = defineEvents({ post, presence: z.number().int().nonnegative() });
  const channel = new Channel({ events });
  const readers = await Promise.all([subscribe(channel), subscribe(channel)]);
  const first = await channel.publish({ event: "post", data: { author: "ann", text: "hi" } });
  const second = await channel.publish(events.presence(2));
  for (const reader of readers) {
    expect(await reader.until(2)).toEqual([
      { event: "post", data: '{"author":"ann","text":"hi"}', id: first },
      { event: "presence", data: "2", id: second },
    ]);
  }
  await channel.close();
});

test("A typed channel's publish rejects an invalid item with the map's TypeError; nothing is stored or sent", async () => {
  const events = defineEvents({ post });
  const broker = new RecordingBroker();
  const channel = new Channel({ events, broker });
  const reader = await subscribe(channel);
  const before = await channel.publish({ event: "post", data: { author: "ann", text: "one" } });
  const refusals = await Promise.all(
    [
      { event: "post", data: { author: "", text: "x".repeat(21) } },
      { event: "pots", data: { author: "ann", text: "x" } },
      Message.json({ author: "ann", text: "forged" }).event("post"),
      "plain",
    ].map((item) =>
      channel.publish(item as never).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ),
  );
  expect(refusals.map((error) => error instanceof TypeError)).toEqual([true, true, true, true]);
  expect((refusals[0] as Error).message).toMatch(
    /^Cannot build event "post": `data` does not match its schema \(got an object; 2 issues\):\n {2}- data\.author: .+\n {2}- data\.text: .+$/,
  );
  expect((refusals[1] as Error).message).toMatch(/`event` must be one of "post" \(got "pots"\)/);
  expect((refusals[2] as Error).message).toMatch(/was not made by a builder of this event map/);
  const after = await channel.publish({ event: "post", data: { author: "ann", text: "two" } });
  expect(broker.published.map((event) => event.data)).toEqual([
    '{"author":"ann","text":"one"}',
    '{"author":"ann","text":"two"}',
  ]);
  expect((await reader.until(2)).map((event) => event.id)).toEqual([before, after]);
  expect(reader.text).not.toContain("forged");
  const replayed = await subscribe(channel, before);
  expect((await replayed.until(1)).map((event) => event.id)).toEqual([after]);
  await channel.close();
});

test("A typed channel checks each item once, whatever the number of subscribers", async () => {
  let validations = 0;
  const counted: StandardSchemaV1<string> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => {
        validations++;
        return typeof value === "string" ? { value } : { issues: [{ message: "expected a string" }] };
      },
    },
  };
  const channel = new Channel({ events: defineEvents({ note: counted }) });
  const readers = await Promise.all([1, 2, 3].map(() => subscribe(channel)));
  await channel.publish({ event: "note", data: "a" });
  await channel.publish({ event: "note", data: "b" });
  for (const reader of readers) expect((await reader.until(2)).map((event) => event.data)).toEqual(['"a"', '"b"']);
  expect(validations).toBe(2);
  await channel.close();
});

test("new Channel refuses serialize beside events, and events that is not an event map", () => {
  const events = defineEvents({ post });
  const error = catchError(() => new Channel({ events, serialize: JSON.stringify } as never));
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe(
    "Cannot create Channel: `serialize` cannot go with `events`: the event map decides how each event's data is written",
  );
  const notMap = catchError(() => new Channel({ events: { post } as never }));
  expect((notMap as Error).message).toMatch(
    /^Cannot create Channel: `events` must be an event map made by defineEvents\(\)/,
  );
});
