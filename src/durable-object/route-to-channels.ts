import type { DurableObjectNamespaceLike } from "./types.ts";
import { describeValue } from "../core/describe-value.ts";
import { fanIn, type FanInSource, type Resume } from "../channel/fan-in.ts";
import { checkPicks, checkSeveralOptions, type SeveralChannelsOptions } from "../channel/several-channels.ts";
import { EXPIRES_AT_HEADER } from "./forwarded-expiry.ts";
import { readHeadHeader, RESUME_HEADER } from "./forwarded-resume.ts";
import { FILTER_HEADER } from "./forwarded-filter.ts";
import { checkNamespace } from "./route-to-channel.ts";

const CONTEXT = "Cannot route to channels";
const OPTION_KEYS: ReadonlySet<string> = new Set(["expiresAt", "keepAlive", "retry", "headers", "onError"]);

/**
 * Options of `routeToChannels`: those of `severalChannelsResponse` but the request and the cursor, which
 * come from the request it routes. Unknown keys are a `TypeError`.
 */
export type RoutesOptions = Omit<SeveralChannelsOptions, "request" | "lastEventId">;

/**
 * One event stream, in the Worker, with the events of several channels, each owned by its
 * `ChannelObject` (as `routeToChannel` reaches one): opens each object's stream at its own part of
 * the client's composite cursor and merges them, as `severalChannelsResponse` of `edge-sse/channel`
 * does in one process (see there for the cursor and what a reconnecting client gets). Each object
 * counts one subscriber; the stream ends when the client leaves, and so do the objects' streams.
 *
 * @param request - the client's `GET` (its `Last-Event-ID` header or `lastEventId` query parameter is the cursor)
 * @param namespace - the binding of a `ChannelObject` class (`env.CHANNELS`)
 * @param channels - each key of the cursor (1 to 16 letters, digits, `_` or `-`; at most 16) to a channel's name
 * @param options - see `RoutesOptions`
 * @returns the merged stream; an object's refusal (a 503, say) as it is; 405 for a method other than `GET`
 * @throws {TypeError} when `request` is not a Request, `namespace` not a Durable Object namespace, a
 *   key or name is invalid, or an option is invalid
 * @example A room and the user's own channel, on one connection
 * ```ts ignore
 * import { ChannelObject, routeToChannels, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * export class Channels extends ChannelObject {}
 *
 * export default {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Promise<Response> {
 *     const url = new URL(request.url);
 *     const room = url.searchParams.get("room") ?? "lobby";
 *     return routeToChannels(request, env.CHANNELS, { room: `room:${room}`, me: "user:42" });
 *   },
 * };
 * ```
 */
export function routeToChannels<Id>(
  request: Request,
  namespace: DurableObjectNamespaceLike<Id>,
  channels: Readonly<Record<string, string>>,
  options: RoutesOptions = {},
): Promise<Response> {
  const { url, method } = (request ?? {}) as Partial<Request>;
  if (typeof request !== "object" || typeof url !== "string" || typeof method !== "string") {
    throw new TypeError(`${CONTEXT}: \`request\` must be a Request (got ${describeValue(request)})`);
  }
  checkNamespace(namespace, CONTEXT);
  const picks = checkPicks(channels, (name) => typeof name === "string" && name !== "", "name");
  checkSeveralOptions(options, CONTEXT, OPTION_KEYS);
  if (method !== "GET") {
    return Promise.resolve(
      new Response("Cannot route to channels: only GET subscribes\n", {
        status: 405,
        headers: { allow: "GET" },
      }),
    );
  }
  const sources = picks.map(
    ([key, name]): FanInSource => ({
      key,
      async open(resume: Resume) {
        const stub = namespace.get(namespace.idFromName(name));
        const response = await stub.fetch(objectRequest(request, resume));
        return { response, head: resume === "head" ? readHeadHeader(response) : undefined };
      },
    }),
  );
  return fanIn(sources, { ...options, request });
}

/** The `GET` an object gets: the client's headers but those the Worker decides, and the object's own part of the cursor. */
function objectRequest(request: Request, resume: Resume): Request {
  const headers = new Headers(request.headers);
  // The Worker decides these; an upgrade would get the object's socket of frames instead of a stream.
  for (const name of ["last-event-id", EXPIRES_AT_HEADER, RESUME_HEADER, FILTER_HEADER, "upgrade"])
    headers.delete(name);
  const url = new URL(request.url);
  url.searchParams.delete("lastEventId");
  // Any id travels in the query: a header could not carry every character an id may have.
  if (typeof resume === "object") url.searchParams.set("lastEventId", resume.after);
  else headers.set(RESUME_HEADER, resume);
  return new Request(url, { method: "GET", headers, signal: request.signal });
}
