/**
 * Workload G, the driver's side (run.mjs imports it): one server process (g-server.mjs on Node or
 * Bun) holds `connections` SSE connections from `clients` client processes (g-client.mjs, Node, raw
 * sockets, each from its own loopback address 127.0.0.2, .3, …), and publishes events one at a time.
 * Per contender and round: RSS per connection (VmRSS with every connection open, minus before the
 * first), heap per connection (the server's own `heapUsed` after gc), and per publish the time from
 * the publish call to each socket's arrival (p50, p99, the last), and the server's CPU time. Every
 * socket is checked at the end (event count, last event's data). All on 127.0.0.1, bounded in time;
 * every process is stopped by its PID.
 *
 * File descriptors: the server needs one per connection (and the clients theirs): each process is
 * started through /bin/sh with `ulimit -n` raised to what it needs (up to the hard limit).
 */
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { POOL_B, POOL_SIZE } from "./fixtures.mjs";
import { processCpuNs, processRss, startServer, stopTree } from "./machine.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const G_CONTENDERS = ["edge-sse", "bare", "hono", "better-sse"];
const WARM_PUBLISHES = 2;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** `ulimit -n` for a process that holds `fds` descriptors: raised where allowed, else the hard limit. */
const ulimitFor = (fds) => `ulimit -n ${fds} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;

/** A client process with an IPC channel; `ask(message, replyType)` resolves to the reply. */
function startClient(fds) {
  const child = spawn("/bin/sh", ["-c", `${ulimitFor(fds)}; exec "$0" "$@"`, process.execPath, "g-client.mjs"], {
    cwd: HERE,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  const waiting = new Map();
  child.on("message", (message) => {
    const w = waiting.get(message.type);
    if (w) {
      waiting.delete(message.type);
      w(message);
    }
  });
  const ask = (message, replyType, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`client: no ${replyType} within ${timeoutMs / 1000} s ${stderr.trim().slice(-200)}`)),
        timeoutMs,
      );
      waiting.set(replyType, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      if (message !== undefined) child.send(message);
    });
  child.on("exit", () => {
    for (const [, w] of waiting) w({ type: "exit", failed: `client exited: ${stderr.trim().slice(-200)}` });
  });
  return { child, ask };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

async function oneContender({ runtime, contender, config, dist }) {
  const { connections, clients, publishes } = config;
  const [command, baseArgs] = runtime.id === "bun" ? [runtime.bin, []] : [runtime.bin, ["--expose-gc"]];
  const started = await startServer(
    command,
    [...baseArgs, "g-server.mjs", JSON.stringify({ contender, dist, timeLimitMs: 600_000 })],
    {
      cwd: HERE,
      shellPrefix: ulimitFor(connections + 1_000),
    },
  );
  if (started.failed) {
    await stopTree(started.child, 3_000);
    return { ok: false, failed: true, detail: `server did not start: ${started.failed}` };
  }
  const pid = started.child.pid;
  const base = `http://127.0.0.1:${started.port}`;
  const control = async (path) => (await fetch(`${base}${path}`, { signal: AbortSignal.timeout(60_000) })).json();
  const clientProcs = Array.from({ length: clients }, () => startClient(Math.ceil(connections / clients) + 1_000));
  try {
    // Warm the server's code paths a little (a few requests of its control routes), then the baseline.
    await control("/stats");
    await sleep(200);
    const before = await control("/stats");
    const rssBefore = processRss(pid);
    const share = Math.ceil(connections / clients);
    const connected = await Promise.all(
      clientProcs.map((c, k) =>
        c.ask(
          {
            type: "connect",
            port: started.port,
            count: Math.min(share, connections - k * share),
            localAddress: `127.0.0.${2 + k}`,
            concurrency: 64,
          },
          "connected",
          300_000,
        ),
      ),
    );
    const open = connected.reduce((sum, c) => sum + (c.open ?? 0), 0);
    if (open !== connections) {
      const why = connected.find((c) => c.failed)?.detail ?? connected.find((c) => c.detail)?.detail ?? "";
      throw new Error(
        `${open} of ${connections} connections open (${connected.reduce((s, c) => s + (c.failed ?? 0), 0)} failed: ${why})`,
      );
    }
    // The library's own count of live subscribers, then memory with every connection idle.
    const deadline = performance.now() + 30_000;
    let held = await control("/stats");
    while (held.subscribers !== connections && performance.now() < deadline) {
      await sleep(200);
      held = await control("/stats");
    }
    if (held.subscribers !== connections)
      throw new Error(`the server counts ${held.subscribers} subscribers of ${connections}`);
    await sleep(500);
    const after = await control("/stats");
    const rssAfter = processRss(pid);

    const runs = [];
    let k = 0;
    for (let p = 0; p < WARM_PUBLISHES + publishes; p++, k++) {
      const data = JSON.stringify(POOL_B[k % POOL_SIZE].value);
      const arrived = clientProcs.map((c) => c.ask(undefined, "arrived", 90_000));
      await Promise.all(clientProcs.map((c) => c.ask({ type: "expect", data }, "armed")));
      const cpu = processCpuNs(pid);
      const { t0 } = await control(`/publish?i=${k}`);
      const answers = await Promise.all(arrived);
      const cpuMs = (processCpuNs(pid) - cpu) / 1e6;
      const missing = answers.reduce((sum, a) => sum + (a.missing ?? connections), 0);
      if (missing > 0)
        throw new Error(`publish ${k + 1}: ${missing} of ${connections} sockets did not get it within 60 s`);
      const times = answers
        .flatMap((a) => a.times)
        .map((t) => t - t0)
        .sort((a, b) => a - b);
      if (p >= WARM_PUBLISHES)
        runs.push({
          p50: percentile(times, 50),
          p99: percentile(times, 99),
          last: times[times.length - 1],
          first: times[0],
          cpuMs,
        });
      await sleep(100);
    }
    const lastData = JSON.stringify(POOL_B[(k - 1) % POOL_SIZE].value);
    const checks = await Promise.all(clientProcs.map((c) => c.ask({ type: "check", events: k, lastData }, "checked")));
    const bad = checks.reduce((sum, c) => sum + c.bad, 0);
    const mid = [...runs].sort((a, b) => a.last - b.last)[(runs.length - 1) >> 1];
    return {
      ok: bad === 0,
      detail:
        bad === 0
          ? `${connections} sockets × ${k} events match`
          : `${bad} sockets wrong; ${checks.find((c) => c.detail)?.detail}`,
      connections,
      rssPerConnection: (rssAfter - rssBefore) / connections,
      rssBefore,
      heapPerConnection: (after.heapUsed - before.heapUsed) / connections,
      p50Ms: median(runs.map((r) => r.p50)),
      p99Ms: median(runs.map((r) => r.p99)),
      lastMs: median(runs.map((r) => r.last)),
      medianPublish: mid,
      cpuMsPerPublish: median(runs.map((r) => r.cpuMs)),
      publishes: runs,
    };
  } catch (error) {
    return { ok: false, failed: true, detail: `failed: ${error?.message ?? error}` };
  } finally {
    for (const c of clientProcs) {
      try {
        c.child.send({ type: "close" });
      } catch {
        /* gone */
      }
    }
    await Promise.all(clientProcs.map((c) => stopTree(c.child, 5_000)));
    await stopTree(started.child, 5_000);
  }
}

/** Runs G for every contender on one runtime (one round), pushing into `results.G`. */
export async function runG({ runtime, round, config, dist, results, log, measured }) {
  results.G ??= {};
  for (const contender of rotate(G_CONTENDERS, round)) {
    results.G[contender] ??= [];
    const r = await measured(() => oneContender({ runtime, contender, config, dist }));
    r.round = round;
    results.G[contender].push(r);
    const f = (x) => (typeof x === "number" ? x.toFixed(1) : "–");
    log(
      r.ok
        ? `G ${runtime.id} ${contender}: RSS/conn ${(r.rssPerConnection / 1024).toFixed(1)} KiB, p50 ` +
            `${f(r.p50Ms)} p99 ${f(r.p99Ms)} last ${f(r.lastMs)} ms, cpu ${f(r.cpuMsPerPublish)} ms/publish`
        : `G ${runtime.id} ${contender}: ${r.failed ? "FAILED" : "WRONG"} ${r.detail}`,
    );
  }
}
