import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  encodePosition,
  MAX_CURSOR_CHANNELS,
  MAX_CURSOR_ID_LENGTH,
  MAX_CURSOR_LENGTH,
  readCursor,
  writeCursor,
} from "../../src/channel/cursor.ts";

const key = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
/** Ids as brokers make them: numbers, Redis stream ids, opaque ids, and anything a publisher chose. */
const id = fc.oneof(
  fc.nat().map(String),
  fc.tuple(fc.nat(), fc.nat()).map(([ms, seq]) => `${ms}-${seq}`),
  fc.base64String({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
);

/** `value` with each lone surrogate replaced by U+FFFD, as UTF-8 encoding does. */
const wellFormed = (value: string): string => new TextDecoder().decode(new TextEncoder().encode(value));

describe("The composite cursor", () => {
  test("property: any ids round-trip through a cursor that is printable ASCII without `,` and within its bound", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, id), { minLength: 1, maxLength: MAX_CURSOR_CHANNELS, selector: ([k]) => k }),
        (pairs) => {
          const positions = new Map(pairs.map(([k, value]) => [k, encodePosition(value)]));
          const cursor = writeCursor(positions);
          expect(cursor).toMatch(/^[\x21-\x7e]*$/);
          expect(cursor).not.toContain(",");
          expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
          const read = readCursor(cursor)!;
          for (const [k, value] of pairs) {
            if (positions.get(k) === undefined) expect(read.has(k)).toBe(false);
            // A lone surrogate cannot travel as UTF-8: it comes back as U+FFFD, an id no broker gave.
            else expect(read.get(k)).toBe(wellFormed(value));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("writes `1`, then `;key=position` per channel, ids percent-encoded, the start as an empty position", () => {
    const cursor = writeCursor(
      new Map([
        ["chat", encodePosition("1700000000000-0")],
        ["me", encodePosition("a;b,c=d é")],
        ["news", encodePosition("")],
      ]),
    );
    expect(cursor).toBe("1;chat=1700000000000-0;me=a%3Bb%2Cc%3Dd%20%C3%A9;news=");
  });

  test("leaves out a position longer than its bound once encoded", () => {
    expect(encodePosition("x".repeat(MAX_CURSOR_ID_LENGTH))).toBe("x".repeat(MAX_CURSOR_ID_LENGTH));
    expect(encodePosition("x".repeat(MAX_CURSOR_ID_LENGTH + 1))).toBeUndefined();
    expect(encodePosition("é".repeat(50))).toBeUndefined(); // 300 characters once encoded
    expect(
      writeCursor(
        new Map([
          ["a", undefined],
          ["b", "7"],
        ]),
      ),
    ).toBe("1;b=7");
  });

  test("property: any text a client sends is read or refused, never thrown", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.string().map((text) => `1;${text}`),
        ),
        (text) => {
          const read = readCursor(text);
          if (read !== undefined) expect(text.startsWith("1")).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
