/**
 * The Redis cases every server runtime runs (Node 18, 20 and 22, Deno, Bun): a `Channel` over `redisBroker`
 * with a node-redis and with an ioredis client, against a redis-server the runtime entry starts
 * (redis-server.ts). Like suite.ts it knows nothing of test runners. Each case makes two clients of
 * one library and two channels on one stream key, as two processes would, and reads the channels'
 * responses with the shared EventReader (eventsource-parser). Every wait is bounded.
 *
 * Each client library is imported by the first case that uses it, not when this module loads: on Deno
 * a node-redis case then proves that node-redis loads and works with the few permissions it is given,
 * whatever ioredis needs (deno.test.ts).
 */
import assert from "node:assert/strict";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { redisBroker, type RedisClient } from "edge-sse/redis";
import { EventReader, type ReadEvent } from "../helpers/event-reader.ts";

/** The client libraries the broker supports, as named in the case names. */
export type RedisLibrary = "node-redis" | "ioredis";
export const REDIS_LIBRARIES: readonly RedisLibrary[] = ["node-redis", "ioredis"];

/** One behaviour with one client library, run on one runtime. */
export interface RedisCase {
  readonly name: string;
  readonly library: RedisLibrary;
  readonly timeoutMs: number;
  /** Runs against the redis-server at `url` (`redis://127.0.0.1:<port>`). */
  run(url: string): Promise<void>;
}

/** How long any one wait may take before the case fails, naming what it waited for. */
const WAIT_MS = 10_000;

interface Connected {
  readonly client: RedisClient;
  close(): Promise<void>;
}

/** A connected client of `library`; its connection errors go to `errors`. */
async function connect(library: RedisLibrary, url: string, errors: unknown[]): Promise<Connected> {
  let connected: Connected & { ready: Promise<unknown> };
  if (library === "node-redis") {
    const { createClient } = await import("redis");
    const client = createClient({ url });
    client.on("error", (error: unknown) => errors.push(error));
    connected = { client, ready: client.connect(), close: async () => client.destroy() };
  } else {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, { lazyConnect: true });
    client.on("error", (error: unknown) => errors.push(error));
    connected = { client, ready: client.connect(), close: async () => client.disconnect() };
  }
  try {
    // A client that cannot connect retries for ever, reporting each attempt on its "error" event.
    await bounded(
      connected.ready,
      () => `${library} to connect (its errors: ${[...new Set(errors.map(String))].join("; ") || "none"})`,
    );
  } catch (error) {
    await connected.close();
    throw error;
  }
  return connected;
}

/** `promise`, or a rejection naming `what` after `ms`. */
async function bounded<T>(promise: Promise<T>, what: string | (() => string), ms = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it holds, or fails naming `what` (a bound, not a timing assertion). */
async function waitFor(check: () => boolean, what: () => string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One subscriber's response, read as a client reads it. */
interface Reader {
  readonly response: Response;
  readonly events: ReadEvent[];
  /** Reads until an event with `id` has arrived. */
  waitForId(id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two channels on one stream, each with a client of its own (as two processes would have), and
 * everything a case opens, closed in reverse by `close`.
 */
class Pair {
  readonly errors: unknown[] = [];
  readonly #closers: Array<() => Promise<void>> = [];
  a!: Channel;
  b!: Channel;

  static async open(library: RedisLibrary, url: string, key: string, maxLen?: number): Promise<Pair> {
    const pair = new Pair();
    try {
      const channel = async (): Promise<Channel> => {
        const { client, close } = await connect(library, url, pair.errors);
        pair.#closers.push(close);
        const onError = (error: unknown): number => pair.errors.push(error);
        const broker = redisBroker({ client, key, onError, maxLen });
        const created = new Channel({ broker, keepAlive: false, onError });
        pair.#closers.push(() => created.close());
        await bounded(created.ready, "the channel's live feed to start");
        return created;
      };
      pair.a = await channel();
      pair.b = await channel();
      return pair;
    } catch (error) {
      await pair.close();
      throw error;
    }
  }

  /** Opens a subscriber on `channel` (with `Last-Event-ID` when given) and waits until it is running. */
  async subscribe(channel: Channel, lastEventId?: string): Promise<Reader> {
    const before = channel.subscriberCount;
    const headers: Record<string, string> = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
    const response = await bounded(
      channel.response({ request: new Request("http://127.0.0.1/events", { headers }) }),
      "the channel's response",
    );
    const reader = new EventReader(response, { waitMs: WAIT_MS });
    const close = (): Promise<void> => reader.cancel();
    this.#closers.push(close);
    await reader.started();
    await waitFor(
      () => channel.subscriberCount > before || reader.done,
      () => "the subscriber to start",
    );
    return {
      response,
      events: reader.events,
      close,
      waitForId: (id) => reader.waitFor(() => reader.events.some((event) => event.id === id), `the event ${id}`),
    };
  }

  /** Closes what was opened, last first: readers, then each channel before its client. */
  async close(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse())
      await bounded(close(), "a reader, channel or client to close");
  }

  /** Nothing reported an error: no client "error" event, no broker or channel `onError`. */
  assertNoErrors(): void {
    assert.deepEqual(this.errors.map(String), [], "the clients, brokers and channels reported no error");
  }
}

let keys = 0;
function newKey(library: RedisLibrary): string {
  return `edge-sse:runtimes:${library}:${++keys}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs `body` on a fresh pair of channels, then closes everything and checks that nothing failed. */
async function withPair(
  library: RedisLibrary,
  url: string,
  body: (pair: Pair) => Promise<void>,
  maxLen?: number,
): Promise<void> {
  const pair = await Pair.open(library, url, newKey(library), maxLen);
  try {
    await body(pair);
  } finally {
    await pair.close();
  }
  pair.assertNoErrors();
}

const STREAM_ID = /^\d+-\d+$/;
const summary = (events: readonly ReadEvent[]) => events.map(({ id, data }) => ({ id, data }));

function casesFor(library: RedisLibrary): RedisCase[] {
  return [
    {
      name: `${library}: an event published on one channel reaches the subscribers of the other channel on the same key`,
      library,
      timeoutMs: 20_000,
      run: (url) =>
        withPair(library, url, async (pair) => {
          const { a, b } = pair;
          const onA = await pair.subscribe(a);
          const onB = await pair.subscribe(b);
          const fromA = await a.publish("from a");
          const fromB = await b.publish("from b");
          assert.match(fromA, STREAM_ID);
          assert.match(fromB, STREAM_ID);
          for (const reader of [onA, onB]) {
            await reader.waitForId(fromB);
            assert.equal(reader.response.headers.get("last-event-id"), null);
            assert.deepEqual(summary(reader.events), [
              { id: fromA, data: "from a" },
              { id: fromB, data: "from b" },
            ]);
          }
        }),
    },
    {
      name: `${library}: a reconnect with Last-Event-ID to the other channel gets exactly the missed events, then live ones`,
      library,
      timeoutMs: 20_000,
      run: (url) =>
        withPair(library, url, async (pair) => {
          const { a, b } = pair;
          const leaving = await pair.subscribe(a);
          const seen = [await a.publish("one"), await b.publish("two")];
          await leaving.waitForId(seen[1]!);
          await leaving.close();
          const missed = [await a.publish("three"), await b.publish("four")];

          const back = await pair.subscribe(b, seen[1]);
          assert.equal(back.response.headers.get("last-event-id"), seen[1]);
          const live = await a.publish("five");
          await back.waitForId(live);
          // Each event once, in the stream's order: no gap, no duplicate.
          assert.deepEqual(summary(back.events), [
            { id: missed[0], data: "three" },
            { id: missed[1], data: "four" },
            { id: live, data: "five" },
          ]);
          assert.deepEqual(summary(leaving.events), [
            { id: seen[0], data: "one" },
            { id: seen[1], data: "two" },
          ]);
        }),
    },
    {
      name: `${library}: a trimmed or unknown Last-Event-ID gets the gap marker, every event held, then live ones`,
      library,
      timeoutMs: 30_000,
      run: (url) =>
        withPair(
          library,
          url,
          async (pair) => {
            const { a, b } = pair;
            // Redis trims whole nodes of 100 entries (MAXLEN ~): 250 events push the first ones out.
            const published: Array<{ id: string; data: string }> = [];
            const publish = async (channel: Channel, data: string): Promise<string> => {
              const id = await channel.publish(data);
              published.push({ id, data });
              return id;
            };
            for (let n = 0; n < 250; n++) await publish(n % 2 === 0 ? a : b, `bulk ${n}`);
            const first = published[0]!.id;

            // A trimmed id on the other channel, then one that was never a stream id.
            for (const [channel, lastEventId] of [
              [b, first],
              [a, "not-a-stream-id"],
            ] as const) {
              const reader = await pair.subscribe(channel, lastEventId);
              assert.equal(reader.response.headers.get("last-event-id"), "earliest", lastEventId);
              await reader.waitForId(published[published.length - 1]!.id);
              const [marker, ...replayed] = reader.events;
              assert.ok(marker !== undefined && replayed[0] !== undefined);
              assert.deepEqual(marker, { id: undefined, event: GAP_EVENT, data: marker.data });
              assert.deepEqual(JSON.parse(marker.data), { lastEventId, firstId: replayed[0].id });
              const held = published.findIndex(({ id }) => id === replayed[0]!.id);
              assert.ok(held > 0, `the oldest events were trimmed away (the first one held is #${held})`);
              assert.ok(published.length - held >= 10, `at least maxLen events are held (${published.length - held})`);
              assert.deepEqual(summary(replayed), published.slice(held));

              const live = await publish(a, `after the gap for ${lastEventId}`);
              await reader.waitForId(live);
              assert.deepEqual(summary(reader.events.slice(1 + replayed.length)), [published[published.length - 1]]);
              await reader.close();
            }
          },
          10,
        ),
    },
  ];
}

export const redisCases: readonly RedisCase[] = REDIS_LIBRARIES.flatMap(casesFor);
