// An Elysia 1.4 app that serves the demo with edge-sse, on Bun. Served by server.ts (`npm run example:elysia`).
//
//   GET /             the demo page (an EventSource on /events)
//   GET /events       the demo stream: the route returns the DataStream's Response, Elysia sends it as it is
//   /chat …           the chat room of the demo, on a Channel (the shared fetch handler)
import { Elysia } from "elysia";
import { DataStream } from "edge-sse";
import { DEMO_PAGE } from "../shared/demo-page.ts";
import { demoEvents } from "../shared/demo-handler.ts";
import { handleChat } from "../shared/chat-handler.ts";
import { ChatRoom } from "../shared/chat-room.ts";

/** The example's Elysia app, with its routes (not yet listening). */
export function buildApp() {
  const room = new ChatRoom();
  return (
    new Elysia()
      .get("/", () => new Response(DEMO_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }))
      // `request` is Bun's own Request: its signal aborts when the client leaves and its Last-Event-ID header
      // becomes `lastEventId`. Elysia hands a returned Response to Bun unchanged.
      .get("/events", ({ request }) => new DataStream(demoEvents, { request, retry: 2_000 }).toResponse())
      // The chat room (a Channel): /chat, /chat/events, POST /chat/messages. A handler that takes only
      // `request` leaves the body unread, so the shared fetch handler reads it.
      .all("/chat", ({ request }) => handleChat(request, room))
      .all("/chat/*", ({ request }) => handleChat(request, room))
  );
}
