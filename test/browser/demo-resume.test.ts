/**
 * What the demo page's counter does in Chromium, Firefox and WebKit when its connection goes away:
 * after a server restart the browser reconnects with the last id it saw as Last-Event-ID and the
 * counter goes on; after a reload the page is a new document with a new EventSource, which has no
 * last event id to send, so the counter starts again at 1.
 *
 * The demo (examples/shared) runs on a node:http server that the test stops and starts again on the
 * same port, as a person restarting `npm run demo` would.
 */
import { describe, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { toNodeListener } from "edge-sse/node";
import { ENGINES, TEST_TIMEOUT_MS, useBrowser, type Browser, type BrowserPage } from "./driver/engines.ts";

/** The demo on 127.0.0.1, with the Last-Event-ID of every /events request it got (null when absent). */
interface DemoServer {
  readonly url: string;
  readonly lastEventIds: Array<string | null>;
  /** Stops listening and drops every connection, as a server that exits does. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

async function serveDemo(): Promise<DemoServer> {
  const lastEventIds: Array<string | null> = [];
  const listener = toNodeListener((request) => {
    if (new URL(request.url).pathname === "/events") lastEventIds.push(request.headers.get("last-event-id"));
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
  return { url: `http://127.0.0.1:${port}`, lastEventIds, stop, start };
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
  describe.concurrent(engine.name, { timeout: TEST_TIMEOUT_MS }, () => {
    const browser = useBrowser(engine);

    test("The demo counter goes on after a server restart: the EventSource retries while the server is down, then sends its last id", async () => {
      await withDemo(browser(), async (page, server) => {
        await waitForCounter(page, 2, "before the restart");
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

        await waitForCounter(page, lastSeen + 1, "after the restart");
        expect(server.lastEventIds).toEqual([null, String(lastSeen)]);
        const counts = await countsOf(page);
        const resumedAt = counts.indexOf(lastSeen);
        expect(resumedAt, `the log shows ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(0);
        expect(counts.slice(resumedAt, resumedAt + 2)).toEqual([lastSeen, lastSeen + 1]);
      });
    });

    test("The demo counter starts again at 1 after a reload: the reloaded page's new EventSource sends no Last-Event-ID", async () => {
      await withDemo(browser(), async (page, server) => {
        await waitForCounter(page, 2, "before the reload");

        await page.reload();
        await waitForCounter(page, 1, "after the reload");
        expect(server.lastEventIds).toEqual([null, null]);
        expect((await countsOf(page))[0]).toBe(1);
      });
    });
  });
}
