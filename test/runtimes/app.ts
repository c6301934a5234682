/**
 * The server side of the runtime suite: one web-standard fetch handler that every runtime serves
 * (node:http, Deno.serve, Bun.serve, workerd). Each route is one behaviour; what happened on the server
 * (a producer's finally, onClose, onError, how many items were made) is recorded per key and read
 * back through GET /log?key=…, so the checks work even when the server is another process.
 */
import { Hono } from "hono";
import * as z from "zod";
import { DataStream, defineEvents, Message, type StreamClosedError } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { handleTokens } from "./tokens-app.ts";

const logs = new Map<string, string[]>();
/** One channel per test key, so that runs do not see each other's events. */
const channels = new Map<string, Channel>();
const counters = new Map<string, number>();

function record(key: string, entry: string): void {
  const log = logs.get(key) ?? [];
  log.push(entry);
  logs.set(key, log);
}

/** The items of GET /frames, in order; the suite checks them with eventsource-parser. */
export const FRAMES: ReadonlyArray<unknown> = [
  "plain",
  Message.data("multi\nline\r\ncrlf\rcr").event("named").id("1"),
  { emoji: "😀", cjk: "漢字", nested: { ok: true } },
  Message.data(" leading space").comment("a comment"),
  Message.data(""),
  Message.data("after retry").retry(1500),
  Message.data("id reset").id(""),
];

/** The event map of GET /typed: a JSON event, a text event and the default event. */
const TYPED_EVENTS = defineEvents({
  quote: z.object({ symbol: z.string().min(1), price: z.number().nonnegative() }),
  status: { schema: z.enum(["open", "closed"]), encoding: "text" },
  message: z.string(),
});

const hono = new Hono();
hono.get("/hono/frames", (c) => new DataStream(FRAMES, { request: c.req.raw, keepAlive: false }).toResponse());
hono.get("/hono/last-event-id", (c) =>
  new DataStream(
    async function* ({ lastEventId }) {
      yield `resume after ${lastEventId ?? "nothing"}`;
    },
    { request: c.req.raw, keepAlive: false },
  ).toResponse(),
);

/** Passes a byte stream on chunk by chunk, and reports how many chunks it had when it ends. */
function countChunks(body: ReadableStream<Uint8Array>, onEnd: (chunks: number) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let chunks = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          onEnd(chunks);
          controller.close();
        } else {
          chunks++;
          controller.enqueue(value);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The handler every runtime serves. */
export function handleSuite(request: Request): Response | Promise<Response> {
  return routeSuite(request, undefined);
}

/**
 * The suite's routes. `expiresAt` is when a /channel/events stream ends (the token's expiry, when the
 * /tokens/channel/ route has authorized the request), as a Durable Object does with routeToChannel's.
 */
function routeSuite(request: Request, expiresAt: number | undefined): Response | Promise<Response> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "none";
  const onClose = (reason: StreamClosedError): void => record(key, `close:${reason.type}`);

  switch (url.pathname) {
    case "/frames":
      return new DataStream(FRAMES, { request, keepAlive: false }).toResponse();

    case "/first-bytes":
      // The producer waits before its first item: the first bytes must come before it.
      return new DataStream(
        async function* ({ sleep }) {
          await sleep(Number(url.searchParams.get("ms") ?? 1_000));
          yield "first item";
        },
        { request, keepAlive: false },
      ).toResponse();

    case "/quiet": {
      // Silent for a long time, with the default keep-alive unless `keepAlive` says.
      const keepAlive = url.searchParams.get("keepAlive");
      return new DataStream(
        async function* ({ sleep }) {
          await sleep(Number(url.searchParams.get("ms") ?? 25_000));
          yield "awake";
        },
        { request, keepAlive: keepAlive === null ? undefined : Number(keepAlive) },
      ).toResponse();
    }

    case "/disconnect":
      return new DataStream(
        async function* ({ signal, sleep }) {
          try {
            for (let n = 1; ; n++) {
              yield n;
              await sleep(20);
            }
          } finally {
            record(key, `finally:${signal.aborted ? "aborted" : "open"}`);
          }
        },
        { request, onClose, keepAlive: 200 },
      ).toResponse();

    case "/backpressure": {
      const item = "x".repeat(4_096);
      return new DataStream(
        function* () {
          for (;;) {
            counters.set(key, (counters.get(key) ?? 0) + 1);
            yield item;
          }
        },
        { request, onClose, keepAlive: false },
      ).toResponse();
    }

    case "/error":
      return new DataStream(
        async function* () {
          yield "a";
          yield "b";
          throw new Error("secret-internal-detail");
        },
        { request, onClose, keepAlive: false, onError: (error) => record(key, `error:${(error as Error).message}`) },
      ).toResponse();

    case "/typed":
      // Valid items, then one the map refuses (it must reach onError, not the wire), then one never sent.
      // A generator's yields are typed by the map given as the type argument.
      return new DataStream<typeof TYPED_EVENTS>(
        async function* () {
          yield { event: "quote", data: { symbol: "ACME", price: 1.5 }, id: "1" };
          yield TYPED_EVENTS.status("open");
          yield { data: "plain" };
          yield { event: "quote", data: { symbol: "", price: -1, secret: "invalid-item" }, id: "2" } as never;
          yield TYPED_EVENTS.status("closed");
        },
        {
          request,
          events: TYPED_EVENTS,
          onClose,
          keepAlive: false,
          onError: (error) =>
            record(key, `error:${error instanceof TypeError ? "TypeError" : "?"}:${(error as Error).message}`),
        },
      ).toResponse();

    case "/burst": {
      // Items that are all ready at once; the server counts the chunks the stream writes for them.
      const count = Number(url.searchParams.get("n") ?? 200);
      const push = url.searchParams.get("mode") === "push";
      const stream = new DataStream(
        push
          ? (ctx) => {
              for (let n = 1; n <= count; n++) ctx.send(`item ${n}`);
              ctx.close();
            }
          : async function* () {
              for (let n = 1; n <= count; n++) yield `item ${n}`;
            },
        { request, keepAlive: false },
      );
      return new Response(
        countChunks(stream.toReadableStream(), (chunks) => record(key, `chunks:${chunks}`)),
        {
          headers: { "content-type": "text/event-stream" },
        },
      );
    }

    case "/last-event-id":
      return new DataStream(
        async function* ({ lastEventId }) {
          yield `resume after ${lastEventId ?? "nothing"}`;
        },
        { request, keepAlive: false },
      ).toResponse();

    case "/ids/last-event-id":
      // What the producer sees of the id a client resumes after, and what the query parameter decodes to.
      return new DataStream(
        async function* ({ lastEventId }) {
          yield Message.json({ lastEventId: lastEventId ?? null, query: url.searchParams.get("lastEventId") });
        },
        { request, keepAlive: false },
      ).toResponse();

    case "/ids/channel": {
      // A channel of this request only (so it works in a Worker too) that published ?id= between two events.
      const channel = new Channel({ keepAlive: false });
      void channel.publish("before");
      void channel.publish(Message.data("the id").id(url.searchParams.get("id") ?? ""));
      void channel.publish("after");
      return channel.response({ request });
    }

    case "/channel/events": {
      let channel = channels.get(key);
      if (channel === undefined) channels.set(key, (channel = new Channel({ keepAlive: 1_000 })));
      return channel.response({ request, expiresAt });
    }

    case "/channel/publish": {
      const channel = channels.get(key);
      if (channel === undefined) return new Response("No such channel", { status: 404 });
      return channel
        .publish(url.searchParams.get("data") ?? "")
        .then((id) => Response.json({ id, subscribers: channel.subscriberCount }));
    }

    case "/log":
      return Response.json({ log: logs.get(key) ?? [], produced: counters.get(key) ?? 0 });

    default:
      if (url.pathname.startsWith("/hono/")) return hono.fetch(request);
      if (url.pathname.startsWith("/tokens/")) return handleTokens(request, routeSuite);
      return new Response("Not found", { status: 404 });
  }
}
