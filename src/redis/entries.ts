import type { ChannelEvent, ChannelEventInit } from "../channel/types.ts";
import type { EventFields } from "../core/frame.ts";

/**
 * XADD needs at least one field: an event with none of its own (only an id) is stored with this
 * one, which reading ignores like any field it does not know.
 */
const PLACEHOLDER = "empty";

const decoder = new TextDecoder();

/** The field list of a stream entry for `event`: its present fields, in a fixed order. */
export function toFields(event: ChannelEventInit): string[] {
  const fields: string[] = [];
  if (event.event !== undefined) fields.push("event", event.event);
  if (event.data !== undefined) fields.push("data", event.data);
  if (event.comment !== undefined) fields.push("comment", event.comment);
  if (event.retry !== undefined) fields.push("retry", String(event.retry));
  return fields.length > 0 ? fields : [PLACEHOLDER, ""];
}

/** The entries of an XRANGE or XREVRANGE reply (`[[id, [field, value, ...]], ...]`), as events. */
export function parseEntries(reply: unknown): ChannelEvent[] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) throw unexpected("a list of stream entries", reply);
  return reply.map(parseEntry);
}

/**
 * The entries of each stream in an XREAD reply, whichever shape the client gives it: `null` when
 * the read timed out, `[[key, entries], ...]` (RESP2), `[key, entries, ...]` (a RESP3 map as a flat
 * list), or a `Map` or plain object from key to entries (a RESP3 map).
 *
 * @returns `[key, events]` pairs, in the reply's order
 */
export function parseStreamReads(reply: unknown): Array<[string, ChannelEvent[]]> {
  if (reply === null || reply === undefined) return [];
  let pairs: Array<[unknown, unknown]>;
  if (reply instanceof Map) pairs = [...reply.entries()];
  else if (Array.isArray(reply)) {
    if (Array.isArray(reply[0])) pairs = (reply as unknown[][]).map((pair) => [pair[0], pair[1]]);
    else {
      pairs = [];
      for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
    }
  } else if (typeof reply === "object") pairs = Object.entries(reply);
  else throw unexpected("a stream read", reply);
  return pairs.map(([key, entries]) => {
    const name = text(key);
    if (name === undefined) throw unexpected("a stream key", key);
    return [name, parseEntries(entries)];
  });
}

function parseEntry(entry: unknown): ChannelEvent {
  if (!Array.isArray(entry) || entry.length < 2) throw unexpected("a stream entry [id, fields]", entry);
  const id = text(entry[0]);
  if (id === undefined) throw unexpected("a stream entry id", entry[0]);
  const event: { id: string } & { -readonly [Field in keyof EventFields]: EventFields[Field] } = { id };
  for (const [name, value] of fieldPairs(entry[1])) {
    if (name === "event" || name === "data" || name === "comment") event[name] = value;
    else if (name === "retry") event.retry = Number(value);
  }
  return event;
}

/** The `[name, value]` pairs of an entry's fields: a flat list, a `Map` or an object. */
function fieldPairs(fields: unknown): Array<[string, string]> {
  let pairs: Array<[unknown, unknown]>;
  if (Array.isArray(fields)) {
    pairs = [];
    for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([fields[i], fields[i + 1]]);
  } else if (fields instanceof Map) {
    pairs = [...fields.entries()];
  } else if (typeof fields === "object" && fields !== null) {
    pairs = Object.entries(fields);
  } else {
    throw unexpected("the fields of a stream entry", fields);
  }
  return pairs.map(([name, value]) => {
    const nameText = text(name);
    const valueText = text(value);
    if (nameText === undefined || valueText === undefined) throw unexpected("a field name and value", [name, value]);
    return [nameText, valueText];
  });
}

/** A reply string as text: strings as they are, bytes (Buffers) decoded as UTF-8. */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  return undefined;
}

function unexpected(what: string, value: unknown): Error {
  const shown = Array.isArray(value) ? `a list of ${value.length}` : value === null ? "null" : typeof value;
  return new Error(`Cannot read the Redis reply: expected ${what} (got ${shown})`);
}
