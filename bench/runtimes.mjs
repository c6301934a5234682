/**
 * The runtimes the benchmark runs on, from the driver's side (run.mjs): where each one's binary is,
 * which workloads it runs, and how its in-process jobs and HTTP servers are started.
 *
 * Binaries: RT_NODE20 (default: the Node that runs run.mjs), RT_NODE22, RT_DENO, RT_BUN and
 * RT_WRANGLER (run on Node 22) from the environment, as `source scripts/install-runtimes.sh` exports
 * them; when none is set, run.mjs sources that script itself (it installs the pinned runtimes once).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Every runtime, in the order the tables list them. */
export const RUNTIME_IDS = ["node20", "node22", "deno", "bun", "workerd", "workerd-nodejs_compat"];

/** What each runtime runs. D, E, F and H are Node 20's only (their method is Node's); G needs a process holding sockets. */
export const RUNTIME_WORKLOADS = {
  node20: ["A", "B", "C", "D", "E", "F", "G", "H"],
  node22: ["A", "B", "C"],
  deno: ["A", "B", "C"],
  bun: ["A", "B", "C", "G"],
  workerd: ["A", "B"],
  "workerd-nodejs_compat": ["A", "B"],
};

/** The runtimes' binaries: from the environment, else from scripts/install-runtimes.sh. */
export function runtimePaths(ids) {
  const env = process.env;
  const wanted = ids.filter((id) => id !== "node20");
  let found = {
    RT_NODE20: env.RT_NODE20,
    RT_NODE22: env.RT_NODE22,
    RT_DENO: env.RT_DENO,
    RT_BUN: env.RT_BUN,
    RT_WRANGLER: env.RT_WRANGLER,
  };
  if (wanted.length > 0 && !found.RT_NODE22 && !found.RT_DENO && !found.RT_BUN) {
    const script = join(HERE, "../scripts/install-runtimes.sh");
    const run = spawnSync(
      "bash",
      ["-c", `source "${script}" >&2 && printf '%s\\n' "$RT_NODE22" "$RT_DENO" "$RT_BUN" "$RT_WRANGLER"`],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        timeout: 900_000,
      },
    );
    const [node22, deno, bun, wrangler] = (run.stdout ?? "").trim().split("\n");
    found = { ...found, RT_NODE22: node22, RT_DENO: deno, RT_BUN: bun, RT_WRANGLER: wrangler };
  }
  return {
    node20: found.RT_NODE20 || process.execPath,
    node22: found.RT_NODE22,
    deno: found.RT_DENO,
    bun: found.RT_BUN,
    wrangler: found.RT_WRANGLER,
  };
}

function versionOf(command, args) {
  try {
    return execFileSync(command, args, {
      encoding: "utf8",
      timeout: 30_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The runtime `id` with the paths of `runtimePaths()`: `{ id, label, version, available, why,
 * workloads, job(json) → [command, args], server(contender, adapter, json) → [command, args] }`.
 * workerd has no `job`/`server`: run.mjs drives it through workerd.mjs.
 */
export function describeRuntime(id, paths) {
  const workloads = RUNTIME_WORKLOADS[id];
  const missing = (what) => ({ id, label: id, available: false, why: `${what} not found`, workloads });
  if (id === "node20" || id === "node22") {
    const bin = paths[id];
    if (!bin || !existsSync(bin)) return missing(`Node for ${id}`);
    const version = versionOf(bin, ["--version"]);
    return {
      id,
      label: `Node ${version}`,
      version,
      available: true,
      workloads,
      bin,
      job: (json) => [bin, ["--expose-gc", "worker.mjs", json]],
      server: (json) => [bin, ["server.mjs", json]],
    };
  }
  if (id === "deno") {
    if (!paths.deno || !existsSync(paths.deno)) return missing("Deno");
    const version = versionOf(paths.deno, ["--version"])?.split("\n")[0].split(" ")[1];
    const flags = ["run", "--allow-all", "--no-lock", "--no-prompt"];
    return {
      id,
      label: `Deno ${version}`,
      version,
      available: true,
      workloads,
      bin: paths.deno,
      job: (json) => [paths.deno, [...flags, "--v8-flags=--expose-gc", "worker.mjs", json]],
      server: (json) => [paths.deno, [...flags, "--unstable-no-legacy-abort", "serve-deno.mjs", json]],
    };
  }
  if (id === "bun") {
    if (!paths.bun || !existsSync(paths.bun)) return missing("Bun");
    const version = versionOf(paths.bun, ["--version"]);
    return {
      id,
      label: `Bun ${version}`,
      version,
      available: true,
      workloads,
      bin: paths.bun,
      job: (json) => [paths.bun, ["worker.mjs", json]],
      server: (json) => [paths.bun, ["serve-bun.mjs", json]],
    };
  }
  // workerd, through wrangler dev on Node 22.
  if (!paths.wrangler || !existsSync(paths.wrangler)) return missing("wrangler");
  if (!paths.node22 || !existsSync(paths.node22)) return missing("Node 22 (wrangler needs it)");
  const wranglerVersion = versionOf(paths.node22, [paths.wrangler, "--version"])
    ?.split("\n")
    .find((l) => /\d+\.\d+/.test(l))
    ?.match(/\d+\.\d+\.\d+/)?.[0];
  const nodejsCompat = id === "workerd-nodejs_compat";
  return {
    id,
    label: `workerd (wrangler dev ${wranglerVersion ?? "?"}${nodejsCompat ? ", nodejs_compat" : ""})`,
    version: wranglerVersion,
    available: true,
    workloads,
    workerd: { node22: paths.node22, wrangler: paths.wrangler, nodejsCompat },
  };
}
