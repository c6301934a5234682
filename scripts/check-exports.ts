// Fails when the npm package (package.json) and the JSR package (deno.json) drift apart, or when
// package.json loses a property the library promises. Run after `npm run build` (it checks dist/ too).
//
// The rule for subpaths:
// - Every deno.json export "K" → ./src/X.ts must be exported by package.json under the same "K" as
//   { "types": "./dist/X.d.ts", "default": "./dist/X.js" } (types first, nothing else), and
//   deno.json `imports` must map "edge-sse" to the same file as deno.json's ".".
// - package.json may export more than deno.json only where listed in NPM_ONLY below:
//   "./node" (the Node bridge, src/node.ts: it serves a handler on node:http, which JSR users on Deno
//   do not need, so deno.json `publish.exclude` keeps src/node.ts out of JSR; this check requires that
//   exclusion) and "./package.json" (npm metadata). Any other difference fails.
// Also: the two versions match; package.json keeps "type": "module", "sideEffects": false,
// engines.node ">=18", no (peer/optional/bundled) dependencies, `files` of dist/ entries only; and the
// tarball `npm pack --dry-run` lists holds every export target, nothing outside dist/ but metadata, no
// tests, and no stale dist/ output whose src/ file is gone.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Subpaths package.json exports that deno.json deliberately does not, and why. */
const NPM_ONLY: ReadonlyMap<string, { source: string | null; why: string }> = new Map([
  ["./node", { source: "./src/node.ts", why: "Node bridge for node:http; not for JSR (publish.exclude)" }],
  ["./package.json", { source: null, why: "npm metadata" }],
]);
/** What may be in the npm tarball besides dist/ (npm adds these itself). */
const PACKED_EXTRAS = new Set(["package.json", "README.md", "LICENSE"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const problems: string[] = [];
const fail = (message: string): void => void problems.push(message);

const pkg = readObject("package.json");
const deno = readObject("deno.json");

// --- exports: deno.json ↔ package.json -----------------------------------------------------------
const denoExports = normaliseDenoExports(deno["exports"]);
const pkgExports = pkg["exports"];
if (!isObject(pkgExports) || Object.keys(pkgExports).some((key) => !key.startsWith("."))) {
  fail(`package.json: \`exports\` must be an object of subpaths ("." and "./…") (got ${show(pkgExports)})`);
} else {
  for (const [key, source] of denoExports) {
    const match = /^\.\/src\/(.+)\.ts$/.exec(source);
    if (match === null) {
      fail(`deno.json: export "${key}" must point at ./src/<name>.ts (got ${show(source)})`);
      continue;
    }
    const name = match[1] ?? "";
    if (NPM_ONLY.has(key)) {
      fail(`deno.json: export "${key}" is npm-only (${NPM_ONLY.get(key)?.why ?? ""}); remove it from deno.json, or from NPM_ONLY in scripts/check-exports.ts if JSR should ship it`);
    }
    if (!existsSync(join(root, source))) fail(`deno.json: export "${key}" points at ${source}, which does not exist`);
    if (isExcludedFromJsr(source)) fail(`deno.json: export "${key}" points at ${source}, which publish.exclude keeps out of JSR`);
    if (!(key in pkgExports)) {
      fail(`package.json: \`exports\` lacks "${key}", which deno.json exports (${source}); add { "types": "./dist/${name}.d.ts", "default": "./dist/${name}.js" }`);
      continue;
    }
    checkBuiltExport(key, pkgExports[key] ?? null, name, `deno.json exports it as ${source}`);
  }
  for (const [key, target] of Object.entries(pkgExports)) {
    if (denoExports.has(key)) continue;
    const allowed = NPM_ONLY.get(key);
    if (allowed === undefined) {
      fail(`package.json: export "${key}" has no counterpart in deno.json \`exports\`; add it there, or list it in NPM_ONLY in scripts/check-exports.ts with the reason`);
      continue;
    }
    if (allowed.source === null) {
      if (target !== key) fail(`package.json: export "${key}" must be "${key}" itself (got ${show(target)})`);
      continue;
    }
    const name = /^\.\/src\/(.+)\.ts$/.exec(allowed.source)?.[1] ?? "";
    if (!existsSync(join(root, allowed.source))) fail(`package.json: export "${key}" is built from ${allowed.source}, which does not exist`);
    checkBuiltExport(key, target, name, `npm-only (${allowed.why})`);
    if (!isExcludedFromJsr(allowed.source)) {
      fail(`deno.json: ${allowed.source} backs the npm-only export "${key}" and must be in \`publish.exclude\` so JSR does not ship it unexported`);
    }
  }
}

// deno.json `imports`: the doc examples import "edge-sse"; it must be the JSR "." entry.
const imports = deno["imports"];
const mainSource = denoExports.get(".");
if (mainSource !== undefined) {
  const mapped = isObject(imports) ? imports["edge-sse"] : undefined;
  if (mapped !== mainSource) {
    fail(`deno.json: \`imports\` must map "edge-sse" to ${mainSource} (the "." export), so doc examples test the source (got ${show(mapped)})`);
  }
} else {
  fail(`deno.json: \`exports\` must have a "." entry (got ${show(deno["exports"])})`);
}
if (pkg["version"] !== deno["version"]) {
  fail(`deno.json: \`version\` ${show(deno["version"])} differs from package.json ${show(pkg["version"])}`);
}

// --- package.json properties the library promises ---------------------------------------------
if (pkg["type"] !== "module") fail(`package.json: \`type\` must be "module" (got ${show(pkg["type"])})`);
if (pkg["sideEffects"] !== false) fail(`package.json: \`sideEffects\` must be false (got ${show(pkg["sideEffects"])})`);
const engines = pkg["engines"];
const nodeRange = isObject(engines) ? engines["node"] : undefined;
if (typeof nodeRange !== "string" || !/^>=\s*18(\.0){0,2}$/.test(nodeRange)) {
  fail(`package.json: \`engines.node\` must be ">=18" (got ${show(nodeRange)})`);
}
for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"]) {
  const value = pkg[field];
  if (value === undefined) continue;
  const empty = (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
  if (!empty) fail(`package.json: \`${field}\` must be absent or empty: the library has no runtime dependencies (got ${show(value)})`);
}

// `files`: dist only, and the tarball npm would publish holds every export target and nothing else.
const files = pkg["files"];
if (!Array.isArray(files) || !files.every((entry): entry is string => typeof entry === "string")) {
  fail(`package.json: \`files\` must be an array of strings (got ${show(files)})`);
} else {
  if (!files.includes("dist")) fail(`package.json: \`files\` must include "dist" (got ${show(files)})`);
  const stray = files.filter((entry) => !/^!?dist(\/|$)/.test(entry));
  if (stray.length > 0) fail(`package.json: \`files\` must list only dist/ entries (got ${show(stray)})`);
  const packed = packedFiles();
  if (packed !== null) {
    for (const target of exportTargets(pkgExports)) {
      if (!packed.has(target)) fail(`npm pack: export target ./${target} is not in the tarball (is \`files\` right, and was \`npm run build\` run?)`);
    }
    const extra = [...packed].filter((path) => !path.startsWith("dist/") && !PACKED_EXTRAS.has(path));
    if (extra.length > 0) fail(`npm pack: the tarball holds files outside dist/: ${extra.join(", ")}`);
    const tests = [...packed].filter((path) => /\.test\./.test(path));
    if (tests.length > 0) fail(`npm pack: the tarball holds test files: ${tests.join(", ")}`);
    // tsc never deletes: output of a removed or renamed src file would stay in dist/ and ship.
    const stale = [...packed].filter((path) => {
      const match = /^dist\/(.+?)(\.d)?\.(js|ts)(\.map)?$/.exec(path);
      return match !== null && !existsSync(join(root, `src/${match[1] ?? ""}.ts`));
    });
    if (stale.length > 0) fail(`npm pack: the tarball holds dist/ files with no src/ file behind them (stale build; rm -rf dist && npm run build): ${stale.join(", ")}`);
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`- ${problem}`);
  console.error(`check-exports: ${problems.length} problem${problems.length === 1 ? "" : "s"} (above)`);
  process.exit(1);
}
const summary = [...denoExports].map(([key, source]) => `"${key}" → ${source}`).join(", ");
const npmOnly = [...NPM_ONLY.keys()].filter((key) => isObject(pkgExports) && key in pkgExports).join(", ");
console.log(`exports agree: ${summary} on npm and JSR; npm-only: ${npmOnly}; type module, sideEffects false, engines.node ${String(nodeRange)}, no dependencies, tarball = dist/ + metadata`);

// --- helpers ---------------------------------------------------------------------------------------

function checkBuiltExport(key: string, target: Json, name: string, context: string): void {
  const expected = { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` };
  const expectedText = `{ "types": "${expected.types}", "default": "${expected.default}" }`;
  if (!isObject(target)) {
    fail(`package.json: export "${key}" must be ${expectedText} (${context}; got ${show(target)})`);
    return;
  }
  const keys = Object.keys(target);
  if (keys.length !== 2 || keys[0] !== "types" || keys[1] !== "default" || target["types"] !== expected.types || target["default"] !== expected.default) {
    fail(`package.json: export "${key}" must be exactly ${expectedText}, types first (${context}; got ${show(target)})`);
  }
  for (const path of [expected.types, expected.default]) {
    if (!existsSync(join(root, path))) fail(`dist: ${path} (export "${key}") does not exist; run \`npm run build\``);
  }
}

function normaliseDenoExports(value: Json | undefined): Map<string, string> {
  if (typeof value === "string") return new Map([[".", value]]);
  const entries = new Map<string, string>();
  if (!isObject(value)) {
    fail(`deno.json: \`exports\` must be a path or an object of paths (got ${show(value)})`);
    return entries;
  }
  for (const [key, path] of Object.entries(value)) {
    if (typeof path === "string") entries.set(key, path);
    else fail(`deno.json: export "${key}" must be a path string (got ${show(path)})`);
  }
  return entries;
}

/** Whether deno.json `publish` keeps a file out of the JSR package (exact paths and directories only). */
function isExcludedFromJsr(source: string): boolean {
  const publish = deno["publish"];
  const exclude = isObject(publish) ? publish["exclude"] : undefined;
  if (!Array.isArray(exclude)) return false;
  const path = source.replace(/^\.\//, "");
  return exclude.some((entry) => {
    if (typeof entry !== "string") return false;
    const pattern = entry.replace(/^\.\//, "");
    return pattern === path || (pattern.endsWith("/") && path.startsWith(pattern));
  });
}

function exportTargets(value: Json | undefined): string[] {
  if (typeof value === "string") return [value.replace(/^\.\//, "")];
  if (Array.isArray(value)) return value.flatMap((entry) => exportTargets(entry));
  if (isObject(value)) return Object.values(value).flatMap((entry) => exportTargets(entry));
  return [];
}

/** The paths `npm pack` would put in the tarball (a dry run: nothing is written). */
function packedFiles(): Set<string> | null {
  try {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const parsed: unknown = JSON.parse(out);
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
    const list: unknown = typeof first === "object" && first !== null && "files" in first ? first.files : undefined;
    if (!Array.isArray(list)) throw new TypeError(`unexpected output: ${out.slice(0, 200)}`);
    return new Set(
      list.map((file: unknown) => (typeof file === "object" && file !== null && "path" in file && typeof file.path === "string" ? file.path : "")),
    );
  } catch (error) {
    fail(`npm pack --dry-run failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

function readObject(file: string): JsonObject {
  const text = readFileSync(join(root, file), "utf8");
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (error) {
    console.error(`check-exports: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    process.exit(1);
  }
  if (!isObject(value)) {
    console.error(`check-exports: ${file} must hold a JSON object`);
    process.exit(1);
  }
  return value;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: Json | undefined): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
