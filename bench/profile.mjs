/**
 * Where does a contender spend its time? Runs one workload-A job under `node --cpu-prof` and prints
 * the functions with the most self time.
 *
 *   node profile.mjs [contender=edge-sse] [shape=a] [events=200000] [--keep]
 *
 * The profile covers the whole job (its check and warm-up too). `--keep` leaves the .cpuprofile
 * (open it in Chrome DevTools → Performance) and prints its path.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const keep = process.argv.includes("--keep");
const [contender = "edge-sse", shape = "a", events = "200000"] = args;
const dir = mkdtempSync(join(tmpdir(), "edge-sse-profile-"));

const job = { workload: "A", contender, shape, n: Number(events), checkN: 1_000, warmN: 10_000 };
const run = spawnSync(
  process.execPath,
  ["--expose-gc", "--cpu-prof", `--cpu-prof-dir=${dir}`, "worker.mjs", JSON.stringify(job)],
  {
    cwd: HERE,
    encoding: "utf8",
    timeout: 300_000,
  },
);
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
console.log(`job: ${run.stdout.trim()}`);

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
console.log(`\nself time, ${contender} shape ${shape}, ${events} events (whole job: ${(total / 1e6).toFixed(2)} s)\n`);
console.log("   %    ms  function  (file:line)");
for (const [key, us] of top) {
  const [name, where] = key.split("\t");
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)} ${(us / 1000).toFixed(0).padStart(5)}  ${name}${where ? `  (${where})` : ""}`,
  );
}
if (keep) console.log(`\nprofile: ${join(dir, file)}`);
else rmSync(dir, { recursive: true, force: true });
