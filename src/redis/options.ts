import { checkDelay, checkFunction, checkKeys, refusal } from "../core/check.ts";
import { toConnection, type RedisClient, type RedisConnection } from "./connection.ts";

/** Options of `redisBroker`. Unknown keys are a `TypeError`. */
export interface RedisBrokerOptions {
  /**
   * A connected node-redis (v4 to v6) or ioredis client. It publishes and replays; the live feeds
   * of every broker made with this client read on one second connection, which they share (see
   * `blockingClient`).
   */
  readonly client: RedisClient;
  /** The key of the Redis stream that holds the channel's events. */
  readonly key: string;
  /**
   * Trim the stream to about this many events (`XADD … MAXLEN ~`): Redis trims whole internal nodes,
   * so it may hold a few more. Replay reaches back as far as the stream does.
   * @default 1000
   */
  readonly maxLen?: number | undefined;
  /**
   * The connection the live feeds block on with `XREAD BLOCK`; give it to nothing but brokers
   * (every broker given the same one shares it). When absent, one `client.duplicate()` per client
   * is connected by the first subscribe and closed by the last unsubscribe. One you give is not
   * closed: after the last unsubscribe it ends its current read (at most 5 s) and is left open.
   */
  readonly blockingClient?: RedisClient | undefined;
  /**
   * How long `publish`, `replay` and the start of the live feed wait for a client that is
   * (re)connecting, in milliseconds. Commands are never left in the client's offline queue: past
   * this wait they reject with an error saying Redis is not connected, and nothing was sent (a
   * publish that rejects so stored nothing). The live feed's reads do wait for the connection.
   * @default 1000
   */
  readonly offlineTimeout?: number | undefined;
  /**
   * Called with the live feed's errors (it backs off and resumes after the last event it delivered)
   * and with listener errors.
   * @default console.error
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Options with their defaults applied. */
export interface ResolvedRedisOptions {
  /** The client as given: the live feeds of every broker made with it share one blocking connection. */
  readonly client: object;
  readonly connection: RedisConnection;
  readonly key: string;
  readonly maxLen: number;
  readonly blockingConnection: RedisConnection | undefined;
  /** The blocking client as given, if one was: the live feeds that read on it share it. */
  readonly blockingClient: object | undefined;
  readonly offlineTimeout: number;
  readonly onError: (error: unknown) => void;
}

export const DEFAULT_MAX_LEN = 1000;
export const DEFAULT_OFFLINE_TIMEOUT_MS = 1000;
const CONTEXT = "Cannot create the Redis broker";
const KNOWN: ReadonlySet<string> = new Set(["client", "key", "maxLen", "blockingClient", "offlineTimeout", "onError"]);

function logError(error: unknown): void {
  console.error(
    "edge-sse/redis: the live feed failed; it resumes after the last event it delivered (pass onError to handle this)",
    error,
  );
}

/**
 * Checks every option and applies defaults.
 *
 * @throws {TypeError} naming the option and showing the bad value
 */
export function resolveRedisOptions(options: RedisBrokerOptions): ResolvedRedisOptions {
  checkKeys(options, KNOWN, CONTEXT);
  const {
    client,
    key,
    maxLen = DEFAULT_MAX_LEN,
    blockingClient,
    offlineTimeout = DEFAULT_OFFLINE_TIMEOUT_MS,
    onError = logError,
  } = options;
  const connection = toConnection(client, "client", CONTEXT);
  if (typeof key !== "string" || key === "") throw refusal(CONTEXT, "key", "a non-empty string", key);
  if (typeof maxLen !== "number" || !Number.isSafeInteger(maxLen) || maxLen < 1)
    throw refusal(CONTEXT, "maxLen", "a positive integer", maxLen);
  if (blockingClient !== undefined && blockingClient === client) {
    throw new TypeError(
      `${CONTEXT}: \`blockingClient\` must be a connection of its own, not \`client\` (a blocking read would stall publishing)`,
    );
  }
  const blockingConnection =
    blockingClient === undefined ? undefined : toConnection(blockingClient, "blockingClient", CONTEXT);
  // A bounded wait: a delay past what a timer takes would not wait at all.
  checkDelay("offlineTimeout", offlineTimeout, CONTEXT);
  checkFunction("onError", onError, CONTEXT);
  return { client, connection, key, maxLen, blockingConnection, blockingClient, offlineTimeout, onError };
}
