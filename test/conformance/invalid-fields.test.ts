import { expect, test } from "vitest";
import { encodeMessage, Message, type MessageInit } from "edge-sse";
import { parseWire } from "../helpers/event-reader.ts";
import { catchError } from "../helpers/catch-error.ts";

const CREATE = "Cannot create message";
const ENCODE = "Cannot encode message";

type Field = "data" | "event" | "id" | "retry" | "comment";

interface ExpectedError {
  /** The start of the message, before ": ". */
  readonly context: string;
  /** Text the message must contain: the field in backticks, the shown value, a hint. */
  readonly contains: readonly string[];
}

/** Asserts that `fn` throws a TypeError whose message starts with the context and has every part. */
function expectTypeError(fn: () => unknown, expected: ExpectedError): void {
  const error = catchError(fn);
  const message = error instanceof Error ? error.message : `(no Error thrown: ${String(error)})`;
  expect({
    isTypeError: error instanceof TypeError,
    name: error instanceof Error ? error.name : undefined,
    message,
  }).toStrictEqual({
    isTypeError: true,
    name: "TypeError",
    message: expect.stringMatching(new RegExp(`^${escapeRegExp(expected.context)}: `)),
  });
  for (const part of expected.contains) expect(message).toContain(part);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** How an invalid value is shown in an error message. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  throw new Error("shown(): add a case for this value");
}

interface InvalidCase {
  readonly field: Field;
  readonly value: unknown;
  /** Extra text the message must contain, such as a hint. */
  readonly hint?: string;
}

const INVALID_CASES: readonly InvalidCase[] = [
  // event: line breaks and non-strings
  { field: "event", value: "a\nb" },
  { field: "event", value: "a\rb" },
  { field: "event", value: "a\r\nb" },
  { field: "event", value: "\n" },
  { field: "event", value: "x\n\ndata: injected" },
  { field: "event", value: 5 },
  { field: "event", value: null },
  // id: line breaks, NUL and non-strings
  { field: "id", value: "a\nb" },
  { field: "id", value: "a\rb" },
  { field: "id", value: "\r\n" },
  { field: "id", value: "1\nid: 2" },
  { field: "id", value: "a\0b", hint: "NUL" },
  { field: "id", value: "\0", hint: "NUL" },
  { field: "id", value: 7, hint: "String(id)" },
  { field: "id", value: null },
  // retry: anything but a non-negative safe integer
  { field: "retry", value: -1 },
  { field: "retry", value: 1.5 },
  { field: "retry", value: -0.5 },
  { field: "retry", value: Number.MIN_VALUE },
  { field: "retry", value: Number.NaN },
  { field: "retry", value: Number.POSITIVE_INFINITY },
  { field: "retry", value: Number.NEGATIVE_INFINITY },
  { field: "retry", value: 2 ** 53 },
  { field: "retry", value: 1e21 },
  { field: "retry", value: -Number.MAX_SAFE_INTEGER },
  { field: "retry", value: "5" },
  { field: "retry", value: 5n },
  { field: "retry", value: null },
  // data and comment: non-strings
  { field: "data", value: 42, hint: "Message.json" },
  { field: "data", value: null },
  { field: "data", value: true },
  { field: "comment", value: 1 },
  { field: "comment", value: null },
];

/** Each builder, applied to a valid message. */
const BUILDERS: Readonly<Record<Field, (message: Message, value: unknown) => Message>> = {
  data: (message, value) => message.data(value as string),
  event: (message, value) => message.event(value as string),
  id: (message, value) => message.id(value as string),
  retry: (message, value) => message.retry(value as number),
  comment: (message, value) => message.comment(value as string),
};

function label(value: unknown): string {
  return typeof value === "bigint" ? `${value}n` : typeof value === "string" ? JSON.stringify(value) : String(value);
}

for (const { field, value, hint } of INVALID_CASES) {
  const expected: ExpectedError = {
    context: CREATE,
    contains: [`\`${field}\``, `(got ${shown(value)})`, ...(hint === undefined ? [] : [hint])],
  };

  test(`new Message throws a TypeError naming \`${field}\` when ${field} is ${label(value)}`, () => {
    const init = (field === "data" ? { [field]: value } : { data: "x", [field]: value }) as unknown as MessageInit;
    expectTypeError(() => new Message(init), expected);
  });

  test(`Message.${field}() throws a TypeError naming \`${field}\` when given ${label(value)}`, () => {
    const base = new Message({ data: "x", event: "e", id: "1", retry: 1, comment: "c" });
    expectTypeError(() => BUILDERS[field](base, value), expected);
    // The failed builder leaves the message it was called on unchanged.
    expect(base.toString()).toBe(": c\nevent: e\nid: 1\nretry: 1\ndata: x\n\n");
  });
}

test("Message.data throws a TypeError naming `data` when given a number", () => {
  expectTypeError(() => Message.data(42 as unknown as string), {
    context: CREATE,
    contains: ["`data`", "(got number 42)", "Message.json"],
  });
});

test("new Message shows the line break escaped when event has one", () => {
  expectTypeError(() => new Message({ data: "x", event: "a\nb" }), {
    context: CREATE,
    contains: ["`event`", '(got "a\\nb")'],
  });
});

test("new Message shows NUL escaped when id has one", () => {
  expectTypeError(() => new Message({ data: "x", id: "a\0b" }), {
    context: CREATE,
    contains: ["`id`", '(got "a\\u0000b")'],
  });
});

test("new Message throws a TypeError when given no field", () => {
  expectTypeError(() => new Message({}), { context: CREATE, contains: ["no field"] });
  expectTypeError(() => new Message({ data: undefined } as unknown as MessageInit), {
    context: CREATE,
    contains: ["no field"],
  });
});

test("new Message throws a TypeError naming the field when given an unknown field", () => {
  expectTypeError(() => new Message({ data: "x", name: "y" } as unknown as MessageInit), {
    context: CREATE,
    contains: ["`name`"],
  });
});

test("new Message throws a TypeError when given something other than an object", () => {
  expectTypeError(() => new Message(null as unknown as MessageInit), { context: CREATE, contains: ["(got null)"] });
  expectTypeError(() => new Message("x" as unknown as MessageInit), { context: CREATE, contains: ['(got "x")'] });
});

test("Message.json throws a TypeError naming `data` when the value has no JSON form", () => {
  for (const value of [undefined, () => 1, Symbol("s")]) {
    expectTypeError(() => Message.json(value), { context: CREATE, contains: ["`data`", "no JSON form"] });
  }
});

test("Message.json throws a TypeError naming `data` with the cause when JSON.stringify throws", () => {
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  for (const value of [10n, cyclic]) {
    expectTypeError(() => Message.json(value), { context: CREATE, contains: ["`data`", "not JSON-serializable"] });
    const error = catchError(() => Message.json(value));
    expect(error instanceof Error ? error.cause : undefined).toBeInstanceOf(TypeError);
  }
});

test("encodeMessage throws a TypeError when given undefined", () => {
  expectTypeError(() => encodeMessage(undefined), { context: ENCODE, contains: ["undefined"] });
});

test("encodeMessage throws a TypeError naming `serialize` when the serializer returns a non-string", () => {
  const cases: readonly [unknown, string][] = [
    [5, "(got number 5 for "],
    [null, "(got null for "],
    [new Uint8Array(1), "(got an instance of Uint8Array for "],
  ];
  for (const [result, part] of cases) {
    expectTypeError(() => encodeMessage({ a: 1 }, () => result as string), {
      context: ENCODE,
      contains: ["`serialize`", part],
    });
  }
});

test("encodeMessage throws a TypeError when the default serializer has no JSON form for the item", () => {
  for (const item of [() => 1, Symbol("s")]) {
    expectTypeError(() => encodeMessage(item), { context: ENCODE, contains: ["`serialize`"] });
  }
});

test("encodeMessage throws a TypeError naming toServerSentEvent when it returns a number", () => {
  expectTypeError(() => encodeMessage({ toServerSentEvent: () => 5 }), {
    context: ENCODE,
    contains: ["toServerSentEvent()", "(got number 5)"],
  });
});

test("encodeMessage throws a TypeError naming toServerSentEvent when it returns null or a plain object", () => {
  expectTypeError(() => encodeMessage({ toServerSentEvent: () => null }), {
    context: ENCODE,
    contains: ["toServerSentEvent()", "(got null)"],
  });
  expectTypeError(() => encodeMessage({ toServerSentEvent: () => ({ data: "x" }) }), {
    context: ENCODE,
    contains: ["toServerSentEvent()"],
  });
});

test("error messages show undefined once when the bad value is undefined", () => {
  const messages = [
    catchError(() => Message.json(undefined)),
    catchError(() => encodeMessage({ a: 1 }, () => undefined as unknown as string)),
    catchError(() => encodeMessage({ toServerSentEvent: () => undefined })),
  ].map((error) => (error instanceof Error ? error.message : ""));
  for (const message of messages) {
    expect(message).toContain("(got undefined");
    expect(message).not.toContain("undefined undefined");
  }
});

test("error messages say 'an object' when the bad value is a plain object", () => {
  const error = catchError(() => encodeMessage({ a: 1 }, () => 5 as unknown as string));
  expect(error instanceof Error ? error.message : "").toContain("for an object)");
});

/**
 * An init object whose getter returns a valid value for the first `validReads` reads, then one
 * that would inject an event. Whatever number of reads validation does, the value the message
 * keeps must be a validated one.
 */
function flippingInit(field: "event" | "id", validReads: number, bad: string): MessageInit {
  let reads = 0;
  const init = { data: "x" };
  Object.defineProperty(init, field, {
    enumerable: true,
    get: () => (++reads <= validReads ? "ok" : bad),
  });
  return init as MessageInit;
}

for (const field of ["event", "id"] as const) {
  test(`new Message never keeps an unvalidated ${field} when a getter changes its value between reads`, () => {
    for (let validReads = 0; validReads <= 6; validReads++) {
      let message: Message;
      try {
        message = new Message(flippingInit(field, validReads, "ok\n\ndata: injected"));
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
        continue;
      }
      expect(message.fields[field], `after ${validReads} valid reads`).toBe("ok");
      expect(parseWire(message.toString()).events, `after ${validReads} valid reads`).toHaveLength(1);
    }
  });
}
