import { createClient } from "redis";
import { Redis } from "ioredis";
import type { RedisClient } from "edge-sse/redis";

/** A connected client of one library and protocol, and how to close it. */
export interface TestClient {
  readonly client: RedisClient;
  /** Sends one raw command on this connection. */
  send(args: string[]): Promise<unknown>;
  /** Whether the connection is still open. */
  isOpen(): boolean;
  close(): Promise<void>;
}

/** One way to connect: a library and a protocol version. */
export interface ClientKind {
  readonly name: string;
  connect(url: string): Promise<TestClient>;
}

function nodeRedis(resp: 2 | 3): ClientKind {
  return {
    name: `node-redis RESP${resp}`,
    async connect(url) {
      const client = createClient({ url, RESP: resp });
      client.on("error", () => {}); // The tests that break connections check the broker's onError.
      await client.connect();
      return {
        client,
        send: (args) => client.sendCommand(args),
        isOpen: () => client.isOpen,
        close: async () => client.destroy(),
      };
    },
  };
}

function ioredis(protocol: 2 | 3, replyMapping?: "resp3"): ClientKind {
  return {
    name: `ioredis protocol ${protocol}${replyMapping ? ` (replyMapping ${replyMapping})` : ""}`,
    async connect(url) {
      const client = new Redis(url, { protocol, ...(replyMapping ? { replyMapping } : {}), lazyConnect: true });
      client.on("error", () => {});
      await client.connect();
      return {
        client,
        send: ([command, ...args]) => client.call(command!, ...args),
        isOpen: () => client.status === "ready",
        close: async () => client.disconnect(),
      };
    },
  };
}

/** Every client the broker supports, in the protocols each speaks. */
export const CLIENT_KINDS: readonly ClientKind[] = [
  nodeRedis(2),
  nodeRedis(3),
  ioredis(2),
  ioredis(3),
  ioredis(3, "resp3"),
];

/** A plain client for the test's own checks (CLIENT LIST, DEL), RESP2 so that replies are strings. */
export async function adminClient(
  url: string,
): Promise<{ send(args: string[]): Promise<unknown>; close(): Promise<void> }> {
  const client = createClient({ url, RESP: 2 });
  client.on("error", () => {});
  await client.connect();
  return { send: (args) => client.sendCommand(args), close: async () => client.destroy() };
}
