/**
 * edge-sse/redis: a `ChannelBroker` on a Redis stream, so that a `Channel` in every process (or
 * server) shares one ordered history: an event published on any of them reaches the subscribers of
 * all, and a client can resume on any of them with its `Last-Event-ID`.
 *
 * Works with a node-redis (`redis` v4 to v6) or an ioredis client you create and connect; edge-sse
 * itself has no dependency on either. Stream ids (`<ms>-<seq>`) are the event ids.
 *
 * @example
 * ```ts ignore
 * import Redis from "ioredis";
 * import { Channel } from "edge-sse/channel";
 * import { redisBroker } from "edge-sse/redis";
 *
 * const channel = new Channel({ broker: redisBroker({ client: new Redis(), key: "news" }) });
 * ```
 *
 * @module
 */
export { redisBroker } from "./redis/broker.ts";
export type { RedisBrokerOptions } from "./redis/options.ts";
export type { IoRedisClient, NodeRedisClient, RedisClient } from "./redis/connection.ts";
