// The runtime suite inside workerd, with @cloudflare/vitest-plugin: the test runs in the same workerd
// as the Worker (worker.ts) and reaches it through SELF.fetch. Cancelling a SELF.fetch body simulates
// a client disconnect. Run: bash scripts/runtimes/workerd.sh
import { SELF } from "cloudflare:test";
import { test } from "vitest";
import { cases, type SuiteTarget } from "../suite.ts";
import { clientCases, type ClientTarget } from "../client-suite.ts";
import { handleClientSuite } from "../client-app.ts";
import { compressCases, handleCompressSuite, type CompressTarget } from "../compress-suite.ts";

const target: SuiteTarget = {
  fetch: (path, init) => SELF.fetch(`http://example.com${path}`, init),
};

for (const suiteCase of cases) {
  test(`workerd: ${suiteCase.name}`, { timeout: suiteCase.timeoutMs }, () => suiteCase.run(target));
}

// The client runs inside the isolate too, against the client cases' handler through its own fetch.
const clientTarget: ClientTarget = {
  url: "http://client.test",
  fetch: (input, init) => handleClientSuite(new Request(input, init)),
};

for (const clientCase of clientCases) {
  test(`workerd: ${clientCase.name}`, { timeout: clientCase.timeoutMs }, () => clientCase.run(clientTarget));
}

// edge-sse/compress (nodejs_compat): the handler called in the isolate, its body decoded with node:zlib.
const compressTarget: CompressTarget = {
  url: "http://compress.test",
  fetch: async (input, init) => handleCompressSuite(new Request(input, init)),
  decodes: false,
};

for (const compressCase of compressCases) {
  test(`workerd: ${compressCase.name}`, { timeout: compressCase.timeoutMs }, () => compressCase.run(compressTarget));
}
