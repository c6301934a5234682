import { describeValue } from "./describe-value.ts";

/**
 * Checks that `options` is an object whose every key is known, suggesting the known key a
 * mistyped one differs from only in case.
 *
 * @throws {TypeError} naming `options`, or the unknown key
 */
export function checkOptionKeys(options: unknown, known: ReadonlySet<string>, context: string): asserts options is object {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${context}: \`options\` must be an object (got ${describeValue(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = [...known].find((name) => name.toLowerCase() === key.toLowerCase());
      throw new TypeError(`${context}: unknown option \`${key}\`${hint ? ` (did you mean \`${hint}\`?)` : ""}`);
    }
  }
}
