// A Fastify 5 app that serves the demo with edge-sse. Served by server.ts (`npm run example:fastify`).
//
//   GET /             the demo page (an EventSource on /events)
//   GET /events       the demo stream: a route returns the DataStream's Response, Fastify sends it
//   /chat …           the chat room of the demo, on a Channel (the shared fetch handler, through edge-sse/node)
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import { DataStream } from "edge-sse";
import { toNodeListener } from "edge-sse/node";
import { DEMO_PAGE } from "../shared/demo-page.ts";
import { demoEvents } from "../shared/demo-handler.ts";
import { handleChat } from "../shared/chat-handler.ts";
import { ChatRoom } from "../shared/chat-room.ts";

/** The example's Fastify instance, with its routes (not yet listening). */
export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify(options);

  app.get("/", (_request, reply) => reply.type("text/html; charset=utf-8").send(DEMO_PAGE));

  // Fastify sends a web Response itself: its status, its headers, and its body, which it cancels when the
  // client leaves. Fastify's `request` has `headers` (Last-Event-ID becomes `lastEventId`) and a `signal`
  // that aborts when the client disconnects: pass it as it is.
  app.get("/events", (request, reply) =>
    reply.send(new DataStream(demoEvents, { request, retry: 2_000 }).toResponse()),
  );

  // The chat room (a Channel): /chat, /chat/events, POST /chat/messages. Its fetch handler reads the body
  // itself, so this scope tells Fastify not to parse bodies, then hands the raw request and response to
  // the bridge (reply.hijack(): Fastify sends nothing for these routes).
  const room = new ChatRoom();
  const chat = toNodeListener((request) => handleChat(request, room));
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _body, done) => done(null));
    const serve = (request: FastifyRequest, reply: FastifyReply): void => {
      reply.hijack();
      chat(request.raw, reply.raw);
    };
    scope.all("/chat", serve);
    scope.all("/chat/*", serve);
  });

  app.addHook("onClose", () => room.close());
  return app;
}
