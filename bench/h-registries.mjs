/**
 * Workload H, channels at scale: the contenders, named as in h-run.mjs's H_CONTENDERS. Each is
 * `async ({ dist, redisUrl, publisher }) => registry`, a registry being many named channels in this
 * process, each with its subscribers:
 *
 *   registry.open(name, request)        a new subscriber of channel `name`: resolves to the
 *                                       ReadableStream<Uint8Array> it reads
 *   registry.channels                   how many channels the library holds now
 *   registry.publish(names, values, i)  event i, i+1, … on each of `names` (one value each, JSON-encoded),
 *                                       all at once; resolves to `{ ids, at }`: each event's id, and
 *                                       when the first publish call began
 *   registry.close(abortAll)            ends every subscriber's stream (`abortAll()` aborts every
 *                                       subscriber's request, for a library that has no other way)
 *
 * `at` is `performance.timeOrigin + performance.now()`, a clock every process of the machine shares,
 * so a publish made in another process (the Redis broker's publisher) is timed the same way.
 * This module is imported only for workload H.
 */
import { createChannel, createResponse } from "better-sse";
import { createClient } from "redis";
import { encode } from "eventsource-encoder";
import { distUrl } from "./edge-dist.mjs";

const encoder = new TextEncoder();
/** The clock of every H timestamp: the same in every process of the machine. */
export const clock = () => performance.timeOrigin + performance.now();

export const REGISTRIES = {
  /**
   * edge-sse, memory broker: one `new Channels({ keepAlive: false })` registry (a `MemoryBroker` per
   * channel, default history of 1,000 events); per subscriber `(await registry.stream(name,
   * { request })).toReadableStream()`; `registry.publish(name, value)`, which gives the ids.
   */
  "edge-sse (memory)": async ({ dist }) => {
    const { Channels } = await import(distUrl(dist, "channel.js"));
    const registry = new Channels({ keepAlive: false });
    return {
      async open(name, request) {
        return (await registry.stream(name, { request })).toReadableStream();
      },
      get channels() {
        return registry.size;
      },
      async publish(names, values) {
        const at = clock();
        const ids = await Promise.all(names.map((name, k) => registry.publish(name, values[k])));
        return { ids, at };
      },
      close() {
        return registry.close();
      },
    };
  },

  /**
   * edge-sse, Redis broker: a registry whose channel `name` is the Redis stream `edge-sse:h:<name>`,
   * `broker: (name) => redisBroker({ client, key })` on one node-redis client (its live feeds share
   * one more connection, which the library opens). Publishes come from another process
   * (h-publisher.mjs: its own client and registry, `registry.publish(name, value)`), as a server's
   * other instances would publish: what is timed is the delivery across processes through Redis.
   */
  "edge-sse (Redis)": async ({ dist, redisUrl, publisher }) => {
    const { Channels } = await import(distUrl(dist, "channel.js"));
    const { redisBroker } = await import(distUrl(dist, "redis.js"));
    const client = createClient({ url: redisUrl });
    const errors = [];
    client.on("error", (error) => errors.push(error));
    await client.connect();
    const registry = new Channels({
      keepAlive: false,
      broker: (name) => redisBroker({ client, key: `${REDIS_PREFIX}${name}` }),
      onError: (error) => errors.push(error),
    });
    return {
      errors,
      async open(name, request) {
        return (await registry.stream(name, { request })).toReadableStream();
      },
      get channels() {
        return registry.size;
      },
      publish(names, values) {
        return publisher.ask({ type: "publish", names, values }, "published");
      },
      async close() {
        await registry.close();
        await client.destroy();
      },
    };
  },

  /**
   * better-sse: one `createChannel()` per name (it has no registry and no Redis); per subscriber,
   * Fetch mode `createResponse(request, { keepAlive: null }, (session) => channel.register(session))`
   * and the response's body; `channel.broadcast(value, "message", { eventId })`. It has no `close()`
   * on a channel or a Fetch session: `close()` aborts every subscriber's request.
   */
  "better-sse": async () => {
    const byName = new Map();
    const channelOf = (name) => {
      let channel = byName.get(name);
      if (channel === undefined) {
        channel = createChannel();
        byName.set(name, channel);
      }
      return channel;
    };
    return {
      async open(name, request) {
        const channel = channelOf(name);
        return createResponse(request, { keepAlive: null }, (session) => channel.register(session)).body;
      },
      get channels() {
        return byName.size;
      },
      async publish(names, values, first) {
        const at = clock();
        const ids = names.map((name, k) => {
          const eventId = String(first + k + 1);
          byName.get(name).broadcast(values[k], "message", { eventId });
          return eventId;
        });
        return { ids, at };
      },
      async close(abortRequests) {
        abortRequests();
      },
    };
  },

  /**
   * The floor: no library. Per name a `Set` of stream controllers; a publish encodes the event once
   * (eventsource-encoder, TextEncoder) and enqueues that Uint8Array into the name's streams. What
   * any registry of channels in one process pays at least for its readers.
   */
  "floor: a Set of streams per name": async () => {
    const byName = new Map();
    return {
      async open(name, request) {
        let set = byName.get(name);
        if (set === undefined) {
          set = new Set();
          byName.set(name, set);
        }
        let own;
        const stream = new ReadableStream({
          start(controller) {
            own = controller;
            set.add(controller);
            controller.enqueue(encoder.encode(":\n\n"));
          },
          cancel() {
            set.delete(own);
          },
        });
        request.signal.addEventListener("abort", () => set.delete(own) && own.close(), { once: true });
        return stream;
      },
      get channels() {
        return byName.size;
      },
      async publish(names, values, first) {
        const at = clock();
        const ids = names.map((name, k) => {
          const id = String(first + k + 1);
          const bytes = encoder.encode(encode({ data: JSON.stringify(values[k]), id }));
          for (const controller of byName.get(name)) controller.enqueue(bytes);
          return id;
        });
        return { ids, at };
      },
      async close() {
        for (const set of byName.values()) for (const controller of set) controller.close();
        byName.clear();
      },
    };
  },
};

/** The prefix of the Redis streams' keys: channel `name` is the stream `edge-sse:h:<name>`. */
export const REDIS_PREFIX = "edge-sse:h:";
