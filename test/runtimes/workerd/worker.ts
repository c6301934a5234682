// The runtime suite's server inside workerd: the shared handler as a Worker's default export.
// Served by @cloudflare/vitest-plugin (vitest.config.ts, SELF.fetch) and by `wrangler dev`, both with the
// bindings of wrangler.toml.
//
// The channel routes go to a Durable Object instead: a Worker's requests cannot write to each other's
// streams ("Cannot perform I/O on behalf of a different request"), so on Workers a channel lives in
// an object, one per test key, and every request of that key reaches it.
import { handleSuite } from "../app.ts";
import { handleTokens } from "../tokens-app.ts";
import {
  ChannelObject,
  routeToChannel,
  type ChannelObjectOptions,
  type DurableObjectNamespaceLike,
} from "edge-sse/durable-object";

interface Env {
  readonly SUITE_CHANNELS: DurableObjectNamespaceLike;
}

/** The suite's channel routes (as in app.ts): GET /channel/events subscribes, POST /channel/publish?data= publishes. */
export class SuiteChannels extends ChannelObject<Env> {
  protected override channelOptions(): ChannelObjectOptions {
    return { keepAlive: 1_000 };
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // GET as the object answers it: the stream ends at the expiry routeToChannel forwarded.
    if (url.pathname === "/channel/events" && request.method === "GET") return super.fetch(request);
    if (url.pathname === "/channel/publish" && request.method === "POST") {
      const id = await this.channel.publish(url.searchParams.get("data") ?? "");
      return Response.json({ id, subscribers: this.channel.subscriberCount });
    }
    return new Response("Not found", { status: 404 });
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/channel/")) {
      return routeToChannel(request, env.SUITE_CHANNELS, url.searchParams.get("key") || "no-key");
    }
    if (url.pathname.startsWith("/tokens/channel/")) {
      // authorize in the Worker, then the object: as the README's Workers example does.
      return handleTokens(request, (inner, expiresAt) =>
        routeToChannel(inner, env.SUITE_CHANNELS, url.searchParams.get("key") || "no-key", { expiresAt }),
      );
    }
    return handleSuite(request);
  },
};
