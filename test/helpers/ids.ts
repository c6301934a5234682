/**
 * Event ids for the round-trip tests: hard cases written out by hand, a fast-check arbitrary of ids
 * the library accepts, and how a browser puts an id on the wire.
 */
import fc from "fast-check";
import { MAX_EVENT_ID_BYTES, Message } from "edge-sse";
import { MemoryBroker } from "edge-sse/channel";

/** Valid ids that HTTP stacks, decoders and percent-encoders are known to get wrong. */
export const HARD_IDS: readonly string[] = [
  "\u2026", // …, E2 80 A6: each byte alone is a Latin-1 character
  "\u65E5\u672C", // 日本
  "\u{1F600}", // an emoji: 4 bytes, a surrogate pair
  "\u{1F44D}\u{1F3FD}", // an emoji with a skin tone
  "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}", // a family: emoji joined by ZWJ
  "e\u0301", // e + a combining acute accent
  "\u1100\u1161\u11A8", // Hangul in conjoining jamo
  "\u00E9", // é, one Latin-1 character (bytes C3 A9)
  "\u00C3\u00A9", // "Ã©", which reads as "é" if its Latin-1 bytes are decoded as UTF-8
  "\u00FF\u00FE", // ÿþ
  "a b", // inner spaces are kept by HTTP
  "a  b",
  "a\u00A0b", // inner no-break space
  "a\u2028b", // inner line separator: not a line break in the event-stream format
  "a\u200Bb", // zero-width space
  "a\uFEFFb", // inner byte order mark
  "\uFFFD", // the replacement character itself
  "\uFFFF", // a noncharacter
  "\u{10FFFF}", // the last code point
  "%",
  "%25",
  "%E2%80%A6", // looks percent-encoded
  "100%",
  '"quoted"',
  "'single'",
  "back\\slash",
  "a,b;c=d",
  "<tag>&amp;",
  "+plus+",
  "?q=1&x=2#frag",
  "id: 9",
  "earliest",
  "1700000000000-0", // a Redis stream id
  "lz3k9a-12", // a MemoryBroker id
  "a".repeat(MAX_EVENT_ID_BYTES),
  "\u00E9".repeat(MAX_EVENT_ID_BYTES / 2),
  `${"\u65E5".repeat(341)}a`, // 341 × 3 + 1 = 1024 bytes
  "\u{1F600}".repeat(MAX_EVENT_ID_BYTES / 4),
];

/** Whether the library takes `id` as an event id. */
export function isAcceptedId(id: string): boolean {
  try {
    new Message({ id });
    return true;
  } catch {
    return false;
  }
}

/** Pieces an id is made of: hard sequences, any code point, graphemes, ASCII, and whitespace to trim. */
const idUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HARD_IDS.filter((id) => id.length < 20), " ", "\t", "\u3000"), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }), weight: 3 },
);

/** Ids near the length cap: one character repeated to just under or over `MAX_EVENT_ID_BYTES`. */
const longId: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("a", "\u00E9", "\u65E5", "\u{1F600}", "e\u0301"), fc.integer({ min: -8, max: 8 }))
  .map(([unit, delta]) =>
    unit.repeat(Math.max(1, Math.floor(MAX_EVENT_ID_BYTES / new TextEncoder().encode(unit).length) + delta)),
  );

/**
 * Non-empty ids the library accepts, from a wide mix in which many are refused (the refused ones are
 * filtered out: the property is about what is accepted). `""` is left out: it resets the client's
 * last id, so a browser sends no `Last-Event-ID` at all.
 */
export const acceptedId = (): fc.Arbitrary<string> =>
  fc
    .oneof(
      { arbitrary: fc.string({ unit: idUnit, minLength: 1, maxLength: 24 }), weight: 9 },
      { arbitrary: longId, weight: 1 },
    )
    .filter((id) => id !== "" && isAcceptedId(id));

/** Whether a channel's publisher may give `id`: accepted, and not of the form of the ids the broker gives. */
export function isPublishableId(id: string): boolean {
  try {
    new MemoryBroker().publish({ id, data: "" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Ids a channel's publisher may give: accepted ids, less the rare ones of the form a `MemoryBroker`
 * keeps for its own (15 or more lowercase letters and digits, a dash, a number), which it refuses
 * with a `TypeError` so that a publisher's id can never be taken for one of its own.
 */
export const publishableId = (): fc.Arbitrary<string> => acceptedId().filter(isPublishableId);

/**
 * The `Last-Event-ID` value a browser sends for `id`, as a fetch client must write it: its UTF-8
 * bytes, each as one Latin-1 character (fetch puts each character of a header value on the wire as
 * one byte).
 */
export function asHeaderBytes(id: string): string {
  return Buffer.from(id, "utf8").toString("latin1");
}
