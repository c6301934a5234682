/**
 * A DataStream route for the framework tests that records, per connection, what the producer saw and how the
 * stream ended, so a test over real HTTP can check what the framework did with the request and the disconnect.
 * Portable: the same file runs under vitest (Node) and bun test.
 *
 * The route's query picks the stream: `?key=K&mode=frames|ticks|gated[&end=N]`.
 */
import { DataStream, Message, type RequestLike, type StreamClosedError } from "edge-sse";
import { deferred, type Deferred } from "../helpers/deferred.ts";

/** The events of `mode=frames`, then the stream ends: names, ids, multi-line data, JSON, non-ASCII text. */
export const PROBE_FRAMES: readonly Message[] = [
  Message.data("hello").event("greet").id("1"),
  Message.data("line one\nline two\n\nline four").id("2"),
  Message.json({ price: 42, text: 'é ✓ "quoted" 😀' }).event("price"),
  Message.data(" leading and trailing space ").id("3"),
  Message.data("").event("empty"),
];

/** What one connection's producer saw, and how its stream ended. */
export interface ProbeConnection {
  /** `ctx.lastEventId` as the producer saw it. */
  readonly lastEventId: string | undefined;
  /** Whether the producer's `finally` block ran. */
  finallyRan: boolean;
  /** Whether `ctx.signal` had aborted when the `finally` block ran. */
  signalAbortedInFinally: boolean | undefined;
  /** The `onClose` reason's type, once the stream has closed. */
  readonly closed: Promise<string>;
}

interface Connection extends ProbeConnection {
  readonly closedDeferred: Deferred<string>;
}

export class StreamProbe {
  readonly #connections = new Map<string, Connection[]>();
  readonly #gates = new Map<string, Deferred<void>>();
  readonly #arrivals = new Map<string, Deferred<void>>();

  /** The probe's response to `request`, whose URL (absolute, or a path with its query) is `url`. */
  respond(request: RequestLike, url: string): Response {
    const query = new URL(url, "http://localhost").searchParams;
    const key = query.get("key") ?? "";
    const mode = query.get("mode") ?? "ticks";
    const end = Number(query.get("end") ?? Infinity);
    const closedDeferred = deferred<string>();
    const list = this.#connections.get(key) ?? [];
    this.#connections.set(key, list);
    const gate = this.#gate(key);
    const arrived = this.#arrival(key);
    return new DataStream(
      async function* (ctx) {
        const connection: Connection = {
          lastEventId: ctx.lastEventId,
          finallyRan: false,
          signalAbortedInFinally: undefined,
          closed: closedDeferred.promise,
          closedDeferred,
        };
        list.push(connection);
        arrived.resolve();
        try {
          if (mode === "frames") {
            yield* PROBE_FRAMES;
            return;
          }
          if (mode === "gated") {
            await gate.promise;
            yield Message.data("after the gate").id("1");
            await ctx.sleep(60_000);
            return;
          }
          let n = Number(ctx.lastEventId ?? 0) || 0;
          for (let sent = 0; sent < end; sent++) {
            n++;
            yield Message.data(`tick ${n}`).id(String(n));
            await ctx.sleep(20);
          }
        } finally {
          connection.finallyRan = true;
          connection.signalAbortedInFinally = ctx.signal.aborted;
        }
      },
      {
        request,
        // A stream that ends by itself asks the client to come back soon (the reconnection case).
        ...(end === Infinity ? {} : { retry: 50 }),
        onClose: (reason: StreamClosedError) => closedDeferred.resolve(reason.type),
      },
    ).toResponse();
  }

  /** The connections made with `key` so far, in order. */
  connections(key: string): readonly ProbeConnection[] {
    return this.#connections.get(key) ?? [];
  }

  /** Resolves once the producer of a `key` stream has started. */
  arrived(key: string): Promise<void> {
    return this.#arrival(key).promise;
  }

  /** Lets the `mode=gated` stream of `key` yield its first item. */
  open(key: string): void {
    this.#gate(key).resolve();
  }

  #gate(key: string): Deferred<void> {
    let gate = this.#gates.get(key);
    if (gate === undefined) this.#gates.set(key, (gate = deferred()));
    return gate;
  }

  #arrival(key: string): Deferred<void> {
    let arrival = this.#arrivals.get(key);
    if (arrival === undefined) this.#arrivals.set(key, (arrival = deferred()));
    return arrival;
  }
}
