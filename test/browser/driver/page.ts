import type { BrowserPage, PageDriver } from "./types.ts";

/** The default bound of `waitFor`, generous for a loaded machine. */
export const WAIT_MS = 10_000;
const POLL_MS = 50;

/**
 * The page API on top of an engine's driver: a function and its argument travel as one expression,
 * `(source)(JSON)`, so every engine calls it the same way; `waitFor` polls it.
 */
export function pageOf(driver: PageDriver): BrowserPage {
  const evaluate = <R, A>(fn: (arg: A) => R, arg?: A): Promise<Awaited<R>> =>
    driver.evaluateExpression(`(${fn.toString()})(${arg === undefined ? "" : JSON.stringify(arg)})`) as Promise<
      Awaited<R>
    >;
  let closing: Promise<void> | undefined;
  return {
    evaluate,
    reload: () => driver.reload(),
    close: () => (closing ??= driver.close()),
    async waitFor(check, arg, what, timeoutMs = WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await evaluate(check, arg)) return;
        if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
