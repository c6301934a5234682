// The Worker of the Durable Object tests: one object per channel name, reached through routeToChannel:
// /channels/:name → TestChannels, /aged/:name → AgedChannels, /flaky/:name → FlakyChannels,
// /guarded/:name → GuardedChannels, /opaque/:name → OpaqueChannels, /hibernating/:name → HibernatingChannels
// over hibernatable WebSockets, /held/:name → HibernatingChannels with streams the object holds (as without
// `hibernate`); on both, `?filter=a,b` forwards a filter. /instance/:name answers the HibernatingChannels
// object's nonce and instance number; /close-sockets/:name makes it close every subscriber's socket (then
// publish `?then-publish=<data>`). /capped/:name and /capped-held/:name → CappedChannels over sockets and over
// streams the object holds (/drain/:name and /metrics/:name reach its object); /short-lived/:name and
// /short-lived-held/:name → ShortLivedChannels, likewise; /opaque-hibernating/:name → OpaqueChannels over sockets.
// /expiring/:name?in=<ms> → TestChannels, with streams that expire that many ms from now (as a Worker passes
// a token's expiry); /several?<key>=<name>&... → one stream of several TestChannels (routeToChannels), keyed
// as the query says. Small bounds, so that tests can push events out of the history.
import {
  ChannelObject,
  routeToChannel,
  routeToChannels,
  type ChannelObjectOptions,
  type DurableObjectNamespaceLike,
  type DurableObjectStateLike,
} from "edge-sse/durable-object";
import { createEventIdCodec } from "edge-sse/tokens";
import { Message } from "edge-sse";
import { ChannelMetrics, type SubscriberInfo } from "edge-sse/channel";

export interface Env {
  readonly CHANNELS: DurableObjectNamespaceLike;
  readonly AGED_CHANNELS: DurableObjectNamespaceLike;
  readonly FLAKY_CHANNELS: DurableObjectNamespaceLike;
  readonly GUARDED_CHANNELS: DurableObjectNamespaceLike;
  readonly OPAQUE_CHANNELS: DurableObjectNamespaceLike;
  readonly HIBERNATING_CHANNELS: DurableObjectNamespaceLike;
  readonly CAPPED_CHANNELS: DurableObjectNamespaceLike;
  readonly SHORT_LIVED_CHANNELS: DurableObjectNamespaceLike;
}

export const MAX_EVENTS = 5;
export const MAX_BODY_BYTES = 1024;
export const MAX_AGE_MS = 50;

/** A history of 5 events; POST bodies up to 1 KiB; no pings, so streams hold only events. */
export class TestChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { history: { maxEvents: MAX_EVENTS }, maxBodyBytes: MAX_BODY_BYTES, keepAlive: false };
  }
}

/** Events expire 50 ms after they are published. */
export class AgedChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { history: { maxAge: MAX_AGE_MS }, keepAlive: false };
  }
}

/** How a FlakyChannels object's storage writes go: as usual, refused at once (a throw), or failed later (a rejection). */
export type WriteMode = "works" | "throws" | "rejects";

/** The object's real storage, whose writes a test can make fail (set `writes` with runInDurableObject); failures are kept. */
export class FlakyChannels extends ChannelObject<Env> {
  writes: WriteMode = "works";
  readonly reported: string[] = [];

  constructor(ctx: DurableObjectStateLike, env: Env) {
    const storage = ctx.storage;
    super(
      {
        storage: {
          get: (key) => storage.get(key),
          list: (options) => storage.list(options),
          delete: (keys) => storage.delete(keys),
          put: (entries) => {
            if (this?.writes === "throws") throw new RangeError("storage refused the write");
            if (this?.writes === "rejects") return Promise.reject(new Error("storage failed the write"));
            return storage.put(entries);
          },
        },
        blockConcurrencyWhile: (callback) => ctx.blockConcurrencyWhile(callback),
      },
      env,
    );
  }

  protected override channelOptions(): ChannelObjectOptions {
    return { keepAlive: false, onError: (error) => this.reported.push(String(error)) };
  }
}

/** The header a GuardedChannels object wants on a POST before it publishes it. */
export const PUBLISHER_HEADER = "x-test-publisher";

/** Publishes only POSTs that carry `PUBLISHER_HEADER: yes`; refuses the others with a bare 403. */
export class GuardedChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { keepAlive: false };
  }

  protected override authorizePublish(request: Request): Response | undefined {
    if (request.headers.get(PUBLISHER_HEADER) !== "yes") return new Response("Forbidden\n", { status: 403 });
    return undefined;
  }
}

/** The key of OpaqueChannels' event id codec; its scope is "opaque". */
export const OPAQUE_ID_KEY = "a secret of at least thirty-two bytes, for the tests";

/** Opaque event ids on the wire. */
export class OpaqueChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { keepAlive: false, eventIds: createEventIdCodec(OPAQUE_ID_KEY, { scope: "opaque" }) };
  }
}

/** The event a /hibernating/ stream that ends on an error sends last, with the error as its data. */
export const STREAM_ERROR_EVENT = "stream-error";

/** A POST body of up to 2 MB here: events larger than a WebSocket message (1 MiB) must go in pieces. */
export const LARGE_BODY_BYTES = 2_000_000;

/** The reconnection delay HibernatingChannels sends first on every stream. */
export const RETRY_MS = 1500;

/** How many HibernatingChannels instances this isolate has made: one more after each eviction and wake-up. */
let instancesMade = 0;

/**
 * Subscribers over hibernatable WebSockets; a history of 5 events. Each instance has its own `nonce`
 * and `instance` number, which change when the object is evicted and woken up again.
 */
export class HibernatingChannels extends ChannelObject<Env> {
  readonly nonce = crypto.randomUUID();
  readonly instance = ++instancesMade;

  protected override channelOptions(): ChannelObjectOptions {
    return {
      history: { maxEvents: MAX_EVENTS },
      maxBodyBytes: LARGE_BODY_BYTES,
      maxQueue: 4 * LARGE_BODY_BYTES,
      keepAlive: false,
      retry: RETRY_MS,
    };
  }

  /**
   * As when the object is reset: every subscriber's socket closes, and each Worker ends its stream. Then
   * it publishes `data`, if given, which the subscribers can only get by replay when they reconnect.
   */
  async #closeSockets(data: string | null): Promise<Response> {
    for (const socket of this.ctx.getWebSockets?.() ?? []) socket.close(1012, "the object restarts");
    const id = data === null ? undefined : await this.channel.publish(data);
    return Response.json({ id });
  }

  /** Two requests of the tests, which only the Worker's /instance/:name and /close-sockets/:name reach. */
  override fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/instance") return Promise.resolve(Response.json({ nonce: this.nonce, instance: this.instance }));
    if (pathname === "/close-sockets") return this.#closeSockets(new URL(request.url).searchParams.get("then-publish"));
    return super.fetch(request);
  }
}

/** One call of CappedChannels' onJoin or onLeave: what it was given (whether it had a request). */
export interface HookCall {
  readonly hook: "join" | "leave";
  readonly lastEventId: string | undefined;
  readonly replayedFrom: string | undefined;
  readonly request: boolean;
  readonly reason?: string;
}

/** The hook calls of each CappedChannels object, by its id. */
const hookCalls = new Map<string, HookCall[]>();

/** The object's id (workerd's ctx has one), as text. */
function idOf(ctx: DurableObjectStateLike): string {
  return String((ctx as DurableObjectStateLike & { readonly id: unknown }).id);
}

function infoOf(info: SubscriberInfo): Omit<HookCall, "hook"> {
  return { lastEventId: info.lastEventId, replayedFrom: info.replayedFrom, request: info.request !== undefined };
}

/** CappedChannels' `maxSubscribers`, counted over sockets and streams together. */
export const MAX_SUBSCRIBERS = 2;

/**
 * At most `MAX_SUBSCRIBERS` subscribers, over sockets and streams; `RETRY_MS`; its metrics. Its
 * /drain request drains the channel (`?retry=<ms>&timeout=<ms>`) and answers once the drain is over;
 * /close closes it (`?end` for good); /metrics answers the counts, /hooks the calls of its onJoin and onLeave.
 */
export class CappedChannels extends ChannelObject<Env> {
  // Set by channelOptions(), which the base constructor calls before a field initializer would run.
  declare metrics: ChannelMetrics;

  protected override channelOptions(): ChannelObjectOptions {
    this.metrics = new ChannelMetrics();
    // Kept by the isolate, not the instance: an eviction does not lose them.
    const calls = hookCalls.get(idOf(this.ctx)) ?? [];
    hookCalls.set(idOf(this.ctx), calls);
    return {
      keepAlive: false,
      retry: RETRY_MS,
      maxSubscribers: MAX_SUBSCRIBERS,
      metrics: this.metrics,
      onJoin: (info) => void calls.push({ hook: "join", ...infoOf(info) }),
      onLeave: (info, reason) => void calls.push({ hook: "leave", ...infoOf(info), reason: reason.type }),
    };
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/metrics") return Response.json(this.metrics);
    if (url.pathname === "/hooks") return Response.json(hookCalls.get(idOf(this.ctx)) ?? []);
    if (url.pathname === "/close") {
      await this.channel.close({ end: url.searchParams.has("end") });
      return Response.json({ closed: true });
    }
    if (url.pathname !== "/drain") return super.fetch(request);
    const retry = Number(url.searchParams.get("retry"));
    const timeout = Number(url.searchParams.get("timeout"));
    await this.channel.drain({ retry, timeout });
    return Response.json({ drained: true });
  }
}

/** ShortLivedChannels' `maxLifetime`: each stream ends between 90% and 100% of it. */
export const LIFETIME_MS = 1_000;

/** Streams that last at most `LIFETIME_MS`. */
export class ShortLivedChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { keepAlive: false, maxLifetime: LIFETIME_MS };
  }
}

const NAMESPACES = {
  channels: "CHANNELS",
  aged: "AGED_CHANNELS",
  flaky: "FLAKY_CHANNELS",
  guarded: "GUARDED_CHANNELS",
  opaque: "OPAQUE_CHANNELS",
  expiring: "CHANNELS",
  hibernating: "HIBERNATING_CHANNELS",
  held: "HIBERNATING_CHANNELS",
  capped: "CAPPED_CHANNELS",
  "capped-held": "CAPPED_CHANNELS",
  "short-lived": "SHORT_LIVED_CHANNELS",
  "short-lived-held": "SHORT_LIVED_CHANNELS",
  "opaque-hibernating": "OPAQUE_CHANNELS",
} as const;

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/several") {
      const names = [...url.searchParams].filter(([key]) => key !== "lastEventId");
      return routeToChannels(request, env.CHANNELS, Object.fromEntries(names), { keepAlive: false });
    }
    const capped = /^\/(drain|close|metrics|hooks)\/([^/]+)$/.exec(url.pathname);
    if (capped !== null) {
      const stub = env.CAPPED_CHANNELS.get(env.CAPPED_CHANNELS.idFromName(decodeURIComponent(capped[2]!)));
      return stub.fetch(new Request(`http://object/${capped[1]}${url.search}`));
    }
    const admin = /^\/(instance|close-sockets)\/([^/]+)$/.exec(url.pathname);
    if (admin !== null) {
      const stub = env.HIBERNATING_CHANNELS.get(env.HIBERNATING_CHANNELS.idFromName(decodeURIComponent(admin[2]!)));
      return stub.fetch(new Request(`http://object/${admin[1]}${url.search}`));
    }
    const [, kind, name] =
      /^\/(channels|aged|flaky|guarded|opaque|expiring|hibernating|held|capped(?:-held)?|short-lived(?:-held)?|opaque-hibernating)\/([^/]+)$/.exec(
        url.pathname,
      ) ?? [];
    if (kind === undefined || name === undefined) return new Response("Not found", { status: 404 });
    const namespace = env[NAMESPACES[kind as keyof typeof NAMESPACES]];
    const expiresAt = kind === "expiring" ? Date.now() + Number(url.searchParams.get("in")) : undefined;
    if (kind === "held" || kind.endsWith("-held")) {
      const filter = url.searchParams.get("filter")?.split(",");
      return routeToChannel(request, namespace, decodeURIComponent(name), { filter });
    }
    if (["hibernating", "capped", "short-lived", "opaque-hibernating"].includes(kind)) {
      const filter = url.searchParams.get("filter")?.split(",");
      // A stream that ends on an error says why in a last event of its own.
      const onError = (error: unknown): Message => new Message({ event: STREAM_ERROR_EVENT, data: String(error) });
      const options = { hibernate: true, filter, keepAlive: false, onError } as const;
      return routeToChannel(request, namespace, decodeURIComponent(name), options);
    }
    return routeToChannel(request, namespace, decodeURIComponent(name), { expiresAt });
  },
};
