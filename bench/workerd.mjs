/**
 * workerd through `wrangler dev` (Node 22): the driver's side. `startWorkerd()` writes an entry and
 * a wrangler.toml into a temporary directory (the entry imports edge-sse from the run's copy of
 * `../dist` and workerd-worker.mjs from here; wrangler bundles both with the peers from
 * bench/node_modules), starts wrangler dev on 127.0.0.1 and free ports, waits until the Worker
 * answers, and finds the workerd process that runs it: wrangler dev starts two, a proxy and the
 * user worker, and the user worker's is the one started with `--inspector-addr`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { descendants, freePort, stopTree } from "./machine.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `{ node22, wrangler, dist, nodejsCompat }` → `{ base, workerPid, proxyPid, stop() }` or
 * `{ failed, stop() }`.
 */
export async function startWorkerd({ node22, wrangler, dist, nodejsCompat, readyMs = 120_000 }) {
  const dir = mkdtempSync(join(tmpdir(), "edge-sse-bench-workerd-"));
  writeFileSync(
    join(dir, "entry.mjs"),
    [
      `import * as edge from ${JSON.stringify(join(dist, "index.js"))};`,
      `import { makeWorker } from ${JSON.stringify(join(HERE, "workerd-worker.mjs"))};`,
      "export default makeWorker(edge);",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "wrangler.toml"),
    [
      'name = "edge-sse-bench"',
      'main = "entry.mjs"',
      'compatibility_date = "2026-11-01"',
      `compatibility_flags = ${JSON.stringify(nodejsCompat ? ["nodejs_compat"] : [])}`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const inspectorPort = await freePort();
  const child = spawn(
    node22,
    [
      wrangler,
      "dev",
      "--config",
      join(dir, "wrangler.toml"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", DO_NOT_TRACK: "1", NO_COLOR: "1", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  child.stdout.on("data", (d) => {
    log = (log + d).slice(-4000);
  });
  child.stderr.on("data", (d) => {
    log = (log + d).slice(-4000);
  });
  const stop = async () => {
    await stopTree(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      return { failed: `wrangler dev exited: ${log.trim().slice(-400)}`, stop: async () => {} };
    }
    try {
      const response = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2_000) });
      if ((await response.text()) === "ok") break;
    } catch {
      /* not yet */
    }
    if (performance.now() > deadline) {
      await stop();
      return {
        failed: `wrangler dev did not answer within ${readyMs / 1000} s: ${log.trim().slice(-400)}`,
        stop: async () => {},
      };
    }
    await sleep(250);
  }
  const workerds = descendants(child.pid).filter((d) => /\bworkerd\b/.test(d.cmdline) && d.cmdline.includes(" serve "));
  const users = workerds.filter((d) => d.cmdline.includes("--inspector-addr"));
  if (users.length !== 1) {
    await stop();
    return {
      failed: `expected one workerd with --inspector-addr under wrangler, found ${users.length} (of ${workerds.length} workerd)`,
      stop: async () => {},
    };
  }
  return {
    base,
    workerPid: users[0].pid,
    proxyPids: workerds.filter((d) => d !== users[0]).map((d) => d.pid),
    wranglerPid: child.pid,
    stop,
  };
}
