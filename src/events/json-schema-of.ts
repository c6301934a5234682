import { describeError, describeValue } from "../core/describe-value.ts";
import type { EventEntry } from "./event-entry.ts";
import type { StandardJSONSchemaV1Converter } from "./standard-schema.ts";

/** A JSON Schema, as an object of keywords. */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

/**
 * The JSON Schema of an event's data: the *output* type of its schema (what is sent), through
 * Standard JSON Schema V1 (`~standard.jsonSchema.output`), ready to be embedded in a larger document.
 * `$schema` is left out (the document says the dialect); a schema that refers to itself (`$ref: "#…"`)
 * gets an `$id`, so that its references stay within it.
 *
 * @throws {TypeError} naming the event when its schema offers no converter, or the conversion fails
 */
export function jsonSchemaOf(
  entry: EventEntry,
  target: "draft-2020-12" | "draft-07",
  context: string,
): JsonSchemaObject {
  const at = `${context}: the schema of event ${describeValue(entry.name)}`;
  const converter = (entry.standard as { jsonSchema?: Partial<StandardJSONSchemaV1Converter> }).jsonSchema;
  if (typeof converter?.output !== "function") {
    const hint =
      entry.standard.vendor === "valibot"
        ? "; wrap valibot schemas with toStandardJsonSchema() from @valibot/to-json-schema"
        : "; zod and arktype schemas have it, and valibot's get it from toStandardJsonSchema() in @valibot/to-json-schema";
    throw new TypeError(`${at} offers no JSON Schema (\`~standard.jsonSchema\` of Standard JSON Schema V1)${hint}`);
  }
  let converted: unknown;
  try {
    converted = converter.output({ target });
  } catch (error) {
    throw new TypeError(`${at} has no ${target} JSON Schema for its output (${describeError(error)})`, {
      cause: error,
    });
  }
  if (typeof converted !== "object" || converted === null || Array.isArray(converted)) {
    throw new TypeError(
      `${at}: \`~standard.jsonSchema.output\` must return an object (got ${describeValue(converted)})`,
    );
  }
  const { $schema: _dialect, ...schema } = converted as Record<string, unknown>;
  return hasLocalReference(schema)
    ? { $id: `urn:edge-sse:event:${encodeURIComponent(entry.name)}`, ...schema }
    : schema;
}

/** Tells whether a schema holds a `$ref` to a place within its own document (`#`, `#/$defs/…`). */
function hasLocalReference(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasLocalReference);
  for (const [key, child] of Object.entries(value)) {
    if (key === "$ref" && typeof child === "string" && child.startsWith("#")) return true;
    if (hasLocalReference(child)) return true;
  }
  return false;
}
