import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { expect, test } from "vitest";
import * as z from "zod";
import { GAP_EVENT } from "edge-sse/channel";
import { defineEvents, Message, type StandardSchemaV1 } from "edge-sse";
import { catchError } from "../helpers/catch-error.ts";
import { parseWire } from "../helpers/event-reader.ts";

const tick = z.object({ n: z.number().int(), at: z.string() });

test("A builder returns the Message of the validated data, with its event name and fields", () => {
  const events = defineEvents({ tick });
  const message = events.tick({ n: 1, at: "now" }, { id: "1", retry: 500, comment: "c" });
  expect(message).toBeInstanceOf(Message);
  expect(message.fields).toEqual({ event: "tick", data: '{"n":1,"at":"now"}', id: "1", retry: 500, comment: "c" });
  expect(parseWire(message.toString()).events).toEqual([{ event: "tick", data: '{"n":1,"at":"now"}', id: "1" }]);
});

test("The message builder sends the default event, with no event field", () => {
  const events = defineEvents({ message: z.object({ text: z.string() }) });
  expect(events.message({ text: "hi" }).toString()).toBe('data: {"text":"hi"}\n\n');
  expect(parseWire(events.message({ text: "hi" }).toString()).events[0]?.event).toBeUndefined();
});

test("A builder sends the schema's output, not its input, when the schema transforms", () => {
  const events = defineEvents({ size: z.object({ name: z.string().trim(), bytes: z.string().transform(Number) }) });
  expect(events.size({ name: "  a.txt ", bytes: "12" }).fields.data).toBe('{"name":"a.txt","bytes":12}');
});

test("A builder throws a TypeError that names the event and lists each issue with its path", () => {
  const events = defineEvents({ tick, list: z.object({ items: z.array(z.object({ "a key": z.string() })) }) });
  const error = catchError(() => events.tick({ n: 1.5, at: 3 } as never));
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe(
    [
      'Cannot build event "tick": `data` does not match its schema (got an object; 2 issues):',
      "  - data.n: Invalid input: expected int, received number",
      "  - data.at: Invalid input: expected string, received number",
    ].join("\n"),
  );
  expect((error as Error).cause).toHaveLength(2);
  expect(() => events.list({ items: [{ "a key": 1 }] } as never)).toThrow('  - data.items[0]["a key"]: Invalid input');
  expect(() => events.tick("x" as never)).toThrow(
    'Cannot build event "tick": `data` does not match its schema (got "x"; 1 issue):\n  - data: Invalid input: expected object, received string',
  );
});

test("A builder lists at most ten issues and counts the rest", () => {
  const events = defineEvents({ many: z.array(z.string()) });
  const message = (catchError(() => events.many(Array.from({ length: 13 }, (_, index) => index) as never)) as Error)
    .message;
  expect(message).toContain("13 issues");
  expect(message).toContain("  - data[9]: ");
  expect(message).not.toContain("  - data[10]: ");
  expect(message.endsWith("  - … and 3 more")).toBe(true);
});

test("Builders validate with valibot and arktype, whose issues carry paths in their own forms", () => {
  const events = defineEvents({
    plain: v.object({ user: v.object({ name: v.string() }) }),
    described: toStandardJsonSchema(v.object({ n: v.number() })),
    ark: type({ ok: "boolean" }),
  });
  expect(events.plain({ user: { name: "ada" } }).fields.data).toBe('{"user":{"name":"ada"}}');
  expect(events.described({ n: 1 }).fields.data).toBe('{"n":1}');
  expect(events.ark({ ok: true }).fields.data).toBe('{"ok":true}');
  expect(() => events.plain({ user: { name: 1 } } as never)).toThrow(
    "  - data.user.name: Invalid type: Expected string but received 1",
  );
  expect(() => events.ark({ ok: 1 } as never)).toThrow(
    'Cannot build event "ark": `data` does not match its schema (got an object; 1 issue):\n  - data.ok: ok must be boolean (was 1)',
  );
});

test("A text event sends its string output as is, split into data lines", () => {
  const events = defineEvents({ note: { schema: z.string().max(20), encoding: "text" } });
  const message = events.note("two\nlines");
  expect(message.toString()).toBe("event: note\ndata: two\ndata: lines\n\n");
  expect(() => events.note("x".repeat(21))).toThrow('Cannot build event "note": `data` does not match its schema');
});

test("A text event whose schema outputs no string is a TypeError when data is built", () => {
  const events = defineEvents({
    count: { schema: z.string().transform((text) => text.length), encoding: "text" } as never,
  });
  expect(() => (events as unknown as Record<string, (data: unknown) => Message>)["count"]!("abc")).toThrow(
    new TypeError('Cannot build event "count": a text event\'s schema must output a string (got number 3)'),
  );
});

test("A builder refuses a schema that validates asynchronously, and leaves no unhandled rejection", async () => {
  const rejected: unknown[] = [];
  const onRejection = (reason: unknown) => rejected.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    const failing: StandardSchemaV1 = {
      "~standard": { version: 1, vendor: "test", validate: () => Promise.reject(new Error("later")) },
    };
    const events = defineEvents({ zodAsync: z.string().refine(async () => true), failing });
    expect(() => events.zodAsync("x")).toThrow(
      new TypeError(
        'Cannot build event "zodAsync": its schema validates asynchronously (`~standard.validate` returned a ' +
          "promise), and builders are synchronous; give this event a schema without async checks or transforms",
      ),
    );
    expect(() => events.failing("x")).toThrow(/^Cannot build event "failing": its schema validates asynchronously/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rejected).toEqual([]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
});

test("A builder refuses output with no JSON form, naming the event", () => {
  const events = defineEvents({ big: z.bigint(), nothing: z.undefined() });
  expect(() => events.big(1n)).toThrow(
    new TypeError('Cannot build event "big": `data` is not JSON-serializable (Do not know how to serialize a BigInt)'),
  );
  expect(() => events.nothing(undefined)).toThrow(
    new TypeError('Cannot build event "nothing": `data` has no JSON form (got undefined)'),
  );
});

test("A builder refuses invalid and unknown fields, naming the event", () => {
  const events = defineEvents({ tick });
  const data = { n: 1, at: "now" };
  expect(() => events.tick(data, { id: "a\nb" })).toThrow(
    new TypeError('Cannot build event "tick": `id` must not contain a line break: U+000A at 1 (got "a\\nb")'),
  );
  expect(() => events.tick(data, { retry: -1 })).toThrow(
    new TypeError('Cannot build event "tick": `retry` must be a non-negative integer of milliseconds (got number -1)'),
  );
  expect(() => events.tick(data, { event: "other" } as never)).toThrow(
    new TypeError('Cannot build event "tick": unknown field `event` in `fields` (expected id, retry or comment)'),
  );
  expect(() => events.tick(data, "1" as never)).toThrow(
    new TypeError('Cannot build event "tick": `fields` must be an object of id, retry and comment (got "1")'),
  );
});

test("defineEvents refuses names the event-stream format or the map cannot carry", () => {
  const schema = z.string();
  expect(() => defineEvents({ "a\nb": schema })).toThrow(
    new TypeError('Cannot define events: `event` must not contain a line break (got "a\\nb")'),
  );
  expect(() => defineEvents({ "": schema })).toThrow(
    new TypeError('Cannot define events: the event name "" is the default event; name it "message"'),
  );
  for (const [name, what] of [
    [GAP_EVENT, "gap marker"],
    ["edge-sse-end", "end event"],
    ["edge-sse-expired", "expiry event"],
  ]) {
    expect(() => defineEvents({ [name!]: schema })).toThrow(
      new TypeError(
        `Cannot define events: the event name "${name}" is the ${what} the library sends itself; choose another name`,
      ),
    );
  }
  for (const name of ["parse", "toOpenAPI", "toAsyncAPI", "toString", "constructor", "hasOwnProperty"]) {
    expect(() => defineEvents({ [name]: schema })).toThrow(
      new TypeError(
        `Cannot define events: the event name "${name}" is taken by a member of the event map (parse, ` +
          `toOpenAPI, toAsyncAPI, or one of Object.prototype); choose another name`,
      ),
    );
  }
  expect(() => defineEvents(JSON.parse('{"__proto__": 1}'))).toThrow(/the event name "__proto__" is taken by a member/);
});

test("defineEvents refuses maps and entries that are not what it takes", () => {
  expect(() => defineEvents({})).toThrow(new TypeError("Cannot define events: the map has no event"));
  expect(() => defineEvents(null as never)).toThrow(
    new TypeError("Cannot define events: expected an object of event names to schemas (got null)"),
  );
  expect(() => defineEvents({ tick: { n: "number" } } as never)).toThrow(
    new TypeError(
      'Cannot define events: event "tick" must map to a Standard Schema validator (zod, valibot, arktype, ' +
        "…) or to { schema, encoding?, description? } (got an object)",
    ),
  );
  expect(() => defineEvents({ tick: { schema: tick, encoding: "xml" } } as never)).toThrow(
    new TypeError('Cannot define events: event "tick": `encoding` must be "json" or "text" (got "xml")'),
  );
  expect(() => defineEvents({ tick: { schema: tick, title: "x" } } as never)).toThrow(
    new TypeError(
      'Cannot define events: event "tick" has an unknown key `title` (expected schema, encoding or description)',
    ),
  );
  expect(() => defineEvents({ tick: { schema: {} } } as never)).toThrow(
    new TypeError('Cannot define events: event "tick": `schema` must be a Standard Schema validator (got an object)'),
  );
  expect(() => defineEvents({ tick: { schema: tick, description: 1 } } as never)).toThrow(
    new TypeError('Cannot define events: event "tick": `description` must be a string (got number 1)'),
  );
});

test("The event map is frozen, so a builder cannot be swapped for one that skips validation", () => {
  const events = defineEvents({ tick });
  expect(Object.isFrozen(events)).toBe(true);
  expect(Object.keys(events).sort()).toEqual(["parse", "tick", "toAsyncAPI", "toOpenAPI"]);
});

test("parse checks an item against the map and returns its validated Message", () => {
  const events = defineEvents({ tick, message: z.string() });
  expect(events.parse({ event: "tick", data: { n: 2, at: "x" }, id: "9" }).toString()).toBe(
    'event: tick\nid: 9\ndata: {"n":2,"at":"x"}\n\n',
  );
  expect(events.parse({ data: "plain" }).toString()).toBe('data: "plain"\n\n');
  expect(events.parse({ event: "message", data: "plain" }).toString()).toBe('data: "plain"\n\n');
  expect(() => events.parse({ event: "tock", data: 1 } as never)).toThrow(
    new TypeError('Cannot build event: `event` must be one of "tick", "message" (got "tock")'),
  );
  expect(() => events.parse({ event: "tick", data: { n: "1", at: "x" } } as never)).toThrow(
    /^Cannot build event "tick": `data` does not match its schema/,
  );
  expect(() => events.parse({ event: "tick", data: {}, extra: 1 } as never)).toThrow(
    new TypeError("Cannot build event: unknown field `extra` (expected event, data, id, retry or comment)"),
  );
  expect(() => events.parse("tick" as never)).toThrow(
    new TypeError('Cannot build event: expected an object { event, data, id?, retry?, comment? } (got "tick")'),
  );
});

test("parse returns a Message made by the map's builders as it is (ids and comments set later too), and refuses any other Message", () => {
  const events = defineEvents({ tick });
  const built = events.tick({ n: 1, at: "x" });
  expect(events.parse(built)).toBe(built);
  expect(events.parse(events.parse({ event: "tick", data: { n: 1, at: "x" } }))).toBeInstanceOf(Message);
  expect(() => events.parse(Message.json({ n: "not checked" }).event("tick"))).toThrow(
    new TypeError(
      "Cannot build event: this Message was not made by a builder of this event map, so its data cannot be checked (build it with events.<name>(data))",
    ),
  );
  expect(() => defineEvents({ tick }).parse(built)).toThrow(/was not made by a builder of this event map/);
  expect(() => events.parse(built.data('{"n":"changed"}'))).toThrow(/was not made by a builder of this event map/);
  expect(events.parse(built.id("2").retry(10).comment("c")).toString()).toBe(
    ': c\nevent: tick\nid: 2\nretry: 10\ndata: {"n":1,"at":"x"}\n\n',
  );
  expect(() => events.parse(built.event("other"))).toThrow(/was not made by a builder of this event map/);
});
