import { describeValue } from "../core/describe-value.ts";

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
  /**
   * Whether the client is connecting or reconnecting: a command sent now would wait in its offline
   * queue until the connection is back. (`false` for a client that does not say.)
   */
  connecting(): boolean;
  /**
   * A new connection to the same server, connected (or connecting, with commands queued until it
   * is). Rejects when a node-redis copy has not connected within `timeoutMs` (it is closed then).
   */
  duplicate(onError: (error: unknown) => void, timeoutMs: number): Promise<RedisConnection>;
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
  /** ioredis: "wait", "connecting", "connect", "ready", "reconnecting", "close" or "end". */
  readonly status?: unknown;
  /** node-redis: whether the client was connected and not closed since (it may be reconnecting). */
  readonly isOpen?: unknown;
  /** node-redis: whether the connection is up and ready for commands. */
  readonly isReady?: unknown;
}

/** The ioredis states in which commands wait in the offline queue for a connection. */
const IOREDIS_CONNECTING: ReadonlySet<unknown> = new Set(["connecting", "connect", "reconnecting"]);

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
  const shape =
    (typeof client === "object" || typeof client === "function") && client !== null
      ? (client as ClientShape)
      : undefined;
  const call = shape && method(shape, "call");
  const sendCommand = shape && method(shape, "sendCommand");
  if (
    shape === undefined ||
    method(shape, "duplicate") === undefined ||
    (call === undefined && sendCommand === undefined)
  ) {
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
    connecting: isIoRedis
      ? () => IOREDIS_CONNECTING.has(shape.status)
      : () => shape.isOpen === true && shape.isReady === false,
    async duplicate(onError, timeoutMs) {
      const copy = method(shape, "duplicate")!.call(shape);
      const connection = toConnection(copy, `${name}.duplicate()`, context);
      const copyShape = copy as ClientShape;
      // node-redis throws an "error" event nobody listens to; ioredis logs it. Either way, report it.
      method(copyShape, "on")?.call(copyShape, "error", onError);
      // node-redis duplicates start closed. ioredis ones connect by themselves (and `connect` would
      // reject while they do), except with lazyConnect, where the first command connects.
      // A node-redis connect waits for as long as the server is down: bounded here.
      if (!isIoRedis) {
        try {
          await withTimeout(Promise.resolve(method(copyShape, "connect")?.call(copyShape)), timeoutMs);
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

/** `promise`, or a rejection saying Redis is not connected once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis is not connected: a new connection to it did not connect within ${ms} ms`)),
      ms,
    );
  });
  promise.catch(() => {}); // Once late, its own rejection (when the copy is closed) is no news.
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
