import { expect, test } from "vitest";
import { Channel, type SubscriberInfo } from "edge-sse/channel";
import { EXPIRED_EVENT, Message, type StreamClosedError } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { until } from "../helpers/serve-node.ts";

test("Channel stream with expiresAt passes the events, then sends EXPIRED_EVENT, ends, and leaves with reason expired", async () => {
  const left: StreamClosedError[] = [];
  const channel = new Channel({ keepAlive: false, onLeave: (_: SubscriberInfo, reason) => left.push(reason) });
  const expiresAt = Date.now() + 500;
  const response = await channel.response({ expiresAt });
  const reading = response.text(); // ends by itself at the expiry
  // A channel's subscriber joins at its stream's first read.
  await until(() => channel.subscriberCount === 1, "the subscriber to join");
  const first = await channel.publish("a");
  const second = await channel.publish("b");
  const text = await reading;
  expect(parseWire(text).events).toEqual([
    { data: "a", event: undefined, id: first },
    { data: "b", event: undefined, id: second },
    { data: `{"expiresAt":${expiresAt}}`, event: EXPIRED_EVENT, id: undefined },
  ]);
  await until(() => left.length === 1, "the channel's subscriber to leave");
  expect(left[0]!.type).toBe("expired");
  expect(channel.subscriberCount).toBe(0);
  await channel.close();
});

test("Channel stream whose expiresAt has passed replays nothing and sends only EXPIRED_EVENT", async () => {
  const channel = new Channel({ keepAlive: false });
  const first = await channel.publish("a");
  await channel.publish("b");
  const response = await channel.response({ lastEventId: first, expiresAt: new Date(Date.now() - 1_000) });
  expect(parseWire(await response.text()).events.map((event) => event.event)).toEqual([EXPIRED_EVENT]);
  expect(channel.subscriberCount).toBe(0);
  await channel.close();
});

test("Channel stream refuses an expiresAt that is not a time with a TypeError naming it", async () => {
  const channel = new Channel();
  await expect(channel.stream({ expiresAt: Number.NaN })).rejects.toThrow(
    new TypeError(
      "Cannot subscribe: `expiresAt` must be a time: milliseconds since the epoch or a valid Date (got number NaN)",
    ),
  );
  await channel.close();
});

test("Channel.publish refuses the expiry event's name, and sends nothing of it", async () => {
  const channel = new Channel();
  await expect(channel.publish(Message.data("{}").event(EXPIRED_EVENT))).rejects.toThrow(
    /^Cannot publish: `event` must not be "edge-sse-expired", the name of the expiry event/,
  );
  expect(await channel.publish("after")).toMatch(/-1$/);
  await channel.close();
});
