/**
 * Workload H, the Redis broker's publisher: another process, as a server's other instance would be.
 * Started by h-worker.mjs with an IPC channel (`node h-publisher.mjs '<json>'`, json: `{ dist,
 * redisUrl }`); its own node-redis client and a `Channels` registry on the same streams as the
 * subscribers' (`broker: (name) => redisBroker({ client, key })`). It never subscribes: a publish
 * to a name without a channel goes straight to that name's broker (one `XADD`).
 *
 *   → { type: "publish", names, values }   publishes values[k] on names[k], all at once
 *   ← { type: "published", ids, at }        the ids Redis gave, and when the first publish call began
 *
 * It exits when its parent goes (the IPC channel closes).
 */
import { createClient } from "redis";
import { distUrl } from "./edge-dist.mjs";
import { clock, REDIS_PREFIX } from "./h-registries.mjs";

const { dist, redisUrl } = JSON.parse(process.argv[2]);
const { Channels } = await import(distUrl(dist, "channel.js"));
const { redisBroker } = await import(distUrl(dist, "redis.js"));

const client = createClient({ url: redisUrl });
client.on("error", (error) => process.stderr.write(`publisher: ${error}\n`));
await client.connect();
const registry = new Channels({ broker: (name) => redisBroker({ client, key: `${REDIS_PREFIX}${name}` }) });

process.on("disconnect", () => process.exit(0));
process.on("message", async (message) => {
  if (message.type !== "publish") return;
  try {
    const at = clock();
    const ids = await Promise.all(message.names.map((name, k) => registry.publish(name, message.values[k])));
    process.send({ type: "published", ids, at });
  } catch (error) {
    process.send({ type: "published", error: String(error?.stack ?? error) });
  }
});
process.send({ type: "ready" });
