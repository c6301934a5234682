/**
 * What the driver (run.mjs, on Node) reads from the machine: CPU time of the whole machine, of this
 * process and of any other process (Linux /proc), free ports on 127.0.0.1, and child processes,
 * stopped by PID.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * CPU time of the whole machine and of this process with its finished children, in clock ticks
 * (Linux /proc): their difference over a job is what other processes used meanwhile.
 */
export function cpuTicks() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    const own = statFields("self");
    // After ")": state is field 3; utime, stime, cutime, cstime are fields 14..17.
    const mine = own[11] + own[12] + own[13] + own[14];
    return { busy: user + nice + system + irq + softirq + steal, mine, at: performance.now() };
  } catch {
    return undefined;
  }
}

/**
 * Average number of cores that other processes kept busy between two `cpuTicks()` readings.
 * `exclude` (clock ticks) is CPU time of processes of ours that are not this process's finished
 * children (a server still running, a workerd): it is ours, not other load.
 */
export function otherCores(before, after, exclude = 0, ticksPerSecond = 100) {
  if (before === undefined || after === undefined) return undefined;
  const seconds = (after.at - before.at) / 1000;
  return Math.max(0, (after.busy - before.busy - (after.mine - before.mine) - exclude) / ticksPerSecond / seconds);
}

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, first). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
}

/**
 * CPU time (ns) that process `pid` has used so far, all its threads: the sum of
 * /proc/<pid>/task/<tid>/schedstat (nanosecond resolution; a thread that ended meanwhile drops out,
 * so use it for processes whose threads live on, as runtimes' do), or, without schedstat, utime +
 * stime in clock ticks (10 ms). Undefined when the process is gone.
 */
export function processCpuNs(pid) {
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        /* the thread ended */
      }
    }
    if (sum > 0) return sum;
    const f = statFields(pid);
    return (f[11] + f[12]) * 1e7;
  } catch {
    return undefined;
  }
}

/** CPU ticks (utime + stime) of a live process, 0 when it is gone. */
export function processTicks(pid) {
  try {
    const f = statFields(pid);
    return f[11] + f[12];
  } catch {
    return 0;
  }
}

/** Resident set size (bytes) of a live process (VmRSS), undefined when it is gone. */
export function processRss(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** PIDs of `pid`'s children, grandchildren, … with their command lines. */
export function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = statFields(entry)[1];
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    for (const child of children.get(p) ?? []) {
      let cmdline = "";
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        /* gone */
      }
      out.push({ pid: child, cmdline });
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
};

/**
 * Stops a child process we started, by PID: SIGTERM, then SIGKILL after `graceMs`; then the same
 * for its descendants listed before (they get the grace period to leave on their own first).
 */
export async function stopTree(child, graceMs = 5_000) {
  const tree = descendants(child.pid).map((d) => d.pid);
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    /* gone */
  }
  const killer = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(killer);
  const deadline = performance.now() + graceMs;
  while (tree.some(alive) && performance.now() < deadline) await sleep(100);
  for (const pid of tree.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/**
 * Starts a long-running child (a server) that prints `{"type":"listening","port":N}` as a line on
 * stdout; resolves to `{ child, port, stderr() }` once it has, or `{ child, failed }`.
 * `prefix` runs the command through /bin/sh first (to raise `ulimit -n`, say), with `exec`, so the
 * PID stays the server's.
 */
export function startServer(command, args, { cwd, env, readyMs = 60_000, shellPrefix } = {}) {
  const child =
    shellPrefix === undefined
      ? spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("/bin/sh", ["-c", `${shellPrefix}; exec "$0" "$@"`, command, ...args], {
          cwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ child, failed: `no "listening" line within ${readyMs / 1000} s: ${stderr.trim().slice(-300)}` }),
      readyMs,
    );
    child.stdout.on("data", (d) => {
      stdout += d;
      const line = stdout.split("\n").find((l) => l.includes('"listening"'));
      if (line !== undefined) {
        clearTimeout(timer);
        try {
          resolve({ child, port: JSON.parse(line).port, stderr: () => stderr });
        } catch {
          resolve({ child, failed: `bad listening line ${line}` });
        }
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ child, failed: `exited (${code ?? signal}) before listening: ${stderr.trim().slice(-300)}` });
    });
  });
}

/** Kills a process and its descendants at once (SIGKILL, by PID): for an interrupted run's leftovers. */
export function killTreeNow(pid) {
  for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}
