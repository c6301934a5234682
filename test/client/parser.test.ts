/**
 * The client's parser against literal vectors: every expectation is written out by hand from the
 * WHATWG "Parsing an event stream" and "Interpreting an event stream" rules, and the encoder's wire
 * vectors (test/conformance/spec-vectors.ts) must parse back to their events.
 */
import { expect, test } from "vitest";
import { createEventStreamParser, EventStreamParserStream, type ServerSentEvent } from "edge-sse/client";
import { SPEC_VECTORS } from "../conformance/spec-vectors.ts";
import { catchError } from "../helpers/catch-error.ts";

interface Seen {
  events: ServerSentEvent[];
  retries: number[];
  comments: string[];
  lastEventId: string;
}

/** Feeds `chunks` (text or bytes) to one parser, ends the stream, and returns what it reported. */
function parseChunks(chunks: ReadonlyArray<string | Uint8Array>, lastEventId?: string): Seen {
  const seen: Seen = { events: [], retries: [], comments: [], lastEventId: "" };
  const parser = createEventStreamParser(
    {
      onEvent: (event) => seen.events.push(event),
      onRetry: (ms) => seen.retries.push(ms),
      onComment: (text) => seen.comments.push(text),
    },
    lastEventId === undefined ? {} : { lastEventId },
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  seen.lastEventId = parser.lastEventId;
  return seen;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const message = (data: string, id = "", event = "message"): ServerSentEvent => ({ event, data, id });

interface Vector {
  readonly name: string;
  readonly chunks: ReadonlyArray<string | Uint8Array>;
  readonly events: readonly ServerSentEvent[];
  readonly retries?: readonly number[];
  readonly comments?: readonly string[];
  readonly lastEventId?: string;
}

const VECTORS: readonly Vector[] = [
  // line ends
  { name: "LF ends lines", chunks: ["data: a\n\n"], events: [message("a")] },
  { name: "CR ends lines", chunks: ["data: a\r\r"], events: [message("a")] },
  { name: "CRLF ends lines", chunks: ["data: a\r\n\r\n"], events: [message("a")] },
  { name: "mixed line ends in one event", chunks: ["data: a\rdata: b\ndata: c\r\n\n"], events: [message("a\nb\nc")] },
  {
    name: "LF CR is two line ends (an empty line)",
    chunks: ["data: a\n\rdata: b\n\n"],
    events: [message("a"), message("b")],
  },
  {
    name: "a CR at a chunk end and the LF in the next chunk are one line end",
    chunks: ["data: a\r", "\ndata: b\r", "\n\r", "\n"],
    events: [message("a\nb")],
  },
  { name: "a CR at a chunk end followed by CR is two line ends", chunks: ["data: a\r", "\r"], events: [message("a")] },
  { name: "a CR that ends the stream ends its line", chunks: ["data: a\n\r"], events: [message("a")] },
  {
    name: "a CR at a chunk end then text is a line end",
    chunks: ["data: a\r", "data: b\n\n"],
    events: [message("a\nb")],
  },
  {
    name: "a line cut into many chunks",
    chunks: ["da", "ta", ":", " ", "a", "b", "\n", "\n"],
    events: [message("ab")],
  },
  // BOM
  { name: "one BOM at the start is dropped", chunks: ["\uFEFFdata: a\n\n"], events: [message("a")] },
  { name: "a BOM alone in the first chunk is dropped", chunks: ["\uFEFF", "data: a\n\n"], events: [message("a")] },
  {
    name: "a second BOM at the start is kept (the field is then unknown)",
    chunks: ["\uFEFF\uFEFFdata: a\n\ndata: b\n\n"],
    events: [message("b")],
  },
  { name: "a BOM after the start is kept", chunks: ["data: a\n\n\uFEFFdata: b\n\n"], events: [message("a")] },
  {
    name: "a BOM in bytes at the start is dropped",
    chunks: [bytes(0xef, 0xbb, 0xbf), utf8("data: a\n\n")],
    events: [message("a")],
  },
  {
    name: "a BOM in bytes split over chunks is dropped",
    chunks: [bytes(0xef), bytes(0xbb), bytes(0xbf, 0x64), utf8("ata: a\n\n")],
    events: [message("a")],
  },
  { name: "a BOM inside data is kept", chunks: ["data: \uFEFFa\n\n"], events: [message("\uFEFFa")] },
  // UTF-8
  {
    name: "a multibyte character split between chunks",
    chunks: [utf8("data: ").slice(), bytes(0xf0, 0x9f), bytes(0x98), bytes(0x80, 0x0a, 0x0a)],
    events: [message("😀")],
  },
  {
    name: "invalid UTF-8 becomes U+FFFD",
    chunks: [bytes(0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xc3, 0x0a, 0x0a)],
    events: [message("\uFFFD\uFFFD")],
  },
  {
    name: "a truncated sequence at the end of the stream is dropped with the incomplete line",
    chunks: [utf8("data: a\n\ndata: "), bytes(0xe2, 0x82)],
    events: [message("a")],
  },
  // comments
  {
    name: "a comment is reported without the colon and one space",
    chunks: [": hi\n:two\n:  three\n:\n\n"],
    events: [],
    comments: ["hi", "two", " three", ""],
  },
  {
    name: "a comment between data lines does not end the event",
    chunks: ["data: a\n: note\ndata: b\n\n"],
    events: [message("a\nb")],
    comments: ["note"],
  },
  // fields
  { name: "an unknown field is ignored", chunks: ["foo: bar\ndata: a\nDATA: b\n data: c\n\n"], events: [message("a")] },
  { name: "a field without a colon has an empty value", chunks: ["data\n\n"], events: [message("")] },
  { name: "two data fields without a value give one LF", chunks: ["data\ndata\n\n"], events: [message("\n")] },
  { name: "one space after the colon is removed, not two", chunks: ["data:  two\n\n"], events: [message(" two")] },
  { name: "no space after the colon is fine", chunks: ["data:a\n\n"], events: [message("a")] },
  { name: "a tab after the colon is kept", chunks: ["data:\ta\n\n"], events: [message("\ta")] },
  { name: "colons after the first are part of the value", chunks: ["data: a: b:c\n\n"], events: [message("a: b:c")] },
  { name: "an empty data value dispatches an empty event", chunks: ["data:\n\n"], events: [message("")] },
  // event
  { name: "the event type names the event", chunks: ["event: tick\ndata: 1\n\n"], events: [message("1", "", "tick")] },
  { name: "an empty event type is message", chunks: ["event:\ndata: 1\n\n"], events: [message("1")] },
  { name: "an event field without a colon is message", chunks: ["event\ndata: 1\n\n"], events: [message("1")] },
  { name: "the last event field wins", chunks: ["event: a\nevent: b\ndata: 1\n\n"], events: [message("1", "", "b")] },
  {
    name: "the event type is reset by every dispatch, even one without data",
    chunks: ["event: a\n\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\n"],
    events: [message("1"), message("2", "", "b"), message("3")],
  },
  // id
  {
    name: "an id is the id of the events after it",
    chunks: ["id: 1\ndata: a\n\ndata: b\n\n"],
    events: [message("a", "1"), message("b", "1")],
    lastEventId: "1",
  },
  {
    name: "an id with NUL is ignored",
    chunks: ["id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n"],
    events: [message("a", "1"), message("b", "1")],
    lastEventId: "1",
  },
  {
    name: "an empty id resets the id",
    chunks: ["id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\n\nid:\ndata: c\n\n"],
    events: [message("a", "1"), message("b"), message("c")],
    lastEventId: "",
  },
  {
    name: "an id-only block sets the last event id and dispatches nothing",
    chunks: ["id: 5\n\n"],
    events: [],
    lastEventId: "5",
  },
  {
    name: "an id keeps its spaces after the first",
    chunks: ["id:  x \ndata: a\n\n"],
    events: [message("a", " x ")],
    lastEventId: " x ",
  },
  {
    name: "an id in an incomplete last event is not the last event id",
    chunks: ["id: 1\ndata: a\n\nid: 2\ndata: b\n"],
    events: [message("a", "1")],
    lastEventId: "1",
  },
  // retry
  { name: "retry of digits sets the reconnection time", chunks: ["retry: 1500\n\n"], events: [], retries: [1500] },
  { name: "retry with leading zeros", chunks: ["retry: 007\n"], events: [], retries: [7] },
  {
    name: "retry that is not only digits is ignored",
    chunks: ["retry: 1a\nretry: -1\nretry: 1.5\nretry:  5\nretry: \nretry\nretry: 5 \nretry: ５\n\n"],
    events: [],
    retries: [],
  },
  { name: "retry does not need an empty line to count", chunks: ["retry: 10\ndata: a"], events: [], retries: [10] },
  // dispatch
  {
    name: "a block without data dispatches nothing",
    chunks: ["event: a\nid: 1\nretry: 2\n\n"],
    events: [],
    retries: [2],
    lastEventId: "1",
  },
  { name: "an incomplete last event is not dispatched", chunks: ["data: a\n\ndata: b\n"], events: [message("a")] },
  { name: "a last line without an end is dropped", chunks: ["data: a\n\ndata: b"], events: [message("a")] },
  { name: "several empty lines dispatch once", chunks: ["data: a\n\n\n\n\r\n\r"], events: [message("a")] },
  { name: "an empty stream gives nothing", chunks: [""], events: [] },
];

test.each(VECTORS)("createEventStreamParser: $name", ({ chunks, events, retries = [], comments, lastEventId }) => {
  const seen = parseChunks(chunks);
  expect(seen.events).toEqual(events);
  expect(seen.retries).toEqual(retries);
  if (comments !== undefined) expect(seen.comments).toEqual(comments);
  expect(seen.lastEventId).toBe(lastEventId ?? events.at(-1)?.id ?? "");
});

test.each(SPEC_VECTORS)("createEventStreamParser reads the encoder's wire vector: $name", (vector) => {
  for (const chunks of [
    [vector.wire],
    [...vector.wire],
    [utf8(vector.wire)],
    [...utf8(vector.wire)].map((byte) => bytes(byte)),
  ]) {
    const seen = parseChunks(chunks);
    expect(seen.events).toEqual(
      vector.events.map((event) => message(event.data, event.id ?? "", event.event ?? "message")),
    );
    expect(seen.retries).toEqual(vector.retries ?? []);
    expect(seen.comments).toEqual(vector.comments ?? []);
    expect(seen.lastEventId).toBe(vector.lastEventId ?? vector.events.at(-1)?.id ?? "");
  }
});

test("createEventStreamParser keeps the last event id across end() and drops the half-read event", () => {
  const events: ServerSentEvent[] = [];
  const parser = createEventStreamParser({ onEvent: (event) => events.push(event) });
  parser.feed("id: 7\ndata: a\n\nevent: x\ndata: lost\nid: 8\ndata: cut");
  parser.end();
  expect(parser.lastEventId).toBe("7");
  parser.feed("\uFEFFdata: b\n\n"); // a new stream: its BOM is dropped again
  expect(events).toEqual([message("a", "7"), message("b", "7")]);
});

test("createEventStreamParser starts from the lastEventId option", () => {
  expect(parseChunks(["data: a\n\nid: 2\ndata: b\n\n"], "1").events).toEqual([message("a", "1"), message("b", "2")]);
});

test("createEventStreamParser reports an event before feed returns", () => {
  const events: ServerSentEvent[] = [];
  const parser = createEventStreamParser({ onEvent: (event) => events.push(event) });
  parser.feed("data: a\n");
  expect(events).toEqual([]);
  parser.feed("\n");
  expect(events).toEqual([message("a")]);
});

test("createEventStreamParser reads a line of a megabyte fed in small pieces", () => {
  const long = "x".repeat(1 << 20);
  const pieces = ["data: "];
  for (let i = 0; i < long.length; i += 1000) pieces.push(long.slice(i, i + 1000));
  pieces.push("\n\n");
  expect(parseChunks(pieces).events).toEqual([message(long)]);
});

test("createEventStreamParser throws a TypeError naming what is wrong", () => {
  expect(catchError(() => createEventStreamParser(undefined as never))).toEqual(
    new TypeError(
      "Cannot create an event-stream parser: `callbacks` must be an object { onEvent, onRetry?, onComment? } (got undefined)",
    ),
  );
  expect(catchError(() => createEventStreamParser({ onEvent: "log" as never }))).toEqual(
    new TypeError('Cannot create an event-stream parser: `onEvent` must be a function (got "log")'),
  );
  expect(catchError(() => createEventStreamParser({ onEvent: () => {}, onRetry: 5 as never }))).toEqual(
    new TypeError("Cannot create an event-stream parser: `onRetry` must be a function (got number 5)"),
  );
  expect(catchError(() => createEventStreamParser({ onEvent: () => {} }, { lastEventId: 1 as never }))).toEqual(
    new TypeError("Cannot create an event-stream parser: `lastEventId` must be a string (got number 1)"),
  );
  const parser = createEventStreamParser({ onEvent: () => {} });
  expect(catchError(() => parser.feed(42 as never))).toEqual(
    new TypeError("Cannot parse the event stream: a chunk must be a Uint8Array or a string (got number 42)"),
  );
});

test("EventStreamParserStream turns a byte stream into events and drops the incomplete last one", async () => {
  const retries: number[] = [];
  const comments: string[] = [];
  const body = new Response("\uFEFF: hi\nretry: 5\nid: 1\nevent: tick\ndata: 😀\r\n\r\ndata: two\n\ndata: cut").body!;
  const reader = body
    .pipeThrough(
      new EventStreamParserStream({ onRetry: (ms) => retries.push(ms), onComment: (text) => comments.push(text) }),
    )
    .getReader();
  const events: ServerSentEvent[] = [];
  for (let step = await reader.read(); !step.done; step = await reader.read()) events.push(step.value);
  expect(events).toEqual([message("😀", "1", "tick"), message("two", "1")]);
  expect(retries).toEqual([5]);
  expect(comments).toEqual(["hi"]);
});

test("EventStreamParserStream starts from the lastEventId option", async () => {
  const reader = new Response("data: a\n\n")
    .body!.pipeThrough(new EventStreamParserStream({ lastEventId: "9" }))
    .getReader();
  expect((await reader.read()).value).toEqual(message("a", "9"));
});
