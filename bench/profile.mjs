/**
 * Where does a contender spend its time? Runs one workload-A job under a CPU profiler and prints
 * the functions with the most self time.
 *
 *   node profile.mjs [contender=edge-sse] [shape=a] [events=200000] [--runtime=node20] [--keep]
 *
 * Runtimes: node20, node22 and bun write a .cpuprofile (`--cpu-prof`; Bun has the same flags), read
 * here; deno writes V8's tick log (`--v8-flags=--prof`), which `node --prof-process` summarizes (its
 * JavaScript part is exact; Deno's own native code shows as one shared library). The binaries come
 * from the environment as run.mjs finds them (RT_NODE22, RT_BUN, RT_DENO). The profile covers the
 * whole job (its check and warm-up too). `--keep` leaves the profile and prints its path.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimePaths } from "./runtimes.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const keep = process.argv.includes("--keep");
const runtime = process.argv.find((a) => a.startsWith("--runtime="))?.slice(10) ?? "node20";
const [contender = "edge-sse", shape = "a", events = "200000"] = args;
const dir = mkdtempSync(join(tmpdir(), "edge-sse-profile-"));
const bin = runtimePaths([runtime])[runtime];
if (!bin) {
  console.error(`profile: no binary for ${runtime} (expected node20, node22, deno or bun)`);
  process.exit(1);
}

const job = JSON.stringify({ workload: "A", contender, shape, n: Number(events), checkN: 1_000, warmN: 10_000 });
const v8Log = join(dir, "v8.log");
const command =
  runtime === "deno"
    ? [
        "run",
        "--allow-all",
        "--no-lock",
        "--no-prompt",
        `--v8-flags=--expose-gc,--prof,--no-logfile-per-isolate,--logfile=${v8Log}`,
        "worker.mjs",
        job,
      ]
    : [...(runtime === "bun" ? [] : ["--expose-gc"]), "--cpu-prof", `--cpu-prof-dir=${dir}`, "worker.mjs", job];
const run = spawnSync(bin, command, { cwd: HERE, encoding: "utf8", timeout: 300_000 });
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
console.log(`job (${runtime}): ${run.stdout.trim()}`);

if (runtime === "deno") {
  const processed = spawnSync(process.execPath, ["--prof-process", v8Log], { encoding: "utf8", maxBuffer: 1 << 26 });
  const lines = processed.stdout.split("\n");
  const from = lines.findIndex((line) => line.includes("[Shared libraries]"));
  const to = lines.findIndex((line, i) => i > from && line.includes("[C++]"));
  console.log(lines.slice(Math.max(from, 0), to > from ? to : from + 40).join("\n"));
  if (keep) console.log(`\nprofile: ${v8Log}`);
  else rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const { functionName, url, lineNumber } = node.callFrame;
  const path = url.startsWith("file:") ? relative(join(HERE, ".."), fileURLToPath(url)) : url;
  const where = path ? `${path}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"}\t${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
console.log(
  `\nself time, ${runtime}, ${contender} shape ${shape}, ${events} events (whole job: ${(total / 1e6).toFixed(2)} s)\n`,
);
console.log("   %    ms  function  (file:line)");
for (const [key, us] of top) {
  const [name, where] = key.split("\t");
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)} ${(us / 1000).toFixed(0).padStart(5)}  ${name}${where ? `  (${where})` : ""}`,
  );
}
if (keep) console.log(`\nprofile: ${join(dir, file)}`);
else rmSync(dir, { recursive: true, force: true });
