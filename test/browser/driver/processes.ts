/**
 * The processes a browser engine needs (a browser, a WebDriver server, an X server): started on
 * 127.0.0.1, found on disk with a message that names `npm run setup`, and stopped by their PID.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { kill } from "../../runtimes/redis-server.ts";

/** What `npm run setup` installs, for the message when something is missing. */
export const SETUP_HINT =
  "run `npm run setup` (it installs Debian's chromium, firefox-esr, webkit2gtk-driver, xvfb and xauth)";

/** Every child started here that has not exited yet, killed when this process exits anyway. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts `command` as a child that is killed by its PID when this process exits, if not stopped before. */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.once("error", () => running.delete(child));
  return child;
}

/** Stops `child` by its PID: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export function stopProcess(child: ChildProcess | null | undefined): Promise<void> {
  return child === null || child === undefined ? Promise.resolve() : kill(child);
}

/** The path of `name` on `PATH`, or `undefined`. */
export function onPath(name: string): string | undefined {
  for (const folder of (process.env["PATH"] ?? "").split(delimiter)) {
    const path = join(folder, name);
    if (folder !== "" && existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Returns `path` when it exists; else fails with a message that says what is missing, how to install
 * it, and which environment variable (`variable`) names another binary.
 */
export function requireFile(path: string | undefined, what: string, variable?: string): string {
  if (path !== undefined && existsSync(path)) return path;
  const where = path === undefined ? "" : ` at ${path}`;
  const instead = variable === undefined ? "" : `, or set ${variable} to another ${what} binary`;
  throw new Error(`${what} not found${where}: ${SETUP_HINT}${instead}`);
}

/**
 * WebKitGTK's MiniBrowser, from Debian's webkit2gtk-driver package: `/usr/lib/<arch>/webkit2gtk-4.<n>/MiniBrowser`
 * (the highest API version when there are several), or `undefined`.
 */
export function findMiniBrowser(): string | undefined {
  const found: string[] = [];
  for (const arch of safeReaddir("/usr/lib")) {
    for (const folder of safeReaddir(join("/usr/lib", arch))) {
      const path = join("/usr/lib", arch, folder, "MiniBrowser");
      if (/^webkit2gtk-4\.\d+$/.test(folder) && existsSync(path)) found.push(path);
    }
  }
  return found.sort().at(-1);
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Everything `child` prints, collected for failure messages. */
export function collectOutput(child: ChildProcess): () => string {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  return () => output;
}

/** An X server of its own for a browser that needs a display. */
export interface XServer {
  /** The `DISPLAY` value, e.g. ":3". */
  readonly display: string;
  stop(): Promise<void>;
}

/** Starts Xvfb on a display number it picks itself (`-displayfd`), waiting at most 10 s for it. */
export async function startXvfb(): Promise<XServer> {
  const xvfb = requireFile(onPath("Xvfb"), "Xvfb");
  const child = spawnOwned(xvfb, ["-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x800x24"], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const output = collectOutput(child);
  const displayNumber = new Promise<string>((resolve, reject) => {
    let written = "";
    child.stdio[3]?.on("data", (chunk: Buffer) => {
      written += chunk.toString();
      if (written.includes("\n")) resolve(written.trim());
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`Xvfb exited (${code ?? signal}) before it was ready:\n${output()}`)),
    );
  });
  try {
    const number = await withDeadline(displayNumber, 10_000, "Xvfb to pick a display");
    return { display: `:${number}`, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}
