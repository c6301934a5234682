/**
 * A real browser's EventSource as an independent oracle for the wire format, in Chromium, Firefox and
 * WebKit (see driver/engines.ts): each engine's pages open same-origin EventSources on a node:http
 * server that serves DataStreams through the Node bridge, and the tests compare what the page saw
 * with what was sent. Where an engine behaves its own way, the test's name says how.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { DataStream, Message, type DataStreamOptions } from "edge-sse";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";
import { ENGINES, suiteOptions, titleFor, useBrowser, type Browser, type BrowserPage } from "./driver/engines.ts";

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

const PAGE_HTML = readFileSync(new URL("./page.html", import.meta.url), "utf8");

type Route = (request: Request) => Response;

/**
 * A server of the current `describe` block (one per engine, so engines can run side by side): the test
 * page at `/`, and routes that each test sets by pathname. `withPage` runs `body` on one page that the
 * block's tests share (each watches paths of its own); `withOwnPage` opens a window for `body` alone
 * and closes it after.
 */
function useOracleServer(browser: () => Browser): {
  routes: Map<string, Route>;
  withPage(body: (page: BrowserPage) => Promise<void>): Promise<void>;
  withOwnPage(body: (page: BrowserPage) => Promise<void>): Promise<void>;
} {
  const routes = new Map<string, Route>();
  let server: TestServer | undefined;
  let shared: Promise<BrowserPage> | undefined;
  const open = (): Promise<BrowserPage> => {
    if (server === undefined) throw new Error("The test server did not start");
    return browser().open(`${server.url}/`);
  };
  beforeAll(async () => {
    server = await serveNode((request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/") return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
      const route = routes.get(pathname);
      return route === undefined ? new Response("not found", { status: 404 }) : route(request);
    });
  });
  afterAll(async () => {
    await shared?.then(
      (page) => page.close(),
      () => undefined,
    );
    await server?.close();
  });
  return {
    routes,
    async withPage(body) {
      await body(await (shared ??= open()));
    },
    async withOwnPage(body) {
      const page = await open();
      try {
        await body(page);
      } finally {
        await page.close();
      }
    },
  };
}

/** Opens an EventSource on `path` in the page; it logs "message", "done" and `types` events. */
async function watch(page: BrowserPage, path: string, types: readonly string[] = []): Promise<void> {
  await page.evaluate(([p, t]) => window.watch(p, t), [path, [...types]] as const);
}

async function logOf(page: BrowserPage, path: string): Promise<LogEntry[]> {
  return page.evaluate((p) => window.streams[p]?.log ?? [], path);
}

/** Waits until `check(arg)` holds in the page; on timeout, fails showing the log of `path`. */
async function waitInPage<A>(
  page: BrowserPage,
  path: string,
  check: (arg: A) => boolean,
  arg: A,
  what: string,
  timeoutMs?: number,
): Promise<void> {
  try {
    await page.waitFor(check, arg, `${what} on ${path}`, timeoutMs);
  } catch (error) {
    const log = await logOf(page, path).catch(() => "(page gone)");
    throw new Error(`${error instanceof Error ? error.message : String(error)}; the page saw ${JSON.stringify(log)}`, {
      cause: error,
    });
  }
}

/** Waits for the "done" event on `path` (the page then closes its EventSource) and returns the log. */
async function waitForDone(page: BrowserPage, path: string): Promise<LogEntry[]> {
  await waitInPage(page, path, (p) => window.streams[p]?.done === true, path, 'the "done" event');
  return logOf(page, path);
}

/** Waits until the log of `path` has `count` entries of `kind`. */
async function waitForEntries(page: BrowserPage, path: string, kind: LogEntry["kind"], count: number): Promise<void> {
  const check = ([p, k, n]: readonly [string, string, number]): boolean =>
    (window.streams[p]?.log.filter((entry) => entry.kind === k).length ?? 0) >= n;
  await waitInPage(page, path, check, [path, kind, count] as const, `${count} ${kind} entries`);
}

function eventsOf(log: readonly LogEntry[]): Array<{ type: string; data: string; lastEventId: string }> {
  return log.flatMap((entry) =>
    entry.kind === "event" ? [{ type: entry.type, data: entry.data, lastEventId: entry.lastEventId }] : [],
  );
}

function dataOfMessages(log: readonly LogEntry[]): string[] {
  return eventsOf(log)
    .filter((event) => event.type === "message")
    .map((event) => event.data);
}

const DONE = Message.data("").event("done");

// Engines run side by side, and so do the tests of one engine, on one page (each on paths of its own).
for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);
    const { routes, withPage, withOwnPage } = useOracleServer(browser);

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
        new DataStream([...cases.map(([sent]) => sent), Message.data("x\r\ny"), DONE], {
          request,
          keepAlive: false,
        }).toResponse(),
      );
      await withPage(async (page) => {
        await watch(page, "/multiline");
        const log = await waitForDone(page, "/multiline");
        expect(dataOfMessages(log)).toEqual([...cases.map(([, received]) => received), "x\ny"]);
      });
    });

    test("EventSource fires exactly one event with empty data when the data is empty", async () => {
      routes.set("/empty", (request) =>
        new DataStream(["", Message.data(""), new Message({ data: "" }).event("named"), DONE], {
          request,
          keepAlive: false,
        }).toResponse(),
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
        ["tab\tinside", "tab\tinside"],
        ["multi\n😀\r\n𝄞", "multi\n😀\n𝄞"],
        [big, big],
      ];
      routes.set("/unicode", (request) =>
        new DataStream([...cases.map(([sent]) => sent), DONE], { request, keepAlive: false }).toResponse(),
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
      const sent = [
        " one space",
        "  two spaces",
        " ",
        "  ",
        "line\n indented\r\n  more",
        ":colon first",
        "data: lookalike",
      ];
      routes.set("/spaces", (request) =>
        new DataStream([...sent, Message.data(" named").event("spaced"), DONE], {
          request,
          keepAlive: false,
        }).toResponse(),
      );
      await withPage(async (page) => {
        await watch(page, "/spaces", ["spaced"]);
        const log = await waitForDone(page, "/spaces");
        expect(eventsOf(log).map((event) => event.data)).toEqual([
          " one space",
          "  two spaces",
          " ",
          "  ",
          "line\n indented\n  more",
          ":colon first",
          "data: lookalike",
          " named",
          "",
        ]);
        expect(eventsOf(log)[7]?.type).toBe("spaced");
      });
    });

    test("EventSource dispatches named events by type, unnamed ones as message, with the last id sent", async () => {
      routes.set("/named", (request) =>
        new DataStream(
          [
            Message.data("t1").event("tick").id("1"),
            Message.data("m1"),
            "plain string",
            Message.json({ n: 2 }).event("tick").id("2"),
            { a: 1 },
            Message.data("with a comment").id("3").comment("a comment\nover two lines"),
            Message.data("empty name").event(""),
            Message.data("explicit").event("message"),
            Message.data("r").event("tock").id(""), // resets the last event id
            Message.data("m2"),
            new Message({ data: "spaced id", id: "7 ü😀 8" }),
            Message.data("bye").event("done"),
          ],
          { request, keepAlive: false },
        ).toResponse(),
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
          { type: "message", data: "with a comment", lastEventId: "3" },
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
        const options: DataStreamOptions =
          connection === 1 ? { request, keepAlive: false, retry: 50 } : { request, keepAlive: false };
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
        new DataStream(
          async function* () {
            producerWaiting = true;
            await gate;
            yielded++;
            yield "after the gate";
            yielded++;
            yield DONE;
          },
          { request, keepAlive: false },
        ).toResponse(),
      );
      try {
        await withPage(async (page) => {
          await watch(page, "/open-first");
          await waitForEntries(page, "/open-first", "open", 1);
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
        return new DataStream(
          async function* (ctx) {
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
          },
          {
            request,
            keepAlive: false,
            onClose: (reason) => {
              closeType = reason.type;
            },
          },
        ).toResponse();
      });
      await withOwnPage(async (page) => {
        await watch(page, "/leave");
        await waitForEntries(page, "/leave", "event", 2);
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

    test(
      titleFor(engine, "EventSource keeps U+0000 in data", { Firefox: "drops every U+0000 from data" }),
      async () => {
        routes.set("/nul", (request) =>
          new DataStream(["NUL\u0000inside", "\u0000", DONE], { request, keepAlive: false }).toResponse(),
        );
        await withPage(async (page) => {
          await watch(page, "/nul");
          const log = await waitForDone(page, "/nul");
          expect(dataOfMessages(log)).toEqual(
            engine.name === "Firefox" ? ["NULinside", ""] : ["NUL\u0000inside", "\u0000"],
          );
        });
      },
    );

    test(
      titleFor(
        engine,
        "EventSource takes the id of a message without data as the last event id and sends it on reconnection",
        {
          Firefox: "ignores an id that comes without data, for lastEventId and Last-Event-ID alike",
        },
      ),
      async () => {
        const headers: Array<string | null> = [];
        routes.set("/id-only", (request) => {
          headers.push(request.headers.get("last-event-id"));
          return headers.length === 1
            ? new DataStream([Message.data("x").id("1"), new Message({ id: "2" }), Message.data("y")], {
                request,
                keepAlive: false,
                retry: 50,
              }).toResponse()
            : new DataStream([DONE], { request, keepAlive: false }).toResponse();
        });
        await withPage(async (page) => {
          await watch(page, "/id-only");
          const log = await waitForDone(page, "/id-only");
          const lastId = engine.name === "Firefox" ? "1" : "2";
          expect(eventsOf(log)).toEqual([
            { type: "message", data: "x", lastEventId: "1" },
            { type: "message", data: "y", lastEventId: lastId },
            { type: "done", data: "", lastEventId: lastId },
          ]);
          expect(headers).toEqual([null, lastId]);
        });
      },
    );

    test("EventSource gives up with one error event in readyState CLOSED when the answer is a 204, a 500 or not an event stream", async () => {
      const answers: Record<string, () => Response> = {
        "/no-content": () => new Response(null, { status: 204 }),
        "/server-error": () => new Response("failed", { status: 500 }),
        "/not-a-stream": () => new Response("data: x\n\n", { headers: { "content-type": "text/plain" } }),
      };
      const requests: string[] = [];
      for (const [path, answer] of Object.entries(answers)) {
        routes.set(path, () => {
          requests.push(path);
          return answer();
        });
      }
      await withPage(async (page) => {
        for (const path of Object.keys(answers)) {
          await watch(page, path);
          await waitForEntries(page, path, "error", 1);
          // CLOSED (2) is final: this EventSource never connects again.
          expect(await logOf(page, path), path).toEqual([{ kind: "error", readyState: 2 }]);
        }
        expect(requests).toEqual(Object.keys(answers));
      });
    });

    const defaultDelayMs = engine.name === "Firefox" ? 5_000 : 3_000;
    test(
      titleFor(engine, "EventSource waits its default 3 s before reconnecting when the server sets no retry", {
        Firefox: "waits 5 s",
      }),
      async () => {
        const times: { ended?: number; reconnected?: number } = {};
        let connections = 0;
        routes.set("/default-delay", (request) => {
          connections++;
          if (connections > 1) {
            times.reconnected = performance.now();
            return new DataStream([DONE], { request, keepAlive: false }).toResponse();
          }
          return new DataStream(["once"], {
            request,
            keepAlive: false,
            onClose: () => {
              times.ended = performance.now();
            },
          }).toResponse();
        });
        await withPage(async (page) => {
          await watch(page, "/default-delay");
          await waitInPage(
            page,
            "/default-delay",
            (p) => window.streams[p]?.done === true,
            "/default-delay",
            "the reconnection",
            defaultDelayMs + 10_000,
          );
          expect(connections).toBe(2);
          // A lower bound only: a busy machine can only make the browser later, never earlier.
          expect((times.reconnected ?? 0) - (times.ended ?? Infinity)).toBeGreaterThanOrEqual(defaultDelayMs - 250);
        });
      },
    );
  });
}
