/**
 * The three browser engines the browser tests run in, behind one small driver interface, so that a
 * test file is written once and runs per engine:
 *
 * - Chromium: Debian's `chromium`, through playwright-core;
 * - Firefox: Debian's `firefox-esr`, through puppeteer-core over WebDriver BiDi;
 * - WebKit: WebKitGTK's MiniBrowser (Debian's `webkit2gtk-driver`), through WebKitWebDriver and
 *   selenium-webdriver, on an Xvfb display the driver starts itself.
 *
 * A missing browser fails every test of its engine with a message that says to run `npm run setup`.
 * Each engine's processes listen on 127.0.0.1 only and are stopped by their PID after the file's tests.
 *
 * In a new test file (each engine's tests, and the engines, may run side by side):
 *
 * ```ts ignore
 * import { describe, expect, test } from "vitest";
 * import { ENGINES, suiteOptions, useBrowser } from "./driver/engines.ts";
 *
 * for (const engine of ENGINES) {
 *   describe.concurrent(engine.name, suiteOptions(engine), () => {
 *     const browser = useBrowser(engine); // one browser per engine for this file
 *
 *     test("EventSource receives an event", async () => {
 *       const page = await browser().open(`${server.url}/page.html`); // a window of its own
 *       try {
 *         // Functions run in the page from their source text: pass what they need as the argument.
 *         await page.evaluate((path) => {
 *           window.got = [];
 *           new EventSource(path).onmessage = (event) => window.got.push(event.data);
 *         }, "/events");
 *         await page.waitFor((count) => window.got.length === count, 1, "one event");
 *         expect(await page.evaluate(() => window.got)).toEqual(["hello"]);
 *       } finally {
 *         await page.close();
 *       }
 *     });
 *   });
 * }
 * ```
 *
 * Where an engine behaves differently, branch on `engine.name` and say so in the test's name with
 * `titleFor(engine, "EventSource does X", { Firefox: "does Y" })`.
 */
import { afterAll, beforeAll } from "vitest";
import { chromium } from "./chromium.ts";
import { firefox } from "./firefox.ts";
import { webkit } from "./webkit.ts";
import type { Browser, Engine, EngineName } from "./types.ts";

export type { Browser, BrowserPage, Engine, EngineName } from "./types.ts";
export { WAIT_MS } from "./page.ts";

export const ENGINES: readonly Engine[] = [chromium, firefox, webkit];

/**
 * The time a browser test may take (pass it to `describe`): tests of several engines and pages run
 * side by side on a machine with two cores, so one can wait on the others.
 */
export const TEST_TIMEOUT_MS = 90_000;

/**
 * The options of an engine's `describe` block: its tests' time limit, and one retry for WebKit only.
 * WebKitGTK's MiniBrowser, on a busy machine with two cores, now and then loses a window in the middle
 * of a test (its WebDriver then answers "no such window"); a test that fails twice still fails.
 */
export function suiteOptions(engine: Engine): { readonly timeout: number; readonly retry: number } {
  return { timeout: TEST_TIMEOUT_MS, retry: engine.name === "WebKit" ? 1 : 0 };
}

/** How long starting a browser may take: Firefox's first session waits for its idle startup tasks. */
const LAUNCH_MS = 120_000;
const CLOSE_MS = 30_000;

/**
 * Starts `engine`'s browser before the tests of the current `describe` block and stops it after them.
 * Returns a getter for the browser that throws why it did not start (so each test fails with it).
 */
export function useBrowser(engine: Engine): () => Browser {
  let browser: Browser | undefined;
  let failure: Error | undefined;
  beforeAll(async () => {
    try {
      browser = await engine.launch();
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
  }, LAUNCH_MS);
  afterAll(async () => {
    await browser?.close();
  }, CLOSE_MS);
  return () => {
    if (browser === undefined) throw failure ?? new Error(`${engine.name} did not start`);
    return browser;
  };
}

/**
 * A test's name on `engine`: `title`, then `(Engine: note)` when `notes` has a note for it, so the
 * name says where that engine behaves its own way.
 */
export function titleFor(engine: Engine, title: string, notes: Partial<Record<EngineName, string>>): string {
  const note = notes[engine.name];
  return note === undefined ? title : `${title} (${engine.name}: ${note})`;
}
