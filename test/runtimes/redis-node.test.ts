// The Redis cases (redis-suite.ts) on Node 18, 20 and 22 with node:test, against the built dist/ and a
// redis-server this file starts. (redis@6 and ioredis@6 declare Node 20 or later in `engines`; the cases run on
// Node 18 all the same, to show what works there.)
// `node --import tsx --test test/runtimes/redis-node.test.ts` with TSX_TSCONFIG_PATH=tsconfig.dist.json.
import { after, before, test } from "node:test";
import { redisCases } from "./redis-suite.ts";
import { startRedis, type RedisServer } from "./redis-server.ts";

let redis: RedisServer | undefined;
let redisFailure: unknown;
before(async () => {
  try {
    redis = await startRedis();
  } catch (error) {
    redisFailure = error; // Each case fails with it.
  }
});
after(async () => {
  await redis?.stop();
});

for (const redisCase of redisCases) {
  test(`${process.version}: ${redisCase.name}`, { timeout: redisCase.timeoutMs }, () => {
    if (redis === undefined) throw redisFailure;
    return redisCase.run(redis.url);
  });
}
