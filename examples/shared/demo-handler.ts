import { DataStream, Message, type StreamContext } from "edge-sse";
import { DEMO_PAGE } from "./demo-page.ts";
import { handleChat } from "./chat-handler.ts";
import { ChatRoom } from "./chat-room.ts";

/** The demo's chat room, made on first use (Workers allow no timers or randomness while a module loads). */
let chatRoom: ChatRoom | undefined;

/**
 * The demo as one web-standard fetch handler: `/` is the page, `/events` the event stream, and
 * `/chat…` a chat room on a `Channel` (see chat-handler.ts). The same function runs on Node (through
 * edge-sse/node), Workers, Deno and Bun.
 */
export function handleDemo(request: Request): Response | Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === "/chat" || pathname.startsWith("/chat/")) return handleChat(request, (chatRoom ??= new ChatRoom()));
  if (pathname === "/") {
    return new Response(DEMO_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
  }
  if (pathname !== "/events") return new Response("Not found", { status: 404 });

  return new DataStream(demoEvents, { request, retry: 2_000 }).toResponse();
}

/**
 * The demo's events: a counter that resumes after `ctx.lastEventId` (the Last-Event-ID header a
 * reconnecting EventSource sends, or the `?lastEventId=` a reloaded demo page asks with), JSON price
 * updates, and a named clock event every fifth second. `sleep` rejects when the client leaves, which
 * ends the loop.
 */
export async function* demoEvents({ lastEventId, sleep }: StreamContext): AsyncGenerator<Message> {
  let count = Number(lastEventId ?? 0) || 0;
  let price = 100;
  for (;;) {
    count++;
    yield Message.data(String(count)).id(String(count));
    price = Math.max(1, price + (Math.random() - 0.5) * 2);
    yield Message.json({ symbol: "EDGE", price: Math.round(price * 100) / 100 }).event("price");
    if (count % 5 === 0) yield Message.data(new Date().toISOString().slice(11, 19)).event("clock");
    await sleep(1_000);
  }
}
