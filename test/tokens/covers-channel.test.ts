import fc from "fast-check";
import { expect, test } from "vitest";
import { coversChannel, signToken } from "edge-sse/tokens";
import { channelName, channelPattern } from "./arbitraries.ts";
import { KEY } from "./oracle.ts";

const COVERAGE: ReadonlyArray<[pattern: string, name: string, covered: boolean]> = [
  ["doc:1", "doc:1", true],
  ["doc:1", "doc:10", false],
  ["doc:1", "doc:1:x", false],
  ["doc:1", "doc:", false],
  ["doc:1", "Doc:1", false],
  ["doc:1", "doc:1 ", false],
  ["doc:*", "doc:1", true],
  ["doc:*", "doc:10", true],
  ["doc:*", "doc:1:x", true],
  ["doc:*", "doc:*", true],
  ["doc:*", "doc:", false],
  ["doc:*", "doc", false],
  ["doc:*", "docs:1", false],
  ["doc:*", "do", false],
  ["doc:*", "", false],
  ["user:42", "user:420", false],
  ["user:42", "user:4", false],
  ["*", "anything", true],
  ["*", "*", true],
  ["*", "", false],
  ["é", "e\u0301", false], // no Unicode normalisation: é (U+00E9) and e + U+0301 are different names
  ["😀/*", "😀/x", true],
  ["😀/*", "😀", false],
];

test.each(COVERAGE)("coversChannel with pattern %j and name %j says %s", (pattern, name, covered) => {
  expect(coversChannel({ channels: [pattern] }, name)).toBe(covered);
});

test("coversChannel covers a name when any one pattern covers it, and never the empty name", () => {
  const claims = { channels: ["user:42", "doc:*", "*"] };
  expect(coversChannel(claims, "room:1")).toBe(true);
  expect(coversChannel(claims, "")).toBe(false);
  expect(coversChannel({ channels: ["user:42", "doc:*"] }, "room:1")).toBe(false);
});

test("An exact pattern covers exactly its own name, for any names", () => {
  fc.assert(
    fc.property(channelName, channelName, (pattern, name) => {
      expect(coversChannel({ channels: [pattern] }, name)).toBe(pattern === name);
      expect(coversChannel({ channels: [pattern] }, pattern)).toBe(true);
    }),
    { numRuns: 2000 },
  );
});

test("A prefix pattern covers the names that start with its prefix and go on, for any names", () => {
  fc.assert(
    fc.property(
      channelPattern.filter((pattern) => pattern.endsWith("*")),
      fc.string({ unit: "grapheme", maxLength: 12 }),
      channelName,
      (pattern, rest, other) => {
        const prefix = pattern.slice(0, -1);
        expect(coversChannel({ channels: [pattern] }, prefix + rest)).toBe(rest !== "");
        expect(coversChannel({ channels: [pattern] }, prefix)).toBe(false);
        // Any other name: covered exactly when the prefix is a proper start of it.
        expect(coversChannel({ channels: [pattern] }, other)).toBe(
          other.length > prefix.length && other.slice(0, prefix.length) === prefix,
        );
      },
    ),
    { numRuns: 2000 },
  );
});

test("signToken refuses prefixes whose last character before * is a letter, digit or combining mark, in any script", async () => {
  for (const pattern of ["doc1*", "doc*", "日本*", "a٣*", "Ω*", "e\u0301*", "\u0915\u093F*"]) {
    await expect(signToken({ channels: [pattern], expiresIn: 5 }, KEY), pattern).rejects.toThrow(
      /must have a separator before `\*`/,
    );
  }
  for (const pattern of ["doc:*", "doc/*", "doc-*", "doc.*", "doc_*", "😀*", "*"]) {
    await expect(signToken({ channels: [pattern], expiresIn: 5 }, KEY), pattern).resolves.toMatch(/^v1\./);
  }
});

test("coversChannel rejects a name that is not a string with a TypeError", () => {
  expect(() => coversChannel({ channels: ["a"] }, 1 as unknown as string)).toThrow(
    new TypeError("Cannot check channel: `name` must be a string (got number 1)"),
  );
});
