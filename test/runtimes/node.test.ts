// The runtime suite on Node 18, 20 and 22, over node:http and the edge-sse/node bridge, with node:test.
// Run against dist/: `node --import tsx --test test/runtimes/node.test.ts` with TSX_TSCONFIG_PATH=tsconfig.dist.json.
import { after, before, test } from "node:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener } from "edge-sse/node";
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";

let server: Server;
let base = "";
const target: SuiteTarget = { fetch: (path, init) => fetch(base + path, init) };

before(async () => {
  server = createServer(toNodeListener(handleSuite));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

for (const suiteCase of cases) {
  test(`${process.version}: ${suiteCase.name}`, { timeout: suiteCase.timeoutMs }, () => suiteCase.run(target));
}
