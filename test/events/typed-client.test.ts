/**
 * One defineEvents map types both ends, over real HTTP: the server's DataStream (node:http through
 * edge-sse/node) and the client's subscription (edge-sse/client). The client's items are the map's
 * EventOf (each data the schema's output, checked again on arrival); an event the map would refuse,
 * sent by a server that does not use it, makes the client's iterator throw an EventStreamError of
 * type "invalid-event".
 */
import { afterEach, expect, expectTypeOf, test } from "vitest";
import * as z from "zod";
import { type DataOf, DataStream, defineEvents, type EventOf, Message } from "edge-sse";
import { EventStreamError, type ExpiredEvent, type GapEvent, subscribe, type Subscription } from "edge-sse/client";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";

const events = defineEvents({
  quote: z.object({ symbol: z.string().min(1), side: z.enum(["buy", "sell"]), price: z.number().nonnegative() }),
  status: { schema: z.enum(["open", "closed"]), encoding: "text" },
  message: z.string(),
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves the typed stream at /typed, and at /stale the same events from a server that does not check them. */
async function start(): Promise<string> {
  server = await serveNode((request) => {
    if (new URL(request.url).pathname === "/typed") {
      return new DataStream<typeof events>(
        async function* () {
          yield events.status("open", { id: "1" });
          yield { event: "quote", data: { symbol: "ACME", side: "buy", price: 1.5 }, id: "2" };
          yield { data: "hello", id: "3" };
        },
        { request, events, keepAlive: false },
      ).toResponse();
    }
    return new DataStream(
      [
        events.status("open", { id: "1" }),
        Message.json({ symbol: "ACME", side: "hold", price: -1 }).event("quote").id("2"),
        events.status("closed", { id: "3" }),
      ],
      { request, keepAlive: false },
    ).toResponse();
  });
  return server.url;
}

/** Reads a subscription to its end (or its error), keeping what it yielded. */
async function drain<Item>(subscription: Subscription<Item>): Promise<{ items: Item[]; error: unknown }> {
  const items: Item[] = [];
  try {
    for await (const item of subscription) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

test("One defineEvents map types the server's DataStream and the client's subscription, over HTTP", async () => {
  const url = await start();
  const subscription = subscribe(`${url}/typed`, { events, reconnect: false });
  type Item = typeof subscription extends Subscription<infer I> ? I : never;
  // The client's items are the map's events as a client receives them (plus the gap marker and the expiry event).
  expectTypeOf<Exclude<Item, GapEvent | ExpiredEvent>>().toExtend<EventOf<typeof events>>();
  expectTypeOf<Extract<Item, { event: "quote" }>["data"]>().toEqualTypeOf<DataOf<typeof events, "quote">>();
  expectTypeOf<Extract<Item, { event: "status" }>["data"]>().toEqualTypeOf<"open" | "closed">();
  const { items, error } = await drain(subscription);
  expect(error).toBeUndefined();
  expect(items).toEqual([
    { event: "status", data: "open", id: "1" },
    { event: "quote", data: { symbol: "ACME", side: "buy", price: 1.5 }, id: "2" },
    { event: "message", data: "hello", id: "3" },
  ]);
  const quote = items.find((item) => item.event === "quote");
  if (quote?.event === "quote") expect(quote.data.side).toBe("buy");
});

test("A client typed by the map throws an invalid-event EventStreamError for an event the map refuses", async () => {
  const url = await start();
  const { items, error } = await drain(subscribe(`${url}/stale`, { events, reconnect: false }));
  expect(error).toBeInstanceOf(EventStreamError);
  // Nothing past the refused event is yielded (what came before it in the same chunk is not either, today).
  expect(items.every((item) => item.event === "status" && item.id === "1")).toBe(true);
  expect(error).toMatchObject({ type: "invalid-event", event: { event: "quote", id: "2" } });
  expect((error as Error).message).toMatch(
    /^Cannot read the event "quote" \(id "2"\): its data does not match the schema: /,
  );
  expect((error as EventStreamError).issues?.map((issue) => issue.path)).toEqual([["side"], ["price"]]);
});
