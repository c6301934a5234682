// A Hono app that streams with edge-sse, beside Hono's own streamSSE for comparison.
// Served on Node by server.ts (`npm run example:hono`); the same `app.fetch` runs on Workers, Deno and Bun.
//
//   GET /             the demo page (an EventSource on /events)
//   GET /events       the demo stream, with edge-sse's DataStream
//   GET /hono-sse     a similar stream written with hono/streaming's streamSSE
//   /chat …           the chat room of the demo, on a Channel
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { DataStream } from "edge-sse";
import { DEMO_PAGE } from "../shared/demo-page.ts";
import { demoEvents } from "../shared/demo-handler.ts";
import { handleChat } from "../shared/chat-handler.ts";
import { ChatRoom } from "../shared/chat-room.ts";

export const app = new Hono();

app.get("/", (c) => c.html(DEMO_PAGE));

// The chat room (a Channel): /chat, /chat/events, POST /chat/messages.
const room = new ChatRoom();
app.all("/chat/*", (c) => handleChat(c.req.raw, room));

// edge-sse: pass the raw Request. Its signal ends the stream (and runs the generator's `finally`) when the
// client leaves, and its Last-Event-ID header becomes `lastEventId`. The first bytes go out at once,
// keep-alive pings flow while the producer is quiet, and the generator runs only as fast as the client reads.
app.get("/events", (c) => new DataStream(demoEvents, { request: c.req.raw, retry: 2_000 }).toResponse());

// Hono's streamSSE, for comparison. What it leaves to you: reading Last-Event-ID, keep-alive pings,
// stopping the loop when the client leaves (writes after that are silently dropped; check
// `stream.aborted` or use `stream.onAbort`), and errors (an onError callback sends `event: error` with the
// error's message to the client). It also sets `Connection` and `Transfer-Encoding`, which HTTP/2 forbids.
app.get("/hono-sse", (c) =>
  streamSSE(c, async (stream) => {
    let count = Number(c.req.header("last-event-id") ?? 0) || 0;
    while (!stream.aborted) {
      count++;
      await stream.writeSSE({ data: String(count), id: String(count) });
      await stream.sleep(1_000);
    }
  }),
);
