import { describe, expect, test } from "vitest";
import { redisBroker, type IoRedisClient, type NodeRedisClient, type RedisBrokerOptions } from "edge-sse/redis";

/** Stand-ins with the methods each library is recognised by; no command is sent in these tests. */
const nodeRedisLike: NodeRedisClient = { sendCommand: async () => null, duplicate: (): unknown => nodeRedisLike };
const ioRedisLike: IoRedisClient = { call: async () => null, duplicate: (): unknown => ioRedisLike };

function make(options: unknown): unknown {
  return redisBroker(options as RedisBrokerOptions);
}

describe("redisBroker options", () => {
  test("takes a node-redis or an ioredis client and a key", () => {
    for (const client of [nodeRedisLike, ioRedisLike]) {
      const broker = redisBroker({ client, key: "events" });
      expect(typeof broker.publish).toBe("function");
      expect(typeof broker.replay).toBe("function");
      expect(typeof broker.subscribe).toBe("function");
    }
    expect(() =>
      redisBroker({ client: nodeRedisLike, key: "k", maxLen: 1, blockingClient: ioRedisLike, onError: () => {} }),
    ).not.toThrow();
  });

  test.each([
    [undefined, "`options` must be an object (got undefined)"],
    [null, "`options` must be an object (got null)"],
    ["events", '`options` must be an object (got "events")'],
  ])("rejects options %j", (options, message) => {
    expect(() => make(options)).toThrow(new TypeError(`Cannot create the Redis broker: ${message}`));
  });

  test.each([
    [undefined, "undefined"],
    [{}, "an object"],
    [{ duplicate: (): null => null }, "an object"],
    [{ sendCommand: async () => null }, "an object"],
    [{ call: "no", duplicate: (): null => null }, "an object"],
    [new Map(), "an instance of Map"],
    ["redis://127.0.0.1:6379", '"redis://127.0.0.1:6379"'],
  ])("rejects client %#", (client, got) => {
    expect(() => make({ client, key: "k" })).toThrow(
      new TypeError(
        "Cannot create the Redis broker: `client` must be a node-redis client (with sendCommand and duplicate) " +
          `or an ioredis client (with call and duplicate) (got ${got})`,
      ),
    );
  });

  test.each([
    [undefined, "undefined"],
    ["", '""'],
    [42, "number 42"],
    [["events"], "an array"],
  ])("rejects key %j", (key, got) => {
    expect(() => make({ client: nodeRedisLike, key })).toThrow(
      new TypeError(`Cannot create the Redis broker: \`key\` must be a non-empty string (got ${got})`),
    );
  });

  test.each([
    [0, "number 0"],
    [-1, "number -1"],
    [1.5, "number 1.5"],
    [Infinity, "number Infinity"],
    [Number.NaN, "number NaN"],
    ["100", '"100"'],
    [null, "null"],
  ])("rejects maxLen %j", (maxLen, got) => {
    expect(() => make({ client: nodeRedisLike, key: "k", maxLen })).toThrow(
      new TypeError(`Cannot create the Redis broker: \`maxLen\` must be a positive integer (got ${got})`),
    );
  });

  test("rejects a blockingClient that is not a client, or is the client itself", () => {
    expect(() => make({ client: nodeRedisLike, key: "k", blockingClient: { duplicate: (): null => null } })).toThrow(
      /^Cannot create the Redis broker: `blockingClient` must be a node-redis client .* \(got an object\)$/,
    );
    expect(() => make({ client: ioRedisLike, key: "k", blockingClient: ioRedisLike })).toThrow(
      new TypeError(
        "Cannot create the Redis broker: `blockingClient` must be a connection of its own, not `client` (a blocking read would stall publishing)",
      ),
    );
  });

  test.each([
    [0, "number 0"],
    [-5, "number -5"],
    [Infinity, "number Infinity"],
    [Number.NaN, "number NaN"],
    ["1000", '"1000"'],
    [2 ** 31, "number 2147483648"],
  ])("rejects offlineTimeout %j", (offlineTimeout, got) => {
    expect(() => make({ client: nodeRedisLike, key: "k", offlineTimeout })).toThrow(
      new TypeError(
        `Cannot create the Redis broker: \`offlineTimeout\` must be a positive number of milliseconds up to 2147483647 (got ${got})`,
      ),
    );
  });

  test("rejects an onError that is not a function", () => {
    expect(() => make({ client: nodeRedisLike, key: "k", onError: "log" })).toThrow(
      new TypeError('Cannot create the Redis broker: `onError` must be a function (got "log")'),
    );
  });

  test("rejects unknown options, with a hint for a wrong case", () => {
    expect(() => make({ client: nodeRedisLike, key: "k", maxlen: 5 })).toThrow(
      new TypeError("Cannot create the Redis broker: unknown option `maxlen` (did you mean `maxLen`?)"),
    );
    expect(() => make({ client: nodeRedisLike, key: "k", url: "redis://" })).toThrow(
      new TypeError("Cannot create the Redis broker: unknown option `url`"),
    );
  });

  test("rejects a listener that is not a function, and a malformed publisher id, as rejections", async () => {
    const broker = redisBroker({ client: nodeRedisLike, key: "k" });
    await expect(Promise.resolve().then(() => broker.subscribe("listener" as never))).rejects.toThrow(
      new TypeError('Cannot subscribe to the Redis broker: `listener` must be a function (got "listener")'),
    );
    await expect(Promise.resolve().then(() => broker.publish({ id: "12", data: "x" }))).rejects.toThrow(
      new TypeError(
        'Cannot publish to the Redis stream "k": the event\'s id must be a Redis stream id "<ms>-<seq>" greater than ' +
          'the stream\'s last one, such as "1700000000000-0", or be left unset (got "12")',
      ),
    );
  });
});
