import { afterEach, expect, test, vi } from "vitest";
import { Channel } from "edge-sse/channel";
import type { ChannelSubscriber } from "edge-sse/channel";
import type { StreamClosedError } from "edge-sse";
import { closeAtExpiry, EXPIRED_EVENT, TokenExpiredError } from "edge-sse/tokens";
import { parseWire } from "../helpers/event-reader.ts";
import { until } from "../helpers/serve-node.ts";

afterEach(() => {
  vi.useRealTimers();
});

const encoder = new TextEncoder();

/** An event-stream response over a hand-made body; `cancelled` gets the reason the body was cancelled with. */
function handMade(chunks: readonly string[]): { response: Response; cancelled: unknown[]; pulls: () => number } {
  const cancelled: unknown[] = [];
  let pulls = 0;
  let next = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++;
        const chunk = chunks[next++];
        if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
        else return new Promise<void>(() => {}); // stays open, silent
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } }),
    cancelled,
    pulls: () => pulls,
  };
}

test("closeAtExpiry passes a channel's events, then sends EXPIRED_EVENT and ends, and the channel's stream closes with the TokenExpiredError", async () => {
  const left: StreamClosedError[] = [];
  const channel = new Channel({ keepAlive: false, onLeave: (_: ChannelSubscriber, reason) => left.push(reason) });
  const inner = await channel.response();
  const validUntil = Date.now() + 500;
  const response = closeAtExpiry(inner, validUntil);
  const reading = response.text(); // ends by itself at the expiry
  // A channel's subscriber joins at its stream's first read.
  await until(() => channel.subscriberCount === 1, "the subscriber to join");
  const first = await channel.publish("a");
  const second = await channel.publish("b");
  const text = await reading;
  expect(parseWire(text).events).toEqual([
    { data: "a", event: undefined, id: first },
    { data: "b", event: undefined, id: second },
    { data: `{"validUntil":${validUntil}}`, event: EXPIRED_EVENT, id: undefined },
  ]);
  expect(text.endsWith(`event: edge-sse-expired\ndata: {"validUntil":${validUntil}}\n\n`)).toBe(true);
  await until(() => left.length === 1, "the channel's subscriber to leave");
  expect(left[0]!.type).toBe("client-gone");
  expect(left[0]!.cause).toBeInstanceOf(TokenExpiredError);
  expect((left[0]!.cause as TokenExpiredError).validUntil).toBe(validUntil);
  expect(channel.subscriberCount).toBe(0);
  await channel.close();
});

test("closeAtExpiry keeps the response's status and headers", async () => {
  const channel = new Channel({ keepAlive: false });
  await channel.publish("x");
  const inner = await channel.response({
    request: new Request("http://localhost/", { headers: { "last-event-id": "gone" } }),
  });
  const response = closeAtExpiry(inner, Date.now() + 60_000);
  expect(response.status).toBe(200);
  expect(Object.fromEntries(response.headers)).toEqual(Object.fromEntries(inner.headers));
  expect(response.headers.get("last-event-id")).toBe("earliest");
  await response.body!.cancel();
  await channel.close();
});

test("closeAtExpiry ends a body stopped inside an event without the marker, so no half event is completed", async () => {
  const { response: inner, cancelled } = handMade(["data: whole\n\n", "data: half"]);
  const text = await closeAtExpiry(inner, Date.now() + 200).text();
  expect(text).toBe("data: whole\n\ndata: half");
  expect(parseWire(text).events.map((event) => event.data)).toEqual(["whole"]);
  expect(cancelled).toHaveLength(1);
  expect(cancelled[0]).toBeInstanceOf(TokenExpiredError);
});

test("closeAtExpiry tells the event boundary across chunks: a blank line split over two chunks counts", async () => {
  const { response: inner } = handMade(["data: a\n", "\n"]);
  const text = await closeAtExpiry(inner, Date.now() + 200).text();
  expect(parseWire(text).events.map((event) => event.event ?? "message")).toEqual(["message", EXPIRED_EVENT]);
});

test("closeAtExpiry sends the marker and ends at once when validUntil has passed", async () => {
  const { response: inner, cancelled } = handMade([":\n\n", "data: never read\n\n"]);
  const text = await closeAtExpiry(inner, Date.now() - 1_000).text();
  expect(parseWire(text).events.map((event) => event.event)).toEqual([EXPIRED_EVENT]);
  expect(text).not.toContain("never read");
  expect(cancelled[0]).toBeInstanceOf(TokenExpiredError);
});

test("closeAtExpiry reads the body only as the client reads it", async () => {
  const { response: inner, pulls } = handMade(Array.from({ length: 100 }, (_, n) => `data: ${n}\n\n`));
  const reader = closeAtExpiry(inner, Date.now() + 60_000).body!.getReader();
  for (let n = 0; n < 3; n++) await reader.read();
  for (let n = 0; n < 20; n++) await new Promise((resolve) => setTimeout(resolve, 0));
  expect(pulls()).toBeLessThanOrEqual(4);
  await reader.cancel();
});

test("closeAtExpiry passes a client's cancel on to the stream behind and leaves no timer", async () => {
  vi.useFakeTimers();
  const { response: inner, cancelled } = handMade(["data: a\n\n"]);
  const response = closeAtExpiry(inner, Date.now() + 60_000);
  expect(vi.getTimerCount()).toBe(1);
  await response.body!.cancel("the client left");
  expect(cancelled).toEqual(["the client left"]);
  expect(vi.getTimerCount()).toBe(0);
});

test("closeAtExpiry clears its timer when the stream behind ends first", async () => {
  vi.useFakeTimers();
  const inner = new Response("data: only\n\n", { headers: { "content-type": "text/event-stream" } });
  const response = closeAtExpiry(inner, Date.now() + 60_000);
  expect(await response.text()).toBe("data: only\n\n");
  expect(vi.getTimerCount()).toBe(0);
});

test("closeAtExpiry returns a response that is not an event stream, or has no body, as it is", () => {
  const html = new Response("<p>hi</p>", { headers: { "content-type": "text/html" } });
  const empty = new Response(null, { status: 204 });
  const refused = new Response("Unauthorized\n", { status: 401 });
  for (const response of [html, empty, refused]) expect(closeAtExpiry(response, Date.now() + 1_000)).toBe(response);
});

test("closeAtExpiry rejects a bad response, a read body or a bad validUntil with a TypeError", async () => {
  expect(() => closeAtExpiry({} as Response, Date.now())).toThrow(
    new TypeError("Cannot close at expiry: `response` must be a Response (got an object)"),
  );
  expect(() => closeAtExpiry(new Response("x", { headers: { "content-type": "text/event-stream" } }), -1)).toThrow(
    new TypeError(
      "Cannot close at expiry: `validUntil` must be a time in milliseconds since the epoch, a safe integer >= 0 (got number -1)",
    ),
  );
  const read = new Response("data: x\n\n", { headers: { "content-type": "text/event-stream" } });
  await read.text();
  expect(() => closeAtExpiry(read, Date.now())).toThrow(
    new TypeError("Cannot close at expiry: the body of `response` is already read or locked"),
  );
});
