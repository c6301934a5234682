// The workerd tests (@cloudflare/vitest-plugin 1.5 + vitest 5, Node >= 22), in two projects:
// - "suite": the runtime suite, with the Worker and bindings of wrangler.toml (which `wrangler dev` serves too);
// - "durable-object": edge-sse/durable-object, with the Worker and bindings of durable-object/wrangler.toml.
// Both come from scripts/install-runtimes.sh, not from the repo's devDependencies: scripts/runtimes/workerd.sh
// links this folder's node_modules to them, then runs `node22 vitest.mjs run --config test/runtimes/workerd/vitest.config.ts`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("./"),
  resolve: {
    // As the root vitest.config.ts: tests and Workers import the package by name, which means the source.
    alias: [
      { find: /^edge-sse$/, replacement: here("../../../src/index.ts") },
      { find: /^edge-sse\/([\w-]+)$/, replacement: here("../../../src/$1.ts") },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        plugins: [cloudflareTest({ wrangler: { configPath: here("./wrangler.toml") } })],
        test: { name: "suite", include: ["suite.test.ts"] },
      },
      {
        extends: true,
        plugins: [cloudflareTest({ wrangler: { configPath: here("./durable-object/wrangler.toml") } })],
        test: { name: "durable-object", include: ["durable-object/*.test.ts"] },
      },
    ],
  },
});
