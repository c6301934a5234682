/**
 * Literal wire vectors: what each input must encode to, byte for byte, and what a spec-following
 * client must make of that text. Every expectation here is written out by hand from the WHATWG
 * "Server-sent events" parsing rules, never computed with the code under test.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
import { runInNewContext } from "node:vm";
import { Message, type MessageInit, type Serializer } from "edge-sse";

/**
 * An event as eventsource-parser reports it. `event` is absent when the type is the default
 * ("message"), `id` is absent when the frame sets none.
 */
export interface ExpectedEvent {
  readonly data: string;
  readonly event?: string;
  readonly id?: string;
}

/** The input of a vector: fields for `new Message(...)`, or an item for `encodeMessage(...)`. */
export type VectorInput = { readonly init: MessageInit } | { readonly item: unknown; readonly serialize?: Serializer };

export interface SpecVector {
  readonly name: string;
  readonly input: VectorInput;
  /** The exact frame text. */
  readonly wire: string;
  /** The events a client dispatches, in order. */
  readonly events: readonly ExpectedEvent[];
  /** The comment lines a parser sees (without the `: ` prefix); none when absent. */
  readonly comments?: readonly string[];
  /** The reconnection times a parser sees; none when absent. */
  readonly retries?: readonly number[];
  /** The client's last event ID string after the frame, when it differs from the events' ids. */
  readonly lastEventId?: string;
}

class Point {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  toServerSentEvent(): Message {
    return Message.json({ x: this.x, y: this.y }).event("point");
  }
}

export const SPEC_VECTORS: readonly SpecVector[] = [
  // data: line breaks
  { name: "plain data", input: { init: { data: "hello" } }, wire: "data: hello\n\n", events: [{ data: "hello" }] },
  { name: "data with LF", input: { init: { data: "a\nb" } }, wire: "data: a\ndata: b\n\n", events: [{ data: "a\nb" }] },
  { name: "data with CR", input: { init: { data: "a\rb" } }, wire: "data: a\ndata: b\n\n", events: [{ data: "a\nb" }] },
  {
    name: "data with CRLF",
    input: { init: { data: "a\r\nb" } },
    wire: "data: a\ndata: b\n\n",
    events: [{ data: "a\nb" }],
  },
  {
    name: "data with mixed CRLF, CR and LF",
    input: { init: { data: "a\r\nb\rc\nd" } },
    wire: "data: a\ndata: b\ndata: c\ndata: d\n\n",
    events: [{ data: "a\nb\nc\nd" }],
  },
  {
    name: "data with LF then CR (two line breaks, not one)",
    input: { init: { data: "a\n\rb" } },
    wire: "data: a\ndata: \ndata: b\n\n",
    events: [{ data: "a\n\nb" }],
  },
  {
    name: "data with CR CR LF (two line breaks)",
    input: { init: { data: "a\r\r\nb" } },
    wire: "data: a\ndata: \ndata: b\n\n",
    events: [{ data: "a\n\nb" }],
  },
  {
    name: "data with an empty line in the middle",
    input: { init: { data: "a\n\nb" } },
    wire: "data: a\ndata: \ndata: b\n\n",
    events: [{ data: "a\n\nb" }],
  },
  {
    name: "data with a leading line break",
    input: { init: { data: "\na" } },
    wire: "data: \ndata: a\n\n",
    events: [{ data: "\na" }],
  },
  {
    name: "data with a trailing LF",
    input: { init: { data: "a\n" } },
    wire: "data: a\ndata: \n\n",
    events: [{ data: "a\n" }],
  },
  {
    name: "data with a trailing CRLF",
    input: { init: { data: "a\r\n" } },
    wire: "data: a\ndata: \n\n",
    events: [{ data: "a\n" }],
  },
  {
    name: "data with a trailing CR",
    input: { init: { data: "a\r" } },
    wire: "data: a\ndata: \n\n",
    events: [{ data: "a\n" }],
  },
  {
    name: "data that is one LF",
    input: { init: { data: "\n" } },
    wire: "data: \ndata: \n\n",
    events: [{ data: "\n" }],
  },
  {
    name: "data that is two CRLFs",
    input: { init: { data: "\r\n\r\n" } },
    wire: "data: \ndata: \ndata: \n\n",
    events: [{ data: "\n\n" }],
  },
  { name: "empty data", input: { init: { data: "" } }, wire: "data: \n\n", events: [{ data: "" }] },
  // data: content the parser could misread
  {
    name: "data starting with a space",
    input: { init: { data: " a" } },
    wire: "data:  a\n\n",
    events: [{ data: " a" }],
  },
  { name: "data that is only spaces", input: { init: { data: "  " } }, wire: "data:   \n\n", events: [{ data: "  " }] },
  {
    name: "data whose second line starts with a space",
    input: { init: { data: "a\n b" } },
    wire: "data: a\ndata:  b\n\n",
    events: [{ data: "a\n b" }],
  },
  { name: "data that is a colon", input: { init: { data: ":" } }, wire: "data: :\n\n", events: [{ data: ":" }] },
  {
    name: "data that looks like fields and a blank line",
    input: { init: { data: "x\ndata: y\n\nevent: z\nid: 9\nretry: 1\n: c" } },
    wire: "data: x\ndata: data: y\ndata: \ndata: event: z\ndata: id: 9\ndata: retry: 1\ndata: : c\n\n",
    events: [{ data: "x\ndata: y\n\nevent: z\nid: 9\nretry: 1\n: c" }],
  },
  { name: "data with NUL", input: { init: { data: "a\0b" } }, wire: "data: a\0b\n\n", events: [{ data: "a\0b" }] },
  {
    name: "data with a byte order mark",
    input: { init: { data: "\uFEFFx" } },
    wire: "data: \uFEFFx\n\n",
    events: [{ data: "\uFEFFx" }],
  },
  {
    name: "data with Unicode line and paragraph separators and NEL (not line breaks in SSE)",
    input: { init: { data: "a\u2028b\u2029c\u0085d\u000Be\u000Cf" } },
    wire: "data: a\u2028b\u2029c\u0085d\u000Be\u000Cf\n\n",
    events: [{ data: "a\u2028b\u2029c\u0085d\u000Be\u000Cf" }],
  },
  // data: multibyte
  {
    name: "multibyte data",
    input: { init: { data: "h\u00E9llo, \u4E16\u754C" } },
    wire: "data: h\u00E9llo, \u4E16\u754C\n\n",
    events: [{ data: "h\u00E9llo, \u4E16\u754C" }],
  },
  {
    name: "emoji data across lines",
    input: { init: { data: "\u{1F44D}\u{1F3FD}\r\n\u{1F1EB}\u{1F1F7}" } },
    wire: "data: \u{1F44D}\u{1F3FD}\ndata: \u{1F1EB}\u{1F1F7}\n\n",
    events: [{ data: "\u{1F44D}\u{1F3FD}\n\u{1F1EB}\u{1F1F7}" }],
  },
  // comments
  { name: "a comment alone", input: { init: { comment: "hi" } }, wire: ": hi\n\n", events: [], comments: ["hi"] },
  { name: "an empty comment", input: { init: { comment: "" } }, wire: ": \n\n", events: [], comments: [""] },
  {
    name: "a multi-line comment",
    input: { init: { comment: "a\nb" } },
    wire: ": a\n: b\n\n",
    events: [],
    comments: ["a", "b"],
  },
  {
    name: "a comment with CR and CRLF",
    input: { init: { comment: "a\rb\r\nc" } },
    wire: ": a\n: b\n: c\n\n",
    events: [],
    comments: ["a", "b", "c"],
  },
  {
    name: "a comment that looks like an event",
    input: { init: { comment: "x\ndata: evil\n\nid: 1" } },
    wire: ": x\n: data: evil\n: \n: id: 1\n\n",
    events: [],
    comments: ["x", "data: evil", "", "id: 1"],
  },
  {
    name: "a comment with data",
    input: { init: { data: "x", comment: "note" } },
    wire: ": note\ndata: x\n\n",
    events: [{ data: "x" }],
    comments: ["note"],
  },
  // event
  {
    name: "an event type",
    input: { init: { data: "x", event: "update" } },
    wire: "event: update\ndata: x\n\n",
    events: [{ data: "x", event: "update" }],
  },
  {
    name: "an event type with spaces and a colon",
    input: { init: { data: "x", event: "a b: c" } },
    wire: "event: a b: c\ndata: x\n\n",
    events: [{ data: "x", event: "a b: c" }],
  },
  {
    name: "an event type starting with a space",
    input: { init: { data: "x", event: " x" } },
    wire: "event:  x\ndata: x\n\n",
    events: [{ data: "x", event: " x" }],
  },
  {
    name: "an empty event type (the default type)",
    input: { init: { data: "x", event: "" } },
    wire: "event: \ndata: x\n\n",
    events: [{ data: "x" }],
  },
  {
    name: "an event type without data (dispatches nothing)",
    input: { init: { event: "ping" } },
    wire: "event: ping\n\n",
    events: [],
  },
  // id
  {
    name: "an id",
    input: { init: { data: "x", id: "42" } },
    wire: "id: 42\ndata: x\n\n",
    events: [{ data: "x", id: "42" }],
  },
  {
    name: "an empty id (resets the last event id)",
    input: { init: { data: "x", id: "" } },
    wire: "id: \ndata: x\n\n",
    events: [{ data: "x", id: "" }],
  },
  {
    name: "an id with inner spaces, a colon and multibyte text",
    input: { init: { data: "x", id: "a: \u00E9 \u{1F600}" } },
    wire: "id: a: \u00E9 \u{1F600}\ndata: x\n\n",
    events: [{ data: "x", id: "a: \u00E9 \u{1F600}" }],
  },
  {
    name: "an id without data (sets the last event id, dispatches nothing)",
    input: { init: { id: "7" } },
    wire: "id: 7\n\n",
    events: [],
    lastEventId: "7",
  },
  // retry
  { name: "retry 0", input: { init: { retry: 0 } }, wire: "retry: 0\n\n", events: [], retries: [0] },
  {
    name: "retry with data",
    input: { init: { data: "x", retry: 3000 } },
    wire: "retry: 3000\ndata: x\n\n",
    events: [{ data: "x" }],
    retries: [3000],
  },
  {
    name: "the largest retry",
    input: { init: { retry: Number.MAX_SAFE_INTEGER } },
    wire: "retry: 9007199254740991\n\n",
    events: [],
    retries: [9007199254740991],
  },
  // all fields
  {
    name: "all fields together",
    input: { init: { comment: "c1\nc2", event: "e", id: "i", retry: 5, data: "d1\nd2" } },
    wire: ": c1\n: c2\nevent: e\nid: i\nretry: 5\ndata: d1\ndata: d2\n\n",
    events: [{ data: "d1\nd2", event: "e", id: "i" }],
    comments: ["c1", "c2"],
    retries: [5],
  },
  {
    name: "all fields given in reverse order",
    input: { init: { data: "d", retry: 5, id: "i", event: "e", comment: "c" } },
    wire: ": c\nevent: e\nid: i\nretry: 5\ndata: d\n\n",
    events: [{ data: "d", event: "e", id: "i" }],
    comments: ["c"],
    retries: [5],
  },
  {
    name: "all fields set by the builders",
    input: { item: Message.data("d").retry(5).id("i").event("e").comment("c") },
    wire: ": c\nevent: e\nid: i\nretry: 5\ndata: d\n\n",
    events: [{ data: "d", event: "e", id: "i" }],
    comments: ["c"],
    retries: [5],
  },
  {
    name: "a builder that replaces a field",
    input: { item: Message.data("old").event("a").data("new").event("b") },
    wire: "event: b\ndata: new\n\n",
    events: [{ data: "new", event: "b" }],
  },
  // strings and JSON values through encodeMessage
  { name: "a string item", input: { item: "a\r\nb" }, wire: "data: a\ndata: b\n\n", events: [{ data: "a\nb" }] },
  { name: "an empty string item", input: { item: "" }, wire: "data: \n\n", events: [{ data: "" }] },
  {
    name: "a JSON object",
    input: { item: { a: 1, b: [true, null] } },
    wire: 'data: {"a":1,"b":[true,null]}\n\n',
    events: [{ data: '{"a":1,"b":[true,null]}' }],
  },
  {
    name: "a JSON object whose string has a line break (escaped by JSON)",
    input: { item: { s: "a\nb" } },
    wire: 'data: {"s":"a\\nb"}\n\n',
    events: [{ data: '{"s":"a\\nb"}' }],
  },
  { name: "a JSON array", input: { item: [1, "two"] }, wire: 'data: [1,"two"]\n\n', events: [{ data: '[1,"two"]' }] },
  { name: "null", input: { item: null }, wire: "data: null\n\n", events: [{ data: "null" }] },
  { name: "the number 42", input: { item: 42 }, wire: "data: 42\n\n", events: [{ data: "42" }] },
  { name: "the number 0", input: { item: 0 }, wire: "data: 0\n\n", events: [{ data: "0" }] },
  { name: "the number -1.5", input: { item: -1.5 }, wire: "data: -1.5\n\n", events: [{ data: "-1.5" }] },
  { name: "false", input: { item: false }, wire: "data: false\n\n", events: [{ data: "false" }] },
  {
    name: "Message.json of an object",
    input: { item: Message.json({ x: 1 }) },
    wire: 'data: {"x":1}\n\n',
    events: [{ data: '{"x":1}' }],
  },
  {
    name: "Message.json of a string with a line break",
    input: { item: Message.json("a\nb") },
    wire: 'data: "a\\nb"\n\n',
    events: [{ data: '"a\\nb"' }],
  },
  {
    name: "a custom serializer whose text has line breaks",
    input: { item: { a: 1 }, serialize: (value) => JSON.stringify(value, null, 2) },
    wire: 'data: {\ndata:   "a": 1\ndata: }\n\n',
    events: [{ data: '{\n  "a": 1\n}' }],
  },
  // bytes
  {
    name: "a Uint8Array",
    input: { item: new Uint8Array([104, 105]) },
    wire: "data: aGk=\n\n",
    events: [{ data: "aGk=" }],
  },
  { name: "an empty Uint8Array", input: { item: new Uint8Array(0) }, wire: "data: \n\n", events: [{ data: "" }] },
  {
    name: "bytes that use + and / in base64",
    input: { item: new Uint8Array([0xfb, 0xff, 0xbf]) },
    wire: "data: +/+/\n\n",
    events: [{ data: "+/+/" }],
  },
  {
    name: "a Uint8Array subarray with a byteOffset",
    input: { item: new Uint8Array([0, 1, 2, 3, 104, 105, 33, 9]).subarray(4, 7) },
    wire: "data: aGkh\n\n",
    events: [{ data: "aGkh" }],
  },
  {
    name: "an ArrayBuffer",
    input: { item: new Uint8Array([0xff, 0xfe, 0xfd]).buffer },
    wire: "data: //79\n\n",
    events: [{ data: "//79" }],
  },
  { name: "an empty ArrayBuffer", input: { item: new ArrayBuffer(0) }, wire: "data: \n\n", events: [{ data: "" }] },
  {
    name: "a DataView with an offset",
    input: { item: new DataView(new Uint8Array([0, 104, 105, 0]).buffer, 1, 2) },
    wire: "data: aGk=\n\n",
    events: [{ data: "aGk=" }],
  },
  {
    name: "a Uint16Array view with an offset (its bytes, not its numbers)",
    input: { item: new Uint16Array(new Uint8Array([65, 66, 67, 68]).buffer, 2, 1) },
    wire: "data: Q0Q=\n\n",
    events: [{ data: "Q0Q=" }],
  },
  {
    name: "a Node Buffer (a view into a shared pool)",
    input: { item: Buffer.from("hello") },
    wire: "data: aGVsbG8=\n\n",
    events: [{ data: "aGVsbG8=" }],
  },
  {
    name: "an ArrayBuffer from another realm",
    input: { item: runInNewContext("new Uint8Array([104, 105]).buffer") as unknown },
    wire: "data: aGk=\n\n",
    events: [{ data: "aGk=" }],
  },
  // toServerSentEvent
  {
    name: "toServerSentEvent returning a string",
    input: { item: { toServerSentEvent: () => "a\nb" } },
    wire: "data: a\ndata: b\n\n",
    events: [{ data: "a\nb" }],
  },
  {
    name: "toServerSentEvent returning an empty string",
    input: { item: { toServerSentEvent: () => "" } },
    wire: "data: \n\n",
    events: [{ data: "" }],
  },
  {
    name: "toServerSentEvent returning a Message",
    input: { item: { toServerSentEvent: () => Message.data("x").event("y").id("3") } },
    wire: "event: y\nid: 3\ndata: x\n\n",
    events: [{ data: "x", event: "y", id: "3" }],
  },
  {
    name: "toServerSentEvent of a class instance (called with this)",
    input: { item: new Point(1, 2) },
    wire: 'event: point\ndata: {"x":1,"y":2}\n\n',
    events: [{ data: '{"x":1,"y":2}', event: "point" }],
  },
];
