// The Worker's side of `routeToChannel(…, { hibernate: true })`, on Node with a stand-in namespace whose
// object answers with a stand-in WebSocket (the object's side runs in workerd:
// test/runtimes/workerd/durable-object/hibernating.test.ts). The event streams are read with eventsource-parser.
import { afterEach, describe, expect, test } from "vitest";
import { EXPIRED_EVENT } from "edge-sse";
import { routeToChannel, type DurableObjectNamespaceLike, type RouteOptions } from "edge-sse/durable-object";
import { EventReader } from "../helpers/event-reader.ts";

/** The client end of a WebSocket as workerd gives it to the Worker: accepted, then events; close() says why. */
class StandInSocket extends EventTarget {
  accepted = false;
  closedWith: [number | undefined, string | undefined] | undefined;

  accept(): void {
    this.accepted = true;
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }

  deliver(data: unknown): void {
    const event = new Event("message") as Event & { data: unknown };
    event.data = data;
    this.dispatchEvent(event);
  }
}

interface StandIn {
  readonly namespace: DurableObjectNamespaceLike<string>;
  readonly requests: Request[];
  readonly socket: StandInSocket;
}

/**
 * A namespace whose object accepts every upgrade (replayed from "3", with `answerHeaders` too) and answers
 * 202 to anything else.
 */
function standIn(answerHeaders: Record<string, string> = {}): StandIn {
  const requests: Request[] = [];
  const socket = new StandInSocket();
  const stub = {
    fetch: async (request: Request): Promise<Response> => {
      requests.push(request);
      if (request.headers.get("upgrade") !== "websocket") return new Response(null, { status: 202 });
      // Node's Response refuses status 101: the Worker only reads these three fields of workerd's.
      const headers = new Headers({ "last-event-id": "3", ...answerHeaders });
      return { status: 101, headers, webSocket: socket } as unknown as Response;
    },
  };
  return { namespace: { idFromName: (name) => name, get: () => stub }, requests, socket };
}

const readers: EventReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
});

async function subscribe(
  { namespace }: StandIn,
  options: RouteOptions = {},
  headers: Record<string, string> = {},
): Promise<EventReader> {
  const request = new Request("http://example.com/rooms/lobby?x=1", { headers });
  const response = await routeToChannel(request, namespace, "lobby", { hibernate: true, keepAlive: false, ...options });
  const reader = new EventReader(response);
  readers.push(reader);
  await reader.started();
  return reader;
}

describe("routeToChannel with hibernate", () => {
  test("routeToChannel asks for a WebSocket with the client's Last-Event-ID and the filter, not the client's own headers", async () => {
    const object = standIn();
    const reader = await subscribe(
      object,
      { filter: ["chat", "ünïcode"], expiresAt: Date.now() + 60_000 },
      { "last-event-id": "2", "edge-sse-expires-at": "1", "edge-sse-filter": "%5B%22secret%22%5D" },
    );
    const [request] = object.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe("http://example.com/rooms/lobby?x=1");
    expect(request?.headers.get("upgrade")).toBe("websocket");
    expect(request?.headers.get("last-event-id")).toBe("2");
    // The Worker keeps the expiry itself; the client's header never reaches the object.
    expect(request?.headers.get("edge-sse-expires-at")).toBeNull();
    expect(JSON.parse(decodeURIComponent(request?.headers.get("edge-sse-filter") ?? ""))).toEqual(["chat", "ünïcode"]);
    expect(reader.response?.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(reader.response?.headers.get("last-event-id")).toBe("3");
  });

  test("routeToChannel relays each frame as an event, in pieces too, and closes the socket when the client leaves", async () => {
    const object = standIn();
    const reader = await subscribe(object);
    expect(object.socket.accepted).toBe(true);
    object.socket.deliver('{"id":"4","event":"chat","data":"hi"}');
    object.socket.deliver('+{"id":"5","da');
    object.socket.deliver('ta":"two\\nlines"}');
    expect(await reader.next(2)).toEqual([
      { id: "4", event: "chat", data: "hi" },
      { id: "5", event: undefined, data: "two\nlines" },
    ]);
    expect(object.socket.closedWith).toBeUndefined();
    await reader.cancel();
    expect(object.socket.closedWith).toEqual([1000, "the event stream has ended (client-gone)"]);
  });

  test("routeToChannel ends the stream when the object's socket closes, so the client reconnects", async () => {
    const object = standIn();
    const reader = await subscribe(object);
    object.socket.deliver('{"id":"4","data":"a"}');
    object.socket.dispatchEvent(new Event("close"));
    expect(await reader.rest()).toEqual([{ id: "4", event: undefined, data: "a" }]);
  });

  test("routeToChannel ends the stream through onError on a malformed frame or a failed socket, and closes the socket", async () => {
    for (const fail of [
      (socket: StandInSocket) => socket.deliver('{"id":"4","data":"a","event":"x\\ny"}'),
      (socket: StandInSocket) => socket.dispatchEvent(new Event("error")),
    ]) {
      const object = standIn();
      const errors: unknown[] = [];
      const reader = await subscribe(object, { onError: (error) => void errors.push(error) });
      fail(object.socket);
      expect(await reader.rest()).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toMatch(
        /^TypeError: Cannot read a frame of the channel's object: .*`event` must not contain a line break|^Error: The socket to the channel's object failed/,
      );
      expect(object.socket.closedWith?.[0]).toBe(errors[0] instanceof TypeError ? 1007 : 1011);
    }
  });

  test("maxQueue: routeToChannel closes the Worker's stream and the socket when frames pile up unread past it", async () => {
    const object = standIn();
    const errors: unknown[] = [];
    const reader = await subscribe(object, { maxQueue: 100_000, onError: (error) => void errors.push(error) });
    const data = "x".repeat(30_000);
    for (let id = 1; id <= 5 && object.socket.closedWith === undefined; id++) {
      object.socket.deliver(JSON.stringify({ id: String(id), data }));
    }
    expect(object.socket.closedWith).toEqual([1000, "the event stream has ended (overflow)"]);
    // The body errors, as a dropped connection does: the client reconnects.
    await expect(reader.rest()).rejects.toThrow(/the send buffer overflowed/);
    expect(reader.events.length).toBeLessThan(5);
    expect(errors).toEqual([]);
  });

  test("routeToChannel ends the Worker's stream at expiresAt with the expired event, and closes the socket", async () => {
    const object = standIn();
    const reader = await subscribe(object, { expiresAt: Date.now() + 50 });
    expect((await reader.rest()).map((event) => event.event)).toEqual([EXPIRED_EVENT]);
    expect(object.socket.closedWith).toEqual([1000, "the event stream has ended (expired)"]);
  });

  test("maxLifetime: routeToChannel ends the Worker's stream after the lifetime the object drew, and closes the socket", async () => {
    const object = standIn({ "edge-sse-lifetime": "50" });
    const reader = await subscribe(object);
    object.socket.deliver('{"id":"4","data":"a"}');
    // It ends as done: no expired event, and the client resumes from its Last-Event-ID.
    expect(await reader.rest()).toEqual([{ id: "4", event: undefined, data: "a" }]);
    expect(object.socket.closedWith).toEqual([1000, "the event stream has ended (done)"]);
  });

  test("routeToChannel answers 502 and closes the socket when the object's lifetime header is not milliseconds", async () => {
    const object = standIn({ "edge-sse-lifetime": "soon" });
    const request = new Request("http://example.com/");
    const response = await routeToChannel(request, object.namespace, "lobby", { hibernate: true });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: 'Cannot subscribe: the object\'s `edge-sse-lifetime` header must be milliseconds (got "soon")',
    });
    expect(object.socket.closedWith?.[0]).toBe(1002);
  });

  test("routeToChannel answers the object's refusal as it is, and forwards other methods as without hibernate", async () => {
    const refusing: DurableObjectNamespaceLike<string> = {
      idFromName: (name) => name,
      get: () => ({ fetch: async () => new Response('{"error":"no"}', { status: 501 }) }),
    };
    const refused = await routeToChannel(new Request("http://example.com/"), refusing, "lobby", { hibernate: true });
    expect(refused.status).toBe(501);
    expect(await refused.json()).toEqual({ error: "no" });

    const object = standIn();
    const post = new Request("http://example.com/", { method: "POST", body: "hi", headers: { upgrade: "websocket" } });
    expect((await routeToChannel(post, object.namespace, "lobby", { hibernate: true })).status).toBe(202);
    expect(object.requests[0]?.headers.get("upgrade")).toBeNull();
  });

  test("routeToChannel without hibernate never forwards a client's Upgrade: the object's answer is its event stream", async () => {
    const object = standIn();
    const get = new Request("http://example.com/", { headers: { upgrade: "websocket" } });
    expect((await routeToChannel(get, object.namespace, "lobby")).status).toBe(202);
    expect(object.requests[0]?.headers.get("upgrade")).toBeNull();
  });

  test("routeToChannel refuses invalid hibernate options with a TypeError naming the option", () => {
    const { namespace } = standIn();
    const request = new Request("http://example.com/");
    const cases: Array<[RouteOptions, RegExp]> = [
      [{ hibernate: "yes" as never }, /`hibernate` must be a boolean \(got "yes"\)/],
      [
        { keepAlive: 1000 },
        /`keepAlive` must come with `hibernate: true`, which makes the Worker's stream it sets \(got number 1000\)/,
      ],
      [{ onError: () => {} }, /`onError` must come with `hibernate: true`/],
      [{ maxQueue: 100_000 }, /`maxQueue` must come with `hibernate: true`/],
      [{ hibernate: true, maxQueue: 1000 }, /`maxQueue` must be a number of code units >= 65536 \(got number 1000\)/],
      [{ hibernate: true, maxQueue: Infinity }, /`maxQueue` must be a number of code units >= 65536/],
      [{ hibernate: true, onError: 1 as never }, /`onError` must be a function \(got number 1\)/],
      [{ hibernate: true, keepAlive: -1 }, /`keepAlive`/],
      [{ filter: [] }, /`filter` must be an event name or a non-empty array of names \(got an array\)/],
      [{ filter: [""] }, /`filter` must be an event name or a non-empty array of names/],
      [{ filter: "x".repeat(1100) }, /`filter` must be at most 1024 characters as JSON/],
    ];
    for (const [options, message] of cases) {
      expect(() => routeToChannel(request, namespace, "lobby", options)).toThrow(TypeError);
      expect(() => routeToChannel(request, namespace, "lobby", options)).toThrow(message);
    }
  });
});
