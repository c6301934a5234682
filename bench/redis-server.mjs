/**
 * A redis-server for workload H: started on a free port of 127.0.0.1 with nothing kept on disk,
 * ready once it answers PING, stopped by its PID. Fails (never skips) when redis-server is missing.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort, stopTree } from "./machine.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a server on `port` answers `PING` with `+PONG` (within 1 s). */
function ping(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/** Starts redis-server; resolves to `{ url, pid, stop() }`, or throws after 10 s (three ports tried). */
export async function startRedis() {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients", "1000"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => {
      output = (output + d).slice(-2000);
    });
    const failed = new Promise((resolve) => {
      child.once("error", (error) =>
        resolve(
          error.code === "ENOENT"
            ? "redis-server is not installed (Debian: apt-get install redis-server)"
            : String(error),
        ),
      );
      child.once("exit", (code, signal) =>
        resolve(`redis-server exited (${code ?? signal}): ${output.trim().slice(-300)}`),
      );
    });
    const deadline = performance.now() + 10_000;
    let why;
    while (why === undefined) {
      const outcome = await Promise.race([ping(port).then((ok) => (ok ? "ready" : undefined)), failed]);
      if (outcome === "ready")
        return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: () => stopTree(child, 5_000) };
      if (outcome !== undefined) why = outcome;
      else if (performance.now() > deadline) why = `no PONG on port ${port} within 10 s`;
      else await sleep(20);
    }
    await stopTree(child, 5_000);
    if (why.includes("not installed")) throw new Error(why);
    lastError = new Error(why);
  }
  throw lastError;
}
