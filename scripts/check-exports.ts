// Fails when the JSR package (deno.json) drifts from the npm package (package.json), whose `exports` is the
// one list of subpaths. Each export "./X" ("." is "index") is the entry file src/X.ts: package.json maps it to
// exactly { "types": "./dist/X.d.ts", "default": "./dist/X.js" }, and deno.json has "./X": "./src/X.ts" in
// `exports` and "edge-sse/X": "./src/X.ts" in `imports` (what doc examples import), unless deno.json
// `publish.exclude` keeps src/X.ts out of JSR (the Node bridge): then it is in neither. Also the versions
// match, and package.json keeps what the library promises (ESM, no side effects, Node 18, no dependencies,
// dist/ only). Adding a subpath: the entry file, one line in package.json `exports`, one in deno.json.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const read = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
const pkg = read("package.json");
const deno = read("deno.json");
const problems: string[] = [];
const show = (value: unknown): string => (value === undefined ? "nothing" : JSON.stringify(value));
const expect = (where: string, got: unknown, wanted: unknown): void => {
  if (JSON.stringify(got) !== JSON.stringify(wanted))
    problems.push(`${where} must be ${show(wanted)} (got ${show(got)})`);
};
const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const pkgExports = record(pkg["exports"]);
const excluded = (record(deno["publish"])["exclude"] ?? []) as unknown[];
const wantedExports: Record<string, string> = {};
const wantedImports: Record<string, string> = {};
for (const [key, target] of Object.entries(pkgExports)) {
  if (key === "./package.json") {
    expect(`package.json exports["${key}"]`, target, key);
    continue;
  }
  const name = key === "." ? "index" : key.slice(2);
  const source = `./src/${name}.ts`;
  expect(`package.json exports["${key}"]`, target, { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
  if (!/^\.(\/[a-z][a-z0-9-]*)?$/.test(key) || !existsSync(source))
    problems.push(`package.json exports["${key}"]: ${source} does not exist`);
  if (excluded.includes(source.slice(2))) continue; // npm only
  wantedExports[key] = source;
  wantedImports[key === "." ? "edge-sse" : `edge-sse/${name}`] = source;
}
expect("deno.json exports", deno["exports"], wantedExports);
expect("deno.json imports", deno["imports"], wantedImports);
expect("deno.json version", deno["version"], pkg["version"]);
for (const [field, wanted] of [
  ["type", "module"],
  ["sideEffects", false],
  ["engines", { node: ">=18" }],
  ["files", ["dist", "!dist/**/*.test.*"]],
] as const) {
  expect(`package.json ${field}`, pkg[field], wanted);
}
for (const field of [
  "dependencies",
  "peerDependencies",
  "optionalDependencies",
  "bundleDependencies",
  "bundledDependencies",
]) {
  if (Object.keys(record(pkg[field])).length > 0 || (Array.isArray(pkg[field]) && pkg[field].length > 0)) {
    problems.push(
      `package.json ${field} must be absent or empty: the library has no runtime dependencies (got ${show(pkg[field])})`,
    );
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`- ${problem}`);
  console.error(`check-exports: ${problems.length} problem${problems.length === 1 ? "" : "s"} (above)`);
  process.exit(1);
}
const npmOnly = Object.keys(pkgExports).filter((key) => !(key in wantedExports));
console.log(
  `=> exports agree: ${Object.keys(wantedExports).join(", ")} on npm and JSR; npm only: ${npmOnly.join(", ")}`,
);
