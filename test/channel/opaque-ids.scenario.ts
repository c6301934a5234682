/**
 * The opaque-id replay scenario, run against each broker (memory here, Redis in test/redis): a
 * subscriber that sees only `alert` events resumes from the opaque id it was last shown, and gets
 * exactly what it missed, with no broker id ever on the wire.
 */
import { expect } from "vitest";
import { Message } from "edge-sse";
import { type Channel, GAP_EVENT } from "edge-sse/channel";
import type { EventIdCodec } from "edge-sse/tokens";
import { EventReader } from "../helpers/event-reader.ts";
import { until } from "../helpers/serve-node.ts";

const alert = (data: string): Message => Message.data(data).event("alert");
const info = (data: string): Message => Message.data(data).event("info");

/** Subscribes with a filter on `alert`, resuming after `lastEventId` when given, and waits for its first bytes. */
async function subscribe(channel: Channel, lastEventId?: string): Promise<EventReader> {
  const headers: Record<string, string> = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
  const request = new Request("http://localhost/events", { headers });
  const reader = new EventReader(await channel.response({ request, filter: "alert" }));
  await reader.started();
  return reader;
}

/** Runs the scenario on `channel` (keepAlive off, fresh history), whose ids `codec` makes opaque. */
export async function opaqueReplayScenario(channel: Channel, codec: EventIdCodec): Promise<void> {
  const raw = {
    a1: await channel.publish(alert("a1")),
    i1: await channel.publish(info("i1")),
    a2: await channel.publish(alert("a2")),
    i2: await channel.publish(info("i2")),
    a3: await channel.publish(alert("a3")),
  };
  const first = await subscribe(channel, await codec.encode(raw.a1));
  expect(first.response!.headers.get("last-event-id")).toBe(await codec.encode(raw.a1));
  const replayed = await first.next(2);
  expect(replayed.map((event) => [event.data, event.id])).toEqual([
    ["a2", await codec.encode(raw.a2)],
    ["a3", await codec.encode(raw.a3)],
  ]);
  for (const id of Object.values(raw)) expect(first.text).not.toContain(id);
  await first.cancel();
  await until(() => channel.subscriberCount === 0, "the first stream to leave");

  // Away: an info event the subscriber would not be shown, and an alert it must get on its return.
  const missed = { i3: await channel.publish(info("i3")), a4: await channel.publish(alert("a4")) };
  const back = await subscribe(channel, replayed[1]!.id);
  const live = await channel.publish(alert("a5"));
  const resumed = await back.next(2);
  expect(resumed.map((event) => [event.event, event.data, event.id])).toEqual([
    ["alert", "a4", await codec.encode(missed.a4)],
    ["alert", "a5", await codec.encode(live)],
  ]);
  expect(back.text).not.toContain(GAP_EVENT);
  for (const id of [...Object.values(missed), live]) expect(back.text).not.toContain(id);
  await back.cancel();
}

/**
 * A `Last-Event-ID` that does not decode (`sentFor` makes it, given the broker's ids of the events
 * held) gets the gap marker, with opaque ids, and every alert held.
 */
export async function unknownIdScenario(
  channel: Channel,
  codec: EventIdCodec,
  sentFor: (held: readonly string[]) => string | Promise<string>,
): Promise<void> {
  const held = [
    await channel.publish(info("i1")),
    await channel.publish(alert("a1")),
    await channel.publish(alert("a2")),
  ];
  const sent = await sentFor(held);
  const reader = await subscribe(channel, sent);
  expect(reader.response!.headers.get("last-event-id")).toBe("earliest");
  const events = await reader.next(3);
  expect(events[0]!.event).toBe(GAP_EVENT);
  expect(JSON.parse(events[0]!.data)).toEqual({ lastEventId: sent, firstId: await codec.encode(held[0]!) });
  expect(events.slice(1).map((event) => [event.data, event.id])).toEqual([
    ["a1", await codec.encode(held[1]!)],
    ["a2", await codec.encode(held[2]!)],
  ]);
  await reader.cancel();
}
