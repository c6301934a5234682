/**
 * A real browser's EventSource as an independent oracle for the wire format: headless Chromium
 * (driven by playwright-core) opens same-origin EventSources on a node:http server that serves
 * DataStreams through the Node bridge, and the tests compare what the page saw with what was sent.
 *
 * Chromium is `/usr/bin/chromium`, or the binary named by the `CHROMIUM` environment variable.
 */
import { test, expect, beforeAll, afterAll } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataStream, Message, type DataStreamOptions } from "../../src/index.ts";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";

/** One thing the page's EventSource saw (see page.html). */
type LogEntry =
  | { readonly kind: "open"; readonly readyState: number }
  | { readonly kind: "error"; readonly readyState: number }
  | { readonly kind: "event"; readonly type: string; readonly data: string; readonly lastEventId: string };

interface StreamRecord {
  readonly log: LogEntry[];
  readonly done: boolean;
}

declare global {
  interface Window {
    streams: Record<string, StreamRecord | undefined>;
    watch(path: string, types: readonly string[]): void;
  }
}

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
const PAGE_HTML = readFileSync(new URL("./page.html", import.meta.url), "utf8");
const WAIT_MS = 10_000;

/** Per-test routes of the shared server, by pathname. */
const routes = new Map<string, (request: Request) => Response>();
let server: TestServer | undefined;
let browser: BrowserContext | undefined;
let launchError: Error | undefined;
let profileDir: string | undefined;

beforeAll(async () => {
  server = await serveNode((request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
    const route = routes.get(pathname);
    return route === undefined ? new Response("not found", { status: 404 }) : route(request);
  });
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (or set CHROMIUM to a Chromium binary)`);
    return;
  }
  profileDir = await mkdtemp(join(tmpdir(), "edge-sse-chromium-"));
  try {
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    launchError = new Error(`Could not launch Chromium at ${CHROMIUM}: run \`npm run setup\` (${detail})`, { cause: error });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
});

/** Opens the test page (same origin as every route) in a new tab, runs `body`, and closes the tab. */
async function withPage(body: (page: Page) => Promise<void>): Promise<void> {
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  if (server === undefined) throw new Error("The test server did not start");
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/`);
    await body(page);
  } finally {
    await page.close();
  }
}

/** Opens an EventSource on `path` in the page; it logs "message", "done" and `types` events. */
async function watch(page: Page, path: string, types: readonly string[] = []): Promise<void> {
  await page.evaluate(([p, t]) => window.watch(p, t), [path, [...types]] as const);
}

async function logOf(page: Page, path: string): Promise<LogEntry[]> {
  return page.evaluate((p) => window.streams[p]?.log ?? [], path);
}

/** Waits until the JS expression `check` (over `record`, the stream on `path`) holds in the page; on timeout, fails showing its log. */
async function waitInPage(page: Page, path: string, check: string, what: string): Promise<void> {
  try {
    const expression = `(() => { const record = window.streams[${JSON.stringify(path)}]; return record !== undefined && (${check}); })()`;
    await page.waitForFunction(expression, undefined, { timeout: WAIT_MS });
  } catch (error) {
    const log = await logOf(page, path).catch(() => "(page gone)");
    throw new Error(`Timed out waiting for ${what} on ${path}; the page saw ${JSON.stringify(log)}`, { cause: error });
  }
}

/** Waits for the "done" event on `path` (the page then closes its EventSource) and returns the log. */
async function waitForDone(page: Page, path: string): Promise<LogEntry[]> {
  await waitInPage(page, path, "record.done", 'the "done" event');
  return logOf(page, path);
}

function eventsOf(log: readonly LogEntry[]): Array<{ type: string; data: string; lastEventId: string }> {
  return log.flatMap((entry) =>
    entry.kind === "event" ? [{ type: entry.type, data: entry.data, lastEventId: entry.lastEventId }] : []
  );
}

function dataOfMessages(log: readonly LogEntry[]): string[] {
  return eventsOf(log).filter((event) => event.type === "message").map((event) => event.data);
}

const DONE = Message.data("").event("done");

test("EventSource receives multi-line data as LF-joined lines whatever the line breaks", async () => {
  const cases: ReadonlyArray<readonly [sent: string, received: string]> = [
    ["a\nb", "a\nb"],
    ["a\rb", "a\nb"],
    ["a\r\nb", "a\nb"],
    ["a\n\nb", "a\n\nb"],
    ["a\r\n\r\nb", "a\n\nb"],
    ["a\r\rb", "a\n\nb"],
    ["a\r\r\nb", "a\n\nb"],
    ["a\n\rb", "a\n\nb"],
    ["\n", "\n"],
    ["\r\n", "\n"],
    ["\r", "\n"],
    ["trailing\n", "trailing\n"],
    ["trailing\r", "trailing\n"],
    ["trailing\r\n", "trailing\n"],
    ["\nleading", "\nleading"],
    ["one\ntwo\r\nthree\rfour", "one\ntwo\nthree\nfour"],
    ["", ""],
  ];
  routes.set("/multiline", (request) =>
    new DataStream([...cases.map(([sent]) => sent), Message.data("x\r\ny"), DONE], { request, keepAlive: false }).toResponse()
  );
  await withPage(async (page) => {
    await watch(page, "/multiline");
    const log = await waitForDone(page, "/multiline");
    expect(dataOfMessages(log)).toEqual([...cases.map(([, received]) => received), "x\ny"]);
  });
});

test("EventSource fires exactly one event with empty data when the data is empty", async () => {
  routes.set("/empty", (request) =>
    new DataStream(["", Message.data(""), new Message({ data: "" }).event("named"), DONE], { request, keepAlive: false })
      .toResponse()
  );
  await withPage(async (page) => {
    await watch(page, "/empty", ["named"]);
    const log = await waitForDone(page, "/empty");
    expect(eventsOf(log)).toEqual([
      { type: "message", data: "", lastEventId: "" },
      { type: "message", data: "", lastEventId: "" },
      { type: "named", data: "", lastEventId: "" },
      { type: "done", data: "", lastEventId: "" },
    ]);
  });
});

test("EventSource receives emoji, CJK, combining marks and astral text unchanged and lone surrogates as U+FFFD", async () => {
  const big = "é𝄞漢😀".repeat(6_000); // ~78 kB of UTF-8: TCP segments split its multibyte sequences
  const cases: ReadonlyArray<readonly [sent: string, received: string]> = [
    ["😀 grinning", "😀 grinning"],
    ["👩‍👩‍👧 family (ZWJ sequence)", "👩‍👩‍👧 family (ZWJ sequence)"],
    ["🇫🇷🇯🇵 flags", "🇫🇷🇯🇵 flags"],
    ["漢字とかな、한국어", "漢字とかな、한국어"],
    ["e\u0301 combining acute", "e\u0301 combining acute"],
    ["Z\u0351\u0353\u0358 stacked marks", "Z\u0351\u0353\u0358 stacked marks"],
    ["𝄞 G clef", "𝄞 G clef"],
    ["\uDBFF\uDFFF", "\uDBFF\uDFFF"],
    ["\uD800", "\uFFFD"],
    ["a\uD800b", "a\uFFFDb"],
    ["x\uDC00", "x\uFFFD"],
    ["\uDC00\uD800", "\uFFFD\uFFFD"],
    ["\uFEFFbyte order mark inside the stream", "\uFEFFbyte order mark inside the stream"],
    ["tab\tand NUL\u0000inside", "tab\tand NUL\u0000inside"],
    ["multi\n😀\r\n𝄞", "multi\n😀\n𝄞"],
    [big, big],
  ];
  routes.set("/unicode", (request) =>
    new DataStream([...cases.map(([sent]) => sent), DONE], { request, keepAlive: false }).toResponse()
  );
  await withPage(async (page) => {
    await watch(page, "/unicode");
    const log = await waitForDone(page, "/unicode");
    const got = dataOfMessages(log);
    expect(got.length).toBe(cases.length);
    cases.forEach(([sent, received], index) => {
      expect(got[index], `data #${index} (sent ${JSON.stringify(sent.slice(0, 40))})`).toBe(received);
    });
  });
});

test("EventSource keeps the leading spaces of data that starts with a space", async () => {
  const sent = [" one space", "  two spaces", " ", "  ", "line\n indented\r\n  more", ":colon first", "data: lookalike"];
  routes.set("/spaces", (request) =>
    new DataStream([...sent, Message.data(" named").event("spaced"), DONE], { request, keepAlive: false }).toResponse()
  );
  await withPage(async (page) => {
    await watch(page, "/spaces", ["spaced"]);
    const log = await waitForDone(page, "/spaces");
    expect(eventsOf(log).map((event) => event.data)).toEqual([
      " one space", "  two spaces", " ", "  ", "line\n indented\n  more", ":colon first", "data: lookalike", " named", "",
    ]);
    expect(eventsOf(log)[7]?.type).toBe("spaced");
  });
});

test("EventSource dispatches named events by type, unnamed ones as message, with the last id sent", async () => {
  routes.set("/named", (request) =>
    new DataStream([
      Message.data("t1").event("tick").id("1"),
      Message.data("m1"),
      "plain string",
      Message.json({ n: 2 }).event("tick").id("2"),
      { a: 1 },
      new Message({ id: "3" }), // no data: dispatches nothing, but sets the last event id
      Message.data("after an id-only message").comment("a comment\nover two lines"),
      Message.data("empty name").event(""),
      Message.data("explicit").event("message"),
      Message.data("r").event("tock").id(""), // resets the last event id
      Message.data("m2"),
      new Message({ data: "spaced id", id: "7 ü😀 8" }),
      Message.data("bye").event("done"),
    ], { request, keepAlive: false }).toResponse()
  );
  await withPage(async (page) => {
    await watch(page, "/named", ["tick", "tock"]);
    const log = await waitForDone(page, "/named");
    expect(eventsOf(log)).toEqual([
      { type: "tick", data: "t1", lastEventId: "1" },
      { type: "message", data: "m1", lastEventId: "1" },
      { type: "message", data: "plain string", lastEventId: "1" },
      { type: "tick", data: '{"n":2}', lastEventId: "2" },
      { type: "message", data: '{"a":1}', lastEventId: "2" },
      { type: "message", data: "after an id-only message", lastEventId: "3" },
      { type: "message", data: "empty name", lastEventId: "3" },
      { type: "message", data: "explicit", lastEventId: "3" },
      { type: "tock", data: "r", lastEventId: "" },
      { type: "message", data: "m2", lastEventId: "" },
      { type: "message", data: "spaced id", lastEventId: "7 ü😀 8" },
      { type: "done", data: "bye", lastEventId: "7 ü😀 8" },
    ]);
  });
});

test("EventSource reconnects after the stream ends and sends the last id as Last-Event-ID", async () => {
  const seen: Array<{ connection: number; header: string | null; fromContext: string | undefined }> = [];
  let connections = 0;
  routes.set("/resume", (request) => {
    const connection = ++connections;
    const header = request.headers.get("last-event-id");
    // The first connection sets the reconnection delay with the `retry` option, the second with a Message.
    const options: DataStreamOptions = connection === 1
      ? { request, keepAlive: false, retry: 50 }
      : { request, keepAlive: false };
    return new DataStream(async function* (ctx) {
      seen.push({ connection, header, fromContext: ctx.lastEventId });
      if (connection === 1) yield Message.data("first").id("42");
      else if (connection === 2) yield Message.data("second").id("43").retry(50);
      else yield Message.data(`resumed after ${String(ctx.lastEventId)}`).event("done");
    }, options).toResponse();
  });
  await withPage(async (page) => {
    await watch(page, "/resume");
    const log = await waitForDone(page, "/resume");
    expect(seen).toEqual([
      { connection: 1, header: null, fromContext: undefined },
      { connection: 2, header: "42", fromContext: "42" },
      { connection: 3, header: "43", fromContext: "43" },
    ]);
    expect(log).toEqual([
      { kind: "open", readyState: 1 },
      { kind: "event", type: "message", data: "first", lastEventId: "42" },
      { kind: "error", readyState: 0 },
      { kind: "open", readyState: 1 },
      { kind: "event", type: "message", data: "second", lastEventId: "43" },
      { kind: "error", readyState: 0 },
      { kind: "open", readyState: 1 },
      { kind: "event", type: "done", data: "resumed after 43", lastEventId: "43" },
    ]);
  });
});

test("EventSource fires open before the producer yields its first item", async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let producerWaiting = false;
  let yielded = 0;
  routes.set("/open-first", (request) =>
    new DataStream(async function* () {
      producerWaiting = true;
      await gate;
      yielded++;
      yield "after the gate";
      yielded++;
      yield DONE;
    }, { request, keepAlive: false }).toResponse()
  );
  try {
    await withPage(async (page) => {
      await watch(page, "/open-first");
      await waitInPage(page, "/open-first", 'record.log.some((entry) => entry.kind === "open")', "open");
      await until(() => producerWaiting, "the producer to wait on the gate");
      expect(yielded).toBe(0);
      expect(await logOf(page, "/open-first")).toEqual([{ kind: "open", readyState: 1 }]);
      release();
      const log = await waitForDone(page, "/open-first");
      expect(yielded).toBe(2);
      expect(log).toEqual([
        { kind: "open", readyState: 1 },
        { kind: "event", type: "message", data: "after the gate", lastEventId: "" },
        { kind: "event", type: "done", data: "", lastEventId: "" },
      ]);
    });
  } finally {
    release();
  }
});

test("DataStream ends with client-gone and runs the producer's finally when the page closes mid-stream", async () => {
  let closeType: string | undefined;
  let finallyRan = false;
  let abortedInFinally: boolean | undefined;
  let requests = 0;
  let yieldedAfterSleep = false;
  routes.set("/leave", (request) => {
    requests++;
    return new DataStream(async function* (ctx) {
      try {
        yield "one";
        yield "two";
        await ctx.sleep(600_000); // only the end of the stream can end this wait
        yieldedAfterSleep = true;
        yield "never";
      } finally {
        finallyRan = true;
        abortedInFinally = ctx.signal.aborted;
      }
    }, {
      request,
      keepAlive: false,
      onClose: (reason) => {
        closeType = reason.type;
      },
    }).toResponse();
  });
  await withPage(async (page) => {
    await watch(page, "/leave");
    await waitInPage(page, "/leave", 'record.log.filter((entry) => entry.kind === "event").length >= 2', "two events");
    expect(dataOfMessages(await logOf(page, "/leave"))).toEqual(["one", "two"]);
    expect(closeType).toBeUndefined();
    expect(finallyRan).toBe(false);
    await page.close();
    await until(() => closeType !== undefined, "onClose after the page closed");
  });
  expect(closeType).toBe("client-gone");
  expect(finallyRan).toBe(true);
  expect(abortedInFinally).toBe(true);
  expect(yieldedAfterSleep).toBe(false);
  expect(requests).toBe(1);
});
