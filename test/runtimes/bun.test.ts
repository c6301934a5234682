// The runtime suite on Bun, over Bun.serve, with bun:test; then the Redis cases (redis-suite.ts) against a
// redis-server this file starts. "edge-sse" resolves to src/ through tsconfig.json's `paths`. Bun.serve keeps its
// DEFAULT idleTimeout (10 s) on purpose: the 25 s quiet case proves that the library's keep-alive pings hold a
// quiet stream open.
// "$RT_BUN" test ./test/runtimes/bun.test.ts
import { afterAll, beforeAll, test } from "bun:test";
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";
import { redisCases } from "./redis-suite.ts";
import { startRedis, type RedisServer } from "./redis-server.ts";
import { clientCases, type ClientTarget } from "./client-suite.ts";
import { handleClientSuite } from "./client-app.ts";
import { compressCases, handleCompressSuite } from "./compress-suite.ts";

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

// The client's cases (client-suite.ts), against a server of their own.
let clientServer: ReturnType<typeof Bun.serve> | undefined;
const clientTarget: { url: string } & ClientTarget = { url: "" };
beforeAll(() => {
  clientServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handleClientSuite });
  clientTarget.url = `http://127.0.0.1:${clientServer.port}`;
});
afterAll(async () => {
  await clientServer?.stop(true);
});

for (const clientCase of clientCases) {
  test(`bun ${Bun.version}: ${clientCase.name}`, () => clientCase.run(clientTarget), clientCase.timeoutMs);
}

// edge-sse/compress (compress-suite.ts), on a server of its own.
let compressServer: ReturnType<typeof Bun.serve> | undefined;
let compressUrl = "";
beforeAll(() => {
  compressServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handleCompressSuite });
  compressUrl = `http://127.0.0.1:${compressServer.port}`;
});
afterAll(async () => {
  await compressServer?.stop(true);
});
for (const compressCase of compressCases) {
  test(
    `bun ${Bun.version}: ${compressCase.name}`,
    () => compressCase.run({ url: compressUrl, decodes: true }),
    compressCase.timeoutMs,
  );
}

let redis: RedisServer | undefined;
let redisFailure: unknown;
beforeAll(async () => {
  try {
    redis = await startRedis();
  } catch (error) {
    redisFailure = error; // Each Redis case fails with it; the suite above still runs.
  }
});
afterAll(async () => {
  await redis?.stop();
});

for (const redisCase of redisCases) {
  test(
    `bun ${Bun.version}: ${redisCase.name}`,
    () => {
      if (redis === undefined) throw redisFailure;
      return redisCase.run(redis.url);
    },
    redisCase.timeoutMs,
  );
}
