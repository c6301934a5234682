/**
 * Where edge-sse's built modules are, portable (no `node:*`): `dir` is the copy of `../dist` that
 * run.mjs took when the run started (an absolute path), so that a rebuild during a run cannot put
 * two builds in one table; without it, `../dist` itself.
 */
export function distUrl(dir, file) {
  if (dir === undefined || dir === "") return new URL(`../dist/${file}`, import.meta.url).href;
  return new URL(file, `file://${encodeURI(dir.endsWith("/") ? dir : `${dir}/`)}`).href;
}

/** The runtime this code runs on and its version, e.g. `{ name: "bun", version: "1.4.5" }`. */
export function runtimeInfo() {
  const g = globalThis;
  if (g.Deno?.version) return { name: "deno", version: g.Deno.version.deno, v8: g.Deno.version.v8 };
  if (g.Bun?.version) return { name: "bun", version: g.Bun.version };
  if (g.process?.versions?.node) return { name: "node", version: g.process.version, v8: g.process.versions.v8 };
  return { name: g.navigator?.userAgent ?? "unknown", version: "" };
}
