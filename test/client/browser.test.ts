/**
 * edge-sse/client in real browsers, in Chromium, Firefox and WebKit (see test/browser/driver/engines.ts):
 * each engine's pages load the client, bundled from src/client.ts with esbuild, from a node:http server
 * (through edge-sse/node) that serves DataStreams. The server records every request; a connection is
 * cut by destroying the sockets that served its path. Also: a plain EventSource obeys the end signal
 * with the one line the README gives, and makes no further request to a finite stream.
 *
 * Functions run in the page from their source text: they start work and leave its outcome on
 * `window`, and the test polls for it, so that no engine's driver holds a command open meanwhile.
 */
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DataStream, Message } from "edge-sse";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";
import { ENGINES, suiteOptions, useBrowser, type Browser, type BrowserPage } from "../browser/driver/engines.ts";

interface PageEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string;
}

declare global {
  interface Window {
    edgeSseClient: typeof import("../../src/client.ts");
    /** What the page's subscription has yielded so far. */
    got: PageEvent[];
    /** How the page's work ended: its outcome, or the error it threw. */
    outcome: unknown;
    ignores: EventSource;
  }
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>edge-sse client</title>
<script type="module">import * as client from "/client.js"; window.edgeSseClient = client;</script>`;

interface Seen {
  readonly path: string;
  readonly method: string;
  readonly lastEventId: string | null;
  readonly authorization: string | null;
  readonly body: string;
}

type Route = (request: Request, index: number) => Response;

let clientBundle = "";

beforeAll(async () => {
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL("../../src/client.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  clientBundle = bundled.outputFiles[0]?.text ?? "";
});

/**
 * The server of one engine's tests: the page, the client bundle, and routes by pathname (`index`
 * counts the requests to that path). `cut(path)` destroys the connections that served `path`.
 */
function useClientSite(browser: () => Browser): {
  routes: Map<string, Route>;
  requestsTo(path: string): Seen[];
  cut(path: string): void;
  withPage(body: (page: BrowserPage) => Promise<void>): Promise<void>;
} {
  const routes = new Map<string, Route>();
  const seen: Seen[] = [];
  const socketsOf = new Map<string, Set<Socket>>();
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await serveNode(async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
      if (pathname === "/client.js") {
        return new Response(clientBundle, { headers: { "content-type": "text/javascript" } });
      }
      const route = routes.get(pathname);
      if (route === undefined) return new Response("not found", { status: 404 });
      const index = seen.filter((entry) => entry.path === pathname).length;
      seen.push({
        path: pathname,
        method: request.method,
        lastEventId: request.headers.get("last-event-id"),
        authorization: request.headers.get("authorization"),
        body: request.method === "GET" ? "" : await request.text(),
      });
      return route(request, index);
    });
    server.server.on("request", (request: { url?: string; socket: Socket }) => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const sockets = socketsOf.get(path) ?? new Set();
      socketsOf.set(path, sockets);
      sockets.add(request.socket);
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    routes,
    requestsTo: (path) => seen.filter((entry) => entry.path === path),
    cut(path) {
      for (const socket of socketsOf.get(path) ?? []) socket.destroy();
    },
    async withPage(body) {
      if (server === undefined) throw new Error("The test server did not start");
      const page = await browser().open(`${server.url}/`);
      try {
        await page.waitFor(() => window.edgeSseClient !== undefined, null, "the client module to load");
        await body(page);
      } finally {
        await page.close();
      }
    },
  };
}

/** Waits for the page's work to end and returns its outcome. */
async function outcomeOf(page: BrowserPage): Promise<unknown> {
  await page.waitFor(() => window.outcome !== undefined, null, "the page's work to end");
  return page.evaluate(() => window.outcome);
}

for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);
    const { routes, requestsTo, cut, withPage } = useClientSite(browser);

    test("subscribe posts with fresh headers, resumes a cut stream with Last-Event-ID and stops at the end signal", async () => {
      routes.set("/job", (request, index) =>
        new DataStream(
          async function* ({ sleep, lastEventId, end }) {
            const after = Number(lastEventId ?? 0);
            for (let n = after + 1; n <= after + 2; n++) yield Message.data(`step ${n} ✓`).id(String(n));
            if (index > 0) end();
            else await sleep(60_000);
          },
          { request, keepAlive: false },
        ).toResponse(),
      );
      await withPage(async (page) => {
        await page.evaluate(() => {
          const { subscribe } = window.edgeSseClient;
          let token = 0;
          const events: PageEvent[] = (window.got = []);
          const subscription = subscribe("/job", {
            method: "POST",
            body: '{"job":7}',
            headers: () => ({ authorization: `Bearer ${++token}` }),
            reconnect: { delay: 20, jitter: 0 },
          });
          (async () => {
            for await (const { event, data, id } of subscription) events.push({ event, data, id });
            window.outcome = { events, lastEventId: subscription.lastEventId, finished: subscription.finished };
          })().catch((error: unknown) => {
            window.outcome = { error: String(error) };
          });
          return true;
        });
        await page.waitFor(() => window.got.length === 2, null, "the first two events");
        cut("/job");
        expect(await outcomeOf(page)).toEqual({
          events: [1, 2, 3, 4].map((n) => ({ event: "message", data: `step ${n} ✓`, id: String(n) })),
          lastEventId: "4",
          finished: true,
        });
      });
      expect(
        requestsTo("/job").map(({ method, body, authorization, lastEventId }) => ({
          method,
          body,
          authorization,
          lastEventId,
        })),
      ).toEqual([
        { method: "POST", body: '{"job":7}', authorization: "Bearer 1", lastEventId: null },
        { method: "POST", body: '{"job":7}', authorization: "Bearer 2", lastEventId: "2" },
      ]);
    });

    test("subscribe ends at a 204 and throws an EventStreamError for a 404", async () => {
      routes.set("/gone", () => new Response(null, { status: 204 }));
      routes.set("/missing", () => new Response("missing", { status: 404, headers: { "content-type": "text/plain" } }));
      await withPage(async (page) => {
        await page.evaluate(() => {
          const { subscribe, EventStreamError } = window.edgeSseClient;
          (async () => {
            const none: unknown[] = [];
            for await (const event of subscribe("/gone")) none.push(event);
            try {
              for await (const event of subscribe("/missing")) none.push(event);
              window.outcome = { none, error: null };
            } catch (error) {
              window.outcome = {
                none,
                error:
                  error instanceof EventStreamError
                    ? { type: error.type, status: error.status, contentType: error.contentType }
                    : String(error),
              };
            }
          })();
          return true;
        });
        expect(await outcomeOf(page)).toEqual({
          none: [],
          error: { type: "response", status: 404, contentType: "text/plain" },
        });
      });
      expect(requestsTo("/gone").length).toBe(1);
      expect(requestsTo("/missing").length).toBe(1);
    });

    test("subscribe makes no further request to a finite DataStream", async () => {
      let runs = 0;
      routes.set("/answer", (request) =>
        new DataStream(
          async function* () {
            runs++;
            yield Message.data("the whole answer").id("1");
          },
          { request, keepAlive: false, finite: true, retry: 20 },
        ).toResponse(),
      );
      await withPage(async (page) => {
        await page.evaluate(() => {
          const subscription = window.edgeSseClient.subscribe("/answer", { reconnect: { delay: 20, jitter: 0 } });
          (async () => {
            const events: PageEvent[] = [];
            for await (const { event, data, id } of subscription) events.push({ event, data, id });
            window.outcome = { events, finished: subscription.finished };
          })();
          return true;
        });
        expect(await outcomeOf(page)).toEqual({
          events: [{ event: "message", data: "the whole answer", id: "1" }],
          finished: true,
        });
        // A reconnection would come after 20 ms: wait many times that, then count.
        await new Promise((resolve) => setTimeout(resolve, 500));
      });
      expect({ requests: requestsTo("/answer").length, runs }).toEqual({ requests: 1, runs: 1 });
    });

    test("EventSource stops at the end of a finite DataStream with the README's one line, and reconnects without it", async () => {
      for (const path of ["/es-obeys", "/es-ignores"]) {
        routes.set(path, (request) =>
          new DataStream([Message.data("the answer").id("1")], {
            request,
            keepAlive: false,
            retry: 50,
            finite: true,
          }).toResponse(),
        );
      }
      await withPage(async (page) => {
        await page.evaluate(() => {
          const obeys = new EventSource("/es-obeys");
          obeys.addEventListener("edge-sse-end", () => obeys.close()); // the README's line
          window.ignores = new EventSource("/es-ignores");
          return true;
        });
        await until(() => requestsTo("/es-ignores").length >= 3, "the page that ignores the end to reconnect", 20_000);
        await page.evaluate(() => {
          window.ignores.close();
          return true;
        });
      });
      expect(requestsTo("/es-obeys").length).toBe(1);
    });
  });
}
