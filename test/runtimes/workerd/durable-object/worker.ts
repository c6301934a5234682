// The Worker of the Durable Object tests: one object per channel name, reached through routeToChannel:
// /channels/:name → TestChannels, /aged/:name → AgedChannels. Small bounds, so that tests can push
// events out of the history.
import { ChannelObject, routeToChannel, type ChannelObjectOptions, type DurableObjectNamespaceLike } from "edge-sse/durable-object";

export interface Env {
  readonly CHANNELS: DurableObjectNamespaceLike;
  readonly AGED_CHANNELS: DurableObjectNamespaceLike;
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

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const [, kind, name] = /^\/(channels|aged)\/([^/]+)$/.exec(new URL(request.url).pathname) ?? [];
    if (kind === undefined || name === undefined) return new Response("Not found", { status: 404 });
    return routeToChannel(request, kind === "aged" ? env.AGED_CHANNELS : env.CHANNELS, decodeURIComponent(name));
  },
};
