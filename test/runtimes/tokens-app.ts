/**
 * The server side of the runtime suite's signed-subscription cases (tokens-suite.ts), under /tokens/:
 * `authorize` in front of a Channel's response, which ends at the token's expiry, and the opaque id codec.
 * Each request gets its own channel (so it works in a Worker too, whose requests cannot share one).
 *
 * - GET /tokens/events?channel=…: 401/403, or the stream: the channel publishes "one" and "two",
 *   then, unless `open` is set, closes (the stream ends); with `open`, the stream ends at the expiry.
 * - POST /tokens/events?channel=…: 201 when the token may publish.
 * - GET /tokens/q/events?channel=…: the same, taking the token from `?token=` as well.
 * - GET /tokens/opaque?id=…: `{ opaque, back }`, the id encoded and decoded here.
 * - GET /tokens/opaque/events: a channel with opaque ids that published e1, e2 and e3 (those ids):
 *   the replay after the request's Last-Event-ID, then the end.
 * - GET /tokens/channel/events?channel=…&key=…, POST /tokens/channel/publish?channel=…&key=…&data=…:
 *   authorized, then forwarded to the suite's channel routes (/channel/…): app.ts's channels, or on
 *   Workers the Durable Object of `key` (worker.ts), as a Worker in front of `routeToChannel` would.
 */
import { Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { authorize, createEventIdCodec, type CryptoLike } from "edge-sse/tokens";

/** The key the suite's tokens are signed with, on both sides. */
export const SUITE_TOKEN_KEY = "edge-sse runtime suite key: 32+ bytes";

/**
 * The `crypto` option on this runtime: none where there is a global WebCrypto (the path every
 * runtime but Node 18 takes), and node:crypto's `webcrypto` on Node 18, which has no global one.
 */
export async function cryptoOption(): Promise<{ crypto?: CryptoLike }> {
  if (globalThis.crypto !== undefined) return {};
  const { webcrypto } = await import("node:crypto");
  return { crypto: webcrypto as unknown as CryptoLike };
}

/**
 * Where an authorized /tokens/channel/… request goes, as /channel/…: the suite's channel routes, with
 * the instant its stream must end (the token's `validUntil`).
 */
export type ChannelRoute = (request: Request, expiresAt: number) => Response | Promise<Response>;

/** The suite's /tokens/ routes. */
export async function handleTokens(request: Request, channelRoute: ChannelRoute): Promise<Response> {
  const url = new URL(request.url);
  const crypto = await cryptoOption();
  if (url.pathname === "/tokens/channel/events" || url.pathname === "/tokens/channel/publish") {
    const auth = await authorize(request, {
      keys: SUITE_TOKEN_KEY,
      channel: url.searchParams.get("channel") ?? "",
      ...crypto,
    });
    if (!auth.ok) return auth.response;
    const inner = new Request(new URL(`${url.pathname.slice("/tokens".length)}${url.search}`, url), {
      method: request.method,
      headers: request.headers,
      signal: request.signal,
    });
    return channelRoute(inner, auth.validUntil);
  }
  if (url.pathname === "/tokens/opaque/events") {
    const channel: Channel = new Channel({
      keepAlive: false,
      eventIds: createEventIdCodec(SUITE_TOKEN_KEY, { scope: "suite", ...crypto }),
      // The replay is queued when the subscriber joins: end the stream after it.
      onJoin: () => void Promise.resolve().then(() => channel.close()),
    });
    for (const id of ["e1", "e2", "e3"]) await channel.publish(Message.data(`data of ${id}`).id(id));
    return channel.response({ request });
  }
  if (url.pathname === "/tokens/opaque") {
    const ids = createEventIdCodec(SUITE_TOKEN_KEY, { scope: "suite", ...crypto });
    const opaque = await ids.encode(url.searchParams.get("id") ?? "");
    return Response.json({ opaque, back: (await ids.decode(opaque)) ?? null });
  }
  if (url.pathname !== "/tokens/events" && url.pathname !== "/tokens/q/events")
    return new Response("Not found", { status: 404 });
  const auth = await authorize(request, {
    keys: SUITE_TOKEN_KEY,
    channel: url.searchParams.get("channel") ?? "",
    cookie: "sse-token",
    ...(url.pathname === "/tokens/q/events" ? { query: "token" } : {}),
    ...crypto,
  });
  if (!auth.ok) return auth.response;
  if (request.method === "POST") return Response.json({ subject: auth.claims.subject ?? null }, { status: 201 });
  // A subscriber joins at its stream's first read: publish once it has.
  const open = url.searchParams.has("open");
  const channel: Channel = new Channel({
    keepAlive: false,
    onJoin: () => {
      void channel
        .publish("one")
        .then(() => channel.publish("two"))
        .then(() => (open ? undefined : channel.close()));
    },
  });
  return channel.response({ request, expiresAt: auth.validUntil });
}
