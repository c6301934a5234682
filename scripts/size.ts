// Size budgets of the core entry and of the client: bundles dist/index.js (not the Node-only dist/node.js) and
// dist/client.js the way a user's bundler would, minified ESM for ES2022, gzips each at level 9 and fails when
// one is over its budget.
// It also lists what each module contributes, largest first, so a shrink knows where to look.
// Run after `npm run build`: `npm run size` does both.
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * Budget for the core entry, in bytes after minify + gzip (level 9): a guard against growth. The
 * whole contract (field validation with named errors, push queue, batching, keep-alive, one close
 * path, base64, builders) is about 7.8 KB minified before any error text, about 2.7 KB gzipped, so
 * 2 KB cannot hold it. About 10 % above the measured figure (5,085 bytes at the time of writing), so that
 * growth is a decision, not an accident; the figure and the per-module table are printed on every run.
 */
const BUDGET_GZIP_BYTES = 5632;

/**
 * Budget for the client (`edge-sse/client`), measured the same way and on its own: a page that only
 * subscribes loads this, not the core. It holds the parser, reconnection with backoff, the stall
 * watchdog, typed events and every option's named error. About 10 % above the measured figure (6,322
 * bytes at the time of writing).
 */
const CLIENT_BUDGET_GZIP_BYTES = 6954;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENTRIES = [
  { name: "core", entry: "dist/index.js", budget: BUDGET_GZIP_BYTES },
  { name: "client", entry: "dist/client.js", budget: CLIENT_BUDGET_GZIP_BYTES },
] as const;

let failed = false;
for (const { name, entry, budget } of ENTRIES) {
  if (!(await report(name, entry, budget))) failed = true;
}
if (failed) process.exit(1);

/** Bundles `entry` as a user's bundler would, prints its sizes and modules; false when over `budget`. */
async function report(name: string, entry: string, budget: number): Promise<boolean> {
  const outfile = `${name}.min.js`; // never written: write is false
  if (!existsSync(join(root, entry))) {
    console.error(`size: ${entry} is missing; run \`npm run build\` first (or \`npm run size\`, which builds)`);
    return false;
  }

  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
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
    return false;
  }
  const minified = code.contents.byteLength;
  const gzipped = gzipSync(code.contents, { level: 9 }).byteLength;

  const output = result.metafile.outputs[outfile];
  const modules = Object.entries(output?.inputs ?? {})
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));

  console.log(`${name}: ${minified} bytes minified, ${gzipped} bytes min+gzip (budget ${budget})`);
  console.log("");
  console.log(`bytes in the minified ${name} bundle per module (esbuild bytesInOutput, before gzip), largest first:`);
  const glue = "(esbuild glue: export list, newlines)";
  const width = Math.max(...modules.map((m) => m.path.length), glue.length);
  for (const { path, bytes } of modules) {
    const share = minified === 0 ? 0 : (bytes / minified) * 100;
    console.log(`  ${path.padEnd(width)}  ${String(bytes).padStart(6)}  ${share.toFixed(1).padStart(5)}%  ${sourceOf(path)}`);
  }
  const glueBytes = minified - modules.reduce((sum, m) => sum + m.bytes, 0);
  console.log(`  ${glue.padEnd(width)}  ${String(glueBytes).padStart(6)}`);
  console.log("");

  if (gzipped > budget) {
    console.error(`size: ${name} is over budget by ${gzipped - budget} bytes min+gzip (${gzipped} > ${budget})`);
    return false;
  }
  return true;
}

/** The source file a dist module was built from (dist/x.js ← src/x.ts), when it exists. */
function sourceOf(distPath: string): string {
  const match = /^dist\/(.+)\.js$/.exec(distPath);
  if (match === null) return "";
  const source = `src/${match[1] ?? ""}.ts`;
  return existsSync(join(root, source)) ? `← ${source}` : "";
}
