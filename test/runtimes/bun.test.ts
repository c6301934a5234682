// The runtime suite on Bun, over Bun.serve, with bun:test. "edge-sse" resolves to src/ through tsconfig.json's
// `paths`. Bun.serve keeps its DEFAULT idleTimeout (10 s) on purpose: the 25 s quiet case proves that the
// library's keep-alive pings hold a quiet stream open.
// "$RT_BUN" test ./test/runtimes/bun.test.ts
import { afterAll, beforeAll, test } from "bun:test";
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";

let server: ReturnType<typeof Bun.serve> | undefined;
let base = "";
const target: SuiteTarget = { fetch: (path, init) => fetch(base + path, init) };

beforeAll(() => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handleSuite });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop(true);
});

for (const suiteCase of cases) {
  test(`bun ${Bun.version}: ${suiteCase.name}`, () => suiteCase.run(target), suiteCase.timeoutMs);
}
