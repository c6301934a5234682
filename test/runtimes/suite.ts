/**
 * The behaviour suite every runtime runs. It knows nothing of test runners: each runtime entry (Node,
 * Deno, Bun, workerd, wrangler dev) supplies a `fetch` to the server under test and registers `cases`
 * with its own runner. Checks are on what happened (bytes, events, the server's log), never on time.
 */
import assert from "node:assert/strict";
import { parseWire, type Parsed } from "../helpers/event-reader.ts";
import { handleSuite } from "./app.ts";
import { tokenCases } from "./tokens-suite.ts";

/** The server under test, as the runtime entry supplies it. */
export interface SuiteTarget {
  /** Fetches `path` (like "/frames?key=1") from the server under test. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** One behaviour, run on one runtime. */
export interface SuiteCase {
  readonly name: string;
  readonly timeoutMs: number;
  run(target: SuiteTarget): Promise<void>;
}

/** What GET /frames must deliver, written out by hand (not by our encoder). */
const EXPECTED_FRAMES: Parsed = {
  events: [
    { data: "plain", event: undefined, id: undefined },
    { data: "multi\nline\ncrlf\ncr", event: "named", id: "1" },
    { data: '{"emoji":"😀","cjk":"漢字","nested":{"ok":true}}', event: undefined, id: undefined },
    { data: " leading space", event: undefined, id: undefined },
    { data: "", event: undefined, id: undefined },
    { data: "after retry", event: undefined, id: undefined },
    { data: "id reset", event: undefined, id: "" },
  ],
  comments: ["", "a comment"],
  retries: [1500],
};

let keys = 0;
function newKey(): string {
  return `${Date.now().toString(36)}-${++keys}-${Math.random().toString(36).slice(2, 8)}`;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface ServerLog {
  log: string[];
  produced: number;
}

async function readLog(target: SuiteTarget, key: string): Promise<ServerLog> {
  return (await (await target.fetch(`/log?key=${key}`)).json()) as ServerLog;
}

/** Polls the server's log until `check` holds; fails with the last log after `ms`. */
async function waitForLog(
  target: SuiteTarget,
  key: string,
  check: (log: ServerLog) => boolean,
  ms = 10_000,
): Promise<ServerLog> {
  const deadline = Date.now() + ms;
  for (;;) {
    const log = await readLog(target, key);
    if (check(log)) return log;
    if (Date.now() > deadline) throw new Error(`Timed out waiting on the server log of ${key}: ${JSON.stringify(log)}`);
    await pause(25);
  }
}

/** Reads from `reader` until the text so far satisfies `enough`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  enough: (text: string) => boolean,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!enough(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`The stream ended early after: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

function checkFrames(text: string): void {
  assert.deepEqual(parseWire(text), EXPECTED_FRAMES);
}

/** Ids whose UTF-8 bytes a runtime must decode: beyond ASCII, one that looks decoded twice, the longest. */
const NON_ASCII_IDS: readonly string[] = [
  "\u2026", // …
  "\u65E5\u672C", // 日本
  "\u{1F600}", // an emoji
  "e\u0301", // a combining accent
  "\u00E9", // é
  "\u00C3\u00A9", // "Ã©": reads as "é" if decoded twice
  "a\u00A0b c", // inner no-break space and space
  '100% "sure"',
  `${"\u65E5".repeat(341)}a`, // 1024 bytes, the longest id
];

/**
 * The `Last-Event-ID` value that puts `id` on the wire as its UTF-8 bytes, as a browser sends it.
 * fetch writes each character of a header value as one byte, so the bytes go in as Latin-1
 * characters; workerd's fetch takes text instead and writes it as UTF-8.
 */
function utf8HeaderValue(id: string): string {
  const workerd = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
  return workerd ? id : String.fromCharCode(...new TextEncoder().encode(id));
}

export const cases: readonly SuiteCase[] = [
  {
    name: "frames arrive exactly as sent (checked with eventsource-parser)",
    timeoutMs: 10_000,
    async run(target) {
      const response = await target.fetch("/frames");
      assert.equal(response.status, 200);
      checkFrames(await response.text());
    },
  },
  {
    name: "the response carries the event-stream headers and the library adds no hop-by-hop header",
    timeoutMs: 10_000,
    async run(target) {
      const response = await target.fetch("/frames");
      assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
      assert.equal(response.headers.get("cache-control"), "no-cache, no-transform");
      assert.equal(response.headers.get("x-accel-buffering"), "no");
      await response.body?.cancel();
      // The server adds its own HTTP/1.1 framing; the library's Response itself must carry none.
      const own = await handleSuite(new Request("http://localhost/frames"));
      for (const name of ["connection", "keep-alive", "transfer-encoding"])
        assert.equal(own.headers.get(name), null, name);
      await own.body?.cancel();
    },
  },
  {
    name: "the first bytes arrive before the producer's first item",
    timeoutMs: 10_000,
    async run(target) {
      const response = await target.fetch("/first-bytes?ms=1500");
      const reader = response.body!.getReader();
      const first = await readUntil(reader, (text) => text.length > 0);
      assert.equal(first.startsWith(":"), true, JSON.stringify(first));
      assert.equal(first.includes("first item"), false, JSON.stringify(first));
      const rest = await readUntil(reader, (text) => text.includes("\n\n") && text.includes("first item"));
      assert.deepEqual(
        parseWire(first + rest).events.map((event) => event.data),
        ["first item"],
      );
      await reader.cancel();
    },
  },
  {
    name: "a stream quiet for 25 s stays open, kept alive by pings",
    timeoutMs: 45_000,
    async run(target) {
      const text = await (await target.fetch("/quiet?ms=25000")).text();
      const parsed = parseWire(text);
      assert.deepEqual(
        parsed.events.map((event) => event.data),
        ["awake"],
      );
      assert.ok(parsed.comments.filter((comment) => comment === "ping").length >= 4, JSON.stringify(parsed.comments));
    },
  },
  {
    name: "two quiet streams of two requests are each kept alive, the second also after the first has ended",
    timeoutMs: 20_000,
    async run(target) {
      const pingsOf = async (path: string): Promise<number> => {
        const parsed = parseWire(await (await target.fetch(path)).text());
        assert.deepEqual(
          parsed.events.map((event) => event.data),
          ["awake"],
        );
        return parsed.comments.filter((comment) => comment === "ping").length;
      };
      // Pings every 200 ms of silence: the first stream ends after 500 ms, the second lives 3 s.
      const [first, second] = await Promise.all([
        pingsOf("/quiet?ms=500&keepAlive=200"),
        pingsOf("/quiet?ms=3000&keepAlive=200"),
      ]);
      assert.ok(first >= 1, `the first stream got ${first} pings`);
      assert.ok(second >= 8, `the second stream got ${second} pings in 3 s`);
    },
  },
  {
    name: "a client disconnect runs the producer's finally and onClose says client-gone",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      const abort = new AbortController();
      const response = await target.fetch(`/disconnect?key=${key}`, { signal: abort.signal });
      const reader = response.body!.getReader();
      await readUntil(reader, (text) => parseWire(text).events.length >= 2);
      abort.abort();
      await reader.cancel().catch(() => {});
      const { log } = await waitForLog(target, key, ({ log }) => log.some((entry) => entry.startsWith("close:")));
      assert.deepEqual(log, ["finally:aborted", "close:client-gone"]);
    },
  },
  {
    name: "a slow reader holds the producer back (backpressure)",
    timeoutMs: 20_000,
    async run(target) {
      const key = newKey();
      const response = await target.fetch(`/backpressure?key=${key}`);
      const reader = response.body!.getReader();
      await readUntil(reader, (text) => text.includes("xxxx"));
      // Stop reading; the producer may fill the buffers between us, then must stop.
      let last = -1;
      const { produced } = await waitForLog(target, key, (log) => {
        const settled = log.produced === last;
        last = log.produced;
        return settled;
      });
      // 4 KiB items: an unbounded producer would have made millions by now.
      assert.ok(produced < 6_000, `the producer made ${produced} items while nobody read`);
      // Reading again drains the buffers, and the producer moves on.
      for (let chunk = 1; ; chunk++) {
        const { done } = await reader.read();
        assert.equal(done, false);
        if (chunk % 16 === 0 && (await readLog(target, key)).produced > produced) break;
      }
      await reader.cancel();
      await waitForLog(target, key, ({ log }) => log.includes("close:client-gone"));
    },
  },
  {
    name: "a producer error closes the stream cleanly and reaches onError, not the client",
    timeoutMs: 10_000,
    async run(target) {
      const key = newKey();
      const text = await (await target.fetch(`/error?key=${key}`)).text();
      assert.deepEqual(
        parseWire(text).events.map((event) => event.data),
        ["a", "b"],
      );
      assert.equal(text.includes("secret"), false);
      const { log } = await waitForLog(target, key, ({ log }) => log.includes("close:error"));
      assert.deepEqual(log, ["error:secret-internal-detail", "close:error"]);
    },
  },
  {
    name: "a typed stream (events) sends valid items and an invalid one reaches onError, not the wire",
    timeoutMs: 10_000,
    async run(target) {
      const key = newKey();
      const text = await (await target.fetch(`/typed?key=${key}`)).text();
      assert.deepEqual(parseWire(text).events, [
        { event: "quote", data: '{"symbol":"ACME","price":1.5}', id: "1" },
        { event: "status", data: "open", id: undefined },
        { event: undefined, data: '"plain"', id: undefined },
      ]);
      assert.equal(text.includes("invalid-item"), false, text);
      const { log } = await waitForLog(target, key, ({ log }) => log.includes("close:error"));
      assert.equal(log.length, 2, JSON.stringify(log));
      assert.match(log[0]!, /^error:TypeError:Cannot build event "quote": `data` does not match its schema/);
      assert.match(log[0]!, /data\.symbol: .+\n {2}- data\.price: /);
      assert.equal(log[1], "close:error");
    },
  },
  {
    name: "items that are ready together leave as a few chunks, not one chunk per item",
    timeoutMs: 10_000,
    async run(target) {
      for (const mode of ["pull", "push"]) {
        const key = newKey();
        const text = await (await target.fetch(`/burst?key=${key}&n=200&mode=${mode}`)).text();
        assert.deepEqual(
          parseWire(text).events.map((event) => event.data),
          Array.from({ length: 200 }, (_, i) => `item ${i + 1}`),
        );
        const { log } = await waitForLog(target, key, ({ log }) => log.some((entry) => entry.startsWith("chunks:")));
        // 200 frames of about 16 bytes fit one chunk; the first bytes are another. One chunk per item would be 201.
        const chunks = Number(log.find((entry) => entry.startsWith("chunks:"))!.slice("chunks:".length));
        assert.ok(chunks <= 10, `${mode}: 200 ready items were written as ${chunks} chunks`);
      }
    },
  },
  {
    name: "the Last-Event-ID request header, else the lastEventId query parameter, reaches the producer",
    timeoutMs: 10_000,
    async run(target) {
      const resume = async (path: string, headers: Record<string, string> = {}) =>
        parseWire(await (await target.fetch(path, { headers })).text()).events.map((event) => event.data);
      assert.deepEqual(await resume("/last-event-id", { "last-event-id": "41" }), ["resume after 41"]);
      assert.deepEqual(await resume("/last-event-id?lastEventId=7"), ["resume after 7"]);
      // A reconnecting EventSource keeps its first URL and adds the header: the header wins.
      assert.deepEqual(await resume("/last-event-id?lastEventId=7", { "last-event-id": "41" }), ["resume after 41"]);
    },
  },
  {
    name: "non-ASCII ids sent as raw UTF-8 bytes reach ctx.lastEventId and a channel's replay (also by query)",
    timeoutMs: 30_000,
    async run(target) {
      for (const id of NON_ASCII_IDS) {
        const query = encodeURIComponent(id);
        const headers = { "last-event-id": utf8HeaderValue(id) };
        const seen = parseWire(
          await (await target.fetch(`/ids/last-event-id?lastEventId=${query}`, { headers })).text(),
        );
        assert.deepEqual(JSON.parse(seen.events[0]!.data), { lastEventId: id, query: id }, JSON.stringify(id));

        for (const init of [{ headers }, {}]) {
          const response = await target.fetch(
            `/ids/channel?id=${query}${"headers" in init ? "" : `&lastEventId=${query}`}`,
            init,
          );
          assert.equal(response.headers.get("last-event-id"), query, JSON.stringify(id));
          const reader = response.body!.getReader();
          const text = await readUntil(reader, (text) => parseWire(text).events.length >= 1);
          await reader.cancel();
          assert.deepEqual(
            parseWire(text).events.map(({ event, data }) => ({ event, data })),
            [{ event: undefined, data: "after" }],
            JSON.stringify(id),
          );
        }
      }
    },
  },
  {
    name: "a Hono route streams the same frames and reads Last-Event-ID",
    timeoutMs: 10_000,
    async run(target) {
      checkFrames(await (await target.fetch("/hono/frames")).text());
      const text = await (await target.fetch("/hono/last-event-id", { headers: { "last-event-id": "9" } })).text();
      assert.deepEqual(
        parseWire(text).events.map((event) => event.data),
        ["resume after 9"],
      );
    },
  },
  {
    name: "a channel fans a publish out to two clients and replays what a reconnecting one missed",
    timeoutMs: 20_000,
    async run(target) {
      const key = newKey();
      const subscribe = async (headers: Record<string, string> = {}) => {
        const response = await target.fetch(`/channel/events?key=${key}`, { headers });
        const reader = response.body!.getReader();
        // Replayed events may come in the same read as the first bytes: keep them.
        const text = await readUntil(reader, (text) => text.startsWith(":\n\n"));
        return { response, reader, text };
      };
      const publish = async (data: string): Promise<string> =>
        (
          (await (await target.fetch(`/channel/publish?key=${key}&data=${data}`, { method: "POST" })).json()) as {
            id: string;
          }
        ).id;
      const next = async (client: { reader: ReadableStreamDefaultReader<Uint8Array>; text: string }, count: number) => {
        client.text += await readUntil(client.reader, (text) => parseWire(client.text + text).events.length >= count);
        return parseWire(client.text).events;
      };

      const a = await subscribe();
      const b = await subscribe();
      const first = await publish("one");
      const second = await publish("two");
      const both = [
        { data: "one", event: undefined, id: first },
        { data: "two", event: undefined, id: second },
      ];
      assert.deepEqual(await next(a, 2), both);
      assert.deepEqual(await next(b, 2), both);
      await b.reader.cancel();

      const third = await publish("three");
      const again = await subscribe({ "last-event-id": second });
      assert.equal(again.response.headers.get("last-event-id"), second);
      const fourth = await publish("four");
      assert.deepEqual(await next(again, 2), [
        { data: "three", event: undefined, id: third },
        { data: "four", event: undefined, id: fourth },
      ]);
      assert.deepEqual(
        (await next(a, 4)).map((event) => event.data),
        ["one", "two", "three", "four"],
      );

      const lost = await subscribe({ "last-event-id": "unknown" });
      assert.equal(lost.response.headers.get("last-event-id"), "earliest");
      const events = await next(lost, 5);
      assert.equal(events[0]!.event, "edge-sse-gap");
      assert.deepEqual(
        events.slice(1).map((event) => event.data),
        ["one", "two", "three", "four"],
      );
      await Promise.all([a.reader.cancel(), again.reader.cancel(), lost.reader.cancel()]);
    },
  },
  ...tokenCases,
];
