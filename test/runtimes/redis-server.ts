/**
 * A redis-server for the Redis tests (test/redis and the runtime Redis suite), started from the test
 * runner of whichever runtime runs it (Node, Deno and Bun all have node:child_process and node:net).
 * It listens on a free port of 127.0.0.1, keeps nothing on disk unless asked to (then in a
 * temporary directory of its own), and is stopped by its PID. Deno needs `--allow-run=redis-server`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A redis-server this runner started. */
export interface RedisServer {
  readonly url: string;
  /** Stops this server by its PID (SIGTERM, then SIGKILL if it has not exited within 5 s) and removes its data. */
  stop(): Promise<void>;
  /** Stops the server process as `stop` does, but keeps its data: an outage, until `up()`. */
  down(): Promise<void>;
  /** Starts the server again on the same port, with the data it kept (with `persistence`) or none. */
  up(): Promise<void>;
}

/** How to start the server. */
export interface RedisServerOptions {
  /** Keep every write on disk (append-only file, fsync always), so that `down()` and `up()` lose nothing. */
  readonly persistence?: boolean;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` on a free port of 127.0.0.1 and waits (bounded) until it answers PING. Fails,
 * never skips, when redis-server is missing.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.persistence === true ? mkdtempSync(join(tmpdir(), "edge-sse-redis-")) : undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const port = await freePort();
      let child: ChildProcess | undefined = await startOnce(port, dir);
      const down = async (): Promise<void> => {
        if (child !== undefined) await kill(child);
        child = undefined;
      };
      return {
        url: `redis://127.0.0.1:${port}`,
        down,
        up: async () => {
          child ??= await startOnce(port, dir);
        },
        stop: async () => {
          await down();
          if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (error instanceof MissingRedisError) throw error;
      lastError = error; // Most likely another process took the port in between: try another.
    }
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

class MissingRedisError extends Error {}

async function startOnce(port: number, dir: string | undefined): Promise<ChildProcess> {
  // Without a directory, no persistence, so nothing is written to the working directory.
  const storage =
    dir === undefined ? ["--appendonly", "no"] : ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always"];
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...storage], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  child.stderr?.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: Error & { code?: string }) =>
      resolve(
        error.code === "ENOENT"
          ? new MissingRedisError(
              "redis-server is not installed: run `npm run setup` (it installs Debian's redis-server package)",
            )
          : error,
      ),
    );
    child.once("exit", (code, signal) =>
      resolve(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`)),
    );
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([ping(port).then((ok) => (ok ? "ready" : "not yet")), exited]);
    if (outcome === "ready") return child;
    if (outcome instanceof Error) throw outcome;
    if (Date.now() > deadline) {
      await kill(child);
      throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
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

/** Whether a server on `port` answers `PING` with `+PONG` (within 1 s). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Uint8Array) => {
      reply += new TextDecoder().decode(chunk);
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/** Stops the child by its PID: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
