// The whole lifecycle suite again, with a keep-alive timer per stream, as on Cloudflare Workers, where a
// timer belongs to the request that set it and streams cannot share one.
import { vi } from "vitest";

vi.mock("../../src/core/keep-alive-clock.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/core/keep-alive-clock.ts")>();
  return { ...original, sharesTimers: false };
});

await import("./data-stream-lifecycle.test.ts");
