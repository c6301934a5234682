// The runtime suite on Deno, over Deno.serve, with deno test. Imports resolve offline: "edge-sse" through
// deno.json's import map to src/, "hono" and "eventsource-parser" from the repo's node_modules.
// "$RT_DENO" test --no-remote --allow-net=127.0.0.1 test/runtimes/deno.test.ts   (no other permission is needed;
// run WITHOUT --unstable-no-legacy-abort: a signal abort after a finished stream must not count as a disconnect)
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";

const shutdown = new AbortController();
let server: Deno.HttpServer<Deno.NetAddr> | undefined;
let base = "";
const target: SuiteTarget = { fetch: (path, init) => fetch(base + path, init) };

Deno.test.beforeAll(() => {
  server = Deno.serve({ hostname: "127.0.0.1", port: 0, signal: shutdown.signal, onListen() {} }, handleSuite);
  base = `http://127.0.0.1:${server.addr.port}`;
});

Deno.test.afterAll(async () => {
  shutdown.abort();
  await server?.finished;
});

for (const suiteCase of cases) {
  Deno.test({
    name: `deno ${Deno.version.deno}: ${suiteCase.name}`,
    timeout: suiteCase.timeoutMs,
    // The server is shared by every case and outlives each one: the requests a case made may still be
    // winding down on the server side (a cancelled body, a producer's cleanup) when the case returns.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => suiteCase.run(target),
  });
}
