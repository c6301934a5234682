// The frames a ChannelObject sends over a subscriber's WebSocket (src/durable-object/socket-frames.ts): events
// in pieces under the 1 MiB limit of a WebSocket message, read back whole and checked in the Worker.
// eventsource-parser reads the events back from the Message's wire text, as a client would.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  MAX_FRAME_LENGTH,
  MAX_PIECE_LENGTH,
  PIECE_MARK,
  SocketFrameReader,
  toSocketMessages,
} from "../../src/durable-object/socket-frames.ts";
import { parseWire } from "../helpers/event-reader.ts";

const MESSAGE_LIMIT_BYTES = 1_048_576;
const utf8Length = (text: string): number => new TextEncoder().encode(text).byteLength;
/** Whether `text` has no lone surrogate (a piece split inside a pair would have one). */
const wellFormed = (text: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

function readAll(messages: readonly string[]): string[] {
  const reader = new SocketFrameReader();
  const wire: string[] = [];
  for (const message of messages) {
    const event = reader.read(message);
    if (event !== undefined) wire.push(event.toString());
  }
  return wire;
}

describe("socket frames", () => {
  test("toSocketMessages sends a small event as one message of JSON fields, read back as the same event", () => {
    const messages = toSocketMessages({ id: "7", event: "chat", data: "hi\nthere" });
    expect(messages).toEqual(['{"id":"7","event":"chat","data":"hi\\nthere"}']);
    const [wire] = readAll(messages);
    expect(parseWire(wire!).events).toEqual([{ id: "7", event: "chat", data: "hi\nthere" }]);
  });

  test("toSocketMessages splits a long event into pieces under 1 MiB each, never inside a surrogate pair", () => {
    // The frame starts with {"id":"1","data":" (18 units): put a surrogate pair across the first cut.
    const before = "x".repeat(MAX_PIECE_LENGTH - 18 - 1);
    const data = `${before}😀${"é😀".repeat(400_000)}`;
    const messages = toSocketMessages({ id: "1", data });
    expect(messages.length).toBeGreaterThan(3);
    for (const message of messages.slice(0, -1)) expect(message.startsWith(PIECE_MARK)).toBe(true);
    for (const message of messages) {
      expect(utf8Length(message)).toBeLessThan(MESSAGE_LIMIT_BYTES);
      expect(wellFormed(message)).toBe(true);
    }
    expect(messages[0]!.length).toBe(MAX_PIECE_LENGTH); // one unit short of the limit, the pair kept whole
    const [wire] = readAll(messages);
    expect(parseWire(wire!).events).toEqual([{ id: "1", event: undefined, data }]);
  });

  test("toSocketMessages and SocketFrameReader round-trip any event, in pieces under the limit", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({ id: fc.stringMatching(/^[\w-]{1,12}$/), event: fc.constantFrom(undefined, "chat"), data: text }),
        fc.integer({ min: 0, max: 700_000 }),
        ({ id, event, data }, padding) => {
          const long = "ü".repeat(padding) + data;
          const messages = toSocketMessages({ id, event, data: long });
          for (const message of messages) expect(utf8Length(message)).toBeLessThan(MESSAGE_LIMIT_BYTES);
          const [wire, ...more] = readAll(messages);
          expect(more).toEqual([]);
          const [read] = parseWire(wire!).events;
          expect(read).toEqual({ id, event, data: long.replace(/\r\n?/g, "\n") });
        },
      ),
      { numRuns: 25 },
    );
  });

  test("SocketFrameReader refuses a malformed frame with a TypeError that says what is wrong", () => {
    const cases: Array<[unknown, RegExp]> = [
      [new ArrayBuffer(2), /a message must be text \(got/],
      ["not json", /a frame must be JSON \(got "not json"\)/],
      ["null", /must be an object of event fields \(got null\)/],
      ['["a"]', /must be an object of event fields/],
      ['{"id":"1","data":"x","extra":1}', /only the fields id, event, data, comment and retry \(got "extra"\)/],
      ['{"data":5}', /`data` must be a string \(got number 5\)/],
      ['{"id":"a\\rb"}', /`id` must not contain a line break/],
      ["{}", /it has no field/],
    ];
    for (const [message, why] of cases) {
      const reader = new SocketFrameReader();
      let thrown: unknown;
      try {
        reader.read(message);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as TypeError).message).toMatch(/^Cannot read a frame of the channel's object: /);
      expect((thrown as TypeError).message).toMatch(why);
    }
  });

  test("SocketFrameReader refuses a frame longer than MAX_FRAME_LENGTH before it has all of it", () => {
    const reader = new SocketFrameReader();
    const piece = PIECE_MARK + "x".repeat(MAX_PIECE_LENGTH);
    let pieces = 0;
    expect(() => {
      for (;;) {
        reader.read(piece);
        pieces++;
      }
    }).toThrow(/a frame must be at most 33554432 code units/);
    expect(pieces).toBe(Math.floor(MAX_FRAME_LENGTH / MAX_PIECE_LENGTH));
  });
});
