import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // As in tsconfig.json `paths`: examples and tests import the package by name, which means the source
    // (each subpath of package.json `exports` is the entry file of that name: edge-sse/channel → src/channel.ts).
    alias: [
      { find: /^edge-sse$/, replacement: source("./src/index.ts") },
      { find: /^edge-sse\/([\w-]+)$/, replacement: source("./src/$1.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // The runtime suites run under each runtime's own runner (scripts/test-runtimes.sh); the framework tests
    // that need their own install (Next.js, Elysia on Bun) run in scripts/runtimes/frameworks.sh.
    exclude: ["test/runtimes/**", "test/frameworks/**", "**/node_modules/**"],
    // Browser and HTTP tests start real servers and a real Chromium.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
