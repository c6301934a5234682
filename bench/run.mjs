/**
 * Runs every workload on every runtime and writes RESULTS.md, results.svg and results.json.
 *
 *   node run.mjs                       the full run
 *   node run.mjs --quick               one round, fewer events: a fast check while iterating
 *   node run.mjs --only=A,D            some workloads only
 *   node run.mjs --runtime=bun,deno    some runtimes only (node20 node22 deno bun workerd workerd-nodejs_compat)
 *   node run.mjs --rounds=2            at most 2 rounds of every workload (a shorter full-size run)
 *
 * With --only or --runtime, the results of every (runtime, workload) not run are kept from the
 * results.json found (RESULTS.md says which run each comes from).
 *
 * Each measurement runs in a child process of its own (one per contender per round, so JIT and GC
 * state do not leak between contenders; on workerd, A runs in one `wrangler dev` per round, see README);
 * rounds are interleaved (A on every runtime, then B, …, then again) and the contender order rotates
 * each round. Ratios are taken against `thin` of the same round and runtime, then the median over
 * rounds is reported.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { expectedEvents } from "./fixtures.mjs";
import { cpuTicks, killTreeNow, otherCores, processCpuNs, processTicks, startServer, stopTree } from "./machine.mjs";
import { collectMeta, provenance, writeReport } from "./report.mjs";
import { describeRuntime, RUNTIME_IDS, runtimePaths } from "./runtimes.mjs";
import { compareEvents, parseEvents } from "./verify.mjs";
import { startWorkerd } from "./workerd.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
export const WORKLOADS = ["A", "B", "C", "D", "E", "F", "G", "H"];
const listArg = (name) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);
const ONLY = listArg("only")?.map((w) => w.toUpperCase()) ?? WORKLOADS;
const RUNTIMES = listArg("runtime") ?? RUNTIME_IDS;
for (const [what, given, known] of [
  ["workload", ONLY, WORKLOADS],
  ["runtime", RUNTIMES, RUNTIME_IDS],
]) {
  const unknown = given.filter((w) => !known.includes(w));
  if (unknown.length > 0 || given.length === 0) {
    console.error(
      `bench: unknown ${what} ${unknown.join(",") || "(none given)"} (expected some of ${known.join(",")})`,
    );
    process.exit(1);
  }
}

const DIST_FILES = ["index.js", "node.js", "channel.js", "redis.js"];
if (DIST_FILES.some((file) => !existsSync(join(HERE, "../dist", file)))) {
  console.error(
    `bench: ../dist is missing or incomplete (${DIST_FILES.join(", ")}): run \`npm run build\` in the repository root first`,
  );
  process.exit(1);
}
// Every child imports edge-sse from a copy of ../dist taken now: a rebuild while the benchmark runs
// must not put two builds in one table. The copy is removed at the end.
const DIST_COPY = mkdtempSync(join(tmpdir(), "edge-sse-bench-dist-"));
cpSync(join(HERE, "../dist"), DIST_COPY, {
  recursive: true,
  filter: (src) => !src.endsWith(".d.ts") && !src.endsWith(".map"),
});
/** Long-lived processes of this run (wrangler dev), killed with their children if the run is interrupted. */
const LONG_LIVED = new Set();
process.on("exit", () => {
  for (const pid of LONG_LIVED) killTreeNow(pid);
  rmSync(DIST_COPY, { recursive: true, force: true });
});
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
      G: { rounds: 1, connections: 2_000, clients: 4, publishes: 5 },
      H: {
        rounds: 1,
        layouts: [
          { channels: 2_000, perChannel: 1 },
          { channels: 20, perChannel: 100 },
        ],
        publishes: 50,
        bursts: 2,
      },
    }
  : {
      quick: false,
      A: { rounds: 3, n: 100_000, checkN: 1_000, warmN: 5_000 },
      B: { rounds: 3, n: 100_000, checkN: 1_000, warmN: 100_000 },
      C: { rounds: 3, streams: 2_000 },
      D: { rounds: 3, samples: 2, waitMs: 1_000 },
      E: { rounds: 3, n: 20_000, rate: 12_800_000 },
      F: { rounds: 3, subscribers: 10_000, publishes: 30, warmPublishes: 3 },
      G: { rounds: 2, connections: 10_000, clients: 4, publishes: 10 },
      H: {
        rounds: 2,
        layouts: [
          { channels: 10_000, perChannel: 1 },
          { channels: 100, perChannel: 100 },
        ],
        publishes: 200,
        bursts: 3,
      },
    };

// --rounds=N: at most N rounds of every workload (full sizes, fewer rounds: a shorter run).
const MAX_ROUNDS = Number(argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? Infinity);
if (!(MAX_ROUNDS >= 1)) {
  console.error("bench: --rounds must be a number ≥ 1");
  process.exit(1);
}
for (const w of WORKLOADS) CONFIG[w].rounds = Math.min(CONFIG[w].rounds, MAX_ROUNDS);

export const A_CONTENDERS = ["edge-sse", "hono", "better-sse", "h3", "thin", "encode-only", "pre-encoded"];
export const SHAPES = ["a", "b", "c"];
/** HTTP servers of B and D on Node: a contender behind an adapter. */
const NODE_SERVERS = [
  { name: "edge-sse (edge-sse/node)", contender: "edge-sse", adapter: "edge-node" },
  { name: "edge-sse", contender: "edge-sse", adapter: "hono-node" },
  { name: "hono", contender: "hono", adapter: "hono-node" },
  { name: "better-sse", contender: "better-sse", adapter: "hono-node" },
  { name: "h3", contender: "h3", adapter: "hono-node" },
  { name: "thin", contender: "thin", adapter: "hono-node" },
];
/** HTTP servers of B elsewhere: the runtime's own server and the contender's fetch handler. */
const FETCH_SERVERS = ["edge-sse", "hono", "better-sse", "h3", "thin"].map((c) => ({ name: c, contender: c }));
const serversOf = (runtime) => (runtime.id.startsWith("node") ? NODE_SERVERS : FETCH_SERVERS);
/** D only: node:http with no library, writing at once: what this machine's loopback round trip costs. */
const FLOOR = { name: "floor: bare node:http", contender: "floor", adapter: "raw" };
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

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function log(text) {
  process.stderr.write(`${text}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to its end (killed by PID past `timeoutMs`); returns its last stdout line as JSON. */
function runJson(command, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: HERE, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      let result;
      try {
        result = JSON.parse(last);
      } catch {
        result = {
          ok: false,
          failed: true,
          detail: `exit ${code ?? signal}: ${(stderr || stdout).trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`,
        };
      }
      if (code !== 0 && result.failed === undefined) result.failed = true;
      resolve(result);
    });
  });
}

/** Times a job and the other load meanwhile; `ours()` gives CPU ticks of long-lived processes of ours (a server, a workerd). */
async function measured(run, ours = () => 0) {
  const before = cpuTicks();
  const oursBefore = ours();
  const result = await run();
  const after = cpuTicks();
  result.otherCores = otherCores(before, after, ours() - oursBefore);
  result.jobSeconds = (after.at - before.at) / 1000;
  return result;
}

/** One in-process job (worker.mjs) on Node, Deno or Bun. */
function inProcess(runtime, job, timeoutMs) {
  const [command, args] = runtime.job(JSON.stringify({ ...job, dist: DIST_COPY, timeLimitMs: timeoutMs - 5_000 }));
  return measured(() => runJson(command, args, timeoutMs));
}

/** Starts one of B's or D's servers on a runtime: `{ base, pids, stop() }` or `{ failed }`. */
async function startHttpServer(runtime, server, timeoutMs) {
  if (runtime.workerd !== undefined) {
    // A wrangler dev of its own per server: a stream the client gave up on goes on in workerd until
    // its next write fails, and a peer without backpressure would spend the next contender's time.
    const w = await startWorkerd({ ...runtime.workerd, dist: DIST_COPY });
    if (w.failed) return { failed: w.failed };
    LONG_LIVED.add(w.wranglerPid);
    return {
      base: `${w.base}/events?c=${encodeURIComponent(server.contender)}`,
      serverPid: w.workerPid,
      proxyPids: w.proxyPids,
      stop: async () => {
        await w.stop();
        LONG_LIVED.delete(w.wranglerPid);
      },
    };
  }
  const [command, args] = runtime.server(
    JSON.stringify({ contender: server.contender, adapter: server.adapter, dist: DIST_COPY, timeLimitMs: timeoutMs }),
  );
  const started = await startServer(command, args, { cwd: HERE });
  if (started.failed) {
    await stopTree(started.child, 3_000);
    return { failed: `server did not start: ${started.failed}` };
  }
  return {
    base: `http://127.0.0.1:${started.port}/events`,
    serverPid: started.child.pid,
    proxyPids: [],
    stop: () => stopTree(started.child, 3_000),
  };
}

/** B or D: a server on `runtime`, a client (Node 20, client.mjs) in another process. */
async function overHttp(runtime, server, clientJob, timeoutMs) {
  const http = await startHttpServer(runtime, server, timeoutMs);
  if (http.failed) return { ok: false, failed: true, detail: http.failed };
  const pids = [http.serverPid, ...http.proxyPids];
  const result = await measured(
    () =>
      runJson(
        process.execPath,
        [
          "client.mjs",
          JSON.stringify({
            ...clientJob,
            base: http.base,
            serverPid: http.serverPid,
            proxyPids: http.proxyPids,
            timeLimitMs: timeoutMs - 10_000,
          }),
        ],
        timeoutMs,
      ),
    () => pids.reduce((sum, pid) => sum + processTicks(pid), 0),
  );
  await http.stop();
  return result;
}

/**
 * Workload A on workerd: the Worker drains the stream in the isolate; this process times the
 * request from outside, wall time and the CPU time of the worker's workerd process. Same steps as
 * worker.mjs: the 1,000-event check, a warm-up, then timed requests until 0.6 s are measured (at
 * most 5; the median one counts).
 */
async function workerdA(w, { contender, shape, n, checkN, warmN }) {
  const url = (params) => `${w.base}/drain?${new URLSearchParams({ c: contender, shape, ...params })}`;
  const get = async (params) => {
    const response = await fetch(url(params));
    if (response.status !== 200)
      throw new Error(`${url(params)}: status ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return response;
  };
  try {
    const checked = await get({ n: checkN, body: "1" });
    const body = new Uint8Array(await checked.arrayBuffer());
    const check = compareEvents(parseEvents([body]), expectedEvents(shape, checkN));
    if (contender === "pre-encoded") await get({ n, prepare: "1" });
    await (await get({ n: warmN })).json();
    const reps = [];
    let timed = 0;
    while (reps.length < 5 && (reps.length === 0 || timed < 0.6)) {
      const cpu = processCpuNs(w.workerPid);
      const start = performance.now();
      const answer = await (await get({ n })).json();
      const seconds = (performance.now() - start) / 1000;
      const cpuUs = (processCpuNs(w.workerPid) - cpu) / 1000;
      timed += seconds;
      reps.push({ seconds, cpuUs, bytes: answer.bytes, chunks: answer.chunks });
    }
    const mid = [...reps].sort((x, y) => x.cpuUs - y.cpuUs)[(reps.length - 1) >> 1];
    return {
      ok: check.ok,
      detail: check.detail,
      eventsPerSec: n / mid.seconds,
      seconds: mid.seconds,
      reps: reps.length,
      cpuUsPerEvent: mid.cpuUs / n,
      bytes: mid.bytes,
      chunks: mid.chunks,
    };
  } catch (error) {
    return { ok: false, failed: true, detail: `failed: ${error?.message ?? error}` };
  }
}

// ---------------------------------------------------------------------------------------------

// The inputs first: a benchmark of wrong fixtures is worth nothing.
const fixtureCheck = spawnSync(process.execPath, ["fixtures.check.mjs"], {
  cwd: HERE,
  encoding: "utf8",
  timeout: 60_000,
});
if (fixtureCheck.status !== 0) {
  console.error(`${fixtureCheck.stdout}${fixtureCheck.stderr}\nbench: fixtures.check.mjs failed`);
  process.exit(1);
}
log(`fixtures: ${/# pass (\d+)/.exec(fixtureCheck.stdout)?.[1] ?? "?"} checks passed`);

const paths = runtimePaths(RUNTIMES);
const runtimes = RUNTIMES.map((id) => describeRuntime(id, paths));
for (const r of runtimes) log(`runtime ${r.id}: ${r.available ? r.label : `not available (${r.why})`}`);
const active = runtimes.filter((r) => r.available && r.workloads.some((w) => ONLY.includes(w)));
const runs = (runtime, w) => runtime.available && runtime.workloads.includes(w) && ONLY.includes(w);

// results[runtime][workload]
const results = {};
for (const runtime of runtimes) {
  results[runtime.id] = {};
  for (const w of runtime.workloads.filter((x) => ONLY.includes(x))) results[runtime.id][w] = {};
  const r = results[runtime.id];
  if (r.A) for (const shape of SHAPES) r.A[shape] = Object.fromEntries(A_CONTENDERS.map((c) => [c, []]));
  if (r.B) for (const s of serversOf(runtime)) r.B[s.name] = [];
  if (r.C) for (const c of C_CONTENDERS) r.C[c] = [];
  if (r.D) for (const s of [...NODE_SERVERS, FLOOR]) r.D[s.name] = [];
  if (r.E) for (const v of E_VARIANTS) r.E[v] = [];
  if (r.F) for (const c of F_CONTENDERS) r.F[c] = [];
}

/** Before starting: how busy is the machine without us? (2 s of /proc/stat) */
const idleBefore = cpuTicks();
await sleep(2_000);
const meta = collectMeta({
  quick: QUICK,
  config: CONFIG,
  only: ONLY,
  runtimeIds: RUNTIMES,
  runtimes: Object.fromEntries(
    runtimes.map((r) => [r.id, { label: r.label, version: r.version, available: r.available, why: r.why }]),
  ),
  otherCoresBefore: otherCores(idleBefore, cpuTicks()),
  distDir: DIST_COPY,
});
const runTicks = cpuTicks();
const started = performance.now();
const rounds = Math.max(...ONLY.map((w) => CONFIG[w].rounds));
const want = (w, round) => ONLY.includes(w) && round < CONFIG[w].rounds;

function brief(result, keys) {
  if (!result.ok) return `${result.failed ? "FAILED" : "WRONG"} ${result.detail}`;
  return keys.map(([k, f]) => `${k}=${f(result)}`).join(" ");
}
const fmt = (x, digits = 0) => (typeof x === "number" ? x.toFixed(digits) : "–");

const { runG } = ONLY.includes("G") ? await import("./g-run.mjs") : {};
const { runH } = ONLY.includes("H") ? await import("./h-run.mjs") : {};

/**
 * Writes results.json, RESULTS.md and results.svg: after every round (so an interrupted run keeps
 * what it measured) and at the end. What this run has not measured is kept from the results.json
 * found, per (runtime, workload).
 */
/** (runtime, workload) pairs kept from an earlier run's results.json, with that run's facts. */
const KEPT = new Map();
function persist(final, roundsDone = rounds) {
  // The rounds each workload has so far (an interrupted run's tables say "median of" what they have).
  meta.config = JSON.parse(JSON.stringify(CONFIG));
  for (const w of WORKLOADS) meta.config[w].rounds = Math.min(CONFIG[w].rounds, roundsDone);
  meta.roundsDone = roundsDone;
  meta.seconds = (performance.now() - started) / 1000;
  meta.finishedLoad = loadavg();
  meta.otherCoresDuring = otherCores(runTicks, cpuTicks());
  // Which run each (runtime, workload) comes from: this one for what it ran. The rest is kept from
  // the results.json found here (if it has it), with its own run's facts.
  meta.complete = final;
  meta.workloads = {};
  for (const id of Object.keys(results)) {
    meta.workloads[id] = {};
    for (const w of Object.keys(results[id])) meta.workloads[id][w] = KEPT.get(`${id} ${w}`) ?? provenance(meta, id);
  }
  const previousFile = join(HERE, "results.json");
  if (existsSync(previousFile)) {
    const previous = JSON.parse(readFileSync(previousFile, "utf8"));
    const kept = [];
    if (previous.meta?.format === 2) {
      for (const id of RUNTIME_IDS) {
        for (const w of WORKLOADS) {
          const old = previous.results?.[id]?.[w];
          if (old === undefined || results[id]?.[w] !== undefined) continue;
          results[id] ??= {};
          results[id][w] = old;
          KEPT.set(`${id} ${w}`, previous.meta.workloads[id][w]);
          meta.workloads[id] ??= {};
          meta.workloads[id][w] = previous.meta.workloads[id][w];
          meta.runtimes[id] ??= previous.meta.runtimes[id];
          if (!meta.runtimes[id].available && previous.meta.runtimes[id]?.available)
            meta.runtimes[id] = previous.meta.runtimes[id];
          meta.config[w] ??= previous.meta.config[w];
          kept.push(`${id} ${w}`);
        }
      }
    }
    if (kept.length > 0) log(`kept from results.json: ${kept.join(", ")}`);
  }
  writeFileSync(join(HERE, "results.json"), `${JSON.stringify({ meta, results }, null, 1)}\n`);
  return writeReport({ meta, results });
}

for (let round = 0; round < rounds; round++) {
  log(
    `--- round ${round + 1}/${rounds} (${((performance.now() - started) / 1000).toFixed(0)} s, load average ${loadavg()[0].toFixed(1)})`,
  );
  // workerd, A: one wrangler dev per runtime and round, started when first needed (see README).
  const workerds = new Map();
  const workerdOf = (runtime) => () => {
    if (!workerds.has(runtime.id)) {
      workerds.set(
        runtime.id,
        startWorkerd({ ...runtime.workerd, dist: DIST_COPY }).then((w) => {
          if (w.wranglerPid !== undefined) LONG_LIVED.add(w.wranglerPid);
          return w;
        }),
      );
    }
    return workerds.get(runtime.id);
  };
  if (want("A", round)) {
    const { n, checkN, warmN } = CONFIG.A;
    for (const runtime of active.filter((r) => runs(r, "A"))) {
      for (const shape of SHAPES) {
        for (const contender of rotate(A_CONTENDERS, round)) {
          const job = { workload: "A", contender, shape, n, checkN, warmN };
          let r;
          if (runtime.workerd !== undefined) {
            const w = await workerdOf(runtime)();
            r = w.failed
              ? { ok: false, failed: true, detail: w.failed }
              : await measured(
                  () => workerdA(w, job),
                  () => processTicks(w.workerPid),
                );
          } else {
            r = await inProcess(runtime, job, 240_000);
          }
          r.round = round;
          results[runtime.id].A[shape][contender].push(r);
          log(
            `A ${runtime.id} ${shape} ${contender}: ${brief(r, [
              ["events/s", (x) => fmt(x.eventsPerSec)],
              ["cpu µs/event", (x) => fmt(x.cpuUsPerEvent, 2)],
              ["other cores", (x) => fmt(x.otherCores, 2)],
            ])}`,
          );
        }
      }
    }
  }
  if (want("B", round)) {
    const { n, checkN, warmN } = CONFIG.B;
    for (const runtime of active.filter((r) => runs(r, "B"))) {
      for (const server of rotate(serversOf(runtime), round)) {
        // workerd: 90 s (peers that queue without backpressure can take many minutes there; they fail on time).
        const r = await overHttp(
          runtime,
          server,
          { workload: "B", n, checkN, warmN },
          runtime.workerd ? 90_000 : 240_000,
        );
        r.round = round;
        results[runtime.id].B[server.name].push(r);
        log(
          `B ${runtime.id} ${server.name}: ${brief(r, [
            ["events/s", (x) => fmt(x.eventsPerSec)],
            ["server cpu µs/event", (x) => fmt(x.serverCpuUsPerEvent, 2)],
          ])}`,
        );
      }
    }
  }
  for (const w of workerds.values()) {
    const started = await w;
    await started.stop();
    LONG_LIVED.delete(started.wranglerPid);
  }
  workerds.clear();
  if (want("C", round)) {
    for (const runtime of active.filter((r) => runs(r, "C"))) {
      for (const contender of rotate(C_CONTENDERS, round)) {
        const r = await inProcess(runtime, { workload: "C", contender, streams: CONFIG.C.streams }, 120_000);
        r.round = round;
        results[runtime.id].C[contender].push(r);
        log(`C ${runtime.id} ${contender}: ${brief(r, [["heap B/stream", (x) => fmt(x.heapPerStream)]])}`);
      }
    }
  }
  const node20 = active.find((r) => r.id === "node20");
  if (want("D", round) && node20 && runs(node20, "D")) {
    const { samples, waitMs } = CONFIG.D;
    for (const server of rotate([...NODE_SERVERS, FLOOR], round)) {
      const r = await overHttp(node20, server, { workload: "D", samples, waitMs }, 60_000);
      r.round = round;
      results.node20.D[server.name].push(r);
      log(
        `D ${server.name}: ${brief(r, [["first byte ms", (x) => x.firstByteMs.map((v) => v.toFixed(1)).join("/")]])}`,
      );
    }
  }
  if (want("E", round) && node20 && runs(node20, "E")) {
    const { n, rate } = CONFIG.E;
    for (const variant of rotate(E_VARIANTS, round)) {
      const r = await inProcess(node20, { workload: "E", variant, n, rate, readLimitMs: 60_000 }, 120_000);
      r.round = round;
      results.node20.E[variant].push(r);
      log(
        `E ${variant}: ${brief(r, [
          ["max growth MB", (x) => (x.maxGrowth / 1e6).toFixed(2)],
          ["close", (x) => x.closeReason],
        ])}`,
      );
    }
  }
  if (want("F", round) && node20 && runs(node20, "F")) {
    const { subscribers, publishes, warmPublishes } = CONFIG.F;
    for (const contender of rotate(F_CONTENDERS, round)) {
      const r = await inProcess(node20, { workload: "F", contender, subscribers, publishes, warmPublishes }, 300_000);
      r.round = round;
      results.node20.F[contender].push(r);
      log(
        `F ${contender}: ${brief(r, [
          ["ms/publish", (x) => x.msPerPublish.toFixed(1)],
          ["serialize/publish", (x) => x.serializePerPublish],
          ["chunk objects/publish", (x) => x.chunkObjectsPerPublish],
          ["heap B/subscriber", (x) => Math.round(x.heapPerSubscriber)],
        ])}`,
      );
    }
  }
  if (want("G", round)) {
    for (const runtime of active.filter((r) => runs(r, "G"))) {
      await runG({ runtime, round, config: CONFIG.G, dist: DIST_COPY, results: results[runtime.id], log, measured });
    }
  }
  if (want("H", round) && node20 && runs(node20, "H")) {
    await runH({
      round,
      config: CONFIG.H,
      dist: DIST_COPY,
      results: results.node20,
      log,
      measured,
      longLived: LONG_LIVED,
    });
  }
  if (round < rounds - 1) persist(false, round + 1);
}

const { targets } = persist(true);
log(`--- done in ${meta.seconds.toFixed(0)} s: RESULTS.md, results.svg, results.json`);
for (const t of targets) log(`target ${t.label}: ${t.value} (${t.want}) ${t.met ? "met" : "NOT MET"}`);
