import type { ChannelBroker, ChannelEvent, ChannelEventInit, ReplayResult, Unsubscribe } from "../channel/types.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import { parseEntries, toFields } from "./entries.ts";
import { resolveRedisOptions, type RedisBrokerOptions } from "./options.ts";
import { compareStreamIds, isStreamId, nextStreamId } from "./stream-id.ts";
import { readerFor, type Follower } from "./stream-reader.ts";
import { whenConnected } from "./when-connected.ts";

/**
 * A `ChannelBroker` on a Redis stream: every process that makes one with the same `key` shares the
 * channel's events, its order and its history.
 *
 * - `publish` appends with `XADD key MAXLEN ~ maxLen * field value …` (only the fields the event has)
 *   and returns the stream id Redis gives it, `<ms>-<seq>` such as `"1700000000000-0"`. An id the
 *   publisher sets must be such a stream id and greater than the last one in the stream; otherwise
 *   the publish rejects (Redis decides, so this holds across processes).
 * - `replay` reads with `XRANGE`. An id that is not a stream id, or no longer in the stream (trimmed
 *   away, or never there), is not found: the channel then sends its gap marker and every event held.
 * - `subscribe` reads the stream's last id, then follows it with `XREAD BLOCK` on the one blocking
 *   connection that every feed of the same `client` (or of the same `blockingClient`) shares: one
 *   `XREAD` reads all their keys, so 10,000 channels use 2 connections, not 10,001. A key added
 *   while that read blocks misses nothing (its feed starts from a fixed id), and the read is woken
 *   with `CLIENT UNBLOCK` so that the new key is read at once. After an error it reports to
 *   `onError`, backs off and resumes after the last event each feed delivered, so no event is lost
 *   while the stream still holds it.
 * - While the client is reconnecting (Redis is down), `publish`, `replay` and `subscribe` wait for it
 *   at most `offlineTimeout` ms, then reject saying so, with nothing sent: a `Channel` then tells
 *   reconnecting clients to retry, and keeps trying to subscribe. The feed's reads wait for Redis.
 *
 * @param options - see `RedisBrokerOptions`
 * @returns a broker for `new Channel({ broker })`
 * @throws {TypeError} when an option is missing or invalid, naming it and the bad value
 * @example Every process runs this; a client resumes on any of them (node-redis; ioredis works the same)
 * ```ts ignore
 * import { createClient } from "redis";
 * import { Channel } from "edge-sse/channel";
 * import { redisBroker } from "edge-sse/redis";
 *
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const channel = new Channel({ broker: redisBroker({ client, key: "chat", maxLen: 5000 }) });
 *
 * // Serve this fetch handler with Deno.serve, Bun.serve, or toNodeListener from edge-sse/node.
 * export async function handler(request: Request): Promise<Response> {
 *   if (request.method === "POST") return Response.json({ id: await channel.publish(await request.text()) });
 *   return channel.response({ request }); // replays after Last-Event-ID, then live
 * }
 * ```
 */
export function redisBroker(options: RedisBrokerOptions): ChannelBroker {
  const { client, connection, key, maxLen, blockingConnection, blockingClient, offlineTimeout, onError } =
    resolveRedisOptions(options);
  // One blocking connection per client (or per blocking client given), shared by every key it follows.
  const reader =
    blockingConnection === undefined
      ? readerFor(client, (onError) => connection.duplicate(onError, offlineTimeout), true)
      : readerFor(blockingClient!, async () => blockingConnection, false);
  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // An onError that throws must not stop the live feed.
    }
  };

  async function publish(event: ChannelEventInit): Promise<string> {
    const context = `Cannot publish to the Redis stream ${describeValue(key)}`;
    const givenId = event.id;
    if (givenId !== undefined && !isStreamId(givenId)) {
      throw new TypeError(
        `${context}: the event's id must be a Redis stream id "<ms>-<seq>" greater than the stream's last one, ` +
          `such as "1700000000000-0", or be left unset (got ${describeValue(givenId)})`,
      );
    }
    await whenConnected(connection, offlineTimeout, context);
    let reply: unknown;
    try {
      reply = await connection.send(["XADD", key, "MAXLEN", "~", String(maxLen), givenId ?? "*", ...toFields(event)]);
    } catch (error) {
      const message = describeError(error);
      const tooSmall = givenId !== undefined && /equal or smaller|greater than 0-0/i.test(message);
      throw new Error(
        tooSmall
          ? `${context}: the event's id ${describeValue(givenId)} must be greater than the stream's last id (Redis: ${message})`
          : `${context}: ${message}`,
        { cause: error },
      );
    }
    const id =
      typeof reply === "string" ? reply : reply instanceof Uint8Array ? new TextDecoder().decode(reply) : undefined;
    if (id === undefined) throw new Error(`${context}: XADD answered ${describeValue(reply)}, not an id`);
    return id;
  }

  /** Every entry from `start` (inclusive) to the end, in pages of `maxLen + 1`. */
  async function readFrom(start: string): Promise<ChannelEvent[]> {
    const pageSize = maxLen + 1;
    const events: ChannelEvent[] = [];
    for (let from: string | undefined = start; from !== undefined; ) {
      await whenConnected(connection, offlineTimeout, `Cannot replay the Redis stream ${describeValue(key)}`);
      const page = parseEntries(await connection.send(["XRANGE", key, from, "+", "COUNT", String(pageSize)]));
      events.push(...page);
      // A stream trimmed with `~` can hold a little more than maxLen: read on until a page is short.
      from = page.length === pageSize ? nextStreamId(page[page.length - 1]!.id) : undefined;
    }
    return events;
  }

  async function replay(afterId: string): Promise<ReplayResult> {
    if (typeof afterId === "string" && isStreamId(afterId)) {
      // The range starts at afterId itself: it is still held exactly when it comes first.
      const events = await readFrom(afterId);
      if (events[0]?.id === afterId) return { found: true, events: events.slice(1) };
    }
    return { found: false, events: await readFrom("-") };
  }

  /** The stream's last entry, one entry read (a stream of several channels joins with it). */
  async function readNewest(): Promise<ChannelEvent | undefined> {
    const [last] = parseEntries(await connection.send(["XREVRANGE", key, "+", "-", "COUNT", "1"]));
    return last;
  }

  async function newest(): Promise<ChannelEvent | undefined> {
    await whenConnected(connection, offlineTimeout, `Cannot read the Redis stream ${describeValue(key)}`);
    return readNewest();
  }

  async function subscribe(listener: (event: ChannelEvent) => void): Promise<Unsubscribe> {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe to the Redis broker: \`listener\` must be a function (got ${describeValue(listener)})`,
      );
    }
    const context = `Cannot subscribe to the Redis stream ${describeValue(key)}`;
    try {
      await reader.acquire(report);
    } catch (error) {
      throw new Error(`${context}: ${describeError(error)}`, { cause: error });
    }
    let follower: Follower;
    try {
      await whenConnected(connection, offlineTimeout, context);
      // A fixed start (not `$` on each read) so that nothing published between two reads is missed.
      const last = await readNewest();
      // The feeds of brokers with the same onError share their reports: one per failed read, not one per key.
      follower = { key, lastId: last?.id ?? "0-0", listener, report: onError, waker: connection };
    } catch (error) {
      await reader.release();
      throw error;
    }
    reader.follow(follower);
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      reader.unfollow(follower);
      await reader.release();
    };
  }

  // The live feed comes over the network and can lag behind a replay: the channel orders by this.
  return { publish, replay, subscribe, newest, compare: compareStreamIds };
}
