/**
 * Channels on Cloudflare Durable Objects: one object per channel holds the subscribers' streams and
 * the channel's history, in the object's storage. Every Worker instance routes to the same object by
 * the channel's name, so every subscriber gets every event, in one order, and a reconnecting client
 * replays what it missed, even after the object was evicted. With `routeToChannel(…, { hibernate:
 * true })`, the Worker holds the streams and the object sends them events over hibernatable
 * WebSockets, so it can leave memory between publishes while its subscribers stay connected.
 *
 * The classes are plain Durable Object classes (`constructor(ctx, env)`, `fetch(request)`) typed with
 * small structural interfaces: no import of `cloudflare:workers`, and no runtime dependency.
 *
 * wrangler.toml:
 * ```toml
 * [[durable_objects.bindings]]
 * name = "CHANNELS"
 * class_name = "Channels"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["Channels"]
 * ```
 *
 * @example The Worker: GET /rooms/:room subscribes, POST /rooms/:room publishes
 * ```ts ignore
 * import { ChannelObject, routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * export class Channels extends ChannelObject {}
 *
 * export default {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Response | Promise<Response> {
 *     const room = /^\/rooms\/([\w-]+)$/.exec(new URL(request.url).pathname)?.[1];
 *     if (room === undefined) return new Response("Not found", { status: 404 });
 *     // Check here who may subscribe and publish (`authorize` from edge-sse/tokens), then pass the
 *     // token's expiry on: routeToChannel(request, env.CHANNELS, room, { expiresAt: auth.validUntil }).
 *     return routeToChannel(request, env.CHANNELS, room);
 *   },
 * };
 * // curl -N http://127.0.0.1:8787/rooms/lobby
 * // curl -H 'content-type: application/json' -d '{"event":"chat","data":{"text":"hi"}}' http://127.0.0.1:8787/rooms/lobby
 * ```
 *
 * @module
 */
export { ChannelObject, type ChannelObjectOptions } from "./durable-object/channel-object.ts";
export { routeToChannel, type RouteOptions } from "./durable-object/route-to-channel.ts";
export { routeToChannels, type RoutesOptions } from "./durable-object/route-to-channels.ts";
export { StorageBroker, type StorageBrokerOptions } from "./durable-object/storage-broker.ts";
export type {
  DurableObjectNamespaceLike,
  DurableObjectStateLike,
  DurableObjectStorageLike,
  DurableObjectStubLike,
  HibernatableWebSocketLike,
} from "./durable-object/types.ts";
