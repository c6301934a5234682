/**
 * A DataStream with `events`: each item is checked by the map before it is written; an item the map
 * refuses ends the stream through onError, as a serializer error does, and nothing of it reaches the
 * wire. Checked on the wire with eventsource-parser (parseWire).
 */
import { expect, test } from "vitest";
import * as v from "valibot";
import * as z from "zod";
import { DataStream, defineEvents, Message, type StandardSchemaV1, type StreamClosedError } from "edge-sse";
import { catchError } from "../helpers/catch-error.ts";
import { parseWire } from "../helpers/event-reader.ts";

const events = defineEvents({
  quote: z.object({ symbol: z.string().min(1), price: z.number().nonnegative() }),
  status: { schema: z.enum(["open", "closed"]), encoding: "text" },
  message: v.object({ text: v.string() }),
});

interface Run {
  readonly wire: string;
  readonly errors: unknown[];
  readonly closed: StreamClosedError;
}

/** Runs a typed stream to its end; the items are cast, since some are meant to be refused at run time. */
async function run(source: unknown, onError?: (error: unknown) => Message | void): Promise<Run> {
  const errors: unknown[] = [];
  let onClosed!: (reason: StreamClosedError) => void;
  const closing = new Promise<StreamClosedError>((resolve) => {
    onClosed = resolve;
  });
  const stream = new DataStream(source as never, {
    events,
    keepAlive: false,
    onError: (error) => {
      errors.push(error);
      return onError?.(error);
    },
    onClose: onClosed,
  });
  const wire = await stream.toResponse().text();
  return { wire, errors, closed: await closing };
}

test("A typed DataStream writes valid items, plain or built, as the map's events", async () => {
  const { wire, errors, closed } = await run([
    { event: "quote", data: { symbol: "ACME", price: 1.5 }, id: "1" },
    events.quote({ symbol: "ACME", price: 2 }, { id: "2" }),
    { event: "status", data: "open", retry: 1000 },
    { data: { text: "hi" }, comment: "note" },
    { event: "message", data: { text: "again" } },
  ]);
  expect(errors).toEqual([]);
  expect(closed.type).toBe("done");
  const parsed = parseWire(wire);
  expect(parsed.events).toEqual([
    { event: "quote", data: '{"symbol":"ACME","price":1.5}', id: "1" },
    { event: "quote", data: '{"symbol":"ACME","price":2}', id: "2" },
    { event: "status", data: "open", id: undefined },
    { event: undefined, data: '{"text":"hi"}', id: undefined },
    { event: undefined, data: '{"text":"again"}', id: undefined },
  ]);
  expect(parsed.retries).toEqual([1000]);
  expect(parsed.comments).toEqual(["", "note"]);
});

test("A typed DataStream sends an invalid item to onError as a TypeError, and nothing of it to the client", async () => {
  const { wire, errors, closed } = await run(
    (async function* () {
      yield { event: "quote", data: { symbol: "ACME", price: 1 }, id: "1" };
      yield { event: "quote", data: { symbol: "", price: -5 }, id: "2" };
      yield { event: "quote", data: { symbol: "ACME", price: 3 }, id: "3" };
    })(),
  );
  expect(parseWire(wire).events).toEqual([{ event: "quote", data: '{"symbol":"ACME","price":1}', id: "1" }]);
  expect(wire).not.toContain("-5");
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(TypeError);
  expect((errors[0] as Error).message).toMatch(
    /^Cannot build event "quote": `data` does not match its schema \(got an object; 2 issues\):\n {2}- data\.symbol: .+\n {2}- data\.price: .+$/,
  );
  // As a serializer error does: the stream ends, cleanly, through onError.
  expect(closed.type).toBe("error");
  expect(closed.cause).toBe(errors[0]);
});

test("A typed DataStream refuses an event the map does not name, a Message its builders did not make, and a bare value", async () => {
  const cases: Array<[unknown, RegExp]> = [
    [
      { event: "qoute", data: { symbol: "A", price: 1 } },
      /`event` must be one of "quote", "status", "message" \(got "qoute"\)/,
    ],
    [Message.json({ symbol: "A", price: 1 }).event("quote"), /was not made by a builder of this event map/],
    [events.quote({ symbol: "A", price: 1 }).event("status"), /was not made by a builder of this event map/],
    ["plain text", /expected an object \{ event, data, id\?, retry\?, comment\? \} \(got "plain text"\)/],
    [{ event: "quote", data: { symbol: "A", price: 1 }, extra: true }, /unknown field `extra`/],
  ];
  for (const [item, message] of cases) {
    const { wire, errors } = await run([events.status("open"), item, events.status("closed")]);
    expect(parseWire(wire).events.map((event) => event.data)).toEqual(["open"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toMatch(message);
  }
});

test("A typed push producer's send returns false for an invalid item, which goes to onError and not the wire", async () => {
  const results: boolean[] = [];
  const { wire, errors, closed } = await run((ctx: { send(item: unknown): boolean; close(): void }) => {
    results.push(ctx.send(events.status("open")));
    results.push(ctx.send({ event: "status", data: "ajar" }));
    results.push(ctx.send(events.status("closed")));
    ctx.close();
  });
  expect(results).toEqual([true, false, false]);
  expect(parseWire(wire).events.map((event) => event.data)).toEqual(["open"]);
  expect(wire).not.toContain("ajar");
  expect(errors).toHaveLength(1);
  expect((errors[0] as Error).message).toMatch(/^Cannot build event "status": `data` does not match its schema/);
  expect(closed.type).toBe("error");
});

test("A typed DataStream sends the Message onError returns only when the map's builders made it", async () => {
  const failing = async function* (): AsyncGenerator<unknown> {
    yield events.status("open");
    throw new Error("the feed broke");
  };
  const built = await run(failing(), () => events.status("closed"));
  expect(parseWire(built.wire).events.map((event) => event.data)).toEqual(["open", "closed"]);

  const raw = await run(failing(), (error) => (error instanceof TypeError ? undefined : Message.data("bye")));
  expect(parseWire(raw.wire).events.map((event) => event.data)).toEqual(["open"]);
  expect(raw.errors.map((error) => (error as Error).message)).toEqual([
    "the feed broke",
    expect.stringContaining("was not made by a builder of this event map"),
  ]);
});

test("A typed DataStream refuses a schema that validates asynchronously, as the builders do", async () => {
  const later: StandardSchemaV1<string> = {
    "~standard": { version: 1, vendor: "test", validate: async (value) => ({ value: String(value) }) },
  };
  const lazy = defineEvents({ note: later });
  const errors: unknown[] = [];
  const wire = await new DataStream([{ event: "note", data: "x" }], {
    events: lazy,
    keepAlive: false,
    onError: (error) => void errors.push(error),
  })
    .toResponse()
    .text();
  expect(parseWire(wire).events).toEqual([]);
  expect((errors[0] as Error).message).toMatch(/^Cannot build event "note": its schema validates asynchronously/);
});

test("new DataStream refuses serialize beside events, and events that is not an event map", () => {
  const withSerialize = catchError(() => new DataStream([], { events, serialize: JSON.stringify } as never));
  expect(withSerialize).toBeInstanceOf(TypeError);
  expect((withSerialize as Error).message).toBe(
    "Cannot create DataStream: `serialize` cannot go with `events`: the event map decides how each event's data is written",
  );
  for (const bad of [{ quote: z.object({}) }, null, "quote", () => {}]) {
    const error = catchError(() => new DataStream([], { events: bad as never }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^Cannot create DataStream: `events` must be an event map made by defineEvents\(\) \(got .+\)$/,
    );
  }
});

test("An untyped DataStream still sends any item, and a Message from anywhere", async () => {
  const wire = await new DataStream(["a", { b: 1 }, Message.data("c").event("x")], { keepAlive: false })
    .toResponse()
    .text();
  expect(parseWire(wire).events.map((event) => event.data)).toEqual(["a", '{"b":1}', "c"]);
});
