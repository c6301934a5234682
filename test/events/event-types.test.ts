// Type-level tests: `npm run typecheck` (tsc -p tsconfig.test.json) checks the expectTypeOf calls and
// fails on any `@ts-expect-error` line that is not an error. The runtime part only runs the same calls.
import type { StandardJSONSchemaV1 as SpecJSONSchema, StandardSchemaV1 as SpecSchema } from "@standard-schema/spec";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { expect, expectTypeOf, test } from "vitest";
import * as z from "zod";
import {
  type DataInputOf,
  type DataOf,
  defineEvents,
  type EventInputOf,
  type EventNameOf,
  type EventOf,
  Message,
  type StandardJSONSchemaV1,
  type StandardSchemaV1,
} from "edge-sse";

const events = defineEvents({
  tick: z.object({ n: z.number(), at: z.string() }),
  size: z.object({ bytes: z.string().transform(Number) }),
  note: { schema: z.string(), encoding: "text" },
  message: v.object({ text: v.string() }),
  ark: type({ ok: "boolean" }),
});

test("The types of a map name its events and their data, input and output", () => {
  expectTypeOf<EventNameOf<typeof events>>().toEqualTypeOf<"tick" | "size" | "note" | "message" | "ark">();
  expectTypeOf<DataOf<typeof events, "tick">>().toEqualTypeOf<{ n: number; at: string }>();
  expectTypeOf<DataOf<typeof events, "size">>().toEqualTypeOf<{ bytes: number }>();
  expectTypeOf<DataInputOf<typeof events, "size">>().toEqualTypeOf<{ bytes: string }>();
  expectTypeOf<DataOf<typeof events, "note">>().toEqualTypeOf<string>();
  expectTypeOf<DataOf<typeof events, "message">>().toEqualTypeOf<{ text: string }>();
  expectTypeOf<DataOf<typeof events, "ark">>().toEqualTypeOf<{ ok: boolean }>();
  expectTypeOf(events.tick).parameter(0).toEqualTypeOf<{ n: number; at: string }>();
  expectTypeOf(events.tick).returns.toEqualTypeOf<Message>();
  expect(events.tick({ n: 1, at: "x" })).toBeInstanceOf(Message);
});

test("EventOf is a union discriminated by event, so a client narrows data by the event name", () => {
  const describe = (item: EventOf<typeof events>): string => {
    switch (item.event) {
      case "tick":
        expectTypeOf(item.data).toEqualTypeOf<{ n: number; at: string }>();
        return `tick ${item.data.n}`;
      case "note":
        expectTypeOf(item.data).toEqualTypeOf<string>();
        return item.data;
      case undefined:
      case "message":
        expectTypeOf(item.data).toEqualTypeOf<{ text: string }>();
        return item.data.text;
      default:
        return item.event;
    }
  };
  expect(describe({ event: "tick", data: { n: 1, at: "x" } })).toBe("tick 1");
  expect(describe({ data: { text: "hi" } })).toBe("hi");
  expect(describe({ event: "message", data: { text: "hi" }, id: "1", retry: 10 })).toBe("hi");
});

test("A misspelled event name or a wrong data shape is a compile error", () => {
  const thrown: unknown[] = [];
  const attempt = (fn: () => unknown): void => {
    try {
      fn();
    } catch (error) {
      thrown.push(error);
    }
  };
  // @ts-expect-error: no event "tock"
  attempt(() => events.tock({ n: 1, at: "x" }));
  // @ts-expect-error: n must be a number
  attempt(() => events.tick({ n: "1", at: "x" }));
  // @ts-expect-error: at is missing
  attempt(() => events.tick({ n: 1 }));
  // @ts-expect-error: the input of size is a string, not its output
  attempt(() => events.size({ bytes: 12 }));
  // @ts-expect-error: a text event takes what its schema takes
  attempt(() => events.note(5));
  // @ts-expect-error: fields hold id, retry and comment only
  attempt(() => events.tick({ n: 1, at: "x" }, { event: "x" }));
  // @ts-expect-error: no event "tock"
  attempt(() => events.parse({ event: "tock", data: {} }));
  // @ts-expect-error: the data of tick has the wrong shape
  attempt(() => events.parse({ event: "tick", data: { text: "hi" } }));
  // @ts-expect-error: the default event's data has the wrong shape
  attempt(() => events.parse({ data: { n: 1, at: "x" } }));
  // @ts-expect-error: a client's union has no event "tock"
  const item: EventOf<typeof events> = { event: "tock", data: { n: 1, at: "x" } };
  // @ts-expect-error: an OpenAPI version that does not exist
  attempt(() => events.toOpenAPI({ version: "3.0" }));
  expect(thrown).toHaveLength(10);
  expect(item.event).toBe("tock");
});

test("A text event needs a schema that outputs a string", () => {
  // @ts-expect-error: the output of z.number() is no string
  expect(() => defineEvents({ count: { schema: z.number(), encoding: "text" } })).not.toThrow();
  expect(() => defineEvents({ count: { schema: z.number(), encoding: "json" } })).not.toThrow();
});

test("The OpenAPI result's key follows the version asked for", () => {
  const described = defineEvents({ tick: z.object({ n: z.number() }) });
  expectTypeOf(described.toOpenAPI()).toHaveProperty("itemSchema");
  expectTypeOf(described.toOpenAPI({ version: "3.1" })).toHaveProperty("schema");
  expect(Object.keys(described.toOpenAPI({ version: "3.1" }))).toEqual(["schema"]);
});

test("EventInputOf types the items parse takes, with each schema's input", () => {
  const item: EventInputOf<typeof events> = { event: "size", data: { bytes: "12" }, comment: "c" };
  expect(events.parse(item).fields.data).toBe('{"bytes":12}');
});

test("The declared Standard Schema interfaces and those of the specification fit each other", () => {
  expectTypeOf<SpecSchema<{ a: 1 }, string>>().toExtend<StandardSchemaV1<{ a: 1 }, string>>();
  expectTypeOf<StandardSchemaV1<{ a: 1 }, string>>().toExtend<SpecSchema<{ a: 1 }, string>>();
  expectTypeOf<SpecSchema<string> & SpecJSONSchema<string>>().toExtend<StandardJSONSchemaV1<string>>();
  expectTypeOf<StandardJSONSchemaV1<string>>().toExtend<SpecJSONSchema<string>>();
  expectTypeOf(z.string()).toExtend<StandardJSONSchemaV1<string>>();
  expectTypeOf(type("string")).toExtend<StandardJSONSchemaV1<string>>();
  expectTypeOf(toStandardJsonSchema(v.string())).toExtend<StandardJSONSchemaV1<string>>();
  expectTypeOf(v.string()).toExtend<StandardSchemaV1<string>>();
  expect(defineEvents({ s: toStandardJsonSchema(v.string()) }).s("x").fields.data).toBe('"x"');
});
