// The demo as a Cloudflare Worker: `npx wrangler dev` (wrangler.toml points here).
// The chat lives in a Durable Object: a Worker runs in many isolates and its requests cannot write to
// each other's streams, while one object sees every request of its room.
import { handleDemo } from "../shared/demo-handler.ts";
import { handleChat } from "../shared/chat-handler.ts";
import { ChatRoom } from "../shared/chat-room.ts";
import { routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";

interface Env {
  readonly CHAT: DurableObjectNamespaceLike;
}

/** The demo's chat room, one object for the whole demo. */
export class ChatRoomObject {
  readonly #room = new ChatRoom();

  fetch(request: Request): Promise<Response> {
    return handleChat(request, this.#room);
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const { pathname } = new URL(request.url);
    // routeToChannel forwards to the object named "demo", and stops a body the object refused.
    if (pathname === "/chat" || pathname.startsWith("/chat/")) return routeToChannel(request, env.CHAT, "demo");
    return handleDemo(request);
  },
};
