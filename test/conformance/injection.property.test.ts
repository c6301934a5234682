import fc from "fast-check";
import { expect, test } from "vitest";
import { encodeMessage, Message } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import {
  anyText,
  dataText,
  eventId,
  eventName,
  messageInit,
  messageInitWithData,
  model,
  retryMs,
  toModelEvent,
} from "./arbitraries.ts";
import { normalizeLineBreaks, parseSpec, splitLines, toWellFormed } from "./whatwg-parser.ts";
import { catchError } from "../helpers/catch-error.ts";

const RUNS_ONE_FRAME = 2000;
const RUNS_NO_DATA = 1000;
const RUNS_CONCAT = 1000;
const RUNS_INVALID = 1000;
const RUNS_RETRY = 1000;
const RUNS_SURROGATES = 1000;

const ALLOWED_LINE = /^(?:: |event: |id: |retry: |data: )/;

/** Checks the shape of a frame: LF-only lines, each a known field or a comment, one blank line at the end. */
function expectFrameShape(wire: string): void {
  expect(wire.endsWith("\n\n")).toBe(true);
  expect(wire.includes("\r")).toBe(false);
  const lines = wire.slice(0, -2).split("\n");
  for (const line of lines) expect(line).toMatch(ALLOWED_LINE);
}

/** Asserts a TypeError that names the field in backticks and shows the value JSON-quoted. */
function expectFieldError(fn: () => unknown, field: string, value: string): void {
  const error = catchError(fn);
  const message = error instanceof Error ? error.message : "(nothing thrown)";
  expect(error).toBeInstanceOf(TypeError);
  expect(message.startsWith("Cannot create message: ")).toBe(true);
  expect(message).toContain(`\`${field}\``);
  expect(message).toContain(`(got ${JSON.stringify(value)})`);
}

const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });

test(
  `encodeMessage writes a frame that parses to exactly one event with the same data, event and id when ` +
    `given any data, comment and valid event and id (${RUNS_ONE_FRAME} runs)`,
  () => {
    fc.assert(
      fc.property(
        dataText(60),
        optional(dataText(30)),
        optional(eventName()),
        optional(eventId()),
        optional(retryMs()),
        (data, comment, event, id, retry) => {
          const message = new Message({
            data,
            ...(comment === undefined ? {} : { comment }),
            ...(event === undefined ? {} : { event }),
            ...(id === undefined ? {} : { id }),
            ...(retry === undefined ? {} : { retry }),
          });
          const wire = encodeMessage(message);
          expectFrameShape(wire);

          const parsed = parseWire(wire);
          expect(parsed.events.map(toModelEvent)).toStrictEqual([
            {
              data: normalizeLineBreaks(data),
              ...(event === undefined || event === "" ? {} : { event }),
              ...(id === undefined ? {} : { id }),
            },
          ]);
          expect(parsed.comments).toStrictEqual(comment === undefined ? [] : splitLines(comment));
          expect(parsed.retries).toStrictEqual(retry === undefined ? [] : [retry]);

          const spec = parseSpec(wire);
          expect(spec.events).toStrictEqual([
            {
              type: event === undefined || event === "" ? "message" : event,
              data: normalizeLineBreaks(data),
              lastEventId: id ?? "",
            },
          ]);
        },
      ),
      { numRuns: RUNS_ONE_FRAME },
    );
  },
);

test(`encodeMessage writes a frame that dispatches no event when the message has no data (${RUNS_NO_DATA} runs)`, () => {
  fc.assert(
    fc.property(messageInit(), (init) => {
      const { data: _data, ...withoutData } = init;
      if (Object.keys(withoutData).length === 0) return;
      const wire = encodeMessage(new Message(withoutData));
      expectFrameShape(wire);
      const parsed = parseWire(wire);
      expect(parsed.events).toStrictEqual([]);
      expect(parseSpec(wire).events).toStrictEqual([]);
      expect(parsed.comments).toStrictEqual(withoutData.comment === undefined ? [] : splitLines(withoutData.comment));
    }),
    { numRuns: RUNS_NO_DATA },
  );
});

test(`concatenated frames parse to exactly one event per frame with data, in order, when given several arbitrary messages (${RUNS_CONCAT} runs)`, () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(messageInitWithData(), messageInit()), { minLength: 1, maxLength: 10 }), (inits) => {
      const frames = inits.map((init) => new Message(init).toString());
      for (const frame of frames) expectFrameShape(frame);
      const wire = frames.join("");
      const expected = model(inits);
      const parsed = parseWire(wire);
      expect(parsed.events.length).toBe(inits.filter((init) => init.data !== undefined).length);
      expect(parsed.events.map(toModelEvent)).toStrictEqual(expected.events);
      expect(parsed.comments).toStrictEqual(expected.comments);
      expect(parsed.retries).toStrictEqual(expected.retries);
    }),
    { numRuns: RUNS_CONCAT },
  );
});

/** Short text around at least one of the given characters, short enough to be shown whole in an error. */
const textWith = (characters: readonly string[]): fc.Arbitrary<string> =>
  fc
    .tuple(dataText(8), fc.constantFrom(...characters), dataText(8))
    .map(([before, character, after]) => before + character + after)
    .filter((text) => JSON.stringify(text).length <= 80);

test(`Message throws a TypeError naming \`event\` when the event has CR or LF, from the constructor and the builder (${RUNS_INVALID} runs)`, () => {
  fc.assert(
    fc.property(textWith(["\r", "\n", "\r\n"]), (event) => {
      expectFieldError(() => new Message({ data: "x", event }), "event", event);
      expectFieldError(() => Message.data("x").event(event), "event", event);
    }),
    { numRuns: RUNS_INVALID },
  );
});

test(`Message throws a TypeError naming \`id\` when the id has CR or LF, from the constructor and the builder (${RUNS_INVALID} runs)`, () => {
  fc.assert(
    fc.property(textWith(["\r", "\n", "\r\n"]), (id) => {
      expectFieldError(() => new Message({ data: "x", id }), "id", id);
      expectFieldError(() => Message.data("x").id(id), "id", id);
    }),
    { numRuns: RUNS_INVALID },
  );
});

test(`Message throws a TypeError naming \`id\` when the id has NUL, from the constructor and the builder (${RUNS_INVALID} runs)`, () => {
  fc.assert(
    fc.property(textWith(["\0"]), (id) => {
      expectFieldError(() => new Message({ data: "x", id }), "id", id);
      expectFieldError(() => Message.data("x").id(id), "id", id);
    }),
    { numRuns: RUNS_INVALID },
  );
});

const invalidRetry: fc.Arbitrary<number> = fc
  .oneof(
    fc.double(),
    fc.integer({ max: -1 }),
    fc.double({ min: 2 ** 53, noNaN: true }),
    fc.double({ min: -1e6, max: 1e6, noInteger: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -1, 0.5, Number.EPSILON),
  )
  .filter((value) => !(Number.isSafeInteger(value) && value >= 0));

test(`Message throws a TypeError naming \`retry\` when the retry is not a non-negative safe integer (${RUNS_INVALID} runs)`, () => {
  fc.assert(
    fc.property(invalidRetry, (retry) => {
      for (const make of [() => new Message({ retry }), () => Message.data("x").retry(retry)]) {
        const error = catchError(make);
        const message = error instanceof Error ? error.message : "(nothing thrown)";
        expect(error).toBeInstanceOf(TypeError);
        expect(message.startsWith("Cannot create message: ")).toBe(true);
        expect(message).toContain("`retry`");
        expect(message).toContain(String(retry));
      }
    }),
    { numRuns: RUNS_INVALID },
  );
});

test(
  `encodeMessage writes the retry in decimal digits that parse back to the same number when given any ` +
    `non-negative safe integer (${RUNS_RETRY} runs)`,
  () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.nat()), (retry) => {
        const wire = new Message({ retry }).toString();
        expect(wire).toMatch(/^retry: (?:0|[1-9][0-9]*)\n\n$/);
        expect(parseWire(wire).retries).toStrictEqual([retry]);
        expect(parseSpec(wire).retries).toStrictEqual([retry]);
      }),
      { numRuns: RUNS_RETRY },
    );
  },
);

const loneSurrogate = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff }))
  .map((code) => String.fromCharCode(code));

const nativeToWellFormed = (String.prototype as { toWellFormed?: (this: string) => string }).toWellFormed;

test(`a frame's data arrives with each lone surrogate replaced by U+FFFD after a TextEncoder and TextDecoder round trip (${RUNS_SURROGATES} runs)`, () => {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  fc.assert(
    fc.property(fc.tuple(anyText(20), loneSurrogate, anyText(20)), ([before, surrogate, after]) => {
      // The "|" around it keeps the surrogate lone whatever the text next to it ends or starts with.
      const data = `${before}|${surrogate}|${after}`;
      const expected = toWellFormed(data);
      if (nativeToWellFormed !== undefined) expect(expected).toBe(nativeToWellFormed.call(data));
      expect(expected).not.toBe(data);

      const received = decoder.decode(encoder.encode(encodeMessage(data)));
      const events = parseWire(received).events;
      expect(events.map((event) => event.data)).toStrictEqual([normalizeLineBreaks(expected)]);
    }),
    { numRuns: RUNS_SURROGATES },
  );
});

test("toWellFormed replaces only lone surrogates when given pairs, lone halves and reversed pairs", () => {
  expect(toWellFormed("a\uD83D\uDE00b")).toBe("a\u{1F600}b");
  expect(toWellFormed("\uD800")).toBe("\uFFFD");
  expect(toWellFormed("\uDC00\uD800")).toBe("\uFFFD\uFFFD");
  expect(toWellFormed("x\uD800\uD800\uDC00")).toBe("x\uFFFD\u{10000}");
});
