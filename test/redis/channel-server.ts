/**
 * One server process of the two-process test: a node:http server on 127.0.0.1 whose Channel shares
 * its events through a Redis stream. Started with `node --import tsx`; settings come from the
 * environment: REDIS_URL, KEY, MAX_LEN, CLIENT ("node-redis" or "ioredis").
 *
 * GET /events: the channel's stream (Last-Event-ID resumes). POST /publish with JSON
 * `{ data, event?, id?, channel? }`: publishes, answers `{ id }` (or 400 `{ error }`); with `channel`,
 * on that channel of a `Channels` registry whose keys are KEY followed by the channel's name. GET /subscribers: the
 * number of running subscriber streams. Prints `READY <port>` once the live feed has started.
 */
import { createServer } from "node:http";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { Channel, Channels } from "edge-sse/channel";
import { Message } from "edge-sse";
import { toNodeListener } from "edge-sse/node";
import { redisBroker, type RedisClient } from "edge-sse/redis";

const { REDIS_URL: url, KEY: key, MAX_LEN: maxLen = "1000", CLIENT: library = "node-redis" } = process.env;
if (url === undefined || key === undefined) throw new Error("channel-server: set REDIS_URL and KEY");

let client: RedisClient;
let closeClient: () => void;
if (library === "ioredis") {
  const ioredis = new Redis(url);
  ioredis.on("error", (error) => console.error("channel-server: redis", error));
  client = ioredis;
  closeClient = () => ioredis.disconnect();
} else {
  const nodeRedis = createClient({ url });
  nodeRedis.on("error", (error) => console.error("channel-server: redis", error));
  await nodeRedis.connect();
  client = nodeRedis;
  closeClient = () => nodeRedis.destroy();
}

const channel = new Channel({
  broker: redisBroker({ client, key, maxLen: Number(maxLen) }),
  keepAlive: false,
  onError: (error) => console.error("channel-server: channel", error),
});

const channels = new Channels({
  broker: (name) => redisBroker({ client, key: `${key}${name}`, maxLen: Number(maxLen) }),
  onError: (error, name) => console.error(`channel-server: channel ${name}`, error),
});

async function handle(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/events") return channel.response({ request });
  if (request.method === "GET" && pathname === "/subscribers") return Response.json(channel.subscriberCount);
  if (request.method === "POST" && pathname === "/publish") {
    const body = (await request.json()) as { data: string; event?: string; id?: string; channel?: string };
    const { data, event, id, channel: name } = body;
    const message = new Message({ data, ...(event ? { event } : {}), ...(id ? { id } : {}) });
    try {
      return Response.json({
        id: await (name === undefined ? channel.publish(message) : channels.publish(name, message)),
      });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 400 });
    }
  }
  return new Response("not found", { status: 404 });
}

const server = createServer(toNodeListener(handle));
await channel.ready;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`READY ${typeof address === "object" && address !== null ? address.port : 0}`);
});

process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close();
  void Promise.all([channel.close(), channels.close()]).finally(() => {
    closeClient();
    process.exit(0);
  });
});
