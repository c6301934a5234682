import type { ChannelBroker, ChannelEvent, ChannelEventInit, ReplayResult, Unsubscribe } from "../channel/types.ts";
import { abortableSleep } from "../core/abortable-sleep.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import type { RedisConnection } from "./connection.ts";
import { parseEntries, parseStreamRead, toFields } from "./entries.ts";
import { resolveRedisOptions, type RedisBrokerOptions } from "./options.ts";
import { compareStreamIds, isStreamId, nextStreamId } from "./stream-id.ts";
import { whenConnected } from "./when-connected.ts";

/** How long one `XREAD BLOCK` waits before it is sent again. */
const BLOCK_MS = 5_000;
/** At most this many events per `XREAD`. */
const READ_COUNT = 100;
/** The live feed's back-off after an error: doubling from the first to the last. */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_LAST_MS = 5_000;

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
 * - `subscribe` reads the stream's last id, then follows it with `XREAD BLOCK` on a connection of its
 *   own. After an error it reports to `onError`, backs off and resumes after the last event it
 *   delivered, so no event is lost while the stream still holds it.
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
  const { connection, key, maxLen, blockingConnection, offlineTimeout, onError } = resolveRedisOptions(options);
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

  async function subscribe(listener: (event: ChannelEvent) => void): Promise<Unsubscribe> {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe to the Redis broker: \`listener\` must be a function (got ${describeValue(listener)})`,
      );
    }
    const context = `Cannot subscribe to the Redis stream ${describeValue(key)}`;
    const owned = blockingConnection === undefined;
    let reader: RedisConnection;
    try {
      reader = blockingConnection ?? (await connection.duplicate(report, offlineTimeout));
    } catch (error) {
      throw new Error(`${context}: ${describeError(error)}`, { cause: error });
    }
    let startId: string;
    try {
      await whenConnected(connection, offlineTimeout, context);
      // A fixed start (not `$` on each read) so that nothing published between two reads is missed.
      const [last] = parseEntries(await connection.send(["XREVRANGE", key, "+", "-", "COUNT", "1"]));
      startId = last?.id ?? "0-0";
    } catch (error) {
      if (owned) await reader.close();
      throw error;
    }
    const stop = new AbortController();
    const feed = follow(reader, startId, listener, stop.signal).catch(report);
    return async () => {
      if (stop.signal.aborted) return;
      stop.abort(new Error("edge-sse/redis: unsubscribed"));
      if (!owned) return; // A connection we were given ends its current read by itself (within BLOCK_MS).
      await reader.close(); // Rejects the pending XREAD, if the client still holds it (ioredis may not, while reconnecting).
      await feed; // Ends with the abort in any case.
    };
  }

  /** Reads the stream after `startId` until `signal` aborts, delivering each event once, in order. */
  async function follow(
    reader: RedisConnection,
    startId: string,
    listener: (event: ChannelEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let lastId = startId;
    let failures = 0;
    while (!signal.aborted) {
      let events: ChannelEvent[];
      try {
        const read = reader.send([
          "XREAD",
          "COUNT",
          String(READ_COUNT),
          "BLOCK",
          String(BLOCK_MS),
          "STREAMS",
          key,
          lastId,
        ]);
        const reply = await untilAborted(read, signal);
        events = parseStreamRead(reply, key);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        report(
          new Error(`Cannot read the Redis stream ${describeValue(key)}: the read failed; resuming after ${lastId}`, {
            cause: error,
          }),
        );
        try {
          await abortableSleep(Math.min(BACKOFF_FIRST_MS * 2 ** failures++, BACKOFF_LAST_MS), signal);
        } catch {
          return;
        }
        continue;
      }
      for (const event of events) {
        if (signal.aborted) return;
        lastId = event.id;
        try {
          listener(event);
        } catch (error) {
          report(error);
        }
      }
    }
  }

  /** `promise`, or a rejection as soon as `signal` aborts: a read left waiting for Redis must not hold up unsubscribe. */
  function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    promise.catch(() => {}); // Once aborted, how it ends is no news.
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  // The live feed comes over the network and can lag behind a replay: the channel orders by this.
  return { publish, replay, subscribe, compare: compareStreamIds };
}
