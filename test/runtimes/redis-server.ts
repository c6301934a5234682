/**
 * A redis-server for the Redis tests (test/redis and the runtime Redis suite), started from the test
 * runner of whichever runtime runs it (Node, Deno and Bun all have node:child_process and node:net).
 * It listens on a free port of 127.0.0.1, keeps nothing on disk, and is stopped by its PID. Deno
 * needs `--allow-run=redis-server` for it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";

/** A redis-server this runner started. */
export interface RedisServer {
  readonly url: string;
  /** Stops this server by its PID: SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` on a free port of 127.0.0.1 and waits (bounded) until it answers PING. Fails,
 * never skips, when redis-server is missing.
 */
export async function startRedis(): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort());
    } catch (error) {
      if (error instanceof MissingRedisError) throw error;
      lastError = error; // Most likely another process took the port in between: try another.
    }
  }
  throw lastError;
}

class MissingRedisError extends Error {}

async function startOnce(port: number): Promise<RedisServer> {
  // No persistence, so nothing is written to the working directory.
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  child.stderr?.on("data", (chunk: Uint8Array) => (output += new TextDecoder().decode(chunk)));
  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: Error & { code?: string }) =>
      resolve(
        error.code === "ENOENT"
          ? new MissingRedisError("redis-server is not installed: run `npm run setup` (it installs Debian's redis-server package)")
          : error,
      ));
    child.once("exit", (code, signal) => resolve(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([ping(port).then((ok) => (ok ? "ready" : "not yet")), exited]);
    if (outcome === "ready") return { url: `redis://127.0.0.1:${port}`, stop: () => kill(child) };
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
