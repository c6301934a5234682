/**
 * Workload H, channels at scale, the driver's side (run.mjs imports it): per layout (channels ×
 * subscribers per channel) and contender, one job in a fresh Node process (h-worker.mjs); for the
 * Redis broker a fresh redis-server on a free port of 127.0.0.1 per job, stopped by its PID after
 * it. The job itself starts the Redis publisher process (h-publisher.mjs) and stops it.
 */
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { processTicks } from "./machine.mjs";
import { startRedis } from "./redis-server.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const H_CONTENDERS = ["edge-sse (memory)", "edge-sse (Redis)", "better-sse", "floor: a Set of streams per name"];
/** The key of a layout in results.json and RESULTS.md: "10000x1" is 10,000 channels of 1 subscriber. */
export const layoutKey = ({ channels, perChannel }) => `${channels}x${perChannel}`;

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Runs h-worker.mjs to its end (killed by PID past `timeoutMs`); resolves to its last stdout line as JSON. */
function runJob(job, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "h-worker.mjs", JSON.stringify(job)], {
      cwd: HERE,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? ""));
      } catch {
        const why = (stderr || stdout).trim().split("\n").slice(-3).join(" | ").slice(0, 300);
        resolve({ ok: false, failed: true, detail: `exit ${code ?? signal}: ${why}` });
      }
    });
  });
}

/**
 * One round of H: every layout, every contender (the order rotating by round); results in `results.H`.
 * `longLived`: the run's set of PIDs to kill if it is interrupted (each redis-server is in it while it runs).
 */
export async function runH({ round, config, dist, results, log, measured, longLived }) {
  for (const layout of config.layouts) {
    const key = layoutKey(layout);
    results.H[key] ??= Object.fromEntries(H_CONTENDERS.map((c) => [c, []]));
    for (const contender of rotate(H_CONTENDERS, round)) {
      const job = {
        contender,
        ...layout,
        publishes: config.publishes,
        bursts: config.bursts,
        dist,
        timeLimitMs: 280_000,
      };
      let redis;
      let r;
      try {
        if (contender.includes("Redis")) {
          redis = await startRedis();
          longLived.add(redis.pid); // Killed with the run if it is interrupted.
          job.redisUrl = redis.url;
        }
        // The redis-server's CPU is the run's own, not other load.
        r = await measured(
          () => runJob(job, 300_000),
          () => (redis === undefined ? 0 : processTicks(redis.pid)),
        );
      } catch (error) {
        r = { ok: false, failed: true, detail: `failed: ${error?.message ?? error}` };
      } finally {
        await redis?.stop();
        longLived.delete(redis?.pid);
      }
      r.round = round;
      results.H[key][contender].push(r);
      const brief = r.ok
        ? `heap KiB/subscriber=${(r.heapDelta / r.subscribers / 1024).toFixed(1)} one channel p50/p99 ms=` +
          `${r.single.p50.toFixed(2)}/${r.single.p99.toFixed(2)} every channel to the last ms=${r.burst.last.toFixed(0)}` +
          (r.connections ? ` redis connections=${r.connections.subscriber}` : "")
        : `${r.failed ? "FAILED" : "WRONG"} ${r.detail}`;
      log(`H ${key} ${contender}: ${brief}`);
    }
  }
}
