/**
 * Quotes a bad value for an error message: strings are JSON-quoted (so line breaks and NUL show
 * as escapes) and long ones are cut; other values are named by their type.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    if (quoted.length <= 80) return quoted;
    // Never cut between the two halves of a surrogate pair: the message must stay well-formed text.
    const end = isHighSurrogate(quoted.charCodeAt(76)) ? 76 : 77;
    return `${quoted.slice(0, end)}…"`;
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" || typeof value === "function") {
    const name = constructorName(value);
    return typeof name === "string" && name !== "" && name !== "Object"
      ? `an instance of ${name}`
      : typeof value === "object"
        ? "an object"
        : "a function";
  }
  return `${typeof value} ${String(value)}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The name of `value`'s constructor; `undefined` when reading it throws (a Proxy, a getter). */
function constructorName(value: object): unknown {
  try {
    return (value as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    return undefined;
  }
}

/** The message of an error, or the thrown value as text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return describeValue(error); // an object without a usable toString
  }
}
