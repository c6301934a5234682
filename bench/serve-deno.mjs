/**
 * Workload B's server on Deno: `Deno.serve` on 127.0.0.1 and a free port, with one contender's
 * fetch handler. Prints `{"type":"listening","port":N}`; stops when killed or at the time limit.
 *   deno run -A --unstable-no-legacy-abort serve-deno.mjs '{"contender":"edge-sse","dist":"…","timeLimitMs":…}'
 */
import { makeContenders } from "./contenders.mjs";
import { distUrl } from "./edge-dist.mjs";

const job = JSON.parse(Deno.args[0]);
const { HANDLERS } = makeContenders(await import(distUrl(job.dist, "index.js")));
const handler = HANDLERS[job.contender];
if (handler === undefined) throw new Error(`unknown contender ${job.contender}`);
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ type: "listening", port })),
  },
  handler,
);
setTimeout(() => {
  server.shutdown();
  Deno.exit(2);
}, job.timeLimitMs ?? 120_000);
