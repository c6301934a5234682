/**
 * The server side of the client's runtime cases (client-suite.ts): one web-standard fetch handler
 * serving edge-sse's own DataStreams and Channels. Every request is recorded per key and read back
 * through GET /client/log?key=…. POST /client/cut?key=… cuts the key's open streams from the server
 * side by failing their bodies (the runtime then aborts the responses mid-stream).
 */
import { DataStream, Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { subscribe } from "edge-sse/client";

/** One request as the server saw it. */
export interface ClientRequestLog {
  readonly method: string;
  readonly lastEventId: string | null;
  readonly authorization: string | null;
  readonly body: string;
}

const END = Message.data("").event("edge-sse-end");
const logs = new Map<string, ClientRequestLog[]>();
const channels = new Map<string, Channel>();
/** Fails the bodies of a key's open streams. */
const cutters = new Map<string, Set<() => void>>();

interface Cuttable {
  readonly body: ReadableStream<Uint8Array>;
  /** Fails the body, as a dropped connection: the runtime aborts the response mid-stream. */
  cut(): void;
}

/** Passes `body` on, until `cut()`. */
function cuttable(body: ReadableStream<Uint8Array>): Cuttable {
  let cut = (): void => {};
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      cut = () => controller.error(new Error("the server cut the connection"));
    },
  });
  void body.pipeTo(transform.writable).catch(() => {});
  return { body: transform.readable, cut: () => cut() };
}

/** Keeps `stream` among the key's streams that POST /client/cut fails; returns its body. */
function register(key: string, stream: Cuttable): ReadableStream<Uint8Array> {
  const keyCutters = cutters.get(key) ?? new Set();
  cutters.set(key, keyCutters);
  keyCutters.add(stream.cut);
  return stream.body;
}

const eventStream = (body: ReadableStream<Uint8Array>): Response =>
  new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });

/** The handler every runtime serves for the client's cases. */
export async function handleClientSuite(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "none";
  // The control routes: not recorded.
  switch (url.pathname) {
    case "/client/log":
      return Response.json({ requests: logs.get(key) ?? [] });

    case "/client/channel/publish": {
      const channel = channels.get(key);
      if (channel === undefined) return new Response("No such channel", { status: 404 });
      const id = await channel.publish(url.searchParams.get("data") ?? "");
      return Response.json({ id, subscribers: channel.subscriberCount });
    }

    case "/client/channel/subscribers":
      return Response.json({ subscribers: channels.get(key)?.subscriberCount ?? 0 });

    case "/client/cut": {
      const keyCutters = cutters.get(key) ?? new Set();
      for (const cut of keyCutters) cut();
      keyCutters.clear();
      return Response.json({ cut: true });
    }

    case "/client/channel/end":
      await channels.get(key)?.close({ end: true });
      return Response.json({ ended: true });

    case "/client/channel/close":
      channels.get(key)?.close();
      channels.delete(key);
      return Response.json({ closed: true });
  }

  const log = logs.get(key) ?? [];
  logs.set(key, log);
  const index = log.length;
  log.push({
    method: request.method,
    lastEventId: request.headers.get("last-event-id"),
    authorization: request.headers.get("authorization"),
    body: request.method === "GET" ? "" : await request.text(),
  });

  switch (url.pathname) {
    case "/client/finite":
      // Named and unnamed events, multi-line and multibyte data, then the end signal.
      return new DataStream(
        [
          Message.data("first").id("1"),
          Message.data("two\nlines").event("multi"),
          Message.json({ emoji: "😀", cjk: "漢字" }).event("json").id("2"),
          END,
        ],
        { request, keepAlive: false },
      ).toResponse();

    case "/client/numbers": {
      // Events with ids from 1, after the Last-Event-ID: the first connection sends 1 to 3 and stays open
      // (POST /client/cut cuts it); a reconnection sends the rest up to 6, then the end signal.
      const after = Number(request.headers.get("last-event-id") ?? 0);
      const stream = new DataStream(
        async function* ({ sleep }) {
          for (let n = after + 1; n <= (index === 0 ? 3 : 6); n++) yield Message.data(`event ${n}`).id(String(n));
          if (index === 0) await sleep(60_000);
          yield END;
        },
        { request, keepAlive: false },
      );
      return eventStream(register(key, cuttable(stream.toReadableStream())));
    }

    case "/client/parts":
      // One event per connection; the first ends cleanly without the end signal, the second with it.
      return new DataStream([Message.data(`part ${index + 1}`).id(String(index + 1)), ...(index === 0 ? [] : [END])], {
        request,
        keepAlive: false,
      }).toResponse();

    case "/client/no-content":
      return new Response(null, { status: 204 });

    case "/client/missing":
      return new Response("no such stream", { status: 404, headers: { "content-type": "text/plain" } });

    case "/client/answer": {
      // An answer to a POST: one event, then a clean end (the client must not post again).
      const stream = new DataStream([`you said ${log[index]?.body ?? ""}`], { request, keepAlive: false });
      return stream.toResponse();
    }

    case "/client/finite-answer":
      // A finite source: it runs once per request, and the end event tells the client not to come back.
      return new DataStream(
        async function* () {
          yield Message.data(`the answer, run ${index + 1}`).id("1");
        },
        { request, keepAlive: false, finite: true, retry: 10 },
      ).toResponse();

    case "/client/relay": {
      // A relay of /client/finite (of the key with "-up"), fetched in process so every runtime can run it.
      const upstream = new URL(`/client/finite?key=${key}-up`, request.url);
      return new DataStream(
        ({ lastEventId }) =>
          subscribe(upstream, { lastEventId, fetch: (input, init) => handleClientSuite(new Request(input, init)) }),
        { request, keepAlive: false },
      ).toResponse();
    }

    case "/client/channel/ending": {
      let channel = channels.get(key);
      if (channel === undefined) channels.set(key, (channel = new Channel({ keepAlive: 1_000 })));
      return channel.response({ request });
    }

    case "/client/channel/events": {
      let channel = channels.get(key);
      if (channel === undefined) channels.set(key, (channel = new Channel({ keepAlive: 1_000 })));
      return eventStream(register(key, cuttable((await channel.stream({ request })).toReadableStream())));
    }

    default:
      return new Response("Not found", { status: 404 });
  }
}
