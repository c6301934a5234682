/**
 * Workload B's server on Bun: `Bun.serve` on 127.0.0.1 and a free port (`idleTimeout: 0`: its
 * default 10 s would cut a quiet stream), with one contender's fetch handler. Prints
 * `{"type":"listening","port":N}`; stops when killed or at the time limit.
 *   bun serve-bun.mjs '{"contender":"edge-sse","dist":"…","timeLimitMs":…}'
 */
import { makeContenders } from "./contenders.mjs";
import { distUrl } from "./edge-dist.mjs";

const job = JSON.parse(process.argv[2]);
const { HANDLERS } = makeContenders(await import(distUrl(job.dist, "index.js")));
const handler = HANDLERS[job.contender];
if (handler === undefined) throw new Error(`unknown contender ${job.contender}`);
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: handler });
console.log(JSON.stringify({ type: "listening", port: server.port }));
setTimeout(() => {
  server.stop(true);
  process.exit(2);
}, job.timeLimitMs ?? 120_000);
