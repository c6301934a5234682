/**
 * edge-sse/client in a real browser: headless Chromium (playwright-core) loads a page that imports the
 * client, bundled from src/client.ts with esbuild, from a node:http server (through edge-sse/node)
 * that serves DataStreams. The server records every request; a connection is cut by destroying its
 * socket. Also: a plain EventSource obeys the end signal with the one line the README gives.
 *
 * Self-contained (its own server, page and browser), so that it can move to a multi-browser driver.
 * Chromium is `/usr/bin/chromium`, or the binary named by the `CHROMIUM` environment variable.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DataStream, Message } from "edge-sse";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";

declare global {
  interface Window {
    edgeSseClient: typeof import("../../src/client.ts");
    /** What the page's subscription has yielded so far. */
    got: Array<{ event: string; data: string; id: string }>;
  }
}

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
const END = Message.data("").event("edge-sse-end");
const PAGE = `<!doctype html><meta charset="utf-8"><title>edge-sse client</title>
<script type="module">import * as client from "/client.js"; window.edgeSseClient = client; document.title = "ready";</script>`;

interface Seen {
  readonly path: string;
  readonly method: string;
  readonly lastEventId: string | null;
  readonly authorization: string | null;
  readonly body: string;
}

/** Routes of the shared server by pathname; `index` counts the requests to that path. */
const routes = new Map<string, (request: Request, index: number) => Response>();
const seen: Seen[] = [];
const sockets = new Set<Socket>();
let clientBundle = "";
let server: TestServer | undefined;
let browser: BrowserContext | undefined;
let launchError: Error | undefined;
let profileDir: string | undefined;

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
  server = await serveNode(async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    if (pathname === "/client.js")
      return new Response(clientBundle, { headers: { "content-type": "text/javascript" } });
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
  server.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(
      `Chromium not found at ${CHROMIUM}: run \`npm run setup\` (or set CHROMIUM to a Chromium binary)`,
    );
    return;
  }
  profileDir = await mkdtemp(join(tmpdir(), "edge-sse-client-chromium-"));
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
    launchError = new Error(
      `Could not launch Chromium at ${CHROMIUM}: run \`npm run setup\` (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
});

async function withPage(body: (page: Page) => Promise<void>): Promise<void> {
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  if (server === undefined) throw new Error("The test server did not start");
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.title === "ready");
    await body(page);
  } finally {
    await page.close();
  }
}

const requestsTo = (path: string): Seen[] => seen.filter((entry) => entry.path === path);

test("subscribe in Chromium posts with fresh headers, resumes a cut stream with Last-Event-ID and stops at the end signal", async () => {
  routes.set("/chromium/job", (request, index) =>
    new DataStream(
      async function* ({ sleep, lastEventId }) {
        const after = Number(lastEventId ?? 0);
        for (let n = after + 1; n <= after + 2; n++) yield Message.data(`step ${n} ✓`).id(String(n));
        if (index > 0) yield END;
        else await sleep(60_000);
      },
      { request, keepAlive: false },
    ).toResponse(),
  );
  await withPage(async (page) => {
    const running = page.evaluate(async () => {
      const { subscribe } = window.edgeSseClient;
      let token = 0;
      const events: Array<{ event: string; data: string; id: string }> = (window.got = []);
      const subscription = subscribe("/chromium/job", {
        method: "POST",
        body: '{"job":7}',
        headers: () => ({ authorization: `Bearer ${++token}` }),
        reconnect: { delay: 20, jitter: 0 },
      });
      for await (const event of subscription) events.push(event);
      return { events, lastEventId: subscription.lastEventId };
    });
    await page.waitForFunction(() => window.got?.length === 2);
    for (const socket of sockets) socket.destroy();
    const { events, lastEventId } = await running;
    expect(events).toEqual([1, 2, 3, 4].map((n) => ({ event: "message", data: `step ${n} ✓`, id: String(n) })));
    expect(lastEventId).toBe("4");
  });
  expect(
    requestsTo("/chromium/job").map(({ method, body, authorization, lastEventId }) => ({
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

test("subscribe in Chromium ends at a 204 and throws an EventStreamError for a 404", async () => {
  routes.set("/chromium/gone", () => new Response(null, { status: 204 }));
  routes.set(
    "/chromium/missing",
    () => new Response("missing", { status: 404, headers: { "content-type": "text/plain" } }),
  );
  await withPage(async (page) => {
    const outcome = await page.evaluate(async () => {
      const { subscribe, EventStreamError } = window.edgeSseClient;
      const none: unknown[] = [];
      for await (const event of subscribe("/chromium/gone")) none.push(event);
      try {
        for await (const event of subscribe("/chromium/missing")) none.push(event);
        return { none, error: null };
      } catch (error) {
        return {
          none,
          error:
            error instanceof EventStreamError
              ? { type: error.type, status: error.status, contentType: error.contentType }
              : String(error),
        };
      }
    });
    expect(outcome).toEqual({ none: [], error: { type: "response", status: 404, contentType: "text/plain" } });
  });
  expect(requestsTo("/chromium/gone").length).toBe(1);
  expect(requestsTo("/chromium/missing").length).toBe(1);
});

test("EventSource in Chromium stops reconnecting at the end signal with the one line the README gives, and does not without it", async () => {
  for (const path of ["/chromium/es-obeys", "/chromium/es-ignores"]) {
    routes.set(path, (request) =>
      new DataStream([Message.data("the answer").id("1"), END], { request, keepAlive: false, retry: 50 }).toResponse(),
    );
  }
  await withPage(async (page) => {
    await page.evaluate(() => {
      const obeys = new EventSource("/chromium/es-obeys");
      obeys.addEventListener("edge-sse-end", () => obeys.close()); // the README's line
      const ignores = new EventSource("/chromium/es-ignores");
      (window as unknown as { ignores: EventSource }).ignores = ignores;
    });
    await until(() => requestsTo("/chromium/es-ignores").length >= 3, "the page that ignores the end to reconnect");
    await page.evaluate(() => (window as unknown as { ignores: EventSource }).ignores.close());
  });
  expect(requestsTo("/chromium/es-obeys").length).toBe(1);
});
