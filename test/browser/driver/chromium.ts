/**
 * Chromium through playwright-core: Debian's `/usr/bin/chromium` (or the binary named by `CHROMIUM`),
 * started by Playwright's browser server on a free port of 127.0.0.1, so its PID is ours to stop.
 */
import { chromium as playwright, type Page } from "playwright-core";
import { pageOf, WAIT_MS } from "./page.ts";
import { requireFile, stopProcess, withDeadline, SETUP_HINT } from "./processes.ts";
import type { Browser, Engine, PageDriver } from "./types.ts";

const LAUNCH_MS = 60_000;

export const chromium: Engine = {
  name: "Chromium",
  async launch(): Promise<Browser> {
    const executablePath = requireFile(process.env["CHROMIUM"] ?? "/usr/bin/chromium", "Chromium", "CHROMIUM");
    const server = await playwright
      .launchServer({
        executablePath,
        headless: true,
        host: "127.0.0.1",
        port: 0,
        timeout: LAUNCH_MS,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      })
      .catch((error: unknown) => {
        throw new Error(`Could not launch Chromium at ${executablePath}: ${SETUP_HINT}`, { cause: error });
      });
    const stop = async (): Promise<void> => {
      await withDeadline(server.close(), 5_000, "Chromium to close").catch(() => undefined);
      await stopProcess(server.process());
    };
    try {
      const browser = await playwright.connect(server.wsEndpoint(), { timeout: LAUNCH_MS });
      return {
        engine: "Chromium",
        version: browser.version(),
        async open(url) {
          const page = await browser.newPage();
          await page.goto(url, { timeout: WAIT_MS });
          return pageOf(driverFor(page));
        },
        close: async () => {
          await withDeadline(browser.close(), 5_000, "the Chromium connection to close").catch(() => undefined);
          await stop();
        },
      };
    } catch (error) {
      await stop();
      throw error;
    }
  },
};

function driverFor(page: Page): PageDriver {
  return {
    evaluateExpression: (source) => page.evaluate(source),
    reload: async () => {
      await page.reload({ timeout: WAIT_MS });
    },
    close: () => page.close(),
  };
}
