/**
 * Turns the raw results into RESULTS.md (a summary across runtimes, then per runtime its tables,
 * correctness flags, targets) and results.svg (edge-sse and its peers on every runtime side by
 * side). `node report.mjs` re-renders both from results.json.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderH, summarizeH } from "./h-report.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const PACKAGES = [
  "hono",
  "@hono/node-server",
  "better-sse",
  "h3",
  "eventsource-encoder",
  "eventsource-parser",
  "redis",
];
/** E: "bounded" means at most this much retained memory growth (8× the default bufferLimit). */
export const E_BOUND_BYTES = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Facts about the run.

function git(args) {
  try {
    return execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** A short hash of every .js file of the build, in its subfolders too (dist/core/…, dist/channel/…). */
function distHash(dir = join(ROOT, "dist")) {
  const hash = createHash("sha256");
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".js"))
    .sort();
  for (const file of files) {
    hash.update(file);
    hash.update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

/** The facts of the run; `distDir` (the copy of the build) gives the hash and is not kept: no machine path in results.json. */
export function collectMeta({ distDir, ...extra }) {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpu = line.split(":")[1].trim();
  } catch {
    /* not Linux */
  }
  const versions = {};
  for (const name of PACKAGES) {
    versions[name] = JSON.parse(readFileSync(join(HERE, "node_modules", name, "package.json"), "utf8")).version;
  }
  const dirty = git(["status", "--porcelain", "--", "src"]);
  return {
    date: new Date().toISOString(),
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    edgeSse: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
    commit: git(["rev-parse", "--short", "HEAD"]),
    srcChanged: dirty === undefined ? undefined : dirty !== "",
    dist: distHash(distDir),
    versions,
    startLoad: os.loadavg(),
    format: 2,
    ...extra,
  };
}

/**
 * The facts of a run that one runtime's results of one workload depend on (kept per runtime and
 * workload when runs are merged).
 */
export function provenance(meta, runtimeId) {
  return {
    date: meta.date,
    commit: meta.commit,
    srcChanged: meta.srcChanged,
    dist: meta.dist,
    quick: meta.quick,
    runtime: meta.runtimes?.[runtimeId]?.label,
    otherCoresDuring: meta.otherCoresDuring,
    config: meta.config,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

export function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function status(runs) {
  if (runs.length === 0) return { state: "not run", detail: "" };
  const failed = runs.find((r) => r.failed);
  if (failed) return { state: "FAILED", detail: failed.detail };
  const wrong = runs.find((r) => !r.ok);
  if (wrong) return { state: "WRONG", detail: wrong.detail };
  return { state: "ok", detail: runs[0].detail };
}

/** Median over rounds of `metric(run) / metric(thin's run of the same round)`. */
function ratioToThin(runs, thinRuns, metric) {
  return ratioTo(runs, thinRuns, metric);
}

/**
 * CPU time as a multiple of thin's: median over rounds of `thin's CPU per event / the contender's`
 * (events per CPU-second over thin's: higher is better, like the events/s ratio), with the spread.
 */
function cpuRatioToThin(runs, thinRuns, cpuPerEvent) {
  const ratios = [];
  for (const run of runs) {
    const base = thinRuns.find((t) => t.round === run.round && t.ok);
    if (!run.ok || base === undefined) continue;
    const a = cpuPerEvent(run);
    const b = cpuPerEvent(base);
    if (typeof a === "number" && typeof b === "number" && a > 0) ratios.push(b / a);
  }
  return {
    cpuRatio: median(ratios),
    cpuMin: ratios.length ? Math.min(...ratios) : undefined,
    cpuMax: ratios.length ? Math.max(...ratios) : undefined,
  };
}

/** Median over rounds of `metric(run) / metric(the base's run of the same round)`, with the spread. */
function ratioTo(runs, thinRuns, metric) {
  const ratios = [];
  for (const run of runs) {
    const base = thinRuns.find((t) => t.round === run.round && t.ok);
    if (!run.ok || base === undefined) continue;
    const a = metric(run);
    const b = metric(base);
    if (typeof a === "number" && typeof b === "number" && b !== 0) ratios.push(a / b);
  }
  return {
    ratio: median(ratios),
    min: ratios.length ? Math.min(...ratios) : undefined,
    max: ratios.length ? Math.max(...ratios) : undefined,
  };
}

export function summarize(results) {
  const A = {};
  for (const [shape, byContender] of Object.entries(results.A ?? {})) {
    A[shape] = Object.entries(byContender).map(([name, runs]) => ({
      name,
      ...status(runs),
      eventsPerSec: median(runs.map((r) => r.eventsPerSec)),
      cpuUsPerEvent: median(runs.map((r) => r.cpuUsPerEvent)),
      chunkBytes: median(runs.map((r) => (r.chunks ? r.bytes / r.chunks : undefined))),
      ...ratioToThin(runs, byContender.thin ?? [], (r) => r.eventsPerSec),
      ...cpuRatioToThin(runs, byContender.thin ?? [], (r) => r.cpuUsPerEvent),
    }));
  }
  const thinB = results.B?.thin ?? [];
  const B = Object.entries(results.B ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    eventsPerSec: median(runs.map((r) => r.eventsPerSec)),
    cpuUsPerEvent: median(runs.map((r) => r.serverCpuUsPerEvent)),
    proxyCpuUsPerEvent: median(runs.map((r) => r.proxyCpuUsPerEvent)),
    ...cpuRatioToThin(runs, thinB, (r) => r.serverCpuUsPerEvent),
    ...ratioToThin(runs, thinB, (r) => r.eventsPerSec),
    // The issue's second B target is against Hono: events/s over Hono's of the same round.
    overHono: ratioTo(runs, results.B?.hono ?? [], (r) => r.eventsPerSec).ratio,
  }));
  const thinC = results.C?.thin ?? [];
  const C = Object.entries(results.C ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    heapPerStream: median(runs.map((r) => r.heapPerStream)),
    rssPerStream: median(runs.map((r) => r.rssPerStream)),
    ...ratioToThin(runs, thinC, (r) => r.heapPerStream),
  }));
  const thinD = results.D?.thin ?? [];
  const D = Object.entries(results.D ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    firstByteMs: median(runs.flatMap((r) => r.firstByteMs ?? [])),
    headersMs: median(runs.flatMap((r) => r.headersMs ?? [])),
    afterHeadersMs: median(runs.flatMap((r) => (r.firstByteMs ?? []).map((f, i) => f - r.headersMs[i]))),
    ...ratioToThin(runs, thinD, (r) => median(r.firstByteMs ?? [])),
  }));
  const E = Object.entries(results.E ?? {}).map(([name, runs]) => {
    const ok = runs.filter((r) => !r.failed);
    return {
      name,
      state: runs.length === 0 ? "not run" : ok.length === runs.length ? "ok" : "FAILED",
      detail: runs.find((r) => r.failed)?.detail ?? ok[0]?.detail ?? "",
      maxGrowth: median(ok.map((r) => r.maxGrowth)),
      perEvent: median(ok.map((r) => r.maxGrowth / r.sent)),
      delivered: median(ok.map((r) => r.delivered)),
      sent: ok[0]?.sent,
      closeReasons: [...new Set(ok.map((r) => r.closeReason))],
      seconds: median(ok.map((r) => r.seconds)),
    };
  });
  const edgeF = results.F?.["edge-sse"] ?? [];
  const F = Object.entries(results.F ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    subscribers: runs[0]?.subscribers,
    msPerPublish: median(runs.map((r) => r.msPerPublish)),
    cpuMsPerPublish: median(runs.map((r) => r.cpuMsPerPublish)),
    serializePerPublish: median(runs.map((r) => r.serializePerPublish)),
    utf8PerPublish: median(runs.map((r) => r.utf8PerPublish)),
    chunkObjectsPerPublish: median(runs.map((r) => r.chunkObjectsPerPublish)),
    chunkObjectsMax: runs.length ? Math.max(...runs.map((r) => r.chunkObjectsMax ?? Number.NaN)) : undefined,
    buffersPerPublish: median(runs.map((r) => r.buffersPerPublish)),
    chunksPerSubscriber: median(runs.map((r) => r.chunksPerSubscriberPerPublish)),
    heapPerSubscriber: median(runs.map((r) => r.heapPerSubscriber)),
    heapRatio: ratioTo(runs, edgeF, (r) => r.heapPerSubscriber).ratio,
    ...ratioTo(runs, edgeF, (r) => r.msPerPublish),
  }));
  const bareG = results.G?.bare ?? [];
  const G = Object.entries(results.G ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    connections: median(runs.map((r) => r.connections)),
    rssPerConnection: median(runs.map((r) => r.rssPerConnection)),
    heapPerConnection: median(runs.map((r) => r.heapPerConnection)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    lastMs: median(runs.map((r) => r.lastMs)),
    cpuMsPerPublish: median(runs.map((r) => r.cpuMsPerPublish)),
    rssRatio: ratioTo(runs, bareG, (r) => r.rssPerConnection).ratio,
    lastRatio: ratioTo(runs, bareG, (r) => r.lastMs).ratio,
  }));
  return { A, B, C, D, E, F, G, H: summarizeH(results.H) };
}

// ---------------------------------------------------------------------------------------------
// Targets: edge-sse against thin of the same run.

export function computeTargets(summary) {
  const find = (rows, name) => rows?.find((r) => r.name === name);
  const targets = [];
  const ratioTarget = (label, row, min) => {
    const value = row?.state === "ok" ? row.ratio : undefined;
    targets.push({
      label,
      want: `≥ ${min}×`,
      value:
        row === undefined || row.state === "not run"
          ? "not run"
          : row.state !== "ok"
            ? row.state
            : `${fmtRatio(value)}${row.cpuRatio === undefined ? "" : ` (by CPU time: ${fmtRatio(row.cpuRatio)})`}`,
      met: value !== undefined && value >= min,
    });
  };
  ratioTarget("A shape a: events/s vs thin", find(summary.A?.a, "edge-sse"), 4.5);
  ratioTarget("A shape b: events/s vs thin", find(summary.A?.b, "edge-sse"), 1.8);
  ratioTarget("A shape c: events/s vs thin", find(summary.A?.c, "edge-sse"), 3);
  const b = find(summary.B, "edge-sse");
  ratioTarget("B: HTTP events/s vs thin", b, 2);
  targets.push({
    label: "B: server CPU per event",
    want: "≤ 2.6 µs",
    value:
      b?.state === "ok" && b.cpuUsPerEvent !== undefined
        ? `${b.cpuUsPerEvent.toFixed(2)} µs (thin: ${find(summary.B, "thin")?.cpuUsPerEvent?.toFixed(2) ?? "–"} µs)`
        : (b?.state ?? "not run"),
    met: b?.state === "ok" && b.cpuUsPerEvent <= 2.6,
  });
  const c = find(summary.C, "edge-sse");
  targets.push({
    label: "C: idle heap per connection vs thin",
    want: "≤ 1.05×",
    value:
      c?.state === "ok"
        ? `${fmtRatio(c.ratio)} (${fmtKB(c.heapPerStream)} vs thin's ${fmtKB(find(summary.C, "thin")?.heapPerStream)})`
        : (c?.state ?? "not run"),
    met: c?.state === "ok" && c.ratio <= 1.05,
  });
  const d = find(summary.D, "edge-sse");
  targets.push({
    label: "D: time to first body byte (median)",
    want: "≤ 5 ms",
    value:
      d?.state === "ok"
        ? `${d.firstByteMs.toFixed(1)} ms (headers ${d.headersMs.toFixed(1)} ms, first byte − headers ${d.afterHeadersMs.toFixed(1)} ms; ` +
          `bare node:http floor ${find(summary.D, "floor: bare node:http")?.firstByteMs?.toFixed(1) ?? "–"} ms)`
        : (d?.state ?? "not run"),
    met: d?.state === "ok" && d.firstByteMs <= 5,
  });
  const respect = find(summary.E, "edge-sse (awaits ready)");
  const ignore = find(summary.E, "edge-sse (ignores send)");
  const respectOk =
    respect?.state === "ok" &&
    respect.delivered === respect.sent &&
    respect.closeReasons.every((r) => r === "done") &&
    respect.maxGrowth <= E_BOUND_BYTES;
  const ignoreOk =
    ignore?.state === "ok" && ignore.closeReasons.every((r) => r === "overflow") && ignore.maxGrowth <= E_BOUND_BYTES;
  targets.push({
    label: "E: push memory bounded",
    want: `awaiting ready: all delivered; ignoring send(): closes "overflow"; both ≤ ${E_BOUND_BYTES / 2 ** 20} MiB growth`,
    value:
      respect === undefined || ignore === undefined || respect.state === "not run"
        ? "not run"
        : `${fmtMB(respect.maxGrowth)} (${respect.delivered}/${respect.sent} delivered, ${respect.closeReasons.join("/")}); ` +
          `${fmtMB(ignore.maxGrowth)} (${ignore.closeReasons.join("/")})`,
    met: respectOk && ignoreOk,
  });
  const f = find(summary.F, "edge-sse");
  targets.push({
    label: "F: one encode per publish",
    want: "serialize called once per publish, and every subscriber reads the same Uint8Array",
    value:
      f === undefined || f.state === "not run"
        ? "not run"
        : f.state !== "ok"
          ? f.state
          : `${fmtNum(f.serializePerPublish)} serialize, ${fmtNum(f.utf8PerPublish)} UTF-8 encode, ${fmtNum(f.chunkObjectsMax)} distinct Uint8Array ` +
            `per publish (${fmtInt(f.subscribers)} subscribers)`,
    met: f?.state === "ok" && f.serializePerPublish === 1 && f.chunkObjectsMax === 1,
  });
  return targets;
}

// ---------------------------------------------------------------------------------------------
// Markdown.

function fmtNum(x) {
  return x === undefined || Number.isNaN(x) ? "–" : Number.isInteger(x) ? x.toLocaleString("en-US") : x.toFixed(2);
}
export function fmtInt(x) {
  return x === undefined ? "–" : Math.round(x).toLocaleString("en-US");
}
function fmtRatio(x) {
  return x === undefined ? "–" : `${x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}
function fmtMB(bytes) {
  return bytes === undefined ? "–" : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}
export function fmtKB(bytes) {
  return bytes === undefined ? "–" : `${(bytes / 1024).toFixed(1)} KiB`;
}
function fmtCores(x) {
  return x === undefined ? "?" : `${x.toFixed(2)} cores`;
}
/** Every run of one workload's results (A has one level more: shapes). */
function runsOf(w, data) {
  return w === "A" || w === "H"
    ? Object.values(data).flatMap((byC) => Object.values(byC).flat())
    : Object.values(data).flat();
}
function _otherLoadByWorkload(results) {
  const parts = [];
  for (const [w, data] of Object.entries(results)) {
    const runs = runsOf(w, data);
    const values = runs.map((r) => r.otherCores).filter((x) => typeof x === "number");
    if (values.length > 0) parts.push(`${w} ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)}`);
  }
  return parts.join(", ") || "?";
}
function _secondsByWorkload(results) {
  const parts = [];
  for (const [w, data] of Object.entries(results)) {
    const runs = runsOf(w, data);
    const total = runs.reduce((sum, r) => sum + (r.jobSeconds ?? 0), 0);
    if (total > 0) parts.push(`${w} ${total.toFixed(0)} s`);
  }
  return parts.join(", ") || "?";
}
function fmtSpread(row) {
  return row.min === undefined ? "–" : `${fmtRatio(row.min)}–${fmtRatio(row.max)}`;
}
function cell(text) {
  return String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}
/** `align`: one letter a column, l or r (default: the first two and the last columns left, the rest right). */
export function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i <= 1 || i === header.length - 1 ? "l" : "r")).join("");
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (a[i] === "r" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** Ranks correct rows by `key` (descending unless `ascending`); wrong or failed rows come last, unranked. */
export function ranked(rows, key, ascending = false) {
  const good = rows
    .filter((r) => r.state === "ok" && r[key] !== undefined)
    .sort((x, y) => (ascending ? x[key] - y[key] : y[key] - x[key]));
  const bad = rows.filter((r) => !good.includes(r));
  return [
    ...good.map((r, i) => ({ ...r, rank: String(i + 1) })),
    ...bad.map((r) => ({ ...r, rank: r.state === "ok" ? "–" : r.state })),
  ];
}

export function checkCell(row) {
  return row.state === "ok" ? "ok" : `**${row.state}**`;
}

const isCeiling = (name) => name === "encode-only" || name === "pre-encoded";

/** How each runtime's figures are taken (RESULTS.md says it beside its tables). */
function methodOf(id) {
  if (id.startsWith("workerd")) {
    return (
      "In process (A): the Worker drains the stream inside the isolate and answers `{ chunks, bytes }`; workerd's clocks stand still while " +
      "JavaScript runs, so the driver times each request from outside: wall time around the request, and CPU time of the worker's workerd " +
      "process (the one `wrangler dev` starts with `--inspector-addr`; all its threads, from /proc). One `wrangler dev` per round serves every " +
      "contender in turn (its start takes ~10 s), so contenders share an isolate within a round. B: a fresh `wrangler dev` per server serves the " +
      "contender's response (its proxy workerd forwards each request to the worker's); server CPU is the worker's process, the proxy's is given apart; " +
      "the client gives up after 80 s."
    );
  }
  return (
    "In process (A, C): one child process per contender per round; wall time by `performance.now()`, CPU time by `process.cpuUsage()` " +
    "(the whole process, GC threads included). B: the runtime's own server in another child process, the client (Node 20 `fetch`) in a third; " +
    "server CPU is read from /proc/<pid> by the client around each timed request (B: one untimed request as long as the timed ones, " +
    "then timed requests until 1.5 s are measured, at most 5; the median one by wall time counts)."
  );
}

const RUNTIME_ORDER = ["node20", "node22", "deno", "bun", "workerd", "workerd-nodejs_compat"];
const runtimeIdsOf = (results) =>
  RUNTIME_ORDER.filter((id) => results[id] !== undefined && Object.keys(results[id]).length > 0);
const labelOf = (meta, id) => meta.runtimes?.[id]?.label ?? id;
const SHAPE_LABELS = { a: 'a: data "hello world"', b: "b: ~150-byte JSON, event and id", c: "c: 5-line text" };

function renderA(out, rows, c, from) {
  out.push(
    `#### A. In-process throughput (${fmtInt(c.n)} events drained from the body; median of ${c.rounds} round${c.rounds > 1 ? "s" : ""}${from}`,
    "",
  );
  out.push(
    "Ranked by CPU time × thin (thin's CPU time per event ÷ the contender's, per round, median; higher is better); " +
      "× thin (wall): events/s ÷ thin's. Spread: lowest–highest round. Ceilings are not servers and are not ranked.",
    "",
  );
  for (const [shape, shapeRows] of Object.entries(rows)) {
    out.push(`Shape ${SHAPE_LABELS[shape]}`, "");
    const key = shapeRows.some((r) => r.cpuRatio !== undefined) ? "cpuRatio" : "ratio";
    const servers = ranked(
      shapeRows.filter((r) => !isCeiling(r.name)),
      key,
    );
    const ceilings = shapeRows
      .filter((r) => isCeiling(r.name))
      .map((r) => ({ ...r, rank: r.state === "ok" ? "ceiling" : r.state }));
    out.push(
      table(
        [
          "rank",
          "contender",
          "× thin (CPU)",
          "spread",
          "CPU µs/event",
          "× thin (wall)",
          "spread",
          "events/s",
          "bytes/chunk",
          "check",
        ],
        [...servers, ...ceilings].map((r) => [
          r.rank,
          r.name,
          fmtRatio(r.cpuRatio),
          fmtCpuSpread(r),
          r.cpuUsPerEvent?.toFixed(2) ?? "–",
          fmtRatio(r.ratio),
          fmtSpread(r),
          fmtInt(r.eventsPerSec),
          fmtInt(r.chunkBytes),
          checkCell(r),
        ]),
      ),
    );
    out.push("");
  }
}

function fmtCpuSpread(row) {
  return row.cpuMin === undefined ? "–" : `${fmtRatio(row.cpuMin)}–${fmtRatio(row.cpuMax)}`;
}

function renderB(out, rows, c, id, from) {
  const server = id.startsWith("node")
    ? "node:http: `edge-sse (edge-sse/node)` is edge-sse behind its own bridge; every other server (and " +
      "`edge-sse` for comparison) behind @hono/node-server's listener"
    : id === "deno"
      ? "`Deno.serve`"
      : id === "bun"
        ? "`Bun.serve` (`idleTimeout: 0`)"
        : "workerd through `wrangler dev`";
  out.push(
    `#### B. HTTP throughput (${fmtInt(c.n)} events of shape b over 127.0.0.1; median of ${c.rounds}${from}`,
    "",
  );
  out.push(
    `Server: ${server}. Client: Node 20 \`fetch\` in another process, reading the body to its end. Server CPU: the server process's CPU ` +
      "time over the timed request, per event (after an untimed request as long; requests timed until 1.5 s are measured, at most 5, the median " +
      "one by wall time counting); ranked by it as a multiple of thin's (thin's ÷ the contender's, higher is better). Events/s × Hono: " +
      "over Hono's in the same round, median over rounds.",
    "",
  );
  const proxy = rows.some((r) => r.proxyCpuUsPerEvent !== undefined);
  out.push(
    table(
      [
        "rank",
        "server",
        "server CPU × thin",
        "spread",
        "server CPU µs/event",
        ...(proxy ? ["proxy CPU µs/event"] : []),
        "events/s × thin",
        "spread",
        "events/s",
        "events/s × Hono",
        "check",
      ],
      ranked(rows, rows.some((r) => r.cpuRatio !== undefined) ? "cpuRatio" : "ratio").map((r) => [
        r.rank,
        r.name,
        fmtRatio(r.cpuRatio),
        fmtCpuSpread(r),
        r.cpuUsPerEvent?.toFixed(2) ?? "–",
        ...(proxy ? [r.proxyCpuUsPerEvent?.toFixed(2) ?? "–"] : []),
        fmtRatio(r.ratio),
        fmtSpread(r),
        fmtInt(r.eventsPerSec),
        fmtRatio(r.overHono),
        checkCell(r),
      ]),
    ),
  );
  out.push("");
}

function renderC(out, rows, c, from) {
  out.push(
    `#### C. Idle memory per connection (${fmtInt(c.streams)} open streams, in-process; median of ${c.rounds}${from}`,
    "",
  );
  out.push(
    "Each stream: a Request, the contender's Response, its first event read, then left open (the generator waits). " +
      "Heap: heapUsed after a full gc, minus the same before, divided by the number of streams. × thin: lower is better.",
    "",
  );
  out.push(
    table(
      ["rank", "contender", "heap/connection", "× thin", "RSS/connection", "check"],
      ranked(rows, "ratio", true).map((r) => [
        r.rank,
        r.name,
        fmtKB(r.heapPerStream),
        fmtRatio(r.ratio),
        fmtKB(r.rssPerStream),
        checkCell(r),
      ]),
    ),
  );
  out.push("");
}

function renderDEF(out, summary, config, from) {
  if (summary.D.length > 0) {
    const c = config.D;
    out.push(
      `#### D. Time to first body byte when the first event waits ${c.waitMs} ms (HTTP; median of ${c.rounds * c.samples} requests${from.D})`,
      "",
    );
    out.push(
      "Measured by the client from `fetch()` to the first body bytes; headers: to the response headers; the client first " +
        "warms its connection up with 10 short requests. × thin: lower is better. `floor: bare node:http` is no library at all " +
        "(node:http writing its headers and a comment at once): what the loopback round trip costs on this machine.",
      "",
    );
    out.push(
      table(
        ["rank", "server", "first body byte", "headers", "first byte − headers", "× thin", "check"],
        ranked(summary.D, "firstByteMs", true).map((r) => [
          r.rank,
          r.name,
          `${r.firstByteMs?.toFixed(1) ?? "–"} ms`,
          `${r.headersMs?.toFixed(1) ?? "–"} ms`,
          `${r.afterHeadersMs?.toFixed(1) ?? "–"} ms`,
          fmtRatio(r.ratio),
          checkCell(r),
        ]),
      ),
    );
    out.push("");
  }
  if (summary.E.length > 0) {
    const c = config.E;
    out.push(
      `#### E. Push mode into a slow reader (${fmtInt(c.n)} events of shape b pushed at full speed; reader ` +
        `${(c.rate / 1e6).toFixed(1)} MB/s; median of ${c.rounds}${from.E})`,
      "",
    );
    out.push(
      "Growth: the largest (heapUsed + arrayBuffers) after gc, sampled every 25 ms, minus the same before the stream. " +
        `Bounded: at most ${E_BOUND_BYTES / 2 ** 20} MiB. thin has no push API, so there is no ratio.`,
      "",
    );
    out.push(
      table(
        [
          "variant",
          "max growth",
          "growth per event sent",
          "delivered / sent",
          "ended by",
          `within ${E_BOUND_BYTES / 2 ** 20} MiB`,
        ],
        summary.E.map((r) => [
          r.name,
          fmtMB(r.maxGrowth),
          r.perEvent === undefined ? "–" : `${Math.round(r.perEvent)} B`,
          `${fmtInt(r.delivered)} / ${fmtInt(r.sent)}`,
          r.state === "ok" ? r.closeReasons.join(", ") : `**${r.state}** ${r.detail}`,
          r.maxGrowth === undefined ? "–" : r.maxGrowth <= E_BOUND_BYTES ? "yes" : "no",
        ]),
        "lrrrll",
      ),
    );
    out.push("");
  }
  if (summary.F.length > 0) {
    const c = config.F;
    out.push(
      `#### F. Fan-out (one publish to ${fmtInt(c.subscribers)} subscribers in one process; ${c.publishes} ` +
        `timed publishes a round; median of ${c.rounds}${from.F})`,
      "",
    );
    out.push(
      "Per publish: the time from `publish` until every subscriber's reader has read the event (the median publish of a round, then the median over rounds; " +
        "`gc()` runs before each publish), and the process CPU time meanwhile. × edge-sse: that time divided " +
        "by edge-sse's in the same round (lower is better). " +
        "Serialize: calls of the serializer each library is given; UTF-8: `TextEncoder` encodes, counted on the untimed publishes; " +
        "Uint8Arrays: distinct chunk objects the subscribers read, all together. Heap: heapUsed after gc with every subscriber live and idle, " +
        "minus the same before, per subscriber. The floor is no library (one Uint8Array enqueued into every stream) and is not ranked.",
      "",
    );
    const servers = ranked(
      summary.F.filter((r) => !r.name.startsWith("floor")),
      "msPerPublish",
      true,
    );
    const floors = summary.F.filter((r) => r.name.startsWith("floor")).map((r) => ({
      ...r,
      rank: r.state === "ok" ? "floor" : r.state,
    }));
    out.push(
      table(
        [
          "rank",
          "contender",
          "ms/publish",
          "× edge-sse",
          "spread",
          "µs per subscriber",
          "CPU ms/publish",
          "serialize/publish",
          "UTF-8 encodes/publish",
          "Uint8Arrays/publish",
          "heap/subscriber",
          "heap × edge-sse",
          "check",
        ],
        [...servers, ...floors].map((r) => [
          r.rank,
          r.name,
          r.msPerPublish?.toFixed(1) ?? "–",
          fmtRatio(r.ratio),
          fmtSpread(r),
          r.msPerPublish === undefined ? "–" : ((1000 * r.msPerPublish) / r.subscribers).toFixed(2),
          r.cpuMsPerPublish?.toFixed(1) ?? "–",
          fmtNum(r.serializePerPublish),
          fmtNum(r.utf8PerPublish),
          fmtNum(r.chunkObjectsPerPublish),
          fmtKB(r.heapPerSubscriber),
          fmtRatio(r.heapRatio),
          checkCell(r),
        ]),
      ),
    );
    out.push("");
  }
}

function renderG(out, rows, c, id, from) {
  const server =
    id === "bun"
      ? "`Bun.serve`"
      : "node:http (edge-sse through `edge-sse/node`, Hono through @hono/node-server, better-sse in its node:http mode)";
  out.push(
    `#### G. ${fmtInt(c.connections)} live connections, one process (${server}; ${c.clients} client ` +
      `processes; ${c.publishes} timed publishes; median of ${c.rounds}${from}`,
    "",
  );
  out.push(
    "RSS: the server's resident memory with every connection open and idle (its first bytes read by the client), minus the same before " +
      "the first connection, per connection; × bare: against the bare server (no library, one hand-made frame per response) of the same round " +
      "(lower is better). Delivery: one published event, from the server's publish call to its arrival at each socket (clock: `performance.timeOrigin + " +
      "performance.now()`, shared by the processes): the median and 99th percentile over sockets, and the time to the last socket; the median publish " +
      "of a round, then the median over rounds. Server CPU per publish from /proc. Check: every socket parsed with eventsource-parser " +
      "(count and last event's data).",
    "",
  );
  out.push(
    table(
      [
        "rank",
        "server",
        "connections",
        "RSS/connection",
        "× bare",
        "heap/connection",
        "p50",
        "p99",
        "to the last",
        "× bare",
        "server CPU ms/publish",
        "check",
      ],
      ranked(
        rows.filter((r) => r.name !== "bare"),
        "lastMs",
        true,
      )
        .concat(
          rows.filter((r) => r.name === "bare").map((r) => ({ ...r, rank: r.state === "ok" ? "floor" : r.state })),
        )
        .map((r) => [
          r.rank,
          r.name,
          fmtInt(r.connections),
          fmtKB(r.rssPerConnection),
          fmtRatio(r.rssRatio),
          fmtKB(r.heapPerConnection),
          fmtMs(r.p50Ms),
          fmtMs(r.p99Ms),
          fmtMs(r.lastMs),
          fmtRatio(r.lastRatio),
          r.cpuMsPerPublish?.toFixed(1) ?? "–",
          checkCell(r),
        ]),
    ),
  );
  out.push("");
}

export function fmtMs(x, digits = 1) {
  return x === undefined ? "–" : `${x.toFixed(digits)} ms`;
}

export function renderMarkdown({ meta, results }, summaries, targets) {
  const out = [];
  const ids = runtimeIdsOf(results);
  const from = (id, w) => meta.workloads?.[id]?.[w] ?? provenance(meta, id);
  const all = ids.flatMap((id) => Object.keys(results[id]).map((w) => ({ id, w, p: from(id, w) })));
  const quickOnes = all.filter((x) => x.p.quick);
  const quickNote =
    quickOnes.length === 0
      ? ""
      : quickOnes.length === all.length
        ? " **in --quick mode (1 round, smaller sizes): indicative only**"
        : ` **partly in --quick mode (${quickOnes.map((x) => `${x.id} ${x.w}`).join(", ")}): those are indicative only**`;
  out.push("# edge-sse benchmark results", "");
  const partial =
    meta.complete === false
      ? ` **Written after round ${meta.roundsDone} while the run went on: the later rounds are missing.**`
      : "";
  out.push(
    `Written by \`bench/run.mjs\`${quickNote}.${partial} ` +
      "How to run, what each workload measures on each runtime and how ratios are taken: [README.md](README.md).",
    "",
  );
  out.push("| | |", "|---|---|");
  out.push(`| date | ${meta.date} |`);
  out.push(
    `| machine | ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB.toFixed(1)} GiB, ${meta.platform}; ` +
      `load average ${meta.startLoad.map((x) => x.toFixed(1)).join(", ")} at the start |`,
  );
  out.push(
    `| other processes' CPU | ${fmtCores(meta.otherCoresBefore)} in the 2 s before the run, ${fmtCores(meta.otherCoresDuring)} on average during it |`,
  );
  out.push(`| driver | Node ${meta.node} (run.mjs, the HTTP clients) |`);
  out.push(
    `| edge-sse | ${meta.edgeSse}, commit ${meta.commit ?? "?"}${meta.srcChanged ? " + uncommitted changes in src/" : ""}, dist ${meta.dist} |`,
  );
  out.push(
    `| peers | ${Object.entries(meta.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} |`,
  );
  out.push(`| run | ${meta.seconds.toFixed(0)} s; workloads ${meta.only.join(",")} on ${meta.runtimeIds.join(", ")} |`);
  out.push("");
  if ((meta.otherCoresDuring ?? 0) > 0.25 || (meta.otherCoresBefore ?? 0) > 0.25) {
    out.push(
      `> **Other processes were using the CPU** (${fmtCores(meta.otherCoresDuring)} of ${meta.cores} on average during the run): ` +
        "wall times are lower and noisier than on a quiet machine; CPU-time ratios, taken per round, are the steadier figures.",
      "",
    );
  }

  out.push("## Runtimes", "");
  out.push(
    table(
      ["runtime", "what ran", "results from (run, build, other load)"],
      RUNTIME_ORDER.filter((id) => meta.runtimes?.[id] !== undefined || results[id] !== undefined).map((id) => {
        const workloads = Object.keys(results[id] ?? {}).sort();
        const runsFrom = [
          ...new Set(
            workloads.map((w) => {
              const p = from(id, w);
              return (
                `${p.date === meta.date ? "this run" : p.date}: commit ${p.commit ?? "?"}${p.srcChanged ? "+" : ""}, ` +
                `dist ${p.dist}${p.quick ? ", quick" : ""}, other load ${fmtCores(p.otherCoresDuring)}`
              );
            }),
          ),
        ];
        const status =
          meta.runtimes?.[id]?.available === false && workloads.length === 0
            ? `not available: ${meta.runtimes[id].why}`
            : workloads.join(", ") || "–";
        return [labelOf(meta, id), status, runsFrom.join("; ") || "–"];
      }),
      "lll",
    ),
  );
  out.push("");

  out.push("## edge-sse on every runtime", "");
  out.push(
    "edge-sse as a multiple of thin on the same runtime and round (median over rounds): by CPU time (thin's CPU per event ÷ edge-sse's; " +
      "higher is better) and by wall time (events/s ÷ thin's). A: in process; B: over HTTP on the runtime's own server (server CPU; on Node " +
      "edge-sse through edge-sse/node). Peers: the " +
      "best peer's CPU ratio (which one in brackets).",
    "",
  );
  const edgeRow = (rows, name = "edge-sse") => rows?.find((r) => r.name === name);
  const bestPeer = (rows) => {
    const peers = (rows ?? []).filter(
      (r) => ["hono", "better-sse", "h3"].includes(r.name) && r.state === "ok" && r.cpuRatio !== undefined,
    );
    const best = peers.sort((x, y) => y.cpuRatio - x.cpuRatio)[0];
    return best === undefined ? "–" : `${fmtRatio(best.cpuRatio)} (${best.name})`;
  };
  const cellOf = (row) =>
    row === undefined
      ? "–"
      : row.state !== "ok"
        ? `**${row.state}**`
        : `${fmtRatio(row.cpuRatio)} / ${fmtRatio(row.ratio)}`;
  out.push(
    table(
      [
        "runtime",
        "A a: CPU / wall",
        "best peer",
        "A b: CPU / wall",
        "best peer",
        "A c: CPU / wall",
        "best peer",
        "B: server CPU / events/s",
        "best peer",
      ],
      ids
        .filter((id) => summaries[id].A.a || summaries[id].B.length)
        .map((id) => {
          const s = summaries[id];
          const b = id.startsWith("node") ? edgeRow(s.B, "edge-sse (edge-sse/node)") : edgeRow(s.B);
          return [
            labelOf(meta, id),
            cellOf(edgeRow(s.A.a)),
            bestPeer(s.A.a),
            cellOf(edgeRow(s.A.b)),
            bestPeer(s.A.b),
            cellOf(edgeRow(s.A.c)),
            bestPeer(s.A.c),
            cellOf(b),
            bestPeer(s.B),
          ];
        }),
      "lrrrrrrrr",
    ),
  );
  out.push("");

  if (summaries.node20 !== undefined) {
    out.push(`## Targets (edge-sse on ${labelOf(meta, "node20")}, same run)`, "");
    out.push(
      table(
        ["target", "wanted", "edge-sse now", "met"],
        targets.map((t) => [t.label, t.want, t.value, t.met ? "met" : "**not met**"]),
        "llll",
      ),
    );
    out.push("");
  }

  for (const id of ids) {
    const s = summaries[id];
    const r = results[id];
    out.push(`## ${labelOf(meta, id)}`, "");
    out.push(methodOf(id), "");
    const note = (w) => {
      const p = from(id, w);
      const parts = [];
      if (p.date !== meta.date) parts.push(`from the run of ${p.date}`);
      if (p.quick) parts.push("quick");
      if (p.otherCoresDuring !== undefined) parts.push(`other load ${fmtCores(p.otherCoresDuring)}`);
      const load = runsOf(w, r[w])
        .map((x) => x.otherCores)
        .filter((x) => typeof x === "number");
      if (load.length > 0)
        parts.push(`${(load.reduce((a, b) => a + b, 0) / load.length).toFixed(2)} other cores during its jobs`);
      return parts.length ? `; ${parts.join(", ")})` : ")";
    };
    const cfg = (w) => from(id, w).config?.[w] ?? meta.config[w];
    if (r.A) renderA(out, s.A, cfg("A"), note("A"));
    if (r.B) renderB(out, s.B, cfg("B"), id, note("B"));
    if (r.C) renderC(out, s.C, cfg("C"), note("C"));
    if (r.D || r.E || r.F) {
      renderDEF(
        out,
        s,
        { D: cfg("D"), E: cfg("E"), F: cfg("F") },
        { D: note("D").slice(0, -1), E: note("E").slice(0, -1), F: note("F").slice(0, -1) },
      );
    }
    if (r.G) renderG(out, s.G, cfg("G"), id, note("G"));
    if (r.H) renderH(out, s.H, cfg("H"), note("H"));
  }

  out.push("## Correctness (eventsource-parser)", "");
  out.push(
    "Each contender's bytes are parsed with eventsource-parser and compared, event by event, with what the fixtures " +
      "say a browser should see (type, data, lastEventId): A on a 1,000-event run per shape, B on 1,000 events over HTTP, " +
      "D on every request, F on every event of every subscriber, G on every socket, H on every event of every subscriber " +
      "of every channel. A WRONG contender is not ranked; FAILED means it did not run.",
    "",
  );
  const flags = [];
  for (const id of ids) {
    const s = summaries[id];
    for (const [shape, rows] of Object.entries(s.A)) {
      for (const row of rows)
        if (row.state !== "ok" && row.state !== "not run")
          flags.push([labelOf(meta, id), `A ${shape}`, row.name, row.state, row.detail]);
    }
    for (const w of ["B", "C", "D", "E", "F", "G"]) {
      for (const row of s[w])
        if (row.state !== "ok" && row.state !== "not run")
          flags.push([labelOf(meta, id), w, row.name, row.state, row.detail]);
    }
    for (const { key, rows } of s.H.layouts) {
      for (const row of rows)
        if (row.state !== "ok" && row.state !== "not run")
          flags.push([labelOf(meta, id), `H ${key}`, row.name, row.state, row.detail]);
    }
  }
  if (flags.length === 0) out.push("Every contender's output matched in every check.");
  else out.push(table(["runtime", "workload", "contender", "flag", "first difference"], flags, "lllll"));
  out.push("");
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// SVG: per measure (A a, A b, A c, B), each contender's ratio to thin on every runtime side by side
// (one bar per runtime), by CPU time, on a log scale.

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const RUNTIME_COLORS = {
  node20: "#2f9e44",
  node22: "#74b816",
  deno: "#1c7ed6",
  bun: "#e8590c",
  workerd: "#ae3ec9",
  "workerd-nodejs_compat": "#e64980",
};

export function renderSvg(summaries, meta) {
  const ids = RUNTIME_ORDER.filter(
    (id) => summaries[id] !== undefined && (summaries[id].A.a !== undefined || summaries[id].B.length > 0),
  );
  const contenders = ["edge-sse", "hono", "better-sse", "h3", "thin"];
  const panels = [
    { title: 'A · shape a: "hello world", in process', pick: (s) => s.A.a },
    { title: "A · shape b: JSON + event + id, in process", pick: (s) => s.A.b },
    { title: "A · shape c: 5-line text, in process", pick: (s) => s.A.c },
    {
      title: "B · HTTP, shape b, server CPU",
      pick: (s) =>
        s.B.map((r) =>
          r.name === "edge-sse (edge-sse/node)"
            ? { ...r, name: "edge-sse" }
            : r.name === "edge-sse" && s.B.some((x) => x.name === "edge-sse (edge-sse/node)")
              ? { ...r, name: "edge-sse via @hono/node-server" }
              : r,
        ),
    },
  ];
  const barH = 9;
  const groupGap = 10;
  const labelW = 110;
  const barW = 330;
  const panelW = labelW + barW + 60;
  const groupH = ids.length * barH + groupGap;
  const panelH = 58 + contenders.length * groupH + 24;
  const cols = 2;
  const headH = 64 + 22 * Math.ceil(ids.length / 3);
  const width = cols * panelW + 30;
  const height = headH + Math.ceil(panels.length / cols) * panelH + 20;
  // Log scale, 0.05× .. 50×.
  const lo = Math.log10(0.05);
  const hi = Math.log10(50);
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ` +
      `${height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(
    `<text x="15" y="26" font-size="18" font-weight="bold" fill="#111">edge-sse vs peers on every ` +
      `runtime: CPU time per event, × thin (thin's ÷ contender's)</text>`,
  );
  parts.push(
    `<text x="15" y="46" font-size="12" ` +
      `fill="#555">${esc(
        `${meta.date.slice(0, 10)} · ${meta.cpu}, ${meta.cores} cores · log scale, higher is better · ` +
          "dashed: thin (1×) · median of rounds, same runtime and round · hatched: WRONG or FAILED" +
          (meta.quick ? " · QUICK RUN" : ""),
      )}</text>`,
  );
  parts.push(
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" ` +
      `patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" ` +
      `y2="6" stroke="#c00" stroke-width="2"/></pattern></defs>`,
  );
  ids.forEach((id, i) => {
    const x = 15 + (i % 3) * 300;
    const y = 60 + Math.floor(i / 3) * 22;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="12" fill="${RUNTIME_COLORS[id]}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 11}" font-size="12" fill="#111">${esc(labelOf(meta, id))}</text>`);
  });
  panels.forEach((panel, p) => {
    const x0 = 15 + (p % cols) * panelW;
    const y0 = headH + Math.floor(p / cols) * panelH;
    const sx = (v) => x0 + labelW + ((Math.log10(Math.min(Math.max(v, 0.05), 50)) - lo) / (hi - lo)) * barW;
    parts.push(
      `<text x="${x0}" y="${y0 + 22}" font-size="14" font-weight="bold" fill="#111">${esc(panel.title)}</text>`,
    );
    const top = y0 + 36;
    const bottom = top + contenders.length * groupH;
    for (const tick of [0.1, 0.3, 1, 3, 10, 30]) {
      parts.push(
        `<line x1="${sx(tick)}" y1="${top - 4}" x2="${sx(tick)}" y2="${bottom}" ` +
          `stroke="${tick === 1 ? "#777" : "#e5e5e5"}"${tick === 1 ? ' stroke-dasharray="4 3"' : ""}/>`,
      );
      parts.push(
        `<text x="${sx(tick)}" y="${bottom + 14}" font-size="10" fill="#555" text-anchor="middle">${tick}×</text>`,
      );
    }
    contenders.forEach((name, g) => {
      const gy = top + g * groupH;
      parts.push(
        `<text x="${x0 + labelW - 8}" y="${gy + (ids.length * barH) / 2 + 4}" font-size="12" ` +
          `text-anchor="end" fill="#111"${name === "edge-sse" ? ' font-weight="bold"' : ""}>${esc(name)}</text>`,
      );
      ids.forEach((id, k) => {
        const row = panel.pick(summaries[id])?.find((r) => r.name === name);
        if (row === undefined || row.state === "not run") return;
        const y = gy + k * barH;
        const wrong = row.state !== "ok";
        const value = row.cpuRatio ?? row.ratio;
        const w = wrong || value === undefined ? 30 : Math.max(1, sx(value) - sx(0.05));
        parts.push(
          `<rect x="${sx(0.05)}" y="${y}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${wrong ? "url(#hatch)" : RUNTIME_COLORS[id]}"/>`,
        );
        const label = wrong ? row.state : value === undefined ? "" : fmtRatio(value);
        parts.push(
          `<text x="${(sx(0.05) + w + 3).toFixed(1)}" y="${y + barH - 1}" font-size="8.5" fill="${wrong ? "#c00" : "#333"}">${esc(label)}</text>`,
        );
      });
    });
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Marks where the sections that other scripts' figures fill begin in RESULTS.md. */
const KEPT_MARK = "<!-- sections below are kept when the report is written again -->";

export function writeReport({ meta, results }) {
  const summaries = Object.fromEntries(runtimeIdsOf(results).map((id) => [id, summarize(results[id])]));
  const targets = summaries.node20 === undefined ? [] : computeTargets(summaries.node20);
  const file = join(HERE, "RESULTS.md");
  // The sections after KEPT_MARK come from other scripts (client-parse.mjs): a new report keeps them.
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const kept = previous.includes(KEPT_MARK) ? `\n${previous.slice(previous.indexOf(KEPT_MARK))}` : "";
  writeFileSync(file, `${renderMarkdown({ meta, results }, summaries, targets)}\n${kept}`);
  writeFileSync(join(HERE, "results.svg"), renderSvg(summaries, meta));
  return { summaries, targets };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = JSON.parse(readFileSync(join(HERE, "results.json"), "utf8"));
  if (data.meta?.format !== 2) {
    console.error("report: results.json is from before the runtimes were measured; run `node run.mjs` first");
    process.exit(1);
  }
  const { targets } = writeReport(data);
  for (const t of targets) console.log(`${t.label}: ${t.value} (${t.want}) ${t.met ? "met" : "NOT MET"}`);
}
