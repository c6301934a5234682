import type { ChannelEvent, ChannelFilter } from "./types.ts";
import { describeValue } from "../core/describe-value.ts";

/**
 * Turns a filter option into a predicate: an event name or a list of names matches the event's
 * type (`message` when it has none), as `EventSource` dispatches it.
 *
 * @throws {TypeError} naming `filter` and the bad value
 */
export function toPredicate(
  filter: ChannelFilter | undefined,
  context: string,
): ((event: ChannelEvent) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === "function") return filter;
  const names = typeof filter === "string" ? [filter] : filter;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === "string")) {
    throw new TypeError(
      `${context}: \`filter\` must be an event name, a non-empty array of names, or a function (got ${describeValue(filter)})`,
    );
  }
  const bad = names.find((name) => name === "" || /[\r\n]/.test(name));
  if (bad !== undefined) {
    // No event has such a type: `""` is `message`, and a name cannot hold a line break.
    throw new TypeError(
      `${context}: \`filter\` names must be event names: not empty (the default event is "message") and without line breaks (got ${describeValue(bad)})`,
    );
  }
  const wanted = new Set<string>(names);
  return (event) => wanted.has(event.event ?? "message");
}
