/**
 * Runs every workload and writes RESULTS.md, results.svg and results.json.
 *
 *   node run.mjs            the full run (about 12–15 minutes on 2 cores)
 *   node run.mjs --quick    one round, fewer events: a fast check while iterating
 *   node run.mjs --only=A,D run some workloads only; the others' results are kept from the
 *                           results.json found (RESULTS.md says which run each workload comes from)
 *
 * Each measurement runs in a child process of its own (one per contender per round, so JIT and GC
 * state do not leak between contenders); rounds are interleaved (A, B, C, D, E, F, then again) and the
 * contender order rotates each round. Ratios are taken against `thin` of the same round, then the
 * median over rounds is reported.
 */
import { fork, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { collectMeta, provenance, writeReport } from "./report.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
export const WORKLOADS = ["A", "B", "C", "D", "E", "F"];
const ONLY = argv.find((a) => a.startsWith("--only="))?.slice(7).split(",").map((w) => w.trim().toUpperCase()) ?? WORKLOADS;
const unknown = ONLY.filter((w) => !WORKLOADS.includes(w));
if (unknown.length > 0 || ONLY.length === 0) {
  console.error(`bench: unknown workload ${unknown.join(",") || "(none given)"} in --only (expected some of ${WORKLOADS.join(",")})`);
  process.exit(1);
}

const DIST_FILES = ["index.js", "node.js", ...(ONLY.includes("F") ? ["channel.js"] : [])];
if (DIST_FILES.some((file) => !existsSync(join(HERE, "../dist", file)))) {
  console.error(`bench: ../dist is missing or incomplete (${DIST_FILES.join(", ")}): run \`npm run build\` in the repository root first`);
  process.exit(1);
}
// Every child imports edge-sse from a copy of ../dist taken now: a rebuild while the benchmark runs
// must not put two builds in one table. The copy is removed at the end.
const DIST_COPY = mkdtempSync(join(tmpdir(), "edge-sse-bench-dist-"));
cpSync(join(HERE, "../dist"), DIST_COPY, { recursive: true, filter: (src) => !src.endsWith(".d.ts") && !src.endsWith(".map") });
process.env.EDGE_SSE_DIST = DIST_COPY;
process.on("exit", () => rmSync(DIST_COPY, { recursive: true, force: true }));
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

export const CONFIG = QUICK
  ? {
    quick: true,
    A: { rounds: 1, n: 20_000, checkN: 1_000, warmN: 2_000 },
    B: { rounds: 1, n: 10_000, checkN: 1_000, warmN: 2_000 },
    C: { rounds: 1, streams: 300 },
    D: { rounds: 1, samples: 2, waitMs: 1_000 },
    E: { rounds: 1, n: 10_000, rate: 12_800_000 },
    F: { rounds: 1, subscribers: 2_000, publishes: 20, warmPublishes: 3 },
  }
  : {
    quick: false,
    A: { rounds: 5, n: 200_000, checkN: 1_000, warmN: 5_000 },
    B: { rounds: 3, n: 100_000, checkN: 1_000, warmN: 5_000 },
    C: { rounds: 3, streams: 2_000 },
    D: { rounds: 3, samples: 2, waitMs: 1_000 },
    E: { rounds: 3, n: 20_000, rate: 12_800_000 },
    F: { rounds: 3, subscribers: 10_000, publishes: 30, warmPublishes: 3 },
  };

export const A_CONTENDERS = ["edge-sse", "hono", "better-sse", "h3", "thin", "encode-only", "pre-encoded"];
export const SHAPES = ["a", "b", "c"];
/** HTTP servers of B and D: a contender behind an adapter. */
export const SERVERS = [
  { name: "edge-sse", contender: "edge-sse", adapter: "hono-node" },
  { name: "edge-sse (edge-sse/node)", contender: "edge-sse", adapter: "edge-node" },
  { name: "hono", contender: "hono", adapter: "hono-node" },
  { name: "better-sse", contender: "better-sse", adapter: "hono-node" },
  { name: "h3", contender: "h3", adapter: "hono-node" },
  { name: "thin", contender: "thin", adapter: "hono-node" },
];
/** D only: node:http with no library, writing at once: what this machine's loopback round trip costs. */
export const FLOOR = { name: "floor: bare node:http", contender: "floor", adapter: "raw" };
export const C_CONTENDERS = ["edge-sse", "hono", "better-sse", "h3", "thin"];
export const E_VARIANTS = [
  "edge-sse (awaits ready)",
  "edge-sse (ignores send)",
  "better-sse (push)",
  "hono (writeSSE not awaited)",
  "h3 (push not awaited)",
];
/** F: one channel, many subscribers in one process. The floor is no library, and is not ranked. */
export const F_CONTENDERS = ["edge-sse", "better-sse", "floor: one Uint8Array to every stream"];

/**
 * CPU time of the whole machine and of this process with its finished children, in clock ticks
 * (Linux /proc): their difference over a job is what other processes used meanwhile.
 */
function cpuTicks() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    const self = readFileSync("/proc/self/stat", "utf8");
    const own = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number);
    // After ")": state is field 3; utime, stime, cutime, cstime are fields 14..17.
    const mine = own[11] + own[12] + own[13] + own[14];
    return { busy: user + nice + system + irq + softirq + steal, mine, at: performance.now() };
  } catch {
    return undefined;
  }
}

/** Average number of cores that other processes kept busy between two `cpuTicks()` readings. */
function otherCores(before, after, ticksPerSecond = 100) {
  if (before === undefined || after === undefined) return undefined;
  const seconds = (after.at - before.at) / 1000;
  return Math.max(0, (after.busy - before.busy - (after.mine - before.mine)) / ticksPerSecond / seconds);
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function log(text) {
  process.stderr.write(`${text}\n`);
}

/** Runs `node <args>` to its end (killed by PID past `timeoutMs`); returns its last stdout line as JSON. */
function runNode(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: HERE, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => {
      try { process.kill(child.pid, "SIGKILL"); } catch { /* already gone */ }
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      let result;
      try {
        result = JSON.parse(last);
      } catch {
        result = { ok: false, failed: true, detail: `exit ${code ?? signal}: ${(stderr || stdout).trim().split("\n").slice(-3).join(" | ").slice(0, 300)}` };
      }
      if (code !== 0 && result.failed === undefined) result.failed = true;
      resolve(result);
    });
  });
}

async function worker(job, timeoutMs) {
  const before = cpuTicks();
  const result = await runNode(["--expose-gc", "worker.mjs", JSON.stringify({ ...job, timeLimitMs: timeoutMs - 5_000 })], timeoutMs);
  const after = cpuTicks();
  result.otherCores = otherCores(before, after);
  result.jobSeconds = (after.at - before.at) / 1000;
  return result;
}

/** Starts a server child, runs a client child against it, stops the server; returns both sides' data. */
async function overHttp(server, clientJob, timeoutMs) {
  const before = cpuTicks();
  const out = await serveAndFetch(server, clientJob, timeoutMs);
  const after = cpuTicks();
  out.client.otherCores = otherCores(before, after);
  out.client.jobSeconds = (after.at - before.at) / 1000;
  return out;
}

async function serveAndFetch(server, clientJob, timeoutMs) {
  const child = fork(join(HERE, "server.mjs"), [server.contender, server.adapter, String(timeoutMs)], {
    cwd: HERE,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const requests = {};
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const port = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 15_000);
    child.on("message", (message) => {
      if (message.type === "listening") {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === "request") {
        requests[message.tag] = message;
      }
    });
    child.on("exit", () => resolve(undefined));
  });
  const stop = async () => {
    if (child.connected) child.send("stop");
    const killer = setTimeout(() => {
      try { process.kill(child.pid, "SIGKILL"); } catch { /* already gone */ }
    }, 3_000);
    await exited;
    clearTimeout(killer);
  };
  if (port === undefined) {
    await stop();
    return { client: { ok: false, failed: true, detail: `server did not start: ${stderr.trim().slice(0, 300)}` }, requests };
  }
  const client = await runNode(
    ["client.mjs", JSON.stringify({ ...clientJob, base: `http://127.0.0.1:${port}/events`, timeLimitMs: timeoutMs - 5_000 })],
    timeoutMs,
  );
  // The server reports a request when its response closes, which may be just after the client is done.
  for (let i = 0; i < 20 && clientJob.expect?.some((tag) => requests[tag] === undefined); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  if (stderr.trim() !== "" && client.ok) client.serverStderr = stderr.trim().slice(0, 300);
  return { client, requests };
}

const results = { A: {}, B: {}, C: {}, D: {}, E: {}, F: {} };
for (const shape of SHAPES) {
  results.A[shape] = {};
  for (const c of A_CONTENDERS) results.A[shape][c] = [];
}
for (const s of SERVERS) {
  results.B[s.name] = [];
  results.D[s.name] = [];
}
results.D[FLOOR.name] = [];
for (const c of C_CONTENDERS) results.C[c] = [];
for (const v of E_VARIANTS) results.E[v] = [];
for (const c of F_CONTENDERS) results.F[c] = [];

// The inputs first: a benchmark of wrong fixtures is worth nothing.
const fixtureCheck = spawnSync(process.execPath, ["fixtures.check.mjs"], { cwd: HERE, encoding: "utf8", timeout: 60_000 });
if (fixtureCheck.status !== 0) {
  console.error(`${fixtureCheck.stdout}${fixtureCheck.stderr}\nbench: fixtures.check.mjs failed`);
  process.exit(1);
}
log(`fixtures: ${/# pass (\d+)/.exec(fixtureCheck.stdout)?.[1] ?? "?"} checks passed`);

/** Before starting: how busy is the machine without us? (2 s of /proc/stat) */
const idleBefore = cpuTicks();
await new Promise((resolve) => setTimeout(resolve, 2_000));
const meta = collectMeta({ quick: QUICK, config: CONFIG, only: ONLY, otherCoresBefore: otherCores(idleBefore, cpuTicks()) });
const runTicks = cpuTicks();
const started = performance.now();
const rounds = Math.max(...ONLY.map((w) => CONFIG[w].rounds));
const want = (w, round) => ONLY.includes(w) && round < CONFIG[w].rounds;

function brief(result, keys) {
  if (!result.ok) return `${result.failed ? "FAILED" : "WRONG"} ${result.detail}`;
  return keys.map(([k, f]) => `${k}=${f(result)}`).join(" ");
}

for (let round = 0; round < rounds; round++) {
  log(`--- round ${round + 1}/${rounds} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (want("A", round)) {
    const { n, checkN, warmN } = CONFIG.A;
    for (const shape of SHAPES) {
      for (const contender of rotate(A_CONTENDERS, round)) {
        const r = await worker({ workload: "A", contender, shape, n, checkN, warmN }, 180_000);
        r.round = round;
        results.A[shape][contender].push(r);
        log(`A ${shape} ${contender}: ${brief(r, [["events/s", (x) => Math.round(x.eventsPerSec)]])}`);
      }
    }
  }
  if (want("B", round)) {
    const { n, checkN, warmN } = CONFIG.B;
    for (const server of rotate(SERVERS, round)) {
      const { client, requests } = await overHttp(server, { workload: "B", n, checkN, warmN, expect: ["timed"] }, 180_000);
      const timed = requests.timed;
      const r = { ...client, round, serverCpuUsPerEvent: timed ? timed.cpuUs / n : undefined, serverWallMs: timed?.wallMs };
      if (r.ok && timed === undefined) Object.assign(r, { ok: false, failed: true, detail: "the server reported no timed request" });
      results.B[server.name].push(r);
      log(`B ${server.name}: ${brief(r, [["events/s", (x) => Math.round(x.eventsPerSec)], ["cpu µs/event", (x) => x.serverCpuUsPerEvent.toFixed(2)]])}`);
    }
  }
  if (want("C", round)) {
    for (const contender of rotate(C_CONTENDERS, round)) {
      const r = await worker({ workload: "C", contender, streams: CONFIG.C.streams }, 120_000);
      r.round = round;
      results.C[contender].push(r);
      log(`C ${contender}: ${brief(r, [["heap B/stream", (x) => Math.round(x.heapPerStream)]])}`);
    }
  }
  if (want("D", round)) {
    const { samples, waitMs } = CONFIG.D;
    for (const server of rotate([...SERVERS, FLOOR], round)) {
      const { client } = await overHttp(server, { workload: "D", samples, waitMs }, 60_000);
      client.round = round;
      results.D[server.name].push(client);
      log(`D ${server.name}: ${brief(client, [["first byte ms", (x) => x.firstByteMs.map((v) => v.toFixed(1)).join("/")]])}`);
    }
  }
  if (want("E", round)) {
    const { n, rate } = CONFIG.E;
    for (const variant of rotate(E_VARIANTS, round)) {
      const r = await worker({ workload: "E", variant, n, rate, readLimitMs: 60_000 }, 120_000);
      r.round = round;
      results.E[variant].push(r);
      log(`E ${variant}: ${brief(r, [["max growth MB", (x) => (x.maxGrowth / 1e6).toFixed(2)], ["close", (x) => x.closeReason]])}`);
    }
  }
  if (want("F", round)) {
    const { subscribers, publishes, warmPublishes } = CONFIG.F;
    for (const contender of rotate(F_CONTENDERS, round)) {
      const r = await worker({ workload: "F", contender, subscribers, publishes, warmPublishes }, 300_000);
      r.round = round;
      results.F[contender].push(r);
      log(`F ${contender}: ${brief(r, [
        ["ms/publish", (x) => x.msPerPublish.toFixed(1)],
        ["serialize/publish", (x) => x.serializePerPublish],
        ["chunk objects/publish", (x) => x.chunkObjectsPerPublish],
        ["heap B/subscriber", (x) => Math.round(x.heapPerSubscriber)],
      ])}`);
    }
  }
}

meta.seconds = (performance.now() - started) / 1000;
meta.finishedLoad = (await import("node:os")).loadavg();
meta.otherCoresDuring = otherCores(runTicks, cpuTicks());
// Which run each workload's results come from: this one for the workloads it ran. With --only, the
// others are kept from the results.json found here (if it has them), with their own run's facts.
meta.workloads = {};
for (const w of ONLY) meta.workloads[w] = provenance(meta);
const previousFile = join(HERE, "results.json");
if (ONLY.length < WORKLOADS.length && existsSync(previousFile)) {
  const previous = JSON.parse(readFileSync(previousFile, "utf8"));
  for (const w of WORKLOADS) {
    if (ONLY.includes(w) || previous.results?.[w] === undefined) continue;
    results[w] = previous.results[w];
    meta.config[w] = previous.meta.config[w];
    meta.workloads[w] = previous.meta.workloads?.[w] ?? provenance(previous.meta);
  }
  log(`kept from results.json: ${WORKLOADS.filter((w) => !ONLY.includes(w) && meta.workloads[w] !== undefined).join(", ") || "nothing"}`);
}
writeFileSync(join(HERE, "results.json"), `${JSON.stringify({ meta, results }, null, 1)}\n`);
const { targets } = writeReport({ meta, results });
log(`--- done in ${meta.seconds.toFixed(0)} s: RESULTS.md, results.svg, results.json`);
for (const t of targets) log(`target ${t.label}: ${t.value} (${t.want}) ${t.met ? "met" : "NOT MET"}`);
