/**
 * Quotes a bad value for an error message: strings are JSON-quoted (so line breaks and NUL show
 * as escapes) and long ones are cut; other values are named by their type.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    return quoted.length > 80 ? `${quoted.slice(0, 77)}…"` : quoted;
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" || typeof value === "function") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object"
      ? `an instance of ${name}`
      : typeof value === "object"
        ? "an object"
        : "a function";
  }
  return `${typeof value} ${String(value)}`;
}

/** The message of an error, or the thrown value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
