/**
 * Hostile event ids, everywhere an id enters or leaves: `Message`, a channel's publish, a Durable
 * Object's POST body, the `Last-Event-ID` header, the `lastEventId` query parameter, and the
 * channel's `last-event-id` response header. The tables say what was tried; each test says what must
 * happen. HTTP cases run over a real node:http server (edge-sse/node) with a raw-socket client, so
 * the bytes on the wire are exactly the ones listed.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DataStream, MAX_EVENT_ID_BYTES, Message } from "edge-sse";
import { Channel, GAP_EVENT, type ChannelBroker, type ChannelEvent } from "edge-sse/channel";
import { ChannelObject, type DurableObjectStateLike } from "edge-sse/durable-object";
import { readPublishBody } from "../../src/durable-object/publish-body.ts";
import { toNodeListener } from "edge-sse/node";
import { catchError } from "../helpers/catch-error.ts";
import { EventReader } from "../helpers/event-reader.ts";
import { headerLine, rawGet } from "../helpers/raw-http.ts";

// --- What was tried --------------------------------------------------------------------------------

/** Ids that would not come back intact as `Last-Event-ID`, and the words of the rule each breaks. */
const REFUSED_IDS: ReadonlyArray<readonly [label: string, id: string, rule: string]> = [
  ["a lone space", " ", "whitespace"],
  ["spaces only", "   ", "whitespace"],
  ["a leading space", " 4", "whitespace"],
  ["a trailing space", "4 ", "whitespace"],
  ["a leading tab", "\t4", "control characters"],
  ["a trailing no-break space", "4\u00A0", "whitespace"],
  ["a leading ideographic space", "\u30004", "whitespace"],
  ["a leading byte order mark", "\uFEFF4", "whitespace"],
  ["a trailing line separator", "4\u2028", "whitespace"],
  ["LF", "a\nb", "line break"],
  ["CR", "a\rb", "line break"],
  ["CRLF and a forged field", "1\r\nid: 2", "line break"],
  ["NUL", "a\0b", "NUL"],
  ["U+0001", "a\u0001b", "control characters"],
  ["an inner tab", "a\tb", "control characters"],
  ["ESC", "a\u001Bb", "control characters"],
  ["DEL", "a\u007Fb", "control characters"],
  ["the first C1 control", "a\u0080b", "control characters"],
  ["NEL (a C1 control)", "a\u0085b", "control characters"],
  ["the last C1 control", "a\u009Fb", "control characters"],
  ["a lone high surrogate", "\uD800", "lone surrogates"],
  ["a lone low surrogate", "a\uDC00b", "lone surrogates"],
  ["half an emoji", "\uD83Dx", "lone surrogates"],
  ["swapped surrogates", "\uDE00\uD83D", "lone surrogates"],
  ["1025 ASCII bytes", "a".repeat(MAX_EVENT_ID_BYTES + 1), "at most 1024 bytes"],
  ["1026 bytes of é", "\u00E9".repeat(MAX_EVENT_ID_BYTES / 2 + 1), "at most 1024 bytes"],
  ["1026 bytes of 日", "\u65E5".repeat(342), "at most 1024 bytes"],
  ["1028 bytes of emoji", "\u{1F600}".repeat(MAX_EVENT_ID_BYTES / 4 + 1), "at most 1024 bytes"],
  ["20,000 bytes", "x".repeat(20_000), "at most 1024 bytes"],
];

/** Ids at the edges of the rules that are accepted. */
const ACCEPTED_IDS: ReadonlyArray<readonly [label: string, id: string]> = [
  ["the empty id (it resets the client's last id)", ""],
  ["inner spaces", "a b  c"],
  ["an inner no-break space", "a\u00A0b"],
  ["an inner line separator", "a\u2028b"],
  ["an inner byte order mark", "a\uFEFFb"],
  ["a surrogate pair", "\u{1F600}"],
  ["U+00A0 is whitespace, U+00A1 is not", "\u00A1"],
  ["1024 ASCII bytes", "a".repeat(MAX_EVENT_ID_BYTES)],
  ["1024 bytes of emoji", "\u{1F600}".repeat(MAX_EVENT_ID_BYTES / 4)],
  ["percent signs and quotes", `%25"'\\`],
];

/**
 * `Last-Event-ID` header bytes as a client may send them, and the `ctx.lastEventId` they must give:
 * UTF-8 is decoded; bytes that are not UTF-8 are kept as Latin-1 (one character per byte).
 */
const HEADER_BYTES: ReadonlyArray<readonly [label: string, bytes: readonly number[], lastEventId: string]> = [
  ["ASCII", [...Buffer.from("41")], "41"],
  ["UTF-8 of …", [0xe2, 0x80, 0xa6], "\u2026"],
  ["UTF-8 of 日本", [...Buffer.from("\u65E5\u672C")], "\u65E5\u672C"],
  ["UTF-8 of an emoji", [0xf0, 0x9f, 0x98, 0x80], "\u{1F600}"],
  ["UTF-8 of e + combining acute", [0x65, 0xcc, 0x81], "e\u0301"],
  ["UTF-8 of a byte order mark first (kept)", [0xef, 0xbb, 0xbf, 0x34], "\uFEFF4"],
  ["an inner tab (HTTP allows it)", [0x61, 0x09, 0x62], "a\tb"],
  ["Latin-1 é (not UTF-8)", [0xe9], "\u00E9"],
  ["a cut-off sequence", [0x61, 0xe2, 0x80], "a\u00E2\u0080"],
  ["a stray continuation byte", [0x80, 0x61], "\u0080a"],
  ["an overlong /", [0xc0, 0xaf], "\u00C0\u00AF"],
  ["UTF-8 of a surrogate (invalid)", [0xed, 0xa0, 0x80], "\u00ED\u00A0\u0080"],
  ["a byte that UTF-8 never has", [0xff, 0x34], "\u00FF4"],
  ["UTF-8 then a bad byte", [0xe2, 0x80, 0xa6, 0xff], "\u00E2\u0080\u00A6\u00FF"],
  ["20,000 bytes", [...Buffer.from("9".repeat(20_000))], "9".repeat(20_000)],
];

/** `lastEventId` query values (as written in the URL) and what they decode to. */
const QUERY_VALUES: ReadonlyArray<readonly [label: string, query: string, decoded: string]> = [
  ["percent-encoded UTF-8 of …", "%E2%80%A6", "\u2026"],
  ["percent-encoded UTF-8 of an emoji", "%F0%9F%98%80", "\u{1F600}"],
  ["a byte that UTF-8 never has", "%FF", "\uFFFD"],
  ["UTF-8 of a surrogate: three replacement characters, never a lone surrogate", "%ED%A0%80", "\uFFFD\uFFFD\uFFFD"],
  ["U+0001", "a%01b", "a\u0001b"],
  ["NUL", "%00", "\0"],
  ["DEL and a C1 control", "%7F%C2%85", "\u007F\u0085"],
  ["CRLF and a forged header", "x%0D%0ASet-Cookie:%20a=1", "x\r\nSet-Cookie: a=1"],
  ["CRLF CRLF and a forged body", "%0D%0A%0D%0Adata:%20injected", "\r\n\r\ndata: injected"],
  ["leading and trailing spaces", "%20%204%20", "  4 "],
  ["a plus sign (a space in a query)", "a+b", "a b"],
  ["20,000 characters", "z".repeat(20_000), "z".repeat(20_000)],
  ["20,000 percent-encoded bytes of 日", "%E6%97%A5".repeat(6_667), "\u65E5".repeat(6_667)],
];

// --- Message ---------------------------------------------------------------------------------------

for (const [label, id, rule] of REFUSED_IDS) {
  test(`Message refuses an id with ${label}, with a TypeError naming \`id\`, the value and the rule`, () => {
    for (const make of [() => new Message({ data: "x", id }), () => Message.data("x").id(id)]) {
      const error = catchError(make);
      expect(error).toBeInstanceOf(TypeError);
      const message = (error as TypeError).message;
      expect(message).toMatch(/^Cannot create message: `id` must /);
      expect(message).toContain(rule);
      expect(message).toContain(`(got ${JSON.stringify(id).slice(0, 20)}`);
    }
  });
}

for (const [label, id] of ACCEPTED_IDS) {
  test(`Message accepts an id with ${label}, and writes it as is`, () => {
    expect(Message.data("x").id(id).toString()).toBe(`id: ${id}\ndata: x\n\n`);
  });
}

test("Message's error for a control character or lone surrogate names its code point and where it is", () => {
  expect((catchError(() => Message.data("x").id("ab\u0085")) as Error).message).toContain("U+0085 at 2");
  expect((catchError(() => Message.data("x").id("a\uDC00")) as Error).message).toContain("U+DC00 at 1");
  expect((catchError(() => Message.data("x").id("4\u3000")) as Error).message).toContain("U+3000 at 1");
  expect((catchError(() => Message.data("x").id("\u65E5".repeat(342))) as Error).message).toContain(": 1026 bytes");
});

// --- Channel publish -------------------------------------------------------------------------------

test("Channel publish rejects each refused id, and a Message of another copy of the library is checked again", async () => {
  const channel = new Channel();
  for (const [, id] of REFUSED_IDS) {
    // A message of another copy: not an instance of this Message, so its fields are not trusted.
    const foreign = Object.freeze({
      get [Symbol.for("edge-sse.Message")]() {
        return true;
      },
      fields: Object.freeze({ data: "x", id, event: undefined, retry: undefined, comment: undefined }),
    });
    const converted = { toServerSentEvent: () => foreign };
    for (const item of [foreign, converted]) {
      const error = await channel.publish(item).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(error, JSON.stringify(id).slice(0, 40)).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(/`id` must/);
    }
  }
  await channel.close();
});

test("Channel never sends a forged Message's invalid id: publish checks it again and rejects it", async () => {
  const errors: unknown[] = [];
  const channel = new Channel({ onError: (error) => errors.push(error) });
  const reader = new EventReader((await channel.stream({ keepAlive: false })).toReadableStream());
  await reader.readOnce(); // the first bytes
  // An object with this library's Message prototype whose fields were never checked.
  const forged = Object.defineProperty(Object.create(Message.prototype) as Message, "fields", {
    value: Object.freeze({ data: "forged", id: "a\u0001b", event: undefined, retry: undefined, comment: undefined }),
  });
  await expect(channel.publish(forged)).rejects.toThrow(
    new TypeError(
      'Cannot create message: `id` must not contain control characters, which HTTP refuses or alters: U+0001 at 1 (got "a\\u0001b")',
    ),
  );
  await channel.publish("after");
  expect((await reader.until(1)).map((event) => event.data)).toEqual(["after"]);
  expect(errors).toEqual([]);
  await reader.cancel();
  await channel.close();
});

// --- Durable Object POST body ----------------------------------------------------------------------

/** A stand-in for a Durable Object's state: storage in a Map, no concurrency to block. */
function memoryState(): DurableObjectStateLike {
  const data = new Map<string, unknown>();
  return {
    storage: {
      get: async (key) => data.get(key),
      list: async ({ prefix }) =>
        new Map([...data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))),
      put: async (entries) => {
        for (const [key, value] of Object.entries(entries)) data.set(key, value);
      },
      delete: async (keys) => keys.filter((key) => data.delete(key)).length,
    },
    blockConcurrencyWhile: (callback) => callback(),
  };
}

function postJson(body: string): Request {
  return new Request("http://do/", { method: "POST", headers: { "content-type": "application/json" }, body });
}

test("A Durable Object's POST body with a refused id gets 400 with an error that names `id` and the rule", async () => {
  const object = new ChannelObject(memoryState(), {});
  for (const [, id, rule] of REFUSED_IDS) {
    // JSON carries every one of them: control characters and lone surrogates as \u escapes.
    const body = JSON.stringify({ data: "x", id });
    expect(await readPublishBody(postJson(body), 65_536)).toEqual({
      status: 400,
      error: expect.stringContaining(`Cannot publish: \`id\` must`),
    });
    const response = await object.fetch(postJson(body));
    expect(response.status, JSON.stringify(id).slice(0, 40)).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(/^Cannot publish: `id` must /);
    expect(error).toContain(rule);
  }
  expect(object.channel.subscriberCount).toBe(0);
  await object.channel.close();
});

test("A Durable Object takes a POST body whose id is at the edge of the rules, and answers with that id", async () => {
  const object = new ChannelObject(memoryState(), {});
  for (const id of ["a b", "\u2026", "\u{1F600}".repeat(MAX_EVENT_ID_BYTES / 4)]) {
    const response = await object.fetch(postJson(JSON.stringify({ data: "x", id })));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id });
  }
  await object.channel.close();
});

// --- Over HTTP: Last-Event-ID, ?lastEventId= and the last-event-id response header -----------------

let server: Server;
let port = 0;
const handlerErrors: unknown[] = [];
/** A channel whose history holds the ids of the tables that can be published (the others are unknown). */
const channel = new Channel();
/** A channel whose broker says it knows every id: each hostile id then reaches the response header. */
const knowsEverything: ChannelBroker = {
  publish: () => "never",
  subscribe: () => () => {},
  replay: (): { found: boolean; events: ChannelEvent[] } => ({ found: true, events: [] }),
};
const echoChannel = new Channel({ broker: knowsEverything });

beforeAll(async () => {
  await channel.publish(Message.data("an id with …").id("\u2026"));
  await channel.publish(Message.data("after").id("last"));
  // A larger header limit than Node's 16 KiB default, so that 20 KB values reach the handler.
  server = createServer(
    { maxHeaderSize: 256 * 1024 },
    toNodeListener(
      async (request) => {
        const { pathname } = new URL(request.url);
        if (pathname === "/channel") return channel.response({ request, keepAlive: false });
        if (pathname === "/echo") return echoChannel.response({ request, keepAlive: false });
        return new DataStream(
          async function* ({ lastEventId }) {
            yield Message.json({ lastEventId: lastEventId ?? null });
          },
          { request, keepAlive: false },
        ).toResponse();
      },
      { onError: (error) => handlerErrors.push(error) },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await channel.close();
  await echoChannel.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A header value is valid when it is visible ASCII only: no control character, no byte above 0x7E. */
const VALID_HEADER = /^[\x21-\x7E]+$/;

/** What the DataStream route says `ctx.lastEventId` is, read from the stream over fetch. */
async function lastEventIdFromStream(headers: Record<string, string>): Promise<unknown> {
  const text = await (await fetch(`http://127.0.0.1:${port}/stream`, { headers })).text();
  const data = /^data: (.*)$/m.exec(text)?.[1];
  return data === undefined ? text : (JSON.parse(data) as { lastEventId: unknown }).lastEventId;
}

for (const [label, bytes, lastEventId] of HEADER_BYTES) {
  test(`ctx.lastEventId is the decoded header when Last-Event-ID is ${label}`, async () => {
    // fetch writes each character of a header value as one byte: the same bytes as the raw client.
    const header = String.fromCharCode(...bytes);
    expect(await lastEventIdFromStream({ "last-event-id": header })).toBe(lastEventId);
  });

  test(`A channel answers 200 with a valid last-event-id header when Last-Event-ID is ${label}`, async () => {
    for (const path of ["/channel", "/echo"]) {
      const head = await rawGet(port, path, [headerLine("Last-Event-ID", bytes)]);
      expect(head.status).toBe(200);
      const value = head.headers.get("last-event-id")!;
      expect(value).toMatch(VALID_HEADER);
      // The echo channel finds every id, so its header is the decoded id, percent-encoded.
      if (path === "/echo") expect(decodeURIComponent(value)).toBe(lastEventId);
    }
  });
}

test("A channel replays after a non-ASCII id sent as UTF-8 bytes, with no gap marker and the id percent-encoded in the header", async () => {
  const response = await fetch(`http://127.0.0.1:${port}/channel`, {
    headers: { "last-event-id": "\u00E2\u0080\u00A6" },
  });
  expect(response.headers.get("last-event-id")).toBe("%E2%80%A6");
  const reader = new EventReader(response.body!);
  expect((await reader.until(1)).map(({ event, id, data }) => ({ event, id, data }))).toEqual([
    { event: undefined, id: "last", data: "after" },
  ]);
  await reader.cancel();
});

for (const [label, query, decoded] of QUERY_VALUES) {
  test(`A channel answers 200 with a valid last-event-id header and finds the decoded id when ?lastEventId= is ${label}`, async () => {
    const head = await rawGet(port, `/echo?lastEventId=${query}`);
    expect(head.status).toBe(200);
    const value = head.headers.get("last-event-id")!;
    expect(value).toMatch(VALID_HEADER);
    expect(decodeURIComponent(value)).toBe(decoded);
    const unknown = await rawGet(port, `/channel?lastEventId=${query}`);
    expect([unknown.status, unknown.headers.get("last-event-id")]).toEqual([
      200,
      query === "%E2%80%A6" ? "%E2%80%A6" : "earliest",
    ]);
  });
}

test("A channel sends the gap marker with the decoded id when ?lastEventId= is one it does not know", async () => {
  const response = await fetch(`http://127.0.0.1:${port}/channel?lastEventId=a%0D%0Ab%ED%A0%80`);
  const reader = new EventReader(response.body!);
  const [marker, ...rest] = await reader.until(3);
  expect(marker!.event).toBe(GAP_EVENT);
  expect(JSON.parse(marker!.data)).toEqual({ lastEventId: "a\r\nb\uFFFD\uFFFD\uFFFD", firstId: "\u2026" });
  expect(rest.map((event) => event.id)).toEqual(["\u2026", "last"]);
  await reader.cancel();
});

test("A channel's last-event-id header is valid for an id with a lone surrogate given as the lastEventId option", async () => {
  const response = await echoChannel.response({ lastEventId: "a\uD800b\uDC00", keepAlive: false });
  expect(response.headers.get("last-event-id")).toBe("a%EF%BF%BDb%EF%BF%BD");
  await response.body!.cancel();
});

test("The last-event-id header is the id itself for ids made of what encodeURIComponent keeps", async () => {
  for (const id of ["1700000000000-0", "lz3k9a-12", "42", "a_b.c~d!e*f'(g)"]) {
    const response = await echoChannel.response({ lastEventId: id, keepAlive: false });
    expect(response.headers.get("last-event-id")).toBe(id);
    await response.body!.cancel();
  }
});

test('The query parameter is decoded from UTF-8 once: a percent-encoded "Ã©" stays "Ã©"', async () => {
  const head = await rawGet(port, "/echo?lastEventId=%C3%83%C2%A9"); // "Ã©" percent-encoded
  expect(decodeURIComponent(head.headers.get("last-event-id")!)).toBe("\u00C3\u00A9");
});

// --- Why the rules: what HTTP does to ids that break them -------------------------------------------

test("Node's HTTP parser refuses a Last-Event-ID with a control character before any handler runs (so such ids cannot come back)", async () => {
  for (const bytes of [[0x61, 0x01, 0x62], [0x61, 0x7f, 0x62], [0x00]]) {
    const head = await rawGet(port, "/stream", [headerLine("Last-Event-ID", bytes)]);
    expect(head.status).toBe(400);
  }
});

test("HTTP strips the whitespace at both ends of a Last-Event-ID, so an id like ' 4 ' comes back as '4'", async () => {
  const head = await rawGet(port, "/echo", [headerLine("Last-Event-ID", [...Buffer.from("  4 \t")])]);
  expect(head.headers.get("last-event-id")).toBe("4");
});

test("A Last-Event-ID over Node's default 16 KiB header limit is refused with 431, which EventSource does not retry", async () => {
  const plain = createServer(toNodeListener(() => new Response("never")));
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  try {
    const head = await rawGet((plain.address() as AddressInfo).port, "/", [
      headerLine("Last-Event-ID", [...Buffer.from("x".repeat(20_000))]),
    ]);
    expect(head.status).toBe(431);
  } finally {
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
});

test("A lone surrogate is written as U+FFFD, so it would come back as another id", () => {
  expect(new TextDecoder().decode(new TextEncoder().encode("a\uD800"))).toBe("a\uFFFD");
});

// --- The server survived -----------------------------------------------------------------------------

test("After every hostile id the server still answers, and no handler failed", async () => {
  expect(await lastEventIdFromStream({ "last-event-id": "ok" })).toBe("ok");
  expect(handlerErrors).toEqual([]);
});
