/**
 * The client's parser against two independent oracles, on generated hostile streams (mixed line ends,
 * BOMs, NULs, invalid UTF-8, long lines, unknown and colon-less fields) cut into chunks anywhere:
 * - the WHATWG algorithm transcribed literally (test/conformance/whatwg-parser.ts), fed the whole
 *   stream decoded at once: the events with their ids, the retries and the final last event id;
 * - eventsource-parser, fed the same chunks through a streaming TextDecoder: the event types, data,
 *   comments, and every id it reports (it forgets an id after each event, so it reports fewer).
 */
import fc from "fast-check";
import { createParser } from "eventsource-parser";
import { expect, test } from "vitest";
import { createEventStreamParser, type ServerSentEvent } from "edge-sse/client";
import { parseSpec } from "../conformance/whatwg-parser.ts";

const RUNS = 300;

const encoder = new TextEncoder();

/** Field names: the spec's, near misses, and empty. */
const fieldName = fc.constantFrom(
  "data",
  "data",
  "data",
  "event",
  "id",
  "retry",
  "dat",
  "Data",
  "data ",
  " data",
  "foo",
  "",
  "\uFEFFdata",
);
/** What separates a field name from its value. */
const separator = fc.constantFrom(":", ": ", ":  ", "", "::");
/** Values rich in what parsers treat specially. */
const valueText = fc.oneof(
  fc.constantFrom("", "x", "1500", "007", "1a", "-1", "\0", "a\0b", "\uFEFF", " ", ":", "😀", "漢字", "\u2028", "\t"),
  fc.string({ unit: "binary", maxLength: 12 }).map((text) => text.replace(/[\r\n]/g, "")),
  fc.integer({ min: 1, max: 5_000 }).map((length) => "L".repeat(length)),
);
const lineEnd = fc.constantFrom("\n", "\r", "\r\n");

/** Bytes that are not (or not complete) UTF-8: lone continuation bytes, truncated sequences, surrogates, overlongs. */
const invalidUtf8 = fc
  .constantFrom(
    [0x80],
    [0xbf],
    [0xc3],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xff],
    [0xfe],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
  )
  .map((bytes): number[] => [...bytes]);

/** One piece of a stream, as bytes. */
const piece: fc.Arbitrary<number[]> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fieldName, separator, valueText, lineEnd)
      .map(([name, sep, value, end]) => [...encoder.encode(name + sep + value + end)]),
  },
  { weight: 4, arbitrary: lineEnd.map((end) => [...encoder.encode(end)]) },
  { weight: 2, arbitrary: fc.tuple(valueText, lineEnd).map(([text, end]) => [...encoder.encode(`:${text}${end}`)]) },
  { weight: 1, arbitrary: fc.constant([0xef, 0xbb, 0xbf]).map((bytes): number[] => [...bytes]) },
  { weight: 2, arbitrary: invalidUtf8 },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }).map((text) => [...encoder.encode(text)]) },
);

/** A whole stream: pieces, maybe a BOM first, and often a final empty line. */
const stream: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.boolean(),
    fc.array(piece, { maxLength: 40 }),
    fc.constantFrom([], [0x0a], [0x0a, 0x0a], [0x0d], [0x0d, 0x0a, 0x0d, 0x0a]),
  )
  .map(([bom, pieces, tail]) => new Uint8Array([...(bom ? [0xef, 0xbb, 0xbf] : []), ...pieces.flat(), ...tail]));

/** A stream and the points to cut it at. */
const cutStream = stream.chain((bytes) =>
  fc.tuple(fc.constant(bytes), fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 })),
);

function split(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points)].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  return chunks;
}

interface Ours {
  events: ServerSentEvent[];
  retries: number[];
  comments: string[];
  lastEventId: string;
}

function parseOurs(chunks: readonly (Uint8Array | string)[]): Ours {
  const ours: Ours = { events: [], retries: [], comments: [], lastEventId: "" };
  const parser = createEventStreamParser({
    onEvent: (event) => ours.events.push(event),
    onRetry: (ms) => ours.retries.push(ms),
    onComment: (text) => ours.comments.push(text),
  });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  ours.lastEventId = parser.lastEventId;
  return ours;
}

test("createEventStreamParser gives what the WHATWG algorithm gives, for any stream cut anywhere", () => {
  fc.assert(
    fc.property(cutStream, ([bytes, points]) => {
      // parseSpec drops the one BOM itself: decode without dropping it.
      const spec = parseSpec(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
      const ours = parseOurs(split(bytes, points));
      expect(ours.events).toEqual(
        spec.events.map(({ type, data, lastEventId }) => ({ event: type, data, id: lastEventId })),
      );
      expect(ours.retries).toEqual(spec.retries);
      expect(ours.lastEventId).toBe(spec.lastEventId);
    }),
    { numRuns: RUNS },
  );
});

test("createEventStreamParser gives what eventsource-parser gives, for any stream cut anywhere", () => {
  fc.assert(
    fc.property(cutStream, ([bytes, points]) => {
      const chunks = split(bytes, points);
      const decoder = new TextDecoder();
      const pieces = chunks.map((chunk) => decoder.decode(chunk, { stream: true }));
      pieces.push(decoder.decode());
      // eventsource-parser takes text that starts with "ï»¿" (a BOM read as Latin-1) for a BOM.
      fc.pre(!pieces.join("").startsWith("\u00EF\u00BB\u00BF"));
      // It holds a line ended by a CR at the end of a chunk until a later line ends (so `:a\r` then `b`
      // gives no comment), where the spec ends the line at the CR. Both parsers get a last LF, so that
      // every line ends and the two can be compared; after a CR, the LF only makes it a CRLF.
      if (!pieces.join("").endsWith("\n")) {
        pieces.push("\n");
        chunks.push(new Uint8Array([0x0a]));
      }
      const theirs = {
        events: [] as Array<{ event: string; data: string; id: string | undefined }>,
        comments: [] as string[],
        retries: [] as number[],
      };
      const parser = createParser({
        onEvent: ({ event, data, id }) => theirs.events.push({ event: event ?? "message", data, id }),
        onComment: (text) => theirs.comments.push(text),
        onRetry: (ms) => theirs.retries.push(ms),
      });
      for (const text of pieces) parser.feed(text);

      const ours = parseOurs(chunks);
      expect(ours.events.map(({ event, data }) => ({ event, data }))).toEqual(
        theirs.events.map(({ event, data }) => ({ event, data })),
      );
      theirs.events.forEach(({ id }, index) => {
        if (id !== undefined) expect(ours.events[index]?.id).toBe(id);
      });
      expect(ours.comments).toEqual(theirs.comments);
      expect(ours.retries).toEqual(theirs.retries);
    }),
    { numRuns: RUNS },
  );
});

test("createEventStreamParser gives the same events from text as from its bytes, however each is cut", () => {
  fc.assert(
    fc.property(cutStream, fc.array(fc.nat(), { maxLength: 12 }), ([bytes, points], textPoints) => {
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      const cuts = [...new Set(textPoints.map((point) => point % (text.length + 1)))].sort((a, b) => a - b);
      const pieces: string[] = [];
      let start = 0;
      for (const cut of [...cuts, text.length]) {
        pieces.push(text.slice(start, cut));
        start = cut;
      }
      expect(parseOurs(pieces)).toEqual(parseOurs(split(bytes, points)));
    }),
    { numRuns: RUNS },
  );
});
