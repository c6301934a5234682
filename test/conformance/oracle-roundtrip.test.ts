import fc from "fast-check";
import { expect, test } from "vitest";
import { encodeMessage, Message, type MessageInit } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { anyText, dataText, messageInit, model, toModelEvent, type Model } from "./arbitraries.ts";
import { SPEC_VECTORS } from "./spec-vectors.ts";
import { normalizeLineBreaks, parseSpec, toWellFormed, type SpecParse } from "./whatwg-parser.ts";

const RUNS_STRING_CHUNKS = 500;
const RUNS_BYTE_CHUNKS = 500;
const RUNS_SPEC_ORACLE = 500;
const RUNS_MIXED_ITEMS = 300;

/** Cuts `length` units at the given points (taken modulo length + 1), in order. */
function cutPoints(length: number, points: readonly number[]): number[] {
  return [...points.map((point) => point % (length + 1)), length].sort((a, b) => a - b);
}

function splitString(text: string, points: readonly number[]): string[] {
  let start = 0;
  return cutPoints(text.length, points).map((end) => {
    const piece = text.slice(start, end);
    start = end;
    return piece;
  });
}

function splitBytes(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  let start = 0;
  return cutPoints(bytes.length, points).map((end) => {
    const piece = bytes.subarray(start, end);
    start = end;
    return piece;
  });
}

/** Decodes byte chunks the way a client does: one streaming TextDecoder across all chunks. */
function decodeStreaming(chunks: readonly Uint8Array[]): string[] {
  const decoder = new TextDecoder();
  const pieces = chunks.map((chunk) => decoder.decode(chunk, { stream: true }));
  pieces.push(decoder.decode());
  return pieces;
}

function parseModel(pieces: string | readonly string[]): Model {
  const parsed = parseWire(pieces);
  return { events: parsed.events.map(toModelEvent), comments: parsed.comments, retries: parsed.retries };
}

/** What the WHATWG algorithm must report for these frames: the last event id persists. */
function specModel(inits: readonly MessageInit[]): SpecParse {
  const events: SpecParse["events"] = [];
  const retries: number[] = [];
  let lastEventId = "";
  for (const init of inits) {
    if (init.retry !== undefined) retries.push(init.retry);
    if (init.id !== undefined) lastEventId = init.id;
    if (init.data !== undefined) {
      const type = init.event === undefined || init.event === "" ? "message" : init.event;
      events.push({ type, data: normalizeLineBreaks(init.data), lastEventId });
    }
  }
  return { events, retries, lastEventId };
}

const encodeAll = (inits: readonly MessageInit[]): string =>
  inits.map((init) => encodeMessage(new Message(init))).join("");

const VECTOR_INITS: readonly MessageInit[] = SPEC_VECTORS.flatMap((vector) =>
  "init" in vector.input ? [vector.input.init] : [],
);

test("eventsource-parser reads every spec vector's events when the frames are concatenated and fed one character at a time", () => {
  const wire = encodeAll(VECTOR_INITS);
  const expected = model(VECTOR_INITS);
  expect(expected.events.length).toBeGreaterThan(30);
  expect(parseModel(wire)).toStrictEqual(expected);
  expect(parseModel([...wire])).toStrictEqual(expected);
  expect(parseModel(wire.split(""))).toStrictEqual(expected);
});

test("eventsource-parser reads every spec vector's events when the frames arrive one byte at a time through a streaming TextDecoder", () => {
  const bytes = new TextEncoder().encode(encodeAll(VECTOR_INITS));
  const expected = model(VECTOR_INITS);
  for (const size of [1, 2, 3, 5]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    expect(parseModel(decodeStreaming(chunks)), `chunks of ${size} bytes`).toStrictEqual(expected);
  }
});

test("the WHATWG parsing algorithm reads every spec vector's events with the last event id carried over when the frames are concatenated", () => {
  expect(parseSpec(encodeAll(VECTOR_INITS))).toStrictEqual(specModel(VECTOR_INITS));
});

test(`eventsource-parser reads the encoded events in order when random messages are split at random string boundaries (${RUNS_STRING_CHUNKS} runs)`, () => {
  fc.assert(
    fc.property(
      fc.array(messageInit(), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (inits, points) => {
        const wire = encodeAll(inits);
        expect(parseModel(splitString(wire, points))).toStrictEqual(model(inits));
      },
    ),
    { numRuns: RUNS_STRING_CHUNKS },
  );
});

test(
  `eventsource-parser reads the encoded events in order when the UTF-8 bytes are split at random ` +
    `points, also inside characters (${RUNS_BYTE_CHUNKS} runs)`,
  () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.array(
          messageInit(() => anyText()),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.nat(), { maxLength: 16 }),
        (inits, points) => {
          const bytes = encoder.encode(encodeAll(inits));
          const pieces = decodeStreaming(splitBytes(bytes, points));
          // TextEncoder writes each lone surrogate as U+FFFD; everything else arrives unchanged.
          expect(parseModel(pieces)).toStrictEqual(model(inits, toWellFormed));
        },
      ),
      { numRuns: RUNS_BYTE_CHUNKS },
    );
  },
);

test(`the WHATWG parsing algorithm reads the encoded events, ids and retries when random messages are concatenated (${RUNS_SPEC_ORACLE} runs)`, () => {
  fc.assert(
    fc.property(fc.array(messageInit(), { minLength: 1, maxLength: 8 }), (inits) => {
      expect(parseSpec(encodeAll(inits))).toStrictEqual(specModel(inits));
    }),
    { numRuns: RUNS_SPEC_ORACLE },
  );
});

/** An item for encodeMessage and the data a client must receive for it. */
interface ItemCase {
  readonly item: unknown;
  readonly data: string;
}

const itemCase: fc.Arbitrary<ItemCase> = fc.oneof(
  dataText().map((text) => ({ item: text, data: text })),
  // A JSON string is a string item: its text is the data, not its JSON form.
  fc.jsonValue().map((value) => ({ item: value, data: typeof value === "string" ? value : JSON.stringify(value) })),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ item: bytes, data: Buffer.from(bytes).toString("base64") })),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.nat()).map(([bytes, a, b]) => {
    const start = a % (bytes.length + 1);
    const end = start + (b % (bytes.length - start + 1));
    const view = bytes.subarray(start, end);
    return { item: view, data: Buffer.from(view).toString("base64") };
  }),
  dataText().map((text) => ({ item: { toServerSentEvent: () => text }, data: text })),
  dataText().map((text) => ({ item: { toServerSentEvent: () => Message.data(text) }, data: text })),
);

test(
  `eventsource-parser reads one event per item in order when strings, JSON, bytes and convertible ` +
    `objects are encoded together (${RUNS_MIXED_ITEMS} runs)`,
  () => {
    fc.assert(
      fc.property(
        fc.array(itemCase, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (cases, points) => {
          const wire = cases.map(({ item }) => encodeMessage(item)).join("");
          const events = parseWire(splitString(wire, points)).events.map((event) => event.data);
          expect(events).toStrictEqual(cases.map(({ data }) => normalizeLineBreaks(data)));
        },
      ),
      { numRuns: RUNS_MIXED_ITEMS },
    );
  },
);
