// The whole lifecycle suite again, with the portable "nothing more is ready" detector that runtimes
// without process.nextTick get (workerd without nodejs_compat, browsers).
import { vi } from "vitest";

vi.mock("../../src/core/idle-detector.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/core/idle-detector.ts")>();
  return { ...original, createIdleDetector: original.microtaskIdleDetector };
});

await import("./data-stream-lifecycle.test.ts");
