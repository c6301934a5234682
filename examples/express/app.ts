// An Express 5 app that serves the demo with edge-sse. Served by server.ts (`npm run example:express`).
//
//   GET /             the demo page (an EventSource on /events)
//   GET /events       the demo stream: a DataStream, served through edge-sse/node's bridge
//   /chat …           the chat room of the demo, on a Channel (the shared fetch handler, through the bridge)
import express from "express";
import { DataStream } from "edge-sse";
import { toNodeListener } from "edge-sse/node";
import { DEMO_PAGE } from "../shared/demo-page.ts";
import { demoEvents } from "../shared/demo-handler.ts";
import { handleChat } from "../shared/chat-handler.ts";
import { ChatRoom } from "../shared/chat-room.ts";

export const app = express();

app.get("/", (_req, res) => {
  res.type("html").send(DEMO_PAGE);
});

// Express's req and res are Node's IncomingMessage and ServerResponse, so a route can be a fetch handler
// served by the bridge: it aborts request.signal and cancels the stream when the client leaves (Express
// itself does neither), waits for `drain` when the client reads slowly, and the Last-Event-ID header
// becomes `lastEventId`. Headers set earlier with res.setHeader() (Express's X-Powered-By) are kept.
app.get(
  "/events",
  toNodeListener((request) => new DataStream(demoEvents, { request, retry: 2_000 }).toResponse()),
);

// The chat room (a Channel): /chat, /chat/events, POST /chat/messages. The bridge hands the request's body
// to the handler as a stream, so no body-parsing middleware (express.json()) may run before this route.
const room = new ChatRoom();
app.all(
  "/chat{/*rest}",
  toNodeListener((request) => handleChat(request, room)),
);
