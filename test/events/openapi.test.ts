import * as v from "valibot";
import { expect, test } from "vitest";
import * as z from "zod";
import { DataStream, defineEvents, type StandardSchemaV1 } from "edge-sse";
import { collectText } from "../helpers/collect.ts";
import { parseWire } from "../helpers/event-reader.ts";
import { MAPS, sampleMessages, zodEvents } from "./maps.ts";
import { eventChecker, eventItem, lintWithRedocly, openAPIDocument, validateOpenAPI } from "./openapi-tools.ts";

/**
 * The events of a wire text as OpenAPI items, each with the `retry` of its own frame: our frames end
 * at the one empty line each has, so each is parsed on its own.
 */
function wireItems(wire: string): Record<string, unknown>[] {
  return wire.split(/(?<=\n\n)/).flatMap((frame) => {
    const { events, retries } = parseWire(frame);
    return events.map((event) => eventItem(event, retries[0]));
  });
}

test("toOpenAPI describes each event in a oneOf: a const event name, JSON data with its schema, text data as a string", () => {
  const { itemSchema } = zodEvents.toOpenAPI();
  expect(itemSchema).toEqual({
    type: "object",
    required: ["data"],
    properties: {
      event: { type: "string" },
      data: { type: "string" },
      id: { type: "string" },
      retry: { type: "integer", minimum: 0 },
    },
    oneOf: [
      {
        title: "quote",
        description: "A new price for one symbol",
        required: ["event", "data"],
        properties: {
          event: { const: "quote" },
          data: {
            type: "string",
            contentMediaType: "application/json",
            contentSchema: {
              type: "object",
              properties: {
                symbol: { type: "string", minLength: 1 },
                price: { type: "number", minimum: 0 },
                size: { type: "integer", exclusiveMinimum: 0, maximum: 9007199254740991 },
                side: { type: "string", enum: ["buy", "sell"] },
                at: { type: "string" },
              },
              required: ["symbol", "price", "size", "side", "at"],
              additionalProperties: false,
            },
          },
        },
      },
      {
        title: "status",
        description: "The market opened or closed",
        required: ["event", "data"],
        properties: {
          event: { const: "status" },
          data: { type: "string", enum: ["open", "closed"], contentMediaType: "text/plain" },
        },
      },
      {
        title: "message",
        required: ["data"],
        properties: {
          event: { const: "message" },
          data: {
            type: "string",
            contentMediaType: "application/json",
            contentSchema: {
              type: "object",
              properties: { text: { type: "string" } },
              required: ["text"],
              additionalProperties: false,
            },
          },
        },
      },
    ],
  });
});

test("toOpenAPI gives the same schema as `schema` for OpenAPI 3.1 tools, and a new object on every call", () => {
  const { schema } = zodEvents.toOpenAPI({ version: "3.1" });
  expect(schema).toEqual(zodEvents.toOpenAPI().itemSchema);
  expect(zodEvents.toOpenAPI().itemSchema).not.toBe(zodEvents.toOpenAPI().itemSchema);
  (zodEvents.toOpenAPI().itemSchema["properties"] as Record<string, unknown>)["id"] = "changed";
  expect((zodEvents.toOpenAPI().itemSchema["properties"] as Record<string, unknown>)["id"]).toEqual({ type: "string" });
});

test("toOpenAPI refuses unknown options and versions", () => {
  expect(() => zodEvents.toOpenAPI({ verison: "3.1" } as never)).toThrow(
    new TypeError("Cannot describe events for OpenAPI: unknown option `verison`"),
  );
  expect(() => zodEvents.toOpenAPI({ version: "3.0" } as never)).toThrow(
    new TypeError('Cannot describe events for OpenAPI: `version` must be "3.2" or "3.1" (got "3.0")'),
  );
});

test("toOpenAPI throws a TypeError naming the event whose schema offers no JSON Schema", () => {
  const plain: StandardSchemaV1<string> = {
    "~standard": { version: 1, vendor: "hand", validate: (value) => ({ value: String(value) }) },
  };
  expect(() => defineEvents({ tick: z.number(), plain }).toOpenAPI()).toThrow(
    new TypeError(
      'Cannot describe events for OpenAPI: the schema of event "plain" offers no JSON Schema ' +
        "(`~standard.jsonSchema` of Standard JSON Schema V1); zod and arktype schemas have it, and valibot's " +
        "get it from toStandardJsonSchema() in @valibot/to-json-schema",
    ),
  );
  expect(() => defineEvents({ tick: v.number() }).toOpenAPI()).toThrow(
    new TypeError(
      'Cannot describe events for OpenAPI: the schema of event "tick" offers no JSON Schema ' +
        "(`~standard.jsonSchema` of Standard JSON Schema V1); wrap valibot schemas with " +
        "toStandardJsonSchema() from @valibot/to-json-schema",
    ),
  );
  expect(() => defineEvents({ size: z.string().transform(Number) }).toOpenAPI()).toThrow(
    new TypeError(
      'Cannot describe events for OpenAPI: the schema of event "size" has no draft-2020-12 JSON Schema for ' +
        "its output (Transforms cannot be represented in JSON Schema)",
    ),
  );
});

test("toOpenAPI describes a transform's output when the transform ends in a schema", () => {
  const events = defineEvents({ size: z.string().transform(Number).pipe(z.number().int()) });
  expect(events.toOpenAPI().itemSchema["oneOf"]).toEqual([
    expect.objectContaining({
      properties: {
        event: { const: "size" },
        data: expect.objectContaining({ contentSchema: expect.objectContaining({ type: "integer" }) }),
      },
    }),
  ]);
});

test("A recursive schema gets an $id, so that its references resolve within it", () => {
  interface Node {
    name: string;
    children: Node[];
  }
  const node: z.ZodType<Node> = z.object({
    name: z.string(),
    get children() {
      return z.array(node);
    },
  });
  const events = defineEvents({ tree: node });
  const { itemSchema } = events.toOpenAPI();
  const data = (itemSchema["oneOf"] as Array<{ properties: { data: { contentSchema: Record<string, unknown> } } }>)[0]!
    .properties.data.contentSchema;
  expect(data["$id"]).toBe("urn:edge-sse:event:tree");
  expect(data["$schema"]).toBeUndefined();
  const check = eventChecker(itemSchema);
  const good = { name: "a", children: [{ name: "b", children: [] }] };
  expect(check({ event: "tree", data: events.tree(good).fields.data! })).toEqual([]);
  expect(
    check({ event: "tree", data: JSON.stringify({ name: "a", children: [{ name: 1, children: [] }] }) }),
  ).not.toEqual([]);
});

test.each(MAPS)(
  "The OpenAPI 3.2 document of a $vendor map is valid for @seriousme/openapi-schema-validator",
  async ({ events }) => {
    const result = await validateOpenAPI(openAPIDocument(events.toOpenAPI()));
    expect(result).toEqual({ valid: true, version: "3.2" });
    const document31 = openAPIDocument(events.toOpenAPI({ version: "3.1" }), "3.1.0");
    expect(await validateOpenAPI(document31)).toEqual({ valid: true, version: "3.1" });
  },
);

test("The OpenAPI validator refuses a document whose media type is broken, so its verdict can fail", async () => {
  const broken = openAPIDocument({ itemSchema: zodEvents.toOpenAPI().itemSchema, encoding: "utf-8" });
  expect((await validateOpenAPI(broken)).valid).toBe(false);
});

test.each(MAPS)("Redocly's linter finds no error in the OpenAPI 3.2 document of a $vendor map", async ({ events }) => {
  const problems = await lintWithRedocly(openAPIDocument(events.toOpenAPI()));
  expect(problems.filter((problem) => problem.severity === "error")).toEqual([]);
  // Its one warning: the default event's branch leaves `event` optional (absent or "message"), and the
  // rule cannot see that the named events' required constant names already tell the branches apart.
  expect(problems).toEqual([
    {
      ruleId: "no-illogical-composition-keywords",
      severity: "warn",
      message: expect.stringContaining("Found overlapping schemas: `quote` and `message`"),
    },
    {
      ruleId: "no-illogical-composition-keywords",
      severity: "warn",
      message: expect.stringContaining("Found overlapping schemas: `status` and `message`"),
    },
  ]);
});

test("Redocly's linter reports an error in a broken document, so its verdict can fail", async () => {
  const problems = await lintWithRedocly(openAPIDocument({ itemSchema: { type: "stream" } }));
  expect(problems.some((problem) => problem.severity === "error")).toBe(true);
});

test.each(MAPS)(
  "Every event a DataStream sends from a $vendor map validates against itemSchema",
  async ({ events }) => {
    const wire = await collectText(new DataStream(sampleMessages(events), { keepAlive: false }).toReadableStream());
    const items = wireItems(wire);
    expect(items).toEqual([
      { event: "status", data: "open", retry: 3000 },
      {
        event: "quote",
        data: '{"symbol":"ACME","price":12.5,"size":100,"side":"buy","at":"2026-01-01T00:00:00Z"}',
        id: "1",
      },
      { data: '{"text":"two\\nlines"}' },
      {
        event: "quote",
        data: '{"symbol":"BOLT","price":0,"size":1,"side":"sell","at":"2026-01-01T00:00:01Z"}',
        id: "2",
      },
      { event: "status", data: "closed" },
    ]);
    const check = eventChecker(events.toOpenAPI().itemSchema);
    for (const item of items) expect(check(item), JSON.stringify(item)).toEqual([]);
  },
);

test.each(MAPS)("itemSchema of a $vendor map refuses events a map would not send", ({ events }) => {
  const check = eventChecker(events.toOpenAPI().itemSchema);
  expect(check({ event: "quote", data: '{"symbol":"","price":-1,"size":0.5,"side":"hold","at":"x"}' })).not.toEqual([]);
  expect(check({ event: "status", data: "paused" })).not.toEqual([]);
  expect(check({ event: "unknown", data: "{}" })).not.toEqual([]);
  expect(check({ data: '{"text":1}' })).not.toEqual([]);
  expect(check({ event: "quote" })).not.toEqual([]);
  expect(check({ event: "status", data: "open", retry: -1 })).not.toEqual([]);
  expect(check({ event: "message", data: '{"text":"named the default way"}' })).toEqual([]);
});
