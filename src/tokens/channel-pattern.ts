/**
 * The channels a token grants are patterns: an exact name (`"user:42"`), or a prefix ending in `*`
 * (`"doc:*"`), or `"*"` alone for every channel. A prefix covers the names that start with it and
 * go on: `"doc:*"` covers `"doc:1"` and `"doc:10"`, never `"doc:"` itself, and `"doc:1"` covers
 * `"doc:1"` only. The character before `*` must not be a letter, a digit or a combining mark, so that
 * `"doc1*"`, which would cover `"doc10"` as well, cannot be granted by mistake: end a prefix with the
 * separator.
 */

/** Why a pattern is invalid, as the end of a sentence, or `undefined` when it is valid. */
export function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== "string" || pattern === "") return "must be a non-empty string";
  if (/[\uD800-\uDFFF]/u.test(pattern)) return "must not contain lone surrogates";
  const star = pattern.indexOf("*");
  if (star !== -1 && star !== pattern.length - 1) return "may hold `*` only at its end, as a prefix's wildcard";
  if (star > 0) {
    const before = [...pattern.slice(0, star)].pop()!;
    // A combining mark (`e\u0301`) goes on the character before it: the prefix would end inside a letter.
    if (/[\p{L}\p{N}\p{M}]/u.test(before)) {
      return "must have a separator before `*`, not a letter, digit or combining mark, or the prefix covers more names than meant";
    }
  }
  return undefined;
}

/** Whether one of `patterns` (valid ones) covers the channel `name`. An empty name is never covered. */
export function patternsCover(patterns: readonly string[], name: string): boolean {
  for (const pattern of patterns) {
    if (pattern.endsWith("*")) {
      const prefix = pattern.slice(0, -1);
      if (name.length > prefix.length && name.startsWith(prefix)) return true;
    } else if (pattern === name) {
      return true;
    }
  }
  return false;
}
