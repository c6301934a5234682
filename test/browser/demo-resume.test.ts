/**
 * What the demo page's counter does in Chromium, Firefox and WebKit when its connection goes away:
 * after a server restart the browser reconnects with the last id it saw as Last-Event-ID and the
 * counter goes on; after a reload the page is a new document with a new EventSource, which has no
 * last event id to send, so the page sends the id it kept in sessionStorage as `?lastEventId=` and
 * the counter goes on too. After a reload and then a restart, the EventSource sends both (it keeps
 * its first URL), and the header's newer id wins.
 *
 * The demo (examples/shared) runs on a node:http server that the test stops and starts again on the
 * same port, as a person restarting `npm run demo` would.
 */
import { describe, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { until } from "../helpers/serve-node.ts";
import { toNodeListener } from "edge-sse/node";
import { ENGINES, suiteOptions, useBrowser, type Browser, type BrowserPage } from "./driver/engines.ts";

/** How an /events request asked to resume: its Last-Event-ID header and its lastEventId parameter (null when absent). */
interface ResumeRequest {
  readonly header: string | null;
  readonly query: string | null;
}

/** The demo on 127.0.0.1, with how each /events request it got asked to resume. */
interface DemoServer {
  readonly url: string;
  readonly requests: ResumeRequest[];
  /** Stops listening and drops every connection, as a server that exits does. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

async function serveDemo(): Promise<DemoServer> {
  const requests: ResumeRequest[] = [];
  const listener = toNodeListener((request) => {
    const url = new URL(request.url);
    if (url.pathname === "/events") {
      requests.push({ header: request.headers.get("last-event-id"), query: url.searchParams.get("lastEventId") });
    }
    return handleDemo(request);
  });
  let port = 0;
  let server: Server | undefined;
  const start = async (): Promise<void> => {
    const next = createServer(listener);
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", resolve);
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (current === undefined) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await start();
  return { url: `http://127.0.0.1:${port}`, requests, stop, start };
}

declare global {
  interface Window {
    /** How many `error` events the demo page's EventSource fired since the test started counting. */
    demoErrors: number;
  }
}

/** The counter values of the page's event log ("message: N" lines), oldest first. */
function countsOf(page: BrowserPage): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("#log li")]
      .map((line) => /^message: (\d+)$/.exec(line.textContent ?? "")?.[1])
      .filter((count) => count !== undefined)
      .map(Number)
      .reverse(),
  );
}

/** Waits until the counter shows `value` or more. */
async function waitForCounter(page: BrowserPage, value: number, what: string): Promise<void> {
  await page.waitFor(
    (v) => Number(document.querySelector("#counter")?.textContent) >= v,
    value,
    `the counter to reach ${value} (${what})`,
    15_000,
  );
}

/**
 * Stops the server until the page's EventSource has retried once and found none, then starts it again;
 * resolves with the last id the page saw before the restart.
 */
async function restart(page: BrowserPage, server: DemoServer): Promise<number> {
  // The page's EventSource is the global `source` of its script; count its errors from here on.
  await page.evaluate(() => {
    window.demoErrors = 0;
    // biome-ignore lint/security/noGlobalEval: reads the page's own top-level `source`
    (window.eval("source") as EventSource).addEventListener("error", () => window.demoErrors++);
  });

  await server.stop();
  // The first error is the drop, the second a retry that found no server (every `retry` = 2 s).
  await page.waitFor(
    () => window.demoErrors >= 2 && document.querySelector("#state")?.textContent === "reconnecting…",
    null,
    "a retry while the server is down",
  );
  const lastSeen = Number(await page.evaluate(() => document.querySelector("#last-id")?.textContent));
  await server.start();
  return lastSeen;
}

/** Expects the page's log to show `lastSeen`, then `lastSeen + 1` right after it. */
async function expectResumedAfter(page: BrowserPage, lastSeen: number): Promise<void> {
  await waitForCounter(page, lastSeen + 1, "after the restart");
  const counts = await countsOf(page);
  const resumedAt = counts.indexOf(lastSeen);
  expect(resumedAt, `the log shows ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(0);
  expect(counts.slice(resumedAt, resumedAt + 2)).toEqual([lastSeen, lastSeen + 1]);
}

/** Reloads the page and waits for its new EventSource's request; resolves with the id it kept. */
async function reload(page: BrowserPage, server: DemoServer): Promise<number> {
  const before = server.requests.length;
  await page.reload();
  await until(() => server.requests.length > before, "the reloaded page's /events request", 15_000);
  const request = server.requests[before]!;
  // A new EventSource has no Last-Event-ID to send: the page names its id in the URL.
  expect(request.header).toBeNull();
  expect(request.query, "the reloaded page's ?lastEventId=").toMatch(/^\d+$/);
  return Number(request.query);
}

/** Serves the demo, opens its page, runs `body`, then closes both. */
async function withDemo(
  browser: Browser,
  body: (page: BrowserPage, server: DemoServer) => Promise<void>,
): Promise<void> {
  const server = await serveDemo();
  try {
    const page = await browser.open(`${server.url}/`);
    try {
      await body(page, server);
    } finally {
      await page.close();
    }
  } finally {
    await server.stop();
  }
}

// Engines run side by side, and so do the tests of one engine, each with a server of its own.
for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);

    test("The demo counter goes on after a server restart: the EventSource retries while the server is down, then sends its last id", async () => {
      await withDemo(browser(), async (page, server) => {
        await waitForCounter(page, 2, "before the restart");
        const lastSeen = await restart(page, server);

        await expectResumedAfter(page, lastSeen);
        expect(server.requests).toEqual([
          { header: null, query: null },
          { header: String(lastSeen), query: null },
        ]);
      });
    });

    test("The demo counter goes on after a reload: the new EventSource sends no Last-Event-ID, the page sends ?lastEventId=", async () => {
      await withDemo(browser(), async (page, server) => {
        await waitForCounter(page, 2, "before the reload");

        const kept = await reload(page, server);
        expect(kept).toBeGreaterThanOrEqual(2);
        await waitForCounter(page, kept + 1, "after the reload");
        expect((await countsOf(page))[0]).toBe(kept + 1);
        expect(server.requests).toEqual([
          { header: null, query: null },
          { header: null, query: String(kept) },
        ]);
      });
    });

    test("The demo counter goes on after a reload, then a restart: the header's newer id wins over the URL's", async () => {
      await withDemo(browser(), async (page, server) => {
        await waitForCounter(page, 2, "before the reload");
        const kept = await reload(page, server);
        await waitForCounter(page, kept + 2, "after the reload");

        const lastSeen = await restart(page, server);
        expect(lastSeen).toBeGreaterThan(kept);
        await expectResumedAfter(page, lastSeen);
        // The EventSource reconnects to the URL it was made with, and adds the header.
        expect(server.requests.slice(1)).toEqual([
          { header: null, query: String(kept) },
          { header: String(lastSeen), query: String(kept) },
        ]);
      });
    });
  });
}
