import { describeValue } from "../describe-value.ts";

/**
 * A node-redis client (`createClient()` of `redis` v4 to v6), connected. The broker sends raw commands
 * with `sendCommand` and opens its blocking connection with `duplicate`.
 */
export interface NodeRedisClient {
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): unknown;
}

/**
 * An ioredis client (`new Redis()`). The broker sends raw commands with `call` and opens its blocking
 * connection with `duplicate`.
 */
export interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(): unknown;
}

/** A Redis client the broker can use: node-redis or ioredis. */
export type RedisClient = NodeRedisClient | IoRedisClient;

/** One connection as the broker uses it, whichever library is behind it. */
export interface RedisConnection {
  /** Sends one command and resolves with its raw reply. */
  send(args: readonly string[]): Promise<unknown>;
  /** A new connection to the same server, connected (or connecting, with commands queued until it is). */
  duplicate(onError: (error: unknown) => void): Promise<RedisConnection>;
  /** Closes the connection at once: a blocking command waiting on it rejects. */
  close(): Promise<void>;
}

type Method = (...args: unknown[]) => unknown;

/** The parts of either client the broker touches, all optional until checked. */
interface ClientShape {
  readonly sendCommand?: unknown;
  readonly call?: unknown;
  readonly duplicate?: unknown;
  readonly connect?: unknown;
  readonly destroy?: unknown;
  readonly disconnect?: unknown;
  readonly quit?: unknown;
  readonly on?: unknown;
  readonly status?: unknown;
}

function method(client: ClientShape, name: keyof ClientShape): Method | undefined {
  const value = client[name];
  return typeof value === "function" ? (value as Method) : undefined;
}

/**
 * Wraps a node-redis or an ioredis client. ioredis is recognised by `call` (it also has a
 * `sendCommand`, which takes a command object), node-redis by `sendCommand`.
 *
 * @throws {TypeError} naming `name` and showing what it got, for anything else
 */
export function toConnection(client: unknown, name: string, context: string): RedisConnection {
  const shape = (typeof client === "object" || typeof client === "function") && client !== null ? (client as ClientShape) : undefined;
  const call = shape && method(shape, "call");
  const sendCommand = shape && method(shape, "sendCommand");
  if (shape === undefined || method(shape, "duplicate") === undefined || (call === undefined && sendCommand === undefined)) {
    throw new TypeError(
      `${context}: \`${name}\` must be a node-redis client (with sendCommand and duplicate) or an ioredis client ` +
        `(with call and duplicate) (got ${describeValue(client)})`,
    );
  }
  const isIoRedis = call !== undefined;
  const send = isIoRedis
    ? (args: readonly string[]) => Promise.resolve(call.call(shape, ...args))
    : (args: readonly string[]) => Promise.resolve(sendCommand!.call(shape, [...args]));
  return {
    send,
    async duplicate(onError) {
      const copy = method(shape, "duplicate")!.call(shape);
      const connection = toConnection(copy, `${name}.duplicate()`, context);
      const copyShape = copy as ClientShape;
      // node-redis throws an "error" event nobody listens to; ioredis logs it. Either way, report it.
      method(copyShape, "on")?.call(copyShape, "error", onError);
      // node-redis duplicates start closed. ioredis ones connect by themselves (and `connect` would
      // reject while they do), except with lazyConnect, where the first command connects.
      if (!isIoRedis) {
        try {
          await method(copyShape, "connect")?.call(copyShape);
        } catch (error) {
          await connection.close();
          throw error;
        }
      }
      return connection;
    },
    async close() {
      // node-redis v5+: destroy; node-redis v4 and ioredis: disconnect (immediate); else quit.
      const close = method(shape, "destroy") ?? method(shape, "disconnect") ?? method(shape, "quit");
      try {
        await close?.call(shape);
      } catch {
        // Already closed.
      }
    },
  };
}
