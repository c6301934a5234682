// GET /events: the demo stream, a DataStream returned from an App Router route handler.
import { DataStream, type StreamClosedError } from "edge-sse";
import { demoEvents } from "../../../shared/demo-handler.ts";

// A stream is never prerendered or cached: each request gets its own.
export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  // Pass the `request` Next gives the handler: its signal aborts when the client leaves (Next also cancels
  // the body), and its Last-Event-ID header becomes `lastEventId`. The server's log shows each stream's life:
  // close the tab and the producer stops, then the stream closes with "client-gone".
  return new DataStream(
    async function* (ctx) {
      console.log(`GET /events: a client connected (Last-Event-ID: ${ctx.lastEventId ?? "none"})`);
      try {
        yield* demoEvents(ctx);
      } finally {
        console.log("GET /events: the producer stopped");
      }
    },
    {
      request,
      retry: 2_000,
      onClose: (reason: StreamClosedError) =>
        console.log(
          `GET /events: the stream closed (${reason.type}; request.signal aborted: ${request.signal.aborted})`,
        ),
    },
  ).toResponse();
}
