/**
 * WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's webkit2gtk-driver), driven with
 * selenium-webdriver's WebDriver client, on an Xvfb display of its own. The driver listens on a free
 * port of 127.0.0.1; the driver and Xvfb are stopped by their PID (MiniBrowser ends with its display).
 *
 * WebDriver drives one window at a time, so each page is a window of one session and every command
 * switches to its window first, one command at a time.
 */
import { Builder, type WebDriver } from "selenium-webdriver";
import { pageOf, WAIT_MS } from "./page.ts";
import {
  collectOutput,
  findMiniBrowser,
  freePort,
  onPath,
  requireFile,
  spawnOwned,
  startXvfb,
  stopProcess,
  withDeadline,
  type XServer,
} from "./processes.ts";
import type { Browser, Engine, PageDriver } from "./types.ts";

const LAUNCH_MS = 60_000;

export const webkit: Engine = {
  name: "WebKit",
  async launch(): Promise<Browser> {
    const miniBrowser = requireFile(
      findMiniBrowser(),
      "WebKitGTK's MiniBrowser (/usr/lib/*/webkit2gtk-4.*/MiniBrowser)",
    );
    const webDriver = requireFile(onPath("WebKitWebDriver"), "WebKitWebDriver");
    const display = await startXvfb();
    try {
      // The port was free a moment ago; if another process took it since, the driver exits: try another.
      for (let attempt = 1; ; attempt++) {
        const started = await startDriver(webDriver, miniBrowser, display).catch((error: unknown) => error as Error);
        if (!(started instanceof Error)) {
          return await webkitBrowser(started.driver, () => started.stop().then(() => display.stop())).catch(
            async (error: unknown) => {
              await started.stop();
              throw error;
            },
          );
        }
        if (!(started instanceof DriverExited) || attempt === 3) throw started;
      }
    } catch (error) {
      await display.stop();
      throw error;
    }
  },
};

class DriverExited extends Error {}

/** Starts WebKitWebDriver on a free port of 127.0.0.1 and opens a session with MiniBrowser on `display`. */
async function startDriver(
  webDriver: string,
  miniBrowser: string,
  display: XServer,
): Promise<{ driver: WebDriver; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawnOwned(webDriver, [`--port=${port}`, "--host=127.0.0.1"], {
    env: { ...process.env, DISPLAY: display.display },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = (): Promise<void> => stopProcess(child);
  const output = collectOutput(child);
  let gone = false;
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => {
      gone = true;
      reject(new DriverExited(`WebKitWebDriver exited (${code ?? signal}):\n${output()}`));
    });
  });
  exited.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const session = async (): Promise<WebDriver> => {
    await untilListening(url, () => gone);
    const driver = new Builder()
      .usingServer(url)
      .withCapabilities({
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: miniBrowser, args: ["--automation"] },
      })
      .build();
    await driver.getSession();
    return driver;
  };
  try {
    return {
      driver: await withDeadline(Promise.race([session(), exited]), LAUNCH_MS, "a WebKitWebDriver session"),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls the WebDriver server's `/status` until it answers, for at most `LAUNCH_MS` or until it is `gone`. */
async function untilListening(url: string, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + LAUNCH_MS;
  while (Date.now() < deadline && !gone()) {
    const ready = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    gone() ? "WebKitWebDriver exited" : `WebKitWebDriver did not answer at ${url} within ${LAUNCH_MS} ms`,
  );
}

/** The browser on a WebDriver session; `stop` ends the driver and the display. */
async function webkitBrowser(driver: WebDriver, stop: () => Promise<void>): Promise<Browser> {
  const capabilities = await driver.getCapabilities();
  const version = String(capabilities.get("browserVersion"));
  /** The session's first window, kept open so the session lives while pages come and go. */
  const home = await driver.getWindowHandle();
  await driver.manage().setTimeouts({ script: WAIT_MS, pageLoad: WAIT_MS });
  let queue: Promise<unknown> = Promise.resolve();
  let current = home;

  /** Runs `command` on window `handle` once every earlier command has finished. */
  function inWindow<T>(handle: string, command: () => Promise<T>): Promise<T> {
    const result = queue.then(async () => {
      if (current !== handle) {
        await driver.switchTo().window(handle);
        current = handle;
      }
      return command();
    });
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    engine: "WebKit",
    version,
    async open(url) {
      // From the home window, which stays open whatever became of the window used last.
      const handle = await inWindow(home, async () => {
        await driver.switchTo().newWindow("window");
        current = await driver.getWindowHandle();
        await driver.get(url);
        return current;
      });
      const page: PageDriver = {
        evaluateExpression: (source) => inWindow(handle, () => driver.executeScript(`return ${source};`)),
        reload: () => inWindow(handle, () => driver.navigate().refresh()),
        close: () =>
          inWindow(handle, async () => {
            try {
              await driver.close();
            } finally {
              await driver.switchTo().window(home);
              current = home;
            }
          }),
      };
      return pageOf(page);
    },
    close: async () => {
      await withDeadline(driver.quit(), 5_000, "the WebKit session to end").catch(() => undefined);
      await stop();
    },
  };
}
