/**
 * Firefox through puppeteer-core over WebDriver BiDi: Debian's `/usr/bin/firefox-esr` (or the binary
 * named by `FIREFOX`), headless, with a fresh profile. puppeteer-core downloads no browser; Firefox
 * picks a free port of 127.0.0.1 for BiDi itself.
 */
import puppeteer, { type Page } from "puppeteer-core";
import { pageOf, WAIT_MS } from "./page.ts";
import { requireFile, stopProcess, withDeadline, SETUP_HINT } from "./processes.ts";
import type { Browser, Engine, PageDriver } from "./types.ts";

/** Firefox answers its first BiDi session only after its idle startup tasks, which take long on a busy machine. */
const LAUNCH_MS = 90_000;

export const firefox: Engine = {
  name: "Firefox",
  async launch(): Promise<Browser> {
    const executablePath = requireFile(process.env["FIREFOX"] ?? "/usr/bin/firefox-esr", "Firefox", "FIREFOX");
    const browser = await puppeteer
      .launch({
        browser: "firefox",
        protocol: "webDriverBiDi",
        executablePath,
        headless: true,
        timeout: LAUNCH_MS,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      })
      .catch((error: unknown) => {
        throw new Error(`Could not launch Firefox at ${executablePath}: ${SETUP_HINT}`, { cause: error });
      });
    const version = (await browser.version()).replace(/^firefox\//, "");
    return {
      engine: "Firefox",
      version,
      async open(url) {
        // A window, not a tab: a background tab's timers (the reconnection delay among them) are throttled.
        const page = await browser.newPage({ type: "window" });
        await page.goto(url, { timeout: WAIT_MS });
        return pageOf(driverFor(page));
      },
      close: async () => {
        const child = browser.process();
        await withDeadline(browser.close(), 5_000, "Firefox to close").catch(() => undefined);
        await stopProcess(child);
      },
    };
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
