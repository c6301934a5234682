import { expect, test } from "vitest";
import { encodeMessage, Message } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { SPEC_VECTORS, type ExpectedEvent, type SpecVector } from "./spec-vectors.ts";
import { parseSpec, type SpecEvent } from "./whatwg-parser.ts";

function encodeVector(vector: SpecVector): string {
  const input = vector.input;
  if ("init" in input) return encodeMessage(new Message(input.init));
  return input.serialize === undefined ? encodeMessage(input.item) : encodeMessage(input.item, input.serialize);
}

/** eventsource-parser's event, with its absent fields dropped so it compares to an ExpectedEvent. */
function asExpected(event: { data: string; event?: string | undefined; id?: string | undefined }): ExpectedEvent {
  return {
    data: event.data,
    ...(event.event === undefined ? {} : { event: event.event }),
    ...(event.id === undefined ? {} : { id: event.id }),
  };
}

/** What the spec algorithm dispatches for the expected events of one frame read on its own. */
function asSpecEvent(event: ExpectedEvent): SpecEvent {
  return { type: event.event ?? "message", data: event.data, lastEventId: event.id ?? "" };
}

test("the spec vector table has unique names and at least one vector per rule", () => {
  const names = SPEC_VECTORS.map((vector) => vector.name);
  expect(new Set(names).size).toBe(names.length);
  expect(SPEC_VECTORS.length).toBeGreaterThanOrEqual(60);
});

for (const vector of SPEC_VECTORS) {
  test(`encodeMessage writes the exact frame when given ${vector.name}`, () => {
    expect(encodeVector(vector)).toBe(vector.wire);
  });

  const input = vector.input;
  if ("init" in input) {
    test(`Message.toString writes the exact frame when given ${vector.name}`, () => {
      expect(new Message(input.init).toString()).toBe(vector.wire);
      expect(String(new Message(input.init))).toBe(vector.wire);
    });
  }

  test(`eventsource-parser reads the expected events, comments and retries when given the frame of ${vector.name}`, () => {
    const parsed = parseWire(vector.wire);
    expect(parsed.events.map(asExpected)).toStrictEqual(vector.events);
    expect(parsed.comments).toStrictEqual(vector.comments ?? []);
    expect(parsed.retries).toStrictEqual(vector.retries ?? []);
  });

  test(`the WHATWG parsing algorithm reads the expected events when given the frame of ${vector.name}`, () => {
    const parsed = parseSpec(vector.wire);
    expect(parsed.events).toStrictEqual(vector.events.map(asSpecEvent));
    expect(parsed.retries).toStrictEqual(vector.retries ?? []);
    const lastId = vector.lastEventId ?? vector.events.at(-1)?.id ?? "";
    expect(parsed.lastEventId).toBe(lastId);
  });
}

test("encodeMessage writes frames that end in one blank line and contain no CR when given any spec vector", () => {
  for (const vector of SPEC_VECTORS) {
    const wire = encodeVector(vector);
    expect(wire.endsWith("\n\n"), vector.name).toBe(true);
    expect(wire.slice(0, -1).includes("\n\n"), vector.name).toBe(false);
    expect(wire.includes("\r"), vector.name).toBe(false);
  }
});

test("encodeMessage writes the same frame as the Message it came from when given a Message", () => {
  const message = new Message({ comment: "c", event: "e", id: "1", retry: 2, data: "a\rb" });
  expect(encodeMessage(message)).toBe(message.toString());
  expect(encodeMessage({ toServerSentEvent: () => message })).toBe(message.toString());
});

test("encodeMessage ignores the serializer when given a string, a Message or bytes", () => {
  const serialize = (): string => "SERIALIZED";
  expect(encodeMessage("x", serialize)).toBe("data: x\n\n");
  expect(encodeMessage(Message.data("x"), serialize)).toBe("data: x\n\n");
  expect(encodeMessage(new Uint8Array([104, 105]), serialize)).toBe("data: aGk=\n\n");
  expect(encodeMessage({ toServerSentEvent: () => "x" }, serialize)).toBe("data: x\n\n");
  expect(encodeMessage(null, serialize)).toBe("data: SERIALIZED\n\n");
});

test("encodeMessage encodes every byte value when given all 256 bytes", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const wire = encodeMessage(bytes);
  const data = parseWire(wire).events[0]?.data;
  // Decode with Node's base64 (independent of the encoder's btoa path).
  expect(data === undefined ? undefined : [...Buffer.from(data, "base64")]).toStrictEqual([...bytes]);
  expect(wire).toMatch(/^data: [A-Za-z0-9+/]+={0,2}\n\n$/);
});

test("encodeMessage encodes bytes in one data line when given more than 32 KiB", () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) & 0xff);
  const wire = encodeMessage(bytes);
  expect(wire).toBe(`data: ${Buffer.from(bytes).toString("base64")}\n\n`);
});

test("Message keeps its frozen fields when a builder makes a changed copy", () => {
  const original = Message.data("x").event("a");
  const changed = original.event("b");
  expect(original.toString()).toBe("event: a\ndata: x\n\n");
  expect(changed.toString()).toBe("event: b\ndata: x\n\n");
  expect(Object.isFrozen(original.fields)).toBe(true);
  expect(Message.isMessage(original)).toBe(true);
  expect(Message.isMessage({ fields: { data: "x" } })).toBe(false);
});
