import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // As in tsconfig.json `paths` and deno.json `imports`: examples import the package by name.
    alias: [
      { find: /^edge-sse$/, replacement: source("./src/index.ts") },
      { find: /^edge-sse\/node$/, replacement: source("./src/node.ts") },
      { find: /^edge-sse\/channel$/, replacement: source("./src/channel.ts") },
      { find: /^edge-sse\/client$/, replacement: source("./src/client.ts") },
      { find: /^edge-sse\/redis$/, replacement: source("./src/redis.ts") },
      { find: /^edge-sse\/durable-object$/, replacement: source("./src/durable-object.ts") },
      { find: /^edge-sse\/tokens$/, replacement: source("./src/tokens.ts") },
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
