/** The shapes every browser engine's driver has (see engines.ts for how to use them). */

export type EngineName = "Chromium" | "Firefox" | "WebKit";

/** A browser engine the tests can start. */
export interface Engine {
  readonly name: EngineName;
  /**
   * Starts a browser of this engine (and its driver, if it needs one) on 127.0.0.1, bounded in time.
   * Fails with a message that says to run `npm run setup` when the browser is not installed.
   */
  launch(): Promise<Browser>;
}

/** A running browser. */
export interface Browser {
  readonly engine: EngineName;
  /** The version the browser reports: Chromium's and Firefox's own, WebKitGTK's for WebKit. */
  readonly version: string;
  /** Opens `url` in a new window of its own and resolves once the page has loaded. */
  open(url: string): Promise<BrowserPage>;
  /** Closes every page and stops the processes it started, by their PID, within seconds. */
  close(): Promise<void>;
}

/** A page in a browser. The functions it runs are sent as source text: they must not use outer variables. */
export interface BrowserPage {
  /** Runs `fn(arg)` in the page and resolves with what it returns (awaited; JSON values only, no `undefined`). */
  evaluate<R, A = null>(fn: (arg: A) => R, arg?: A): Promise<Awaited<R>>;
  /**
   * Polls `check(arg)` in the page until it returns a truthy value; fails after `timeoutMs` (10 s by
   * default) with a message that names `what`.
   */
  waitFor<A = null>(check: (arg: A) => unknown, arg: A, what: string, timeoutMs?: number): Promise<void>;
  /** Reloads the page as a person would and resolves once it has loaded again. */
  reload(): Promise<void>;
  /** Closes the page (its window); closing it again does nothing. */
  close(): Promise<void>;
}

/** What an engine's driver implements for a page; `evaluate` and `waitFor` are built on it once for all. */
export interface PageDriver {
  /** Evaluates the JavaScript expression `source` in the page and resolves with its (awaited) value. */
  evaluateExpression(source: string): Promise<unknown>;
  reload(): Promise<void>;
  close(): Promise<void>;
}
