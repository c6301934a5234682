/**
 * fast-check arbitraries shared by the property tests: strings rich in the characters and
 * sequences that an event-stream parser treats specially, and the model of what a client sees.
 */
import fc from "fast-check";
import type { MessageInit } from "edge-sse";
import { normalizeLineBreaks, splitLines } from "./whatwg-parser.ts";

/** Characters and sequences with a meaning in the event-stream format, or that encoders get wrong. */
const TRICKY = [
  "\r",
  "\n",
  "\r\n",
  "\n\r",
  "\r\r",
  "\n\n",
  ":",
  ": ",
  " ",
  "  ",
  "data:",
  "data: ",
  "event:",
  "event: ",
  "id:",
  "id: ",
  "retry:",
  "retry: 1",
  "\0",
  "\uFEFF",
  "\u2028",
  "\u2029",
  "\u0085",
  "\t",
  "\u00E9",
  "\u4E16",
  "\u{1F600}",
  "\u{1F44D}\u{1F3FD}",
] as const;

const LONE_SURROGATES = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF"] as const;

/** Any single UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** One well-formed piece of text: a tricky sequence, any code point, or printable ASCII. */
const wellFormedUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }), weight: 2 },
);

/** One piece of text that may also be a lone surrogate or any code unit. */
const anyUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: wellFormedUnit, weight: 6 },
  { arbitrary: fc.constantFrom(...LONE_SURROGATES), weight: 1 },
  { arbitrary: codeUnit, weight: 1 },
);

/** Text rich in CR, LF, colons, field names and spaces; well-formed UTF-16. */
export const richText = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: wellFormedUnit, maxLength });

/** Like richText, but may contain lone surrogates. */
export const anyText = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: anyUnit, maxLength });

/** Text in a mix of plain Unicode strings and rich text, so both shapes are well explored. */
export const dataText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(richText(maxLength), fc.string({ maxLength }), fc.string({ unit: "binary", maxLength }), anyText(maxLength));

const noLineBreak = (unit: string): boolean => !unit.includes("\r") && !unit.includes("\n");

/** A valid `event` value: any text without CR or LF. */
export const eventName = (): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(wellFormedUnit, codeUnit).filter(noLineBreak), maxLength: 20 });

/**
 * A valid `id` value: text that comes back intact as a `Last-Event-ID` header, so without control
 * characters (C0, DEL, C1, hence no CR, LF or NUL), lone surrogates, or whitespace at either end.
 */
export const eventId = (): fc.Arbitrary<string> =>
  fc
    .string({ unit: fc.oneof(wellFormedUnit, codeUnit).filter((unit) => !/[\p{Cc}\p{Cs}]/u.test(unit)), maxLength: 20 })
    .map((id) => id.trim());

/** A valid `retry` value. */
export const retryMs = (): fc.Arbitrary<number> =>
  fc.oneof(fc.nat({ max: 100_000 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());

/** Valid message fields, each present or absent, at least one present. */
export const messageInit = (text: () => fc.Arbitrary<string> = dataText): fc.Arbitrary<MessageInit> =>
  fc
    .record(
      { data: text(), event: eventName(), id: eventId(), retry: retryMs(), comment: text() },
      { requiredKeys: [] },
    )
    .filter((init) => Object.keys(init).length > 0);

/** Valid message fields that always carry data, so the frame always dispatches an event. */
export const messageInitWithData = (
  text: () => fc.Arbitrary<string> = dataText,
): fc.Arbitrary<MessageInit & { data: string }> =>
  fc.record(
    { data: text(), event: eventName(), id: eventId(), retry: retryMs(), comment: text() },
    { requiredKeys: ["data"] },
  );

/** An event as eventsource-parser reports it, with absent fields left out. */
export interface ModelEvent {
  readonly data: string;
  readonly event?: string;
  readonly id?: string;
}

/** What eventsource-parser reports for a stream of frames. */
export interface Model {
  readonly events: ModelEvent[];
  readonly comments: string[];
  readonly retries: number[];
}

/**
 * What a client must see for these frames, in eventsource-parser's terms: one event per frame with
 * data (CRLF and CR arrive as LF; an empty event type is the default type; eventsource-parser
 * reports only the id set in the same frame), every comment line, every retry.
 */
export function model(inits: readonly MessageInit[], mapText: (text: string) => string = (text) => text): Model {
  const result: Model = { events: [], comments: [], retries: [] };
  for (const init of inits) {
    if (init.comment !== undefined) result.comments.push(...splitLines(mapText(init.comment)));
    if (init.retry !== undefined) result.retries.push(init.retry);
    if (init.data === undefined) continue;
    const event = init.event === undefined ? "" : mapText(init.event);
    result.events.push({
      data: normalizeLineBreaks(mapText(init.data)),
      ...(event === "" ? {} : { event }),
      ...(init.id === undefined ? {} : { id: mapText(init.id) }),
    });
  }
  return result;
}

/** eventsource-parser's event with its absent fields dropped, to compare with a ModelEvent. */
export function toModelEvent(event: { data: string; event?: string | undefined; id?: string | undefined }): ModelEvent {
  return {
    data: event.data,
    ...(event.event === undefined ? {} : { event: event.event }),
    ...(event.id === undefined ? {} : { id: event.id }),
  };
}
