// Size budget of the core entry: bundles dist/index.js (not the Node-only dist/node.js) the way a user's
// bundler would, minified ESM for ES2022, gzips it at level 9 and fails when it is over the budget.
// It also lists what each module contributes, largest first, so a shrink knows where to look.
// The core is measured twice: importing every export but `defineEvents` (what a user who does not
// use typed events pays: the budget), and importing everything (typed events included, their own
// budget), with the modules the second adds.
// edge-sse/tokens is measured on its own (every export, and authorize alone), with its budget,
// and so is edge-sse/client (a page that only subscribes loads it, not the core).
// Run after `npm run build`: `npm run size` does both.
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * Budget for the core entry, in bytes after minify + gzip (level 9): a guard against growth. The
 * whole contract (field validation with named errors, push queue, batching, keep-alive, one close
 * path, base64, builders) is about 7.8 KB minified before any error text, about 2.7 KB gzipped, so
 * 2 KB cannot hold it. About 5 % above the measured figure, so that growth is a decision, not an
 * accident; the figure and the per-module table are printed on every run. Raised from 5,632 when the
 * hardening round took the core from 5,085 to 6,127 bytes: ids that survive the HTTP round trip (rules
 * with named errors, UTF-8 decoding of Last-Event-ID), checks of `toResponse` init, the bound on a stuck
 * producer's cleanup, and header merging that keeps every Set-Cookie. Raised from 6,432 when ending on
 * purpose and relaying took it from 6,159 to 6,564 bytes: the `finite` option, `ctx.end()`, the end
 * event, and the relay of a client subscription (its mark, the field checks with named errors, ids
 * written only when they change). Raised from 6,892 when the typed streams (the `events` option and
 * its check), the `lastEventId` query parameter and `expiresAt` (the `"expired"` close, its event and
 * a timer that waits past 2^31 - 1 ms) took it to 7,066 bytes. Raised from 7,420 when the stream engine
 * became one object with its methods on the prototype (instead of a closure of some thirty functions
 * per stream), its iterators and idle detectors as classes, and cheaper Message builders: 7,704 bytes, about 640 more (property
 * names do not minify), for about 3.5 KiB less heap per idle stream (11.7 to 8.1 KiB on Node 20).
 * Raised from 8,000 when streams with the same keep-alive came to share one timer (7,924 to 8,153
 * bytes), for about 350 bytes less heap per stream on Node and 800 on Deno; 8,249 with that timer due
 * when the next stream is, and a stream that started while the idle detector's check ran taking the
 * checked detector afterwards. Raised from 8,300 when the hardening against hostile sources and options
 * (iterator results checked where they are taken, thenables settled by the one close path, header sets
 * and `init` named in their errors, `content-length` refused, Last-Event-ID in any letter case) took it
 * to 8,768 bytes (8,786 with promise items and the reserved event names refused): nearly all of it the
 * text of the new errors.
 */
const BUDGET_GZIP_BYTES = 9000;
/**
 * Budget for the core with `defineEvents` imported as well (typed events: builders, parse, the
 * OpenAPI and AsyncAPI output, their error texts): about 5 % above the measured figure (9,064 bytes
 * after the hardening round; 9,485 with ending on purpose and relaying; 9,991 with typed streams, the
 * query parameter and `expiresAt`; 10,643 with the engine as one object per stream; 11,186 with the
 * shared keep-alive timer; 11,888 with the hardening that raised the core's budget to 9,000).
 */
const BUDGET_WITH_EVENTS_GZIP_BYTES = 12500;
/**
 * Budget for edge-sse/tokens with every export imported (signing, verifying, authorize, the expiry
 * helpers, the opaque id codec, their error texts): about 10 % above the measured figure (6,180
 * bytes at the time of writing). A subpath of its own: the core's figures never include it.
 */
const BUDGET_TOKENS_GZIP_BYTES = 6800;
/**
 * Budget for the client (`edge-sse/client`), measured the same way and on its own: a page that only
 * subscribes loads this, not the core. It holds the parser, reconnection with backoff, the stall
 * watchdog, typed events and every option's named error. About 10 % above the measured figure (6,322
 * bytes at the time of writing). Raised from 6,954 when the client came to send Last-Event-ID as UTF-8,
 * check `headers` and `method` as fetch would, and handle the expiry event in typed subscriptions:
 * 6,919 bytes (6,953 once it shared the server's header encoding), too near the old budget to leave room.
 */
const BUDGET_CLIENT_GZIP_BYTES = 7300;
/** The exports that typed events add; the core without them must not grow when they do. */
const EVENTS_EXPORTS: ReadonlySet<string> = new Set(["defineEvents"]);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = "dist/index.js";
const outfile = "core.min.js"; // never written: write is false

for (const built of [entry, "dist/tokens.js", "dist/client.js"]) {
  if (!existsSync(join(root, built))) {
    console.error(`size: ${built} is missing; run \`npm run build\` first (or \`npm run size\`, which builds)`);
    process.exit(1);
  }
}

const exported = Object.keys(await import(pathToFileURL(join(root, entry)).href));
const withoutEvents = exported.filter((name) => !EVENTS_EXPORTS.has(name));
const core = await measure(`export { ${withoutEvents.join(", ")} } from "./${entry}";`);
const all = await measure(`export * from "./${entry}";`);
const tokensEntry = "dist/tokens.js";
const tokens = await measure(`export * from "./${tokensEntry}";`);
// What a fetch handler that only checks tokens in front of a channel's response pays.
const tokensGuard = await measure(`export { authorize } from "./${tokensEntry}";`);
const client = await measure(`export * from "./dist/client.js";`);

console.log(
  `core: ${core.minified} bytes minified, ${core.gzipped} bytes min+gzip (budget ${BUDGET_GZIP_BYTES}), without defineEvents`,
);
console.log(
  `core with defineEvents: ${all.minified} bytes minified, ${all.gzipped} bytes min+gzip (budget ${BUDGET_WITH_EVENTS_GZIP_BYTES}), ` +
    `+${all.gzipped - core.gzipped} bytes min+gzip for typed events`,
);
console.log(
  `edge-sse/tokens: ${tokens.minified} bytes minified, ${tokens.gzipped} bytes min+gzip (budget ${BUDGET_TOKENS_GZIP_BYTES}), every export; ` +
    `${tokensGuard.gzipped} bytes min+gzip with authorize only`,
);
console.log(
  `edge-sse/client: ${client.minified} bytes minified, ${client.gzipped} bytes min+gzip (budget ${BUDGET_CLIENT_GZIP_BYTES}), every export`,
);
console.log("");
console.log("bytes in the minified core per module (esbuild bytesInOutput, before gzip), largest first:");
const glue = "(esbuild glue: export list, newlines)";
const width = Math.max(
  ...[...all.modules, ...tokens.modules, ...client.modules].map((m) => m.path.length),
  glue.length,
);
printModules(core.modules, core.minified, true);
console.log("");
console.log("what importing defineEvents adds:");
const inCore = new Set(core.modules.map((m) => m.path));
printModules(
  all.modules.filter((m) => !inCore.has(m.path)),
  all.minified,
  false,
);
console.log("");
console.log("bytes in edge-sse/tokens per module, every export imported:");
printModules(tokens.modules, tokens.minified, true);
console.log("");
console.log("bytes in edge-sse/client per module, every export imported:");
printModules(client.modules, client.minified, true);

let over = false;
for (const [label, measured, budget] of [
  ["the core", core, BUDGET_GZIP_BYTES],
  ["the core with defineEvents", all, BUDGET_WITH_EVENTS_GZIP_BYTES],
  ["edge-sse/tokens", tokens, BUDGET_TOKENS_GZIP_BYTES],
  ["edge-sse/client", client, BUDGET_CLIENT_GZIP_BYTES],
] as const) {
  if (measured.gzipped > budget) {
    over = true;
    console.error("");
    console.error(
      `size: ${label} is over budget by ${measured.gzipped - budget} bytes min+gzip (${measured.gzipped} > ${budget})`,
    );
  }
}
if (over) process.exit(1);

interface Measured {
  minified: number;
  gzipped: number;
  modules: Array<{ path: string; bytes: number }>;
}

/** Bundles an entry module given as text (importing from dist/) and measures it. */
async function measure(contents: string): Promise<Measured> {
  const result = await build({
    absWorkingDir: root,
    stdin: { contents, resolveDir: root, sourcefile: "size-entry.js", loader: "js" },
    outfile,
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    // Neutral: the core must not lean on Node (or browser) specifics; a `node:` import would fail here.
    platform: "neutral",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles.find((file) => relative(root, file.path) === outfile);
  if (code === undefined) {
    console.error(`size: esbuild produced no ${outfile}`);
    process.exit(1);
  }
  const modules = Object.entries(result.metafile.outputs[outfile]?.inputs ?? {})
    .filter(([path]) => path !== "size-entry.js")
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  return { minified: code.contents.byteLength, gzipped: gzipSync(code.contents, { level: 9 }).byteLength, modules };
}

/** One line per module with its share of `minified`; `withGlue` adds the bytes no module accounts for. */
function printModules(modules: Measured["modules"], minified: number, withGlue: boolean): void {
  for (const { path, bytes } of modules) {
    const share = minified === 0 ? 0 : (bytes / minified) * 100;
    console.log(
      `  ${path.padEnd(width)}  ${String(bytes).padStart(6)}  ${share.toFixed(1).padStart(5)}%  ${sourceOf(path)}`,
    );
  }
  const glueBytes = minified - modules.reduce((sum, m) => sum + m.bytes, 0);
  if (withGlue) console.log(`  ${glue.padEnd(width)}  ${String(glueBytes).padStart(6)}`);
}

/** The source file a dist module was built from (dist/x.js ← src/x.ts), when it exists. */
function sourceOf(distPath: string): string {
  const match = /^dist\/(.+)\.js$/.exec(distPath);
  if (match === null) return "";
  const source = `src/${match[1] ?? ""}.ts`;
  return existsSync(join(root, source)) ? `← ${source}` : "";
}
