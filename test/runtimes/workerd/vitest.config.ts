// The runtime suite inside workerd (@cloudflare/vitest-plugin 1.5 + vitest 5, Node >= 22).
// Both come from scripts/install-runtimes.sh, not from the repo's devDependencies: scripts/runtimes/workerd.sh
// links this folder's node_modules to them, then runs `node22 vitest.mjs run --config test/runtimes/workerd/vitest.config.ts`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("./"),
  resolve: {
    // As the root vitest.config.ts: the suite imports the package by name, which means the source.
    alias: [{ find: /^edge-sse$/, replacement: here("../../../src/index.ts") }],
  },
  plugins: [
    cloudflareTest({
      main: here("./worker.ts"),
      miniflare: {
        compatibilityDate: "2026-11-01",
        // nodejs_compat: the suite uses node:assert. enable_request_signal: request.signal aborts on disconnect.
        compatibilityFlags: ["nodejs_compat", "enable_request_signal"],
      },
    }),
  ],
  test: {
    include: ["suite.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
