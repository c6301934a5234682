import { describeError, describeValue } from "../core/describe-value.ts";
import { CREATE_MESSAGE, type Message, type MessageInit } from "../core/message.ts";
import { describeIssues } from "./describe-issues.ts";
import type { EventEntry } from "./event-entry.ts";
import type { EventBuilderFields } from "./event-types.ts";

const FIELD_KEYS: ReadonlySet<string> = new Set(["id", "retry", "comment"]);

/** What makes the messages of one map: `Message`, or a subclass that marks them as the map's. */
export type MessageConstructor = new (init: MessageInit) => Message;

/**
 * Validates `data` with the event's schema (synchronously) and returns the message of its output:
 * JSON, or the string itself for a text event, with the event's `event:` field and the given fields.
 *
 * @throws {TypeError} naming the event: the data does not match (with the issues and their paths),
 * the schema validates asynchronously, the output cannot be encoded, or a field is invalid
 */
export function buildEventMessage(
  entry: EventEntry,
  data: unknown,
  fields: EventBuilderFields | undefined,
  MadeMessage: MessageConstructor,
): Message {
  if (fields !== undefined) checkFields(fields, entry.context);
  // Always the same keys, so that every init has one shape; Message takes undefined as absent.
  const init: MessageInit = {
    data: encodeData(entry, validatedOutput(entry, data)),
    event: entry.field,
    id: fields?.id,
    retry: fields?.retry,
    comment: fields?.comment,
  };
  try {
    return new MadeMessage(init);
  } catch (error) {
    // The Message's own grammar ("Cannot create message: `id` …"), said of this event.
    const text = describeError(error);
    const reason = text.startsWith(`${CREATE_MESSAGE}: `) ? text.slice(CREATE_MESSAGE.length + 2) : text;
    throw new TypeError(`${entry.context}: ${reason}`, { cause: error });
  }
}

function validatedOutput(entry: EventEntry, data: unknown): unknown {
  const { context } = entry;
  const result = entry.standard.validate(data);
  if (typeof (result as { then?: unknown }).then === "function") {
    // Nobody awaits it: keep a rejection from being reported as unhandled.
    (result as Promise<unknown>).then(undefined, () => {});
    throw new TypeError(
      `${context}: its schema validates asynchronously (\`~standard.validate\` returned a promise), and ` +
        `builders are synchronous; give this event a schema without async checks or transforms`,
    );
  }
  const { issues } = result as { issues?: ReadonlyArray<{ message: string }> };
  if (issues !== undefined) {
    const count = issues.length === 1 ? "1 issue" : `${issues.length} issues`;
    throw new TypeError(
      `${context}: \`data\` does not match its schema (got ${describeValue(data)}; ${count}):\n${describeIssues(issues)}`,
      { cause: issues },
    );
  }
  return (result as { value: unknown }).value;
}

function encodeData(entry: EventEntry, output: unknown): string {
  const { context } = entry;
  if (entry.encoding === "text") {
    if (typeof output === "string") return output;
    throw new TypeError(`${context}: a text event's schema must output a string (got ${describeValue(output)})`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (error) {
    throw new TypeError(`${context}: \`data\` is not JSON-serializable (${describeError(error)})`, { cause: error });
  }
  if (typeof text !== "string") {
    throw new TypeError(`${context}: \`data\` has no JSON form (got ${describeValue(output)})`);
  }
  return text;
}

/** Checks that `fields` is an object of `id`, `retry` and `comment` only (Message checks their values). */
function checkFields(fields: unknown, context: string): void {
  if (typeof fields !== "object" || fields === null) {
    throw new TypeError(
      `${context}: \`fields\` must be an object of id, retry and comment (got ${describeValue(fields)})`,
    );
  }
  for (const key of Object.keys(fields)) {
    if (!FIELD_KEYS.has(key)) {
      throw new TypeError(`${context}: unknown field \`${key}\` in \`fields\` (expected id, retry or comment)`);
    }
  }
}
