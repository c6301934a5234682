// Type-level tests of typed streams and channels: `npm run typecheck` (tsc -p tsconfig.test.json) fails
// on any `@ts-expect-error` line that is not an error. The run-time part makes the same streams and
// checks what the map refuses at run time (each refused item goes to onError).
import { expect, expectTypeOf, test } from "vitest";
import * as z from "zod";
import { DataStream, defineEvents, type EventItem, type EventOf, Message, type StreamItem } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { parseWire } from "../helpers/event-reader.ts";

const events = defineEvents({
  quote: z.object({ symbol: z.string(), side: z.enum(["buy", "sell"]), price: z.number() }),
  status: { schema: z.enum(["open", "closed"]), encoding: "text" },
  message: z.string(),
});
type Events = typeof events;

const quote = { symbol: "ACME", side: "buy", price: 1 } as const;

/** Reads a typed stream to its end, counting what reached onError. */
async function wireOf(make: (onError: (error: unknown) => void) => DataStream<Events>): Promise<[string[], number]> {
  let errors = 0;
  const text = await make(() => void errors++)
    .toResponse()
    .text();
  return [parseWire(text).events.map((event) => event.data), errors];
}

test("A typed DataStream's items are the map's: StreamItem is EventItem, an event input or a Message", () => {
  expectTypeOf<StreamItem<Events>>().toEqualTypeOf<EventItem<Events>>();
  expectTypeOf<StreamItem<undefined>>().toEqualTypeOf<unknown>();
  expectTypeOf<Extract<EventItem<Events>, { event: "status" }>["data"]>().toEqualTypeOf<"open" | "closed">();
  expectTypeOf(new DataStream([events.status("open")], { events })).toEqualTypeOf<DataStream<Events>>();
  expectTypeOf(new DataStream(["x"])).toEqualTypeOf<DataStream>();
  // What a client receives is EventOf: each item's data is the schema's output.
  expectTypeOf<Extract<EventOf<Events>, { event: "quote" }>["data"]>().toEqualTypeOf<{
    symbol: string;
    side: "buy" | "sell";
    price: number;
  }>();
});

test("A misspelled event name or a wrong data shape in a typed DataStream is a compile error", async () => {
  const streams: Array<(onError: (error: unknown) => void) => DataStream<Events>> = [
    // @ts-expect-error: no event "qoute"
    (onError) => new DataStream([{ event: "qoute", data: quote }], { events, onError, keepAlive: false }),
    // @ts-expect-error: side must be "buy" or "sell"
    (onError) => new DataStream([{ event: "quote", data: { ...quote, side: "hold" } }], { events, onError }),
    // @ts-expect-error: the data of status is "open" or "closed"
    (onError) => new DataStream([{ event: "status", data: "ajar" }], { events, onError, keepAlive: false }),
    // @ts-expect-error: the default event's data is a string
    (onError) => new DataStream([{ data: 42 }], { events, onError, keepAlive: false }),
    // @ts-expect-error: a bare string is no event of the map
    (onError) => new DataStream(["plain"], { events, onError, keepAlive: false }),
    (onError) =>
      new DataStream(
        (ctx) => {
          // @ts-expect-error: ctx.send takes the map's items
          ctx.send({ event: "qoute", data: quote });
          ctx.close();
        },
        { events, onError, keepAlive: false },
      ),
    (onError) =>
      new DataStream<Events>(
        // @ts-expect-error: with the map as the type argument, a generator's yields are checked too ("ajar")
        async function* () {
          yield { event: "status", data: "open" };
          yield { event: "status", data: "ajar" };
        },
        { events, onError, keepAlive: false },
      ),
  ];
  for (const make of streams) {
    const [, errors] = await wireOf(make);
    expect(errors).toBe(1);
  }
});

test("Valid items of every kind compile and reach the wire", async () => {
  const [wire, errors] = await wireOf(
    (onError) =>
      new DataStream(
        [
          { event: "quote", data: quote, id: "1" },
          { event: "status", data: "open", retry: 10, comment: "c" },
          { data: "default" },
          events.status("closed"),
        ],
        { events, onError, keepAlive: false },
      ),
  );
  expect(errors).toBe(0);
  expect(wire).toEqual(['{"symbol":"ACME","side":"buy","price":1}', "open", '"default"', "closed"]);
  const [pushed] = await wireOf(
    (onError) =>
      new DataStream(
        (ctx) => {
          expectTypeOf(ctx.send).parameter(0).toEqualTypeOf<EventItem<Events>>();
          ctx.send({ event: "status", data: "open" });
          ctx.send(events.quote(quote));
          ctx.close();
        },
        { events, onError, keepAlive: false },
      ),
  );
  expect(pushed).toEqual(["open", '{"symbol":"ACME","side":"buy","price":1}']);
  const [built] = await wireOf(
    (onError) =>
      new DataStream(
        async function* () {
          yield events.status("open");
          yield events.message("hi");
        },
        { events, onError, keepAlive: false },
      ),
  );
  expect(built).toEqual(["open", '"hi"']);
});

test("serialize beside events is a compile error as well as a TypeError", () => {
  // @ts-expect-error: the map decides the encoding
  expect(() => new DataStream([], { events, serialize: JSON.stringify })).toThrow(TypeError);
  // @ts-expect-error: the same for a channel
  expect(() => new Channel({ events, serialize: JSON.stringify })).toThrow(TypeError);
  expect(() => new DataStream([{ n: 1 }], { serialize: JSON.stringify })).not.toThrow();
});

test("A typed channel's publish takes the map's items only", async () => {
  const channel = new Channel({ events });
  const refused: unknown[] = [];
  const attempt = (publishing: Promise<string>): Promise<void> =>
    publishing.then(
      () => undefined,
      (error: unknown) => void refused.push(error),
    );
  // @ts-expect-error: no event "qoute"
  await attempt(channel.publish({ event: "qoute", data: quote }));
  // @ts-expect-error: side must be "buy" or "sell"
  await attempt(channel.publish({ event: "quote", data: { ...quote, side: "hold" } }));
  // @ts-expect-error: a bare value is no event of the map
  await attempt(channel.publish({ price: 1 }));
  await attempt(channel.publish({ event: "quote", data: quote }));
  await attempt(channel.publish(events.status("open")));
  expect(refused).toHaveLength(3);
  const untyped = new Channel();
  await untyped.publish({ anything: true });
  await untyped.publish(Message.data("from anywhere"));
  await Promise.all([channel.close(), untyped.close()]);
});
