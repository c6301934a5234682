import { expect, test } from "vitest";
import { Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { createEventIdCodec, type EventIdCodec, MAX_OPAQUE_SOURCE_BYTES } from "edge-sse/tokens";
import { EventReader } from "../helpers/event-reader.ts";
import { until } from "../helpers/serve-node.ts";
import { opaqueReplayScenario, unknownIdScenario } from "./opaque-ids.scenario.ts";

const KEY = "a secret of at least thirty-two bytes, for the tests";
const codec = createEventIdCodec(KEY, { scope: "room:1" });
const channelWith = (errors: unknown[] = []): Channel =>
  new Channel({ eventIds: codec, keepAlive: false, onError: (error) => errors.push(error) });

test("Channel with eventIds shows a filtered subscriber opaque ids only, and replays exactly after the one it sends back", async () => {
  const channel = channelWith();
  await opaqueReplayScenario(channel, codec);
  await channel.close();
});

test("Channel with eventIds answers a tampered opaque id with the gap marker and every event held, opaque", async () => {
  const good = await codec.encode("not an id of this channel");
  const last = good.at(-1) === "A" ? "B" : "A";
  const errors: unknown[] = [];
  const channel = channelWith(errors);
  await unknownIdScenario(channel, codec, () => good.slice(0, -1) + last);
  expect(errors).toEqual([]);
  await channel.close();
});

test("Channel with eventIds answers a plain id, even one it holds, with the gap marker: only opaque ids resume", async () => {
  const channel = channelWith();
  await unknownIdScenario(channel, codec, (held) => held[1]!);
  await channel.close();
});

test("Channel with eventIds answers an opaque id of another scope, and garbage, with the gap marker", async () => {
  const other = createEventIdCodec(KEY, { scope: "room:2" });
  for (const sent of [await other.encode("x"), "o1!!!", "o1", "é"]) {
    const channel = channelWith();
    await unknownIdScenario(channel, codec, () => sent);
    await channel.close();
  }
});

test("Channel with eventIds does not send again an event whose live delivery waited for its id when a client resumes after it", async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  // Encoding waits for the gate, as a slow WebCrypto would; decoding does not.
  const slow: EventIdCodec = {
    encode: async (id) => gate.then(() => codec.encode(id)),
    decode: (id) => codec.decode(id),
  };
  const channel = new Channel({ eventIds: slow, keepAlive: false });
  const raw = await channel.publish("seen in another stream's replay");
  const sent = await codec.encode(raw);
  setTimeout(open, 50);
  const reader = new EventReader(await channel.response({ lastEventId: sent }));
  await reader.started();
  await until(() => channel.subscriberCount === 1, "the subscriber to join");
  await gate;
  await channel.publish("live");
  expect((await reader.next(1)).map((event) => event.data)).toEqual(["live"]);
  await reader.cancel();
  await channel.close();
});

test("Channel with eventIds refuses at publish an id the codec cannot make opaque", async () => {
  const channel = channelWith();
  await expect(channel.publish(Message.data("x").id("x".repeat(MAX_OPAQUE_SOURCE_BYTES + 1)))).rejects.toThrow(
    /^Cannot encode event id: `id` must be at most 735 bytes of UTF-8/,
  );
  await channel.close();
});

test("Channel refuses an eventIds that is not a codec with a TypeError naming it", () => {
  expect(() => new Channel({ eventIds: { encode: async (id: string) => id } as never })).toThrow(
    new TypeError(
      "Cannot create Channel: `eventIds` must be an event id codec with encode and decode (createEventIdCodec) (got an object)",
    ),
  );
  expect(() => new Channel({ eventIds: null as never })).toThrow(/`eventIds` must be an event id codec/);
});
