// The runtime suite on Node 18, 20 and 22, over node:http and the edge-sse/node bridge, with node:test.
// Run against dist/: `node --import tsx --test test/runtimes/node.test.ts` with TSX_TSCONFIG_PATH=tsconfig.dist.json.
import { after, before, test } from "node:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener } from "edge-sse/node";
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";
import { clientCases, type ClientTarget } from "./client-suite.ts";
import { handleClientSuite } from "./client-app.ts";
import { compressCases, handleCompressSuite, uncompressedCases } from "./compress-suite.ts";

let server: Server;
let base = "";
const target: SuiteTarget = { fetch: (path, init) => fetch(base + path, init) };
let clientServer: Server;
const clientTarget: { url: string } & ClientTarget = { url: "" };

before(async () => {
  server = createServer(toNodeListener(handleSuite));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  clientServer = createServer(toNodeListener(handleClientSuite));
  await new Promise<void>((resolve) => clientServer.listen(0, "127.0.0.1", resolve));
  clientTarget.url = `http://127.0.0.1:${(clientServer.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
  clientServer.closeAllConnections();
  clientServer.close();
});

for (const suiteCase of cases) {
  test(`${process.version}: ${suiteCase.name}`, { timeout: suiteCase.timeoutMs }, () => suiteCase.run(target));
}

for (const clientCase of clientCases) {
  test(`${process.version}: ${clientCase.name}`, { timeout: clientCase.timeoutMs }, () => clientCase.run(clientTarget));
}

// edge-sse/compress (compress-suite.ts), on a server of its own.
const compressServer = createServer(toNodeListener(handleCompressSuite));
let compressUrl = "";
before(async () => {
  await new Promise<void>((resolve) => compressServer.listen(0, "127.0.0.1", resolve));
  compressUrl = `http://127.0.0.1:${(compressServer.address() as AddressInfo).port}`;
});
after(() => {
  compressServer.closeAllConnections();
  compressServer.close();
});
// Node 18 has no process.getBuiltinModule, so compress finds no node:zlib there and compresses nothing.
const findsZlib = typeof process.getBuiltinModule === "function";
for (const compressCase of findsZlib ? compressCases : uncompressedCases) {
  test(`${process.version}: ${compressCase.name}`, { timeout: compressCase.timeoutMs }, () =>
    compressCase.run({ url: compressUrl, decodes: true }),
  );
}
