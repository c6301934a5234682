/**
 * The OpenAPI description of a `text/event-stream` response whose events come from an event map.
 *
 * @see https://spec.openapis.org/oas/v3.2.0.html#special-considerations-for-server-sent-events
 */
import { checkKeys } from "../core/check.ts";
import { describeValue } from "../core/describe-value.ts";
import type { EventEntry } from "./event-entry.ts";
import { jsonSchemaOf, type JsonSchemaObject } from "./json-schema-of.ts";

/** The Media Type Object of OpenAPI 3.2: each event of the stream is described by `itemSchema`. */
export interface OpenAPIItemMediaType {
  readonly itemSchema: JsonSchemaObject;
}

/** The Media Type Object for OpenAPI 3.1 tools, which know no `itemSchema`: one event's schema as `schema`. */
export interface OpenAPISchemaMediaType {
  readonly schema: JsonSchemaObject;
}

const CONTEXT = "Cannot describe events for OpenAPI";
const KEYS: ReadonlySet<string> = new Set(["version"]);

/**
 * [spec] An event is modelled as the object of its fields after parsing, every value a string but
 * `retry`, an integer: this envelope holds for every event; `oneOf` then fixes each event's type and
 * data. `data` that is JSON is a string with `contentMediaType` and `contentSchema`.
 */
function envelope(oneOf: JsonSchemaObject[]): JsonSchemaObject {
  return {
    type: "object",
    required: ["data"],
    properties: {
      event: { type: "string" },
      data: { type: "string" },
      id: { type: "string" },
      retry: { type: "integer", minimum: 0 },
    },
    oneOf,
  };
}

/**
 * Describes the events as an OpenAPI Media Type Object: `{ itemSchema }` (3.2, the default), or
 * `{ schema }` with the same schema for 3.1 tools. Every call makes a new object.
 *
 * @throws {TypeError} for an unknown option or version, or an event whose schema has no JSON Schema
 */
export function toOpenAPIMediaType(
  entries: Iterable<EventEntry>,
  options: unknown,
): OpenAPIItemMediaType | OpenAPISchemaMediaType {
  const { version = "3.2" } = (options ?? {}) as { version?: unknown };
  if (options !== undefined) checkKeys(options, KEYS, CONTEXT);
  if (version !== "3.2" && version !== "3.1") {
    throw new TypeError(`${CONTEXT}: \`version\` must be "3.2" or "3.1" (got ${describeValue(version)})`);
  }
  const schema = envelope(Array.from(entries, eventSchema));
  return version === "3.2" ? { itemSchema: schema } : { schema };
}

/**
 * One event: its `event` field is the constant name (the default event's is absent, or `"message"`,
 * which is what parsers make of an absent one), and its data the schema's output.
 */
function eventSchema(entry: EventEntry): JsonSchemaObject {
  const output = jsonSchemaOf(entry, "draft-2020-12", CONTEXT);
  const data =
    entry.encoding === "text"
      ? { ...output, type: "string", contentMediaType: "text/plain" }
      : { type: "string", contentMediaType: "application/json", contentSchema: output };
  return {
    title: entry.name,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    required: entry.field === undefined ? ["data"] : ["event", "data"],
    properties: { event: { const: entry.name }, data },
  };
}
