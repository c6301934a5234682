import { describeValue } from "../core/describe-value.ts";
import type { DataEncoding } from "./event-types.ts";
import type { StandardSchemaV1, StandardSchemaV1Props } from "./standard-schema.ts";

/** One event of a map, read and checked once, when the map is defined. */
export interface EventEntry {
  /** The name in the map; `message` is the default event. */
  readonly name: string;
  /** The `event:` field of its messages: `undefined` for the default event, which has none. */
  readonly field: string | undefined;
  /** The validator, as given. */
  readonly schema: StandardSchemaV1;
  /** Its `~standard` property, read once. */
  readonly standard: StandardSchemaV1Props;
  readonly encoding: DataEncoding;
  readonly description: string | undefined;
  /** `Cannot build event "tick"`: how errors about its messages start. */
  readonly context: string;
}

/** How the errors of a map's builders and `parse` start. */
export const BUILD_EVENT = "Cannot build event";
const DEFINITION_KEYS: ReadonlySet<string> = new Set(["schema", "encoding", "description"]);

/**
 * Reads one entry of a map: a Standard Schema V1 validator, or `{ schema, encoding?, description? }`.
 *
 * @throws {TypeError} naming the event and what is wrong with its entry
 */
export function readEventEntry(name: string, entry: unknown, context: string): EventEntry {
  const at = `${context}: event ${describeValue(name)}`;
  if (isStandardSchema(entry)) return made(name, entry, "json", undefined);
  if (typeof entry !== "object" || entry === null || !("schema" in entry)) {
    throw new TypeError(
      `${at} must map to a Standard Schema validator (zod, valibot, arktype, …) or to { schema, encoding?, description? } (got ${describeValue(entry)})`,
    );
  }
  for (const key of Object.keys(entry)) {
    if (!DEFINITION_KEYS.has(key)) {
      throw new TypeError(`${at} has an unknown key \`${key}\` (expected schema, encoding or description)`);
    }
  }
  const { schema, encoding = "json", description } = entry as Record<string, unknown>;
  if (!isStandardSchema(schema)) {
    throw new TypeError(`${at}: \`schema\` must be a Standard Schema validator (got ${describeValue(schema)})`);
  }
  if (encoding !== "json" && encoding !== "text") {
    throw new TypeError(`${at}: \`encoding\` must be "json" or "text" (got ${describeValue(encoding)})`);
  }
  if (description !== undefined && typeof description !== "string") {
    throw new TypeError(`${at}: \`description\` must be a string (got ${describeValue(description)})`);
  }
  return made(name, schema, encoding, description);
}

function made(
  name: string,
  schema: StandardSchemaV1,
  encoding: DataEncoding,
  description: string | undefined,
): EventEntry {
  const field = name === "message" ? undefined : name;
  const context = `${BUILD_EVENT} ${describeValue(name)}`;
  return { name, field, schema, standard: schema["~standard"], encoding, description, context };
}

/** Tells whether a value has a Standard Schema V1 `~standard` property with a `validate` function. */
function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const standard: unknown = (value as { "~standard"?: unknown })["~standard"];
  return (
    typeof standard === "object" &&
    standard !== null &&
    (standard as { version?: unknown }).version === 1 &&
    typeof (standard as { validate?: unknown }).validate === "function"
  );
}
