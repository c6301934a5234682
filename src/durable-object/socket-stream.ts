import type { StreamContext } from "../core/types.ts";
import type { DurableObjectStubLike } from "./types.ts";
import type { Message } from "../core/message.ts";
import { DataStream } from "../core/data-stream.ts";
import { EXPIRES_AT_HEADER } from "./forwarded-expiry.ts";
import { setForwardedFilter } from "./forwarded-filter.ts";
import { SocketFrameReader } from "./socket-frames.ts";
import { END_EVENT } from "../core/end-event.ts";
import { LIFETIME_HEADER, readForwardedLifetime } from "./forwarded-lifetime.ts";
import { json } from "./json-response.ts";
import { closeReasonOf } from "./socket-close-reason.ts";
import { StreamClosedError } from "../core/stream-closed-error.ts";

/** The client end of a WebSocket in the Worker (`response.webSocket`), as the relay uses it. */
interface WorkerWebSocketLike {
  accept(): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: "close" | "error", listener: () => void): void;
}

/** How a Worker relays one subscriber's socket; checked by `routeToChannel`. */
export interface SocketStreamOptions {
  readonly expiresAt: number | undefined;
  readonly filter: readonly string[] | undefined;
  readonly keepAlive: number | false | undefined;
  readonly maxQueue: number | undefined;
  readonly onError: ((error: unknown) => Message | void) | undefined;
}

/**
 * Subscribes over a hibernatable WebSocket to the object behind `stub`, and answers with an event
 * stream of what comes on it. The object's refusals (4xx, 5xx) are answered as they are.
 */
export async function streamOverWebSocket(
  request: Request,
  stub: DurableObjectStubLike,
  options: SocketStreamOptions,
): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("upgrade", "websocket");
  // The expiry is the Worker's to keep: its stream ends there, and closes the socket.
  headers.delete(EXPIRES_AT_HEADER);
  setForwardedFilter(headers, options.filter);
  const answer = await stub.fetch(new Request(request.url, { headers }));
  const socket = (answer as Response & { readonly webSocket?: WorkerWebSocketLike | null }).webSocket;
  if (answer.status !== 101 || socket === undefined || socket === null) return answer;
  const replayedFrom = answer.headers.get("last-event-id");
  const lifetime = readForwardedLifetime(answer.headers);
  if (lifetime === null) {
    socket.close(1002, "a bad lifetime header");
    const got = answer.headers.get(LIFETIME_HEADER);
    return json(502, {
      error: `Cannot subscribe: the object's \`${LIFETIME_HEADER}\` header must be milliseconds (got "${got}")`,
    });
  }
  const stream = new DataStream((ctx) => relay(socket, ctx, lifetime), {
    request,
    keepAlive: options.keepAlive,
    maxQueue: options.maxQueue,
    expiresAt: options.expiresAt,
    headers: replayedFrom === null ? undefined : { "last-event-id": replayedFrom },
    onError: options.onError,
  });
  return stream.toResponse();
}

/**
 * Sends each event that comes on `socket` to the stream, until one end goes: the client (the socket
 * is closed) or the object (the stream ends, and the client reconnects with its `Last-Event-ID`).
 * A malformed frame closes the socket and rejects with its `TypeError`, which ends the stream through
 * its `onError`. The socket is accepted only here, at the stream's start: until then, workerd holds
 * what the object sends. With a `lifetime` (the channel's `maxLifetime`, drawn by the object), the
 * stream ends then (reason `"done"`), and closes the socket: the client resumes from its `Last-Event-ID`.
 */
function relay(socket: WorkerWebSocketLike, ctx: StreamContext, lifetime: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const frames = new SocketFrameReader();
    let open = true;
    const end = (code: number, reason: string): void => {
      if (!open) return;
      open = false;
      try {
        socket.close(code, reason);
      } catch {
        // Closed already.
      }
    };
    socket.addEventListener("message", (event) => {
      if (!open) return;
      try {
        const message = frames.read(event.data);
        // The channel ended for good (`close({ end: true })`): the stream ends as the object's own does.
        if (message?.fields.event === END_EVENT) ctx.end();
        else if (message !== undefined) ctx.send(message);
      } catch (error) {
        // Settled first: closing the socket may dispatch its close event at once.
        reject(error);
        end(1007, "malformed frame");
      }
    });
    socket.addEventListener("close", () => {
      open = false;
      resolve();
    });
    socket.addEventListener("error", () => {
      reject(new Error("The socket to the channel's object failed: the stream ends, and the client reconnects"));
      end(1011, "the socket failed");
    });
    ctx.signal.addEventListener(
      "abort",
      () => {
        resolve();
        // Why, for the object's onLeave: the stream's own reason.
        const why = ctx.signal.reason;
        end(1000, closeReasonOf(why instanceof StreamClosedError ? why.type : "done"));
      },
      { once: true },
    );
    socket.accept();
    // The sleep stops when the stream ends first.
    if (lifetime !== undefined)
      ctx.sleep(lifetime).then(
        () => ctx.close(),
        () => {},
      );
  });
}
