/**
 * Turns the raw results into RESULTS.md (tables, correctness flags, targets) and results.svg (the A
 * and B ratios to thin). `node report.mjs` re-renders both from results.json.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const PACKAGES = ["hono", "@hono/node-server", "better-sse", "h3", "eventsource-encoder", "eventsource-parser"];
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

function distHash() {
  const hash = createHash("sha256");
  const dir = process.env.EDGE_SSE_DIST ?? join(ROOT, "dist");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".js")).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

export function collectMeta(extra) {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line) cpu = line.split(":")[1].trim();
  } catch { /* not Linux */ }
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
    dist: distHash(),
    versions,
    startLoad: os.loadavg(),
    ...extra,
  };
}

/** The facts of a run that a workload's results depend on (kept per workload when runs are merged). */
export function provenance(meta) {
  return {
    date: meta.date,
    commit: meta.commit,
    srcChanged: meta.srcChanged,
    dist: meta.dist,
    quick: meta.quick,
    node: meta.node,
    otherCoresDuring: meta.otherCoresDuring,
  };
}

/** Per workload, the run its results come from (a results.json from before F has no `workloads`). */
function provenanceOf(meta, results) {
  const out = {};
  for (const w of Object.keys(results)) out[w] = meta.workloads?.[w] ?? provenance(meta);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function status(runs) {
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
  return { ratio: median(ratios), min: ratios.length ? Math.min(...ratios) : undefined, max: ratios.length ? Math.max(...ratios) : undefined };
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
    }));
  }
  const thinB = results.B?.thin ?? [];
  const B = Object.entries(results.B ?? {}).map(([name, runs]) => ({
    name,
    ...status(runs),
    eventsPerSec: median(runs.map((r) => r.eventsPerSec)),
    cpuUsPerEvent: median(runs.map((r) => r.serverCpuUsPerEvent)),
    cpuRatio: ratioToThin(runs, thinB, (r) => r.serverCpuUsPerEvent).ratio,
    ...ratioToThin(runs, thinB, (r) => r.eventsPerSec),
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
  return { A, B, C, D, E, F };
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
      value: row === undefined || row.state === "not run" ? "not run" : row.state !== "ok" ? row.state : `${fmtRatio(value)}`,
      met: value !== undefined && value >= min,
    });
  };
  ratioTarget("A shape a: events/s vs thin", find(summary.A.a, "edge-sse"), 4.5);
  ratioTarget("A shape b: events/s vs thin", find(summary.A.b, "edge-sse"), 1.8);
  ratioTarget("A shape c: events/s vs thin", find(summary.A.c, "edge-sse"), 3);
  const b = find(summary.B, "edge-sse");
  ratioTarget("B: HTTP events/s vs thin", b, 2);
  targets.push({
    label: "B: server CPU per event",
    want: "≤ 2.6 µs",
    value: b?.state === "ok" && b.cpuUsPerEvent !== undefined
      ? `${b.cpuUsPerEvent.toFixed(2)} µs (thin: ${find(summary.B, "thin")?.cpuUsPerEvent?.toFixed(2) ?? "–"} µs)`
      : b?.state ?? "not run",
    met: b?.state === "ok" && b.cpuUsPerEvent <= 2.6,
  });
  const c = find(summary.C, "edge-sse");
  targets.push({
    label: "C: idle heap per connection vs thin",
    want: "≤ 1.05×",
    value: c?.state === "ok" ? `${fmtRatio(c.ratio)} (${fmtKB(c.heapPerStream)} vs thin's ${fmtKB(find(summary.C, "thin")?.heapPerStream)})` : c?.state ?? "not run",
    met: c?.state === "ok" && c.ratio <= 1.05,
  });
  const d = find(summary.D, "edge-sse");
  targets.push({
    label: "D: time to first body byte (median)",
    want: "≤ 5 ms",
    value: d?.state === "ok"
      ? `${d.firstByteMs.toFixed(1)} ms (headers ${d.headersMs.toFixed(1)} ms, first byte − headers ${d.afterHeadersMs.toFixed(1)} ms; ` +
        `bare node:http floor ${find(summary.D, "floor: bare node:http")?.firstByteMs?.toFixed(1) ?? "–"} ms)`
      : d?.state ?? "not run",
    met: d?.state === "ok" && d.firstByteMs <= 5,
  });
  const respect = find(summary.E, "edge-sse (awaits ready)");
  const ignore = find(summary.E, "edge-sse (ignores send)");
  const respectOk = respect?.state === "ok" && respect.delivered === respect.sent &&
    respect.closeReasons.every((r) => r === "done") && respect.maxGrowth <= E_BOUND_BYTES;
  const ignoreOk = ignore?.state === "ok" && ignore.closeReasons.every((r) => r === "overflow") && ignore.maxGrowth <= E_BOUND_BYTES;
  targets.push({
    label: "E: push memory bounded",
    want: `awaiting ready: all delivered; ignoring send(): closes "overflow"; both ≤ ${E_BOUND_BYTES / 2 ** 20} MiB growth`,
    value: respect === undefined || ignore === undefined || respect.state === "not run"
      ? "not run"
      : `${fmtMB(respect.maxGrowth)} (${respect.delivered}/${respect.sent} delivered, ${respect.closeReasons.join("/")}); ` +
        `${fmtMB(ignore.maxGrowth)} (${ignore.closeReasons.join("/")})`,
    met: respectOk && ignoreOk,
  });
  const f = find(summary.F, "edge-sse");
  targets.push({
    label: "F: one encode per publish",
    want: "serialize called once per publish, and every subscriber reads the same Uint8Array",
    value: f === undefined || f.state === "not run"
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
function fmtInt(x) {
  return x === undefined ? "–" : Math.round(x).toLocaleString("en-US");
}
function fmtRatio(x) {
  return x === undefined ? "–" : `${x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}
function fmtMB(bytes) {
  return bytes === undefined ? "–" : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}
function fmtKB(bytes) {
  return bytes === undefined ? "–" : `${(bytes / 1024).toFixed(1)} KiB`;
}
function fmtCores(x) {
  return x === undefined ? "?" : `${x.toFixed(2)} cores`;
}
function otherLoadByWorkload(results) {
  const parts = [];
  for (const [w, data] of Object.entries(results)) {
    const runs = w === "A" ? Object.values(data).flatMap((byC) => Object.values(byC).flat()) : Object.values(data).flat();
    const values = runs.map((r) => r.otherCores).filter((x) => typeof x === "number");
    if (values.length > 0) parts.push(`${w} ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)}`);
  }
  return parts.join(", ") || "?";
}
function secondsByWorkload(results) {
  const parts = [];
  for (const [w, data] of Object.entries(results)) {
    const runs = w === "A" ? Object.values(data).flatMap((byC) => Object.values(byC).flat()) : Object.values(data).flat();
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
function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i <= 1 || i === header.length - 1 ? "l" : "r")).join("");
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (a[i] === "r" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** Ranks correct rows by `key` (descending unless `ascending`); wrong or failed rows come last, unranked. */
function ranked(rows, key, ascending = false) {
  const good = rows.filter((r) => r.state === "ok" && r[key] !== undefined).sort((x, y) => (ascending ? x[key] - y[key] : y[key] - x[key]));
  const bad = rows.filter((r) => !good.includes(r));
  return [...good.map((r, i) => ({ ...r, rank: String(i + 1) })), ...bad.map((r) => ({ ...r, rank: r.state === "ok" ? "–" : r.state }))];
}

function checkCell(row) {
  return row.state === "ok" ? "ok" : `**${row.state}**`;
}

const isCeiling = (name) => name === "encode-only" || name === "pre-encoded";

export function renderMarkdown({ meta, results }, summary, targets) {
  const out = [];
  const c = meta.config;
  out.push("# edge-sse benchmark results", "");
  const from = provenanceOf(meta, results);
  const quickOnes = Object.keys(from).filter((w) => from[w].quick);
  const quickNote = quickOnes.length === 0
    ? ""
    : ` **in --quick mode (1 round, smaller sizes${quickOnes.length < Object.keys(from).length ? `) for workload${quickOnes.length > 1 ? "s" : ""} ${quickOnes.join(", ")}` : ")"}: indicative only**`;
  out.push(`Written by \`bench/run.mjs\`${quickNote}. ` +
    "How to run, what each workload measures and how ratios are taken: [README.md](README.md).", "");
  out.push("| | |", "|---|---|");
  out.push(`| date | ${meta.date} |`);
  out.push(`| machine | ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB.toFixed(1)} GiB, ${meta.platform} |`);
  out.push(`| other processes' CPU | ${fmtCores(meta.otherCoresBefore)} in the 2 s before the run, ${fmtCores(meta.otherCoresDuring)} on average during it (per workload: ${otherLoadByWorkload(results)}) |`);
  out.push(`| Node | ${meta.node} |`);
  out.push(`| edge-sse | ${meta.edgeSse}, commit ${meta.commit ?? "?"}${meta.srcChanged ? " + uncommitted changes in src/" : ""}, dist ${meta.dist} |`);
  out.push(`| peers | ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(", ")} |`);
  const roundsText = Object.keys(from).filter((w) => c[w] !== undefined).map((w) => `${w} ${c[w].rounds}`).join(", ");
  out.push(`| run | ${meta.seconds.toFixed(0)} s (per workload: ${secondsByWorkload(results)}); rounds ${roundsText}${meta.only.length < Object.keys(from).length ? `; workloads ${meta.only.join(",")} only` : ""} |`);
  // Workloads kept from an earlier run (run.mjs --only): say which run, since its build may differ.
  const kept = Object.keys(from).filter((w) => from[w].date !== meta.date);
  if (kept.length > 0) {
    const runs = new Map();
    for (const w of Object.keys(from)) {
      const p = from[w];
      const key = `${p.date}|${p.commit}|${p.dist}|${p.quick}`;
      if (!runs.has(key)) runs.set(key, { p, workloads: [] });
      runs.get(key).workloads.push(w);
    }
    const parts = [...runs.values()].map(({ p, workloads }) =>
      `${workloads.join(", ")}: ${p.date === meta.date ? "this run" : `the run of ${p.date}`} (commit ${p.commit ?? "?"}${p.srcChanged ? " + uncommitted src/" : ""}, ` +
      `dist ${p.dist}${p.quick ? ", quick" : ""}${p.otherCoresDuring === undefined ? "" : `, other load ${fmtCores(p.otherCoresDuring)}`})`);
    out.push(`| results from | ${parts.join("; ")} |`);
  }
  out.push("");
  if ((meta.otherCoresDuring ?? 0) > 0.25 || (meta.otherCoresBefore ?? 0) > 0.25) {
    out.push(`> **Other processes were using the CPU** (${fmtCores(meta.otherCoresDuring)} of ${meta.cores} on average during the run): ` +
      "absolute numbers are lower and noisier than on a quiet machine; ratios, taken per round, are less affected.", "");
  }

  out.push("## Targets (edge-sse, same run)", "");
  out.push(table(["target", "wanted", "edge-sse now", "met"], targets.map((t) => [t.label, t.want, t.value, t.met ? "met" : "**not met**"]), "llll"));
  out.push("");

  out.push(`## A. In-process throughput (${fmtInt(c.A.n)} events, drained from the body; median of ${c.A.rounds})`, "");
  out.push("Ranked by × thin: events/s divided by thin's in the same round, median over rounds (spread: lowest–highest round). " +
    "CPU: process CPU time per event (includes GC threads). Ceilings are not servers and are not ranked.", "");
  for (const [shape, rows] of Object.entries(summary.A)) {
    const label = { a: 'a: data "hello world"', b: "b: ~150-byte JSON, event and id", c: "c: 5-line text" }[shape];
    out.push(`### Shape ${label}`, "");
    const servers = ranked(rows.filter((r) => !isCeiling(r.name)), "ratio");
    const ceilings = rows.filter((r) => isCeiling(r.name)).map((r) => ({ ...r, rank: r.state === "ok" ? "ceiling" : r.state }));
    out.push(table(
      ["rank", "contender", "events/s", "× thin", "spread", "CPU µs/event", "bytes/chunk", "check"],
      [...servers, ...ceilings].map((r) => [r.rank, r.name, fmtInt(r.eventsPerSec), fmtRatio(r.ratio), fmtSpread(r),
        r.cpuUsPerEvent?.toFixed(2) ?? "–", fmtInt(r.chunkBytes), checkCell(r)]),
    ));
    out.push("");
  }

  out.push(`## B. HTTP throughput (${fmtInt(c.B.n)} events of shape b over 127.0.0.1; median of ${c.B.rounds})`, "");
  out.push("Server: node:http with @hono/node-server's listener for every contender; `edge-sse (edge-sse/node)` is edge-sse " +
    "behind its own bridge instead. Client: fetch in another process, reading the body to its end. " +
    "CPU: the server process's CPU time from the request's arrival to the response's close, per event.", "");
  out.push(table(
    ["rank", "server", "events/s", "× thin", "spread", "server CPU µs/event", "CPU × thin", "check"],
    ranked(summary.B, "ratio").map((r) => [r.rank, r.name, fmtInt(r.eventsPerSec), fmtRatio(r.ratio), fmtSpread(r),
      r.cpuUsPerEvent?.toFixed(2) ?? "–", fmtRatio(r.cpuRatio), checkCell(r)]),
  ));
  out.push("");

  out.push(`## C. Idle memory per connection (${fmtInt(c.C.streams)} open streams, in-process; median of ${c.C.rounds})`, "");
  out.push("Each stream: a Request, the contender's Response, its first event read, then left open (the generator waits). " +
    "Heap: heapUsed after gc, minus the same before, divided by the number of streams. × thin: lower is better.", "");
  out.push(table(
    ["rank", "contender", "heap/connection", "× thin", "RSS/connection", "check"],
    ranked(summary.C, "ratio", true).map((r) => [r.rank, r.name, fmtKB(r.heapPerStream), fmtRatio(r.ratio), fmtKB(r.rssPerStream), checkCell(r)]),
  ));
  out.push("");

  out.push(`## D. Time to first body byte when the first event waits ${c.D.waitMs} ms (HTTP; median of ${c.D.rounds * c.D.samples} requests)`, "");
  out.push("Measured by the client from `fetch()` to the first body bytes; headers: to the response headers; the client first " +
    "warms its connection up with 10 short requests. × thin: lower is better. `floor: bare node:http` is no library at all " +
    "(node:http writing its headers and a comment at once): what the loopback round trip costs on this machine.", "");
  out.push(table(
    ["rank", "server", "first body byte", "headers", "first byte − headers", "× thin", "check"],
    ranked(summary.D, "firstByteMs", true).map((r) => [r.rank, r.name, `${r.firstByteMs?.toFixed(1) ?? "–"} ms`, `${r.headersMs?.toFixed(1) ?? "–"} ms`,
      `${r.afterHeadersMs?.toFixed(1) ?? "–"} ms`, fmtRatio(r.ratio), checkCell(r)]),
  ));
  out.push("");

  out.push(`## E. Push mode into a slow reader (${fmtInt(c.E.n)} events of shape b pushed at full speed; reader ${(c.E.rate / 1e6).toFixed(1)} MB/s; median of ${c.E.rounds})`, "");
  out.push("Growth: the largest (heapUsed + arrayBuffers) after gc, sampled every 25 ms, minus the same before the stream. " +
    `Bounded: at most ${E_BOUND_BYTES / 2 ** 20} MiB. thin has no push API, so there is no ratio.`, "");
  out.push(table(
    ["variant", "max growth", "growth per event sent", "delivered / sent", "ended by", `within ${E_BOUND_BYTES / 2 ** 20} MiB`],
    summary.E.map((r) => [r.name, fmtMB(r.maxGrowth), r.perEvent === undefined ? "–" : `${Math.round(r.perEvent)} B`,
      `${fmtInt(r.delivered)} / ${fmtInt(r.sent)}`, r.state === "ok" ? r.closeReasons.join(", ") : `**${r.state}** ${r.detail}`,
      r.maxGrowth === undefined ? "–" : r.maxGrowth <= E_BOUND_BYTES ? "yes" : "no"]),
    "lrrrll",
  ));
  out.push("");

  if (c.F !== undefined && summary.F.length > 0) {
    out.push(`## F. Fan-out (one publish to ${fmtInt(c.F.subscribers)} subscribers in one process; ${c.F.publishes} timed publishes a round; median of ${c.F.rounds})`, "");
    out.push("Per publish: the time from `publish` until every subscriber's reader has read the event (the median publish of a round, then the median over rounds; " +
      "`gc()` runs before each publish), and the process CPU time meanwhile. × edge-sse: that time divided by edge-sse's in the same round (lower is better). " +
      "Serialize: calls of the serializer each library is given; UTF-8: `TextEncoder` encodes, counted on the untimed publishes; " +
      "Uint8Arrays: distinct chunk objects the subscribers read, all together. Heap: heapUsed after gc with every subscriber live and idle, " +
      "minus the same before, per subscriber. The floor is no library (one Uint8Array enqueued into every stream) and is not ranked.", "");
    const servers = ranked(summary.F.filter((r) => !r.name.startsWith("floor")), "msPerPublish", true);
    const floors = summary.F.filter((r) => r.name.startsWith("floor")).map((r) => ({ ...r, rank: r.state === "ok" ? "floor" : r.state }));
    out.push(table(
      ["rank", "contender", "ms/publish", "× edge-sse", "spread", "µs per subscriber", "CPU ms/publish", "serialize/publish", "UTF-8 encodes/publish",
        "Uint8Arrays/publish", "heap/subscriber", "heap × edge-sse", "check"],
      [...servers, ...floors].map((r) => [r.rank, r.name, r.msPerPublish?.toFixed(1) ?? "–", fmtRatio(r.ratio), fmtSpread(r),
        r.msPerPublish === undefined ? "–" : ((1000 * r.msPerPublish) / r.subscribers).toFixed(2), r.cpuMsPerPublish?.toFixed(1) ?? "–",
        fmtNum(r.serializePerPublish), fmtNum(r.utf8PerPublish), fmtNum(r.chunkObjectsPerPublish), fmtKB(r.heapPerSubscriber), fmtRatio(r.heapRatio), checkCell(r)]),
    ));
    out.push("");
  }

  out.push("## Correctness (eventsource-parser)", "");
  out.push("Each contender's bytes are parsed with eventsource-parser and compared, event by event, with what the fixtures " +
    "say a browser should see (type, data, lastEventId): A on a 1,000-event run per shape, B on 1,000 events over HTTP, " +
    "D on every request, F on every event of every subscriber. A WRONG contender is not ranked.", "");
  const flags = [];
  for (const [shape, rows] of Object.entries(summary.A)) {
    for (const r of rows) if (r.state !== "ok" && r.state !== "not run") flags.push([`A ${shape}`, r.name, r.state, r.detail]);
  }
  for (const [w, rows] of [["B", summary.B], ["C", summary.C], ["D", summary.D], ["E", summary.E], ["F", summary.F]]) {
    for (const r of rows) if (r.state !== "ok" && r.state !== "not run") flags.push([w, r.name, r.state, r.detail]);
  }
  if (flags.length === 0) out.push("Every contender's output matched in every check.");
  else out.push(table(["workload", "contender", "flag", "first difference"], flags, "llll"));
  out.push("");
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// SVG: four panels of bars (A a, A b, A c, B), ratio to thin, with thin's 1× and edge-sse's target.

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderSvg(summary, meta) {
  const panels = [
    { title: 'A · shape a: "hello world"', rows: summary.A.a, target: 4.5 },
    { title: "A · shape b: JSON + event + id", rows: summary.A.b, target: 1.8 },
    { title: "A · shape c: 5-line text", rows: summary.A.c, target: 3 },
    { title: "B · HTTP, shape b", rows: summary.B, target: 2 },
  ].filter((p) => p.rows !== undefined && p.rows.length > 0);
  const rowH = 26;
  const labelW = 215;
  const barW = 300;
  const panelW = labelW + barW + 70;
  const maxRows = Math.max(...panels.map((p) => p.rows.length));
  const panelH = 50 + maxRows * rowH + 30;
  const cols = 2;
  const headH = 56;
  const width = cols * panelW + 30;
  const height = headH + Math.ceil(panels.length / cols) * panelH + 30;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="15" y="26" font-size="18" font-weight="bold" fill="#111">edge-sse vs peers: events/s as a multiple of thin (higher is better; same run, median of rounds)</text>`);
  // The bars are A and B: give the facts of the run they come from (another one after `--only`).
  const ab = meta.workloads?.A ?? meta;
  parts.push(`<text x="15" y="46" font-size="12" fill="#555">${esc(`${ab.date.slice(0, 10)} · ${meta.cpu}, ${meta.cores} cores · Node ${ab.node}${ab.quick ? " · QUICK RUN" : ""} · dashed grey: thin (1×) · dashed red: edge-sse target · whiskers: lowest–highest round · hatched: WRONG output, not ranked`)}</text>`);
  parts.push(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c00" stroke-width="2"/></pattern></defs>`);
  panels.forEach((panel, p) => {
    const x0 = 15 + (p % cols) * panelW;
    const y0 = headH + Math.floor(p / cols) * panelH;
    const values = panel.rows.flatMap((r) => [r.ratio ?? 0, r.max ?? 0]);
    const scaleMax = Math.max(panel.target * 1.1, ...values, 1.2) * 1.02;
    const sx = (v) => x0 + labelW + (Math.min(v, scaleMax) / scaleMax) * barW;
    parts.push(`<text x="${x0}" y="${y0 + 22}" font-size="14" font-weight="bold" fill="#111">${esc(panel.title)}</text>`);
    const top = y0 + 44;
    const bottom = top + panel.rows.length * rowH;
    // Grid: 0, 1× (thin) and the target.
    parts.push(`<line x1="${sx(0)}" y1="${top - 4}" x2="${sx(0)}" y2="${bottom}" stroke="#999"/>`);
    parts.push(`<line x1="${sx(1)}" y1="${top - 4}" x2="${sx(1)}" y2="${bottom}" stroke="#777" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${sx(1)}" y="${bottom + 14}" font-size="11" fill="#555" text-anchor="middle">1×</text>`);
    parts.push(`<line x1="${sx(panel.target)}" y1="${top - 4}" x2="${sx(panel.target)}" y2="${bottom}" stroke="#d00" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${sx(panel.target)}" y="${top - 8}" font-size="11" fill="#d00" text-anchor="middle">edge-sse target ${panel.target}×</text>`);
    panel.rows.forEach((row, i) => {
      const y = top + i * rowH;
      const wrong = row.state !== "ok";
      const ratio = row.ratio ?? 0;
      const isEdge = row.name.startsWith("edge-sse");
      const fill = wrong ? "url(#hatch)" : isEdge ? "#e8590c" : row.name === "thin" ? "#495057" : isCeiling(row.name) ? "#ced4da" : "#4c6ef5";
      parts.push(`<text x="${x0 + labelW - 8}" y="${y + 17}" font-size="13" text-anchor="end" fill="#111"${isEdge ? ' font-weight="bold"' : ""}>${esc(row.name)}</text>`);
      const w = Math.max(1, sx(wrong ? Math.max(ratio, 0.05) : ratio) - sx(0));
      parts.push(`<rect x="${sx(0)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${fill}"${wrong ? ' stroke="#c00"' : ""}/>`);
      // Whisker: the lowest and highest round.
      if (!wrong && row.min !== undefined && row.max > row.min) {
        const ym = y + rowH / 2;
        parts.push(`<path d="M${sx(row.min).toFixed(1)} ${ym - 4}v8M${sx(row.min).toFixed(1)} ${ym}H${sx(row.max).toFixed(1)}M${sx(row.max).toFixed(1)} ${ym - 4}v8" stroke="#111" stroke-width="1.2" fill="none"/>`);
      }
      const label = wrong ? row.state : fmtRatio(row.ratio);
      const clipped = ratio > scaleMax;
      const lx = Math.max(sx(0) + w, !wrong && row.max !== undefined ? sx(row.max) : 0) + 5;
      parts.push(`<text x="${lx.toFixed(1)}" y="${y + 17}" font-size="12" fill="${wrong ? "#c00" : "#111"}"${wrong ? ' font-weight="bold"' : ""} paint-order="stroke" stroke="#fff" stroke-width="3">${esc(label)}${clipped ? " ▸" : ""}</text>`);
    });
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

export function writeReport({ meta, results }) {
  const summary = summarize(results);
  const targets = computeTargets(summary);
  writeFileSync(join(HERE, "RESULTS.md"), `${renderMarkdown({ meta, results }, summary, targets)}\n`);
  writeFileSync(join(HERE, "results.svg"), renderSvg(summary, meta));
  return { summary, targets };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = JSON.parse(readFileSync(join(HERE, "results.json"), "utf8"));
  const { targets } = writeReport(data);
  for (const t of targets) console.log(`${t.label}: ${t.value} (${t.want}) ${t.met ? "met" : "NOT MET"}`);
}
