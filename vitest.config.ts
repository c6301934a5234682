import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Browser and HTTP tests start real servers and a real Chromium.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
