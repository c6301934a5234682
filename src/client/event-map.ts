/**
 * Typed events for the client: a map of event names to Standard Schema V1 validators (zod, valibot,
 * arktype, …), or the object `defineEvents` returns, which carries its map under `EVENT_MAP`. Declared
 * structurally, so the package depends on no validator and on no copy of the specification.
 *
 * @see https://standardschema.dev
 */
import { describeValue } from "../core/describe-value.ts";
import { EVENT_MAP } from "../events/event-map-key.ts";
import { EventStreamError } from "./event-stream-error.ts";
import type { ServerSentEvent } from "./types.ts";

/** One problem a validator found. */
export interface StandardIssueLike {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a Standard Schema V1 validator returns. */
export type StandardResultLike<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssueLike> };

/** A Standard Schema V1 validator, as much of it as the client uses. */
export interface StandardSchemaLike<Output = unknown> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResultLike<Output> | Promise<StandardResultLike<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/**
 * One entry of an event map: a validator of the event's data (sent as JSON), or `{ schema, encoding }`
 * where `encoding: "text"` means the data is the string itself, not JSON.
 */
export type EventSchema =
  | StandardSchemaLike
  | { readonly schema: StandardSchemaLike; readonly encoding?: "json" | "text"; readonly description?: string };

/** Event names to the validators of their data. `message` is the unnamed (default) event. */
export type EventSchemaMap = { readonly [name: string]: EventSchema };

/** An object that carries an event map under `EVENT_MAP` (what `defineEvents` returns). */
export interface EventMapHolder<M extends EventSchemaMap = EventSchemaMap> {
  readonly [EVENT_MAP]: M;
}

type SchemaOf<Entry> = Entry extends { readonly schema: infer Schema } ? Schema : Entry;

type OutputFromValidate<Props> = Props extends { readonly validate: (value: never) => infer Result }
  ? Awaited<Result> extends infer Settled
    ? Settled extends { readonly value: infer Value }
      ? Value
      : never
    : never
  : unknown;

/**
 * The output type of a validator: its declared `types.output` (zod, valibot, arktype declare it), else
 * what its `validate` returns. (`"types" extends keyof`: a type without `types` is not assignable to
 * one whose properties are all optional, so `extends { types?: infer T }` cannot test for it.)
 */
export type OutputOf<Schema> = Schema extends { readonly "~standard": infer Props }
  ? "types" extends keyof Props
    ? NonNullable<Props["types" & keyof Props]> extends { readonly output: infer Output }
      ? Output
      : OutputFromValidate<Props>
    : OutputFromValidate<Props>
  : unknown;

/** The map of an events option. */
export type MapOf<Events> = Events extends EventSchemaMap ? Events : Events extends EventMapHolder<infer M> ? M : never;

/** The items a subscription with this event map yields: one member per event, discriminated by `event`. */
export type TypedEventOf<Events> = {
  [Name in keyof MapOf<Events> & string]: ServerSentEvent<Name, OutputOf<SchemaOf<MapOf<Events>[Name]>>>;
}[keyof MapOf<Events> & string];

/**
 * Turns a raw event into a typed one; throws (or rejects with) an `EventStreamError` of type
 * `"invalid-event"` when it cannot.
 */
export type EventDecoder = (
  event: ServerSentEvent,
) => ServerSentEvent<string, unknown> | Promise<ServerSentEvent<string, unknown>>;

interface Entry {
  readonly standard: StandardSchemaLike["~standard"];
  readonly json: boolean;
}

/**
 * Reads an events option once, and returns the decoder of its events.
 *
 * @throws {TypeError} naming the entry that is not a validator, or the option when it is no map
 */
export function createEventDecoder(events: unknown, context: string): EventDecoder {
  const map =
    typeof events === "object" && events !== null && EVENT_MAP in events
      ? (events as EventMapHolder)[EVENT_MAP]
      : events;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new TypeError(
      `${context}: \`events\` must be a map of event names to Standard Schema validators, or a defineEvents result (got ${describeValue(events)})`,
    );
  }
  const entries = new Map<string, Entry>();
  for (const [name, entry] of Object.entries(map)) entries.set(name, readEntry(name, entry, context));
  if (entries.size === 0) throw new TypeError(`${context}: \`events\` has no event`);
  const known = Array.from(entries.keys(), (name) => JSON.stringify(name)).join(", ");

  const finish = (event: ServerSentEvent, result: StandardResultLike<unknown>): ServerSentEvent<string, unknown> => {
    if (result.issues !== undefined) {
      throw invalid(event, `its data does not match the schema: ${describeIssues(result.issues)}`, {
        issues: result.issues,
      });
    }
    return { ...event, data: result.value }; // its id and retry kept
  };
  return (event) => {
    const entry = entries.get(event.event);
    if (entry === undefined) throw invalid(event, `the event map has no such event (it has ${known})`);
    let value: unknown = event.data;
    if (entry.json) {
      try {
        value = JSON.parse(event.data);
      } catch (error) {
        throw invalid(event, `its data is not JSON (got ${describeValue(event.data)})`, { cause: error });
      }
    }
    const result = entry.standard.validate(value);
    return result instanceof Promise ? result.then((settled) => finish(event, settled)) : finish(event, result);
  };
}

function invalid(
  event: ServerSentEvent,
  why: string,
  details: { issues?: ReadonlyArray<StandardIssueLike>; cause?: unknown } = {},
): EventStreamError {
  const id = event.id === "" ? "" : ` (id ${describeValue(event.id)})`;
  return new EventStreamError("invalid-event", `Cannot read the event ${describeValue(event.event)}${id}: ${why}`, {
    ...details,
    event,
  });
}

function readEntry(name: string, entry: unknown, context: string): Entry {
  const schema =
    typeof entry === "object" && entry !== null && "schema" in entry ? (entry as { schema: unknown }).schema : entry;
  const encoding = schema === entry ? "json" : ((entry as { encoding?: unknown }).encoding ?? "json");
  const standard =
    typeof schema === "object" || typeof schema === "function"
      ? (schema as { "~standard"?: { validate?: unknown } } | null)?.["~standard"]
      : undefined;
  if (typeof standard !== "object" || standard === null || typeof standard.validate !== "function") {
    throw new TypeError(
      `${context}: \`events.${name}\` must be a Standard Schema validator or { schema, encoding? } (got ${describeValue(entry)})`,
    );
  }
  if (encoding !== "json" && encoding !== "text") {
    throw new TypeError(
      `${context}: \`events.${name}.encoding\` must be "json" or "text" (got ${describeValue(encoding)})`,
    );
  }
  return { standard: standard as StandardSchemaLike["~standard"], json: encoding === "json" };
}

/** The issues of a validator as one line: `message at a.b; message`. */
export function describeIssues(issues: ReadonlyArray<StandardIssueLike>): string {
  return issues
    .map(({ message, path }) => {
      const at = (path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");
      return at === "" ? message : `${message} at ${at}`;
    })
    .join("; ");
}
