// The runtime suite on Deno, over Deno.serve, with deno test; then the Redis cases (redis-suite.ts) against a
// redis-server this file starts. Imports resolve offline: "edge-sse" through deno.json's import map to src/,
// "hono", "eventsource-parser", "redis" and "ioredis" from the repo's node_modules.
// "$RT_DENO" test --no-remote --allow-net=127.0.0.1 --allow-env --allow-run=redis-server test/runtimes/deno.test.ts
// (run WITHOUT --unstable-no-legacy-abort: a signal abort after a finished stream must not count as a disconnect).
// The suite's cases run with --allow-net=127.0.0.1 only, and each Redis case with only what its client library
// needs (REDIS_PERMISSIONS). The file's --allow-env is for ioredis and for node:child_process, which copies the
// environment to the redis-server it starts (--allow-run=redis-server). A library that starts to need more fails here.
import { cases, type SuiteTarget } from "./suite.ts";
import { handleSuite } from "./app.ts";
import { redisCases, type RedisLibrary } from "./redis-suite.ts";
import { startRedis, type RedisServer } from "./redis-server.ts";
import { clientCases, type ClientTarget } from "./client-suite.ts";
import { handleClientSuite } from "./client-app.ts";
import { compressCases, handleCompressSuite } from "./compress-suite.ts";

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

// The client's cases (client-suite.ts), against a server of their own (and a shutdown of its own: the
// order of afterAll hooks is not this file's to rely on).
const clientShutdown = new AbortController();
let clientServer: Deno.HttpServer<Deno.NetAddr> | undefined;
const clientTarget: { url: string } & ClientTarget = { url: "" };
Deno.test.beforeAll(() => {
  clientServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: clientShutdown.signal, onListen() {} },
    handleClientSuite,
  );
  clientTarget.url = `http://127.0.0.1:${clientServer.addr.port}`;
});
Deno.test.afterAll(async () => {
  clientShutdown.abort();
  await clientServer?.finished;
});

for (const clientCase of clientCases) {
  Deno.test({
    name: `deno ${Deno.version.deno}: ${clientCase.name}`,
    timeout: clientCase.timeoutMs,
    sanitizeOps: false,
    sanitizeResources: false,
    permissions: { net: ["127.0.0.1"] },
    fn: () => clientCase.run(clientTarget),
  });
}

// edge-sse/compress (compress-suite.ts), on a server of its own.
const compressShutdown = new AbortController();
let compressServer: Deno.HttpServer<Deno.NetAddr> | undefined;
let compressUrl = "";
Deno.test.beforeAll(() => {
  compressServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: compressShutdown.signal, onListen() {} },
    handleCompressSuite,
  );
  compressUrl = `http://127.0.0.1:${compressServer.addr.port}`;
});
Deno.test.afterAll(async () => {
  compressShutdown.abort();
  await compressServer?.finished;
});
for (const compressCase of compressCases) {
  Deno.test({
    name: `deno ${Deno.version.deno}: ${compressCase.name}`,
    timeout: compressCase.timeoutMs,
    sanitizeOps: false,
    sanitizeResources: false,
    permissions: { net: ["127.0.0.1"] },
    fn: () => compressCase.run({ url: compressUrl, decodes: true }),
  });
}

for (const suiteCase of cases) {
  Deno.test({
    name: `deno ${Deno.version.deno}: ${suiteCase.name}`,
    timeout: suiteCase.timeoutMs,
    // The server is shared by every case and outlives each one: the requests a case made may still be
    // winding down on the server side (a cancelled body, a producer's cleanup) when the case returns.
    sanitizeOps: false,
    sanitizeResources: false,
    permissions: { net: ["127.0.0.1"] }, // all the suite needs, whatever the file was given for Redis
    fn: () => suiteCase.run(target),
  });
}

/**
 * What each client library needs on Deno besides the network. node-redis reads two variables of its own
 * (REDIS_DEBUG_MAINTENANCE when it connects, REDIS_EMIT_DIAGNOSTICS); without them it never connects: each
 * attempt fails with NotCapable on its "error" event and it retries. ioredis loads `debug`, which lists the
 * whole environment (`Object.keys(process.env)`) as it loads, so without all of --allow-env it cannot be imported.
 */
const REDIS_PERMISSIONS: Record<RedisLibrary, Deno.PermissionOptionsObject> = {
  "node-redis": { net: ["127.0.0.1"], env: ["REDIS_DEBUG_MAINTENANCE", "REDIS_EMIT_DIAGNOSTICS"] },
  ioredis: { net: ["127.0.0.1"], env: true },
};

// Started with the file's own permissions (it needs --allow-run=redis-server), before the cases narrow them.
let redis: RedisServer | undefined;
let redisFailure: unknown;
Deno.test.beforeAll(async () => {
  try {
    redis = await startRedis();
  } catch (error) {
    redisFailure = error; // Each Redis case fails with it; the suite above still runs.
  }
});
Deno.test.afterAll(async () => {
  await redis?.stop();
});

for (const redisCase of redisCases) {
  Deno.test({
    name: `deno ${Deno.version.deno}: ${redisCase.name}`,
    timeout: redisCase.timeoutMs,
    permissions: REDIS_PERMISSIONS[redisCase.library],
    fn: () => {
      if (redis === undefined) throw redisFailure;
      return redisCase.run(redis.url);
    },
  });
}
