/**
 * subscribe() in process, over a recording fetch: each outcome of the outcomes table, reconnection
 * with Last-Event-ID, the headers and body functions, close and abort, the stall watchdog, the gap
 * marker, and the option checks. Delays are a few milliseconds; nothing asserts on wall-clock time.
 */
import { expect, test } from "vitest";
import {
  EventStreamError,
  subscribe,
  type RetryInfo,
  type ServerSentEvent,
  type SubscribeOptions,
} from "edge-sse/client";
import { isSubscription } from "../../src/client/subscription-mark.ts";
import { catchError } from "../helpers/catch-error.ts";
import { until } from "../helpers/serve-node.ts";
import { collect, fakeFetch, openStream, rejection, sse, type OpenStream } from "./fake-fetch.ts";

const URL_ = "https://example.com/events";
const END = "event: edge-sse-end\ndata:\n\n";
const FAST = { delay: 1, jitter: 0 } as const;

const message = (data: string, id = "", event = "message"): ServerSentEvent => ({ event, data, id });

test("subscribe yields the events of a 200 text/event-stream and ends at the end signal with no other request", async () => {
  const { fetch, requests } = fakeFetch(() =>
    sse(`id: 1\nevent: tick\ndata: a\n\ndata: b\ndata: c\n\n${END}data: after the end\n\n`),
  );
  expect(await collect(subscribe(URL_, { fetch }))).toEqual([message("a", "1", "tick"), message("b\nc", "1")]);
  expect(requests.length).toBe(1);
  expect(requests[0]).toMatchObject({ method: "GET", url: URL_, headers: { accept: "text/event-stream" }, body: null });
});

test("subscribe ends without another request when the server answers 204", async () => {
  const { fetch, requests } = fakeFetch(() => new Response(null, { status: 204 }));
  expect(await collect(subscribe(URL_, { fetch, reconnect: FAST }))).toEqual([]);
  expect(requests.length).toBe(1);
});

test("subscribe throws an EventStreamError naming the status and content type of a refused response, without reconnecting", async () => {
  for (const [status, type] of [
    [404, "text/html"],
    [500, "text/event-stream"],
    [401, "application/json"],
    [201, "text/event-stream"],
  ] as const) {
    const { fetch, requests } = fakeFetch(() => new Response("no", { status, headers: { "content-type": type } }));
    const error = await rejection(collect(subscribe(URL_, { fetch, reconnect: FAST })));
    expect(error).toBeInstanceOf(EventStreamError);
    expect(error).toMatchObject({
      type: "response",
      status,
      contentType: type,
      message: `Cannot subscribe to ${URL_}: the server answered ${status} with content-type "${type}" (expected 200 with text/event-stream)`,
    });
    expect(requests.length).toBe(1);
  }
});

test("subscribe throws on a 200 that is not text/event-stream, and accepts the type in any case with parameters", async () => {
  const json = fakeFetch(() => Response.json({ events: [] }));
  expect(await rejection(collect(subscribe(URL_, { fetch: json.fetch })))).toMatchObject({
    type: "response",
    status: 200,
    contentType: "application/json",
  });
  const none = fakeFetch(() => new Response("data: a\n\n", { headers: { "content-type": "" } }));
  expect(await rejection(collect(subscribe(URL_, { fetch: none.fetch })))).toMatchObject({
    type: "response",
    status: 200,
  });
  const odd = fakeFetch(
    () => new Response(`data: a\n\n${END}`, { headers: { "content-type": " Text/Event-Stream ;charset=UTF-8" } }),
  );
  expect(await collect(subscribe(URL_, { fetch: odd.fetch }))).toEqual([message("a")]);
});

test("subscribe retries 503 and 429 after their Retry-After, then reads the stream", async () => {
  const delays: number[] = [];
  const { fetch, requests } = fakeFetch((_, index) =>
    index === 0
      ? new Response("busy", { status: 503, headers: { "retry-after": "1" } })
      : index === 1
        ? new Response("slow down", { status: 429 })
        : sse(`data: a\n\n${END}`),
  );
  const events = await collect(
    subscribe(URL_, { fetch, reconnect: FAST, onRetry: ({ delay }) => void delays.push(delay) }),
  );
  expect(events).toEqual([message("a")]);
  expect(requests.length).toBe(3);
  expect(delays[0]).toBe(1000); // Retry-After: 1 s is the floor of the first wait
  expect(delays[1]).toBeLessThan(1000);
});

test("subscribe throws a retriable status at once when it may not reconnect (POST)", async () => {
  const { fetch, requests } = fakeFetch(() => new Response("busy", { status: 503 }));
  expect(await rejection(collect(subscribe(URL_, { fetch, method: "POST", body: "{}" })))).toMatchObject({
    type: "response",
    status: 503,
  });
  expect(requests.length).toBe(1);
});

test("subscribe reconnects after a dropped connection with the last id as Last-Event-ID and the backoff", async () => {
  const streams: OpenStream[] = [];
  const { fetch, requests } = fakeFetch(() => {
    const stream = openStream();
    streams.push(stream);
    return stream.response;
  });
  const retries: RetryInfo[] = [];
  const subscription = subscribe(URL_, { fetch, reconnect: FAST, onRetry: (info) => void retries.push(info) });
  const events: ServerSentEvent[] = [];
  const reading = (async () => {
    for await (const event of subscription) events.push(event);
  })();
  await until(() => streams.length === 1, "the first request");
  streams[0]!.send("id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
  await until(() => events.length === 2, "two events");
  streams[0]!.cut();
  await until(() => streams.length === 2, "the reconnection");
  streams[1]!.send(`id: 3\ndata: c\n\n${END}`);
  await reading;
  expect(events).toEqual([message("a", "1"), message("b", "2"), message("c", "3")]);
  expect(requests.map((request) => request.headers["last-event-id"])).toEqual([undefined, "2"]);
  expect(retries).toEqual([
    { attempt: 2, retries: 1, delay: 1, error: expect.any(EventStreamError), lastEventId: "2" },
  ]);
  expect(retries[0]!.error).toMatchObject({
    type: "network",
    message: `Cannot subscribe to ${URL_}: the connection failed (terminated)`,
  });
  expect(subscription.lastEventId).toBe("3");
});

test("subscribe reconnects a GET stream that ends without the end signal, as EventSource does", async () => {
  const { fetch, requests } = fakeFetch((_, index) => sse(index === 0 ? "id: 1\ndata: a\n\n" : `data: b\n\n${END}`));
  expect(await collect(subscribe(URL_, { fetch, reconnect: FAST }))).toEqual([message("a", "1"), message("b", "1")]);
  expect(requests.map((request) => request.headers["last-event-id"])).toEqual([undefined, "1"]);
});

test("subscribe ends a POST stream at its clean end, and does not send it again", async () => {
  const { fetch, requests } = fakeFetch(() => sse("data: an answer\n\n"));
  expect(await collect(subscribe(URL_, { fetch, body: '{"q":1}' }))).toEqual([message("an answer")]);
  expect(requests).toMatchObject([{ method: "POST", body: '{"q":1}' }]);
});

test("subscribe throws a POST stream's dropped connection instead of sending the body again", async () => {
  const stream = openStream("data: half an answer\n\n");
  const { fetch, requests } = fakeFetch(() => stream.response);
  const subscription = subscribe(URL_, { fetch, method: "POST", body: "question" });
  expect(await subscription.next()).toEqual({ done: false, value: message("half an answer") });
  stream.cut();
  expect(await rejection(subscription.next())).toMatchObject({ type: "network" });
  expect(requests.length).toBe(1);
});

test("subscribe sends a POST body again on reconnection when reconnect is on, calling a body function each time", async () => {
  const bodies: string[] = [];
  const { fetch, requests } = fakeFetch((_, index) =>
    index < 2 ? Promise.reject(new TypeError("fetch failed")) : sse(`data: ok\n\n${END}`),
  );
  const events = await collect(
    subscribe(URL_, {
      fetch,
      method: "POST",
      body: ({ attempt }) => {
        bodies.push(`body ${attempt}`);
        return `body ${attempt}`;
      },
      reconnect: FAST,
    }),
  );
  expect(events).toEqual([message("ok")]);
  expect(requests.map((request) => [request.method, request.body])).toEqual([
    ["POST", "body 1"],
    ["POST", "body 2"],
    ["POST", "body 3"],
  ]);
  expect(bodies).toEqual(["body 1", "body 2", "body 3"]);
});

test("subscribe calls the headers function before every request and sends what it returns then", async () => {
  let token = 0;
  const seen: Array<{ attempt: number; lastEventId: string }> = [];
  const { fetch, requests } = fakeFetch((_, index) =>
    index === 0 ? sse("id: 5\ndata: a\n\n") : index === 1 ? Promise.reject(new TypeError("down")) : sse(END),
  );
  await collect(
    subscribe(URL_, {
      fetch,
      reconnect: FAST,
      headers: async (info) => {
        seen.push(info);
        await Promise.resolve();
        return { authorization: `Bearer ${++token}`, accept: "text/event-stream, */*" };
      },
    }),
  );
  expect(seen).toEqual([
    { attempt: 1, lastEventId: "" },
    { attempt: 2, lastEventId: "5" },
    { attempt: 3, lastEventId: "5" },
  ]);
  expect(requests.map((request) => request.headers)).toEqual([
    { authorization: "Bearer 1", accept: "text/event-stream, */*" },
    { authorization: "Bearer 2", accept: "text/event-stream, */*", "last-event-id": "5" },
    { authorization: "Bearer 3", accept: "text/event-stream, */*", "last-event-id": "5" },
  ]);
});

test("subscribe sends the lastEventId option from the first request on", async () => {
  const { fetch, requests } = fakeFetch(() => sse(`data: a\n\n${END}`));
  const subscription = subscribe(URL_, { fetch, lastEventId: "41", headers: new Headers({ "x-app": "1" }) });
  expect(subscription.lastEventId).toBe("41");
  expect(await collect(subscription)).toEqual([message("a", "41")]);
  expect(requests[0]!.headers).toEqual({ accept: "text/event-stream", "last-event-id": "41", "x-app": "1" });
});

test("subscribe gives up after maxRetries failures in a row and throws the last one, its cause kept", async () => {
  const cause = new TypeError("fetch failed");
  const { fetch, requests } = fakeFetch(() => Promise.reject(cause));
  const error = await rejection(
    collect(subscribe(URL_, { fetch, reconnect: { ...FAST, maxDelay: 5, maxRetries: 3 } })),
  );
  expect(error).toMatchObject({
    type: "network",
    cause,
    message: `Cannot subscribe to ${URL_}: the connection failed (fetch failed)`,
  });
  expect(requests.length).toBe(4);
});

test("subscribe doubles the wait after each failure in a row, with jitter, up to maxDelay", async () => {
  const retries: RetryInfo[] = [];
  const { fetch } = fakeFetch(() => Promise.reject(new TypeError("down")));
  await rejection(
    collect(
      subscribe(URL_, {
        fetch,
        reconnect: { delay: 1, maxDelay: 10, jitter: 0.5, maxRetries: 8 },
        onRetry: (info) => void retries.push(info),
      }),
    ),
  );
  expect(retries.map((info) => info.retries)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  // The first wait is the delay (1 ms) with up to 50 % jitter; later ones grow from 100 ms, capped at 10.
  expect(retries[0]!.delay).toBeGreaterThanOrEqual(1);
  expect(retries[0]!.delay).toBeLessThanOrEqual(1.5);
  for (const { delay } of retries.slice(1)) expect(delay).toBe(10);
});

test("subscribe honours the server's retry field as the reconnection delay", async () => {
  const delays: number[] = [];
  const { fetch } = fakeFetch((_, index) => sse(index === 0 ? "retry: 20\ndata: a\n\n" : END));
  await collect(
    subscribe(URL_, {
      fetch,
      reconnect: { delay: 5_000, jitter: 0.5 },
      onRetry: ({ delay }) => void delays.push(delay),
    }),
  );
  expect(delays.length).toBe(1);
  expect(delays[0]).toBeGreaterThanOrEqual(20);
  expect(delays[0]).toBeLessThanOrEqual(30);
});

test("subscribe ends quietly at close(): no further request, and the body is cancelled", async () => {
  const stream = openStream("data: a\n\n");
  const { fetch, requests } = fakeFetch(() => stream.response);
  const subscription = subscribe(URL_, { fetch, reconnect: FAST });
  expect((await subscription.next()).value).toEqual(message("a"));
  const waiting = subscription.next();
  subscription.close();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(await subscription.next()).toEqual({ done: true, value: undefined });
  await until(() => stream.cancelled, "the body to be cancelled");
  expect(requests.length).toBe(1);
});

test("subscribe cancels the body when a for await loop breaks", async () => {
  const stream = openStream("data: a\n\ndata: b\n\n");
  const { fetch, requests } = fakeFetch(() => stream.response);
  for await (const event of subscribe(URL_, { fetch })) {
    expect(event).toEqual(message("a"));
    break;
  }
  await until(() => stream.cancelled, "the body to be cancelled");
  expect(requests.length).toBe(1);
});

test("subscribe throws the signal's reason when it aborts, and makes no further request, even while waiting to reconnect", async () => {
  const abort = new AbortController();
  const { fetch, requests } = fakeFetch((_, index) => (index === 0 ? sse("data: a\n\n") : sse(END)));
  const subscription = subscribe(URL_, {
    fetch,
    signal: abort.signal,
    reconnect: { delay: 60_000 },
    onRetry: () => abort.abort(new Error("the user left")),
  });
  expect((await subscription.next()).value).toEqual(message("a"));
  expect(await rejection(subscription.next())).toEqual(new Error("the user left"));
  expect(requests.length).toBe(1);

  const early = fakeFetch(() => sse(END));
  const gone = new AbortController();
  gone.abort(new Error("gone before"));
  expect(await rejection(collect(subscribe(URL_, { fetch: early.fetch, signal: gone.signal })))).toEqual(
    new Error("gone before"),
  );
  expect(early.requests.length).toBe(0);
});

test("subscribe stops a fetch that ignores its signal when the signal aborts", async () => {
  const abort = new AbortController();
  const never: Promise<Response> = new Promise(() => {});
  const subscription = subscribe(URL_, { fetch: () => never, signal: abort.signal });
  const next = subscription.next();
  abort.abort(new Error("stop"));
  expect(await rejection(next)).toEqual(new Error("stop"));
});

test("stallTimeout: a silent stream is dropped and resumed with Last-Event-ID", async () => {
  const retries: RetryInfo[] = [];
  const streams: OpenStream[] = [];
  const { fetch, requests } = fakeFetch((_, index) => {
    if (index > 0) return sse(END);
    const stream = openStream("id: 9\ndata: a\n\n: ping\n\n");
    streams.push(stream);
    return stream.response;
  });
  const events = await collect(
    subscribe(URL_, { fetch, stallTimeout: 50, reconnect: FAST, onRetry: (info) => void retries.push(info) }),
  );
  expect(events).toEqual([message("a", "9")]);
  expect(retries.map(({ error }) => error)).toMatchObject([
    { type: "stalled", message: `Cannot subscribe to ${URL_}: nothing arrived for 50 ms` },
  ]);
  expect(requests.map((request) => request.headers["last-event-id"])).toEqual([undefined, "9"]);
  expect(streams[0]!.cancelled).toBe(true);
});

test("stallTimeout: a fetch that never answers counts as a stall, and throws when the client may not reconnect", async () => {
  const never: Promise<Response> = new Promise(() => {});
  const error = await rejection(collect(subscribe(URL_, { fetch: () => never, stallTimeout: 30, reconnect: false })));
  expect(error).toMatchObject({ type: "stalled" });
});

test("stallTimeout: a consumer that takes its time is not a stall", async () => {
  const { fetch, requests } = fakeFetch(() => sse(`data: a\n\ndata: b\n\n${END}`));
  const subscription = subscribe(URL_, { fetch, stallTimeout: 20 });
  expect((await subscription.next()).value).toEqual(message("a"));
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(await collect(subscription)).toEqual([message("b")]);
  expect(requests.length).toBe(1);
});

test("subscribe calls onGap with the gap marker's data and yields the marker in its place", async () => {
  const gap = '{"lastEventId":"old-7","firstId":"p-1"}';
  const order: string[] = [];
  const { fetch } = fakeFetch(() => sse(`event: edge-sse-gap\ndata: ${gap}\n\nid: p-1\ndata: a\n\n${END}`));
  const subscription = subscribe(URL_, {
    fetch,
    lastEventId: "old-7",
    onGap: (info) => void order.push(`gap ${JSON.stringify(info)}`),
  });
  for await (const event of subscription) order.push(`${event.event} ${event.data}`);
  expect(order).toEqual([`gap {"lastEventId":"old-7","firstId":"p-1"}`, `edge-sse-gap ${gap}`, "message a"]);
});

test("subscribe throws an invalid-event error for a gap marker whose data is not the gap's JSON", async () => {
  const { fetch } = fakeFetch(() => sse("event: edge-sse-gap\ndata: {}\n\n"));
  expect(await rejection(collect(subscribe(URL_, { fetch, onGap: () => {} })))).toMatchObject({
    type: "invalid-event",
    event: { event: "edge-sse-gap", data: "{}", id: "" },
  });
});

test("with onGap, a bad gap marker or a throwing onGap is thrown after the events before it are yielded", async () => {
  const chunk = (gap: string): string =>
    `id: 1\ndata: a\n\ndata: b\n\nevent: edge-sse-gap\ndata: ${gap}\n\ndata: after\n\n`;
  const good = '{"lastEventId":"0","firstId":"1"}';
  const hooked = new Error("onGap failed");
  const cases: Array<[string, SubscribeOptions, (error: unknown) => void]> = [
    [chunk("garbage"), { onGap: () => {} }, (error) => expect(error).toMatchObject({ type: "invalid-event" })],
    [chunk(good), { onGap: () => {} }, (error) => expect(error).toBeUndefined()],
    [
      chunk(good),
      {
        onGap: () => {
          throw hooked;
        },
      },
      (error) => expect(error).toBe(hooked),
    ],
    [chunk(good), { onGap: () => Promise.reject(hooked) }, (error) => expect(error).toBe(hooked)],
  ];
  for (const [wire, options, check] of cases) {
    const { fetch, requests } = fakeFetch(() => sse(wire));
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const event of subscribe(URL_, { fetch, reconnect: false, ...options })) seen.push(event.data);
    } catch (thrown) {
      error = thrown;
    }
    check(error);
    expect(seen.slice(0, 2)).toEqual(["a", "b"]);
    expect(seen.length).toBe(error === undefined ? 4 : 2); // nothing after the refused marker
    expect(requests.length).toBe(1);
  }
});

test("subscribe throws what a hook throws, without reconnecting", async () => {
  const { fetch, requests } = fakeFetch(() => sse("data: a\n\n"));
  const refused = new Error("not this one");
  expect(await rejection(collect(subscribe(URL_, { fetch, onOpen: () => Promise.reject(refused) })))).toBe(refused);
  expect(requests.length).toBe(1);
});

test("subscribe's onOpen sees each accepted response", async () => {
  const statuses: number[] = [];
  const { fetch } = fakeFetch((_, index) => (index === 0 ? sse("data: a\n\n") : sse(END)));
  await collect(subscribe(URL_, { fetch, reconnect: FAST, onOpen: (response) => void statuses.push(response.status) }));
  expect(statuses).toEqual([200, 200]);
});

test("subscribe's lastEventId follows the events yielded, then an id-only block once they are consumed", async () => {
  const stream = openStream("id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\n\n");
  const { fetch } = fakeFetch(() => stream.response);
  const subscription = subscribe(URL_, { fetch });
  await subscription.next();
  expect(subscription.lastEventId).toBe("1");
  await subscription.next();
  expect(subscription.lastEventId).toBe("2");
  const third = subscription.next();
  await until(() => subscription.lastEventId === "3", "the id-only block to count");
  stream.send(END);
  expect(await third).toEqual({ done: true, value: undefined });
});

test("subscribe hands out each event once when next() is called again before the first settles", async () => {
  const { fetch } = fakeFetch(() => sse(`data: a\n\ndata: b\n\n${END}`));
  const subscription = subscribe(URL_, { fetch });
  const results = await Promise.all([subscription.next(), subscription.next(), subscription.next()]);
  expect(results).toEqual([
    { done: false, value: message("a") },
    { done: false, value: message("b") },
    { done: true, value: undefined },
  ]);
});

test("subscribe reads a Response it is given once, checks it, and never reconnects", async () => {
  expect(await collect(subscribe(sse("data: a\n\n")))).toEqual([message("a")]);
  expect(await rejection(collect(subscribe(new Response("x", { status: 502 }))))).toMatchObject({
    type: "response",
    status: 502,
  });
});

test("subscribe clones a Request it is given for each attempt, merging the headers", async () => {
  const { fetch, requests } = fakeFetch((_, index) => (index === 0 ? Promise.reject(new TypeError("down")) : sse(END)));
  const request = new Request(URL_, { method: "POST", body: "q", headers: { "x-from": "request" } });
  await collect(subscribe(request, { fetch, reconnect: FAST, headers: { "x-from": "options", "x-more": "1" } }));
  expect(requests.map(({ method, body, headers }) => ({ method, body, headers }))).toEqual([
    {
      method: "POST",
      body: "q",
      headers: {
        accept: "text/event-stream",
        "content-type": "text/plain;charset=UTF-8",
        "x-from": "options",
        "x-more": "1",
      },
    },
    {
      method: "POST",
      body: "q",
      headers: {
        accept: "text/event-stream",
        "content-type": "text/plain;charset=UTF-8",
        "x-from": "options",
        "x-more": "1",
      },
    },
  ]);
});

test("subscribe throws a TypeError that names a bad input or option, before any request", () => {
  const fetch = (): Promise<Response> => Promise.reject(new Error("must not be called"));
  const cases: Array<[() => unknown, string]> = [
    [
      () => subscribe(42 as never),
      "Cannot subscribe: `input` must be a URL string, a URL, a Request or a Response (got number 42)",
    ],
    [
      () => subscribe("/events"),
      'Cannot subscribe: `input` must be an absolute URL here, as there is no page to resolve it against (got "/events")',
    ],
    [() => subscribe(URL_, { fetch, retry: 1 } as never), "Cannot subscribe: unknown option `retry`"],
    [
      () => subscribe(URL_, { fetch, onopen: () => {} } as never),
      "Cannot subscribe: unknown option `onopen` (did you mean `onOpen`?)",
    ],
    [
      () => subscribe(URL_, { fetch, method: "" }),
      'Cannot subscribe: `method` must be a method fetch can send, such as "GET" or "POST" (got "")',
    ],
    [
      () => subscribe(URL_, { fetch, method: "GE T" }),
      'Cannot subscribe: `method` must be a method fetch can send, such as "GET" or "POST" (got "GE T")',
    ],
    [
      () => subscribe(URL_, { fetch, method: "trace" }),
      'Cannot subscribe: `method` must be a method fetch can send, such as "GET" or "POST" (got "trace")',
    ],
    [
      () => subscribe(URL_, { fetch, method: "head", body: "x" }),
      'Cannot subscribe: `body` cannot be sent with method "head"; use "POST"',
    ],
    [
      () => subscribe(URL_, { fetch, method: "GET", body: "x" }),
      'Cannot subscribe: `body` cannot be sent with method "GET"; use "POST"',
    ],
    [
      () => subscribe(URL_, { fetch, lastEventId: "a\nb" }),
      'Cannot subscribe: `lastEventId` must be a string without CR, LF, NUL or lone surrogates (got "a\\nb")',
    ],
    [
      () => subscribe(URL_, { fetch, lastEventId: "a\uD800" }),
      'Cannot subscribe: `lastEventId` must be a string without CR, LF, NUL or lone surrogates (got "a\\ud800")',
    ],
    [
      () => subscribe(URL_, { fetch, stallTimeout: 0 }),
      "Cannot subscribe: `stallTimeout` must be a positive number of milliseconds or false (got number 0)",
    ],
    [
      () => subscribe(URL_, { fetch, reconnect: "yes" as never }),
      'Cannot subscribe: `reconnect` must be a boolean or { delay?, maxDelay?, jitter?, maxRetries? } (got "yes")',
    ],
    [
      () => subscribe(URL_, { fetch, reconnect: { jitter: 2 } }),
      "Cannot subscribe: `reconnect.jitter` must be a number from 0 to 1 (got number 2)",
    ],
    [
      () => subscribe(URL_, { fetch, reconnect: { maxRetries: 1.5 } }),
      "Cannot subscribe: `reconnect.maxRetries` must be a whole number >= 0 or Infinity (got number 1.5)",
    ],
    [
      () => subscribe(URL_, { fetch, reconnect: { delays: 1 } as never }),
      "Cannot subscribe: `reconnect`: unknown option `delays`",
    ],
    [
      () => subscribe(URL_, { fetch, headers: null as never }),
      "Cannot subscribe: `headers` must be a Headers, a record, a list of pairs or a function (got null)",
    ],
    [
      () => subscribe(URL_, { fetch, credentials: "all" as never }),
      'Cannot subscribe: `credentials` must be "omit", "same-origin" or "include" (got "all")',
    ],
    [
      () => subscribe(URL_, { fetch, onGap: "reload" as never }),
      'Cannot subscribe: `onGap` must be a function (got "reload")',
    ],
    [
      () => subscribe(URL_, { fetch, method: "POST", body: new ReadableStream(), reconnect: true }),
      "Cannot subscribe: a ReadableStream `body` can be sent once, so it cannot be sent again on " +
        "reconnection; pass a function that returns a fresh body, or set `reconnect: false`",
    ],
    [
      () => subscribe(new Request(URL_), { fetch, method: "POST" }),
      "Cannot subscribe: `method` cannot be given with a Request input; set it on the Request",
    ],
    [
      () => subscribe(sse(""), { headers: {} }),
      "Cannot subscribe: `headers` cannot be given with a Response input: it was fetched already and is read once",
    ],
    [
      () => subscribe(URL_, { fetch, events: [] as never }),
      "Cannot subscribe: `events` must be a map of event names to Standard Schema validators, or a defineEvents result (got an array)",
    ],
    [
      () => subscribe(URL_, { fetch, events: { tick: {} } as never }),
      "Cannot subscribe: `events.tick` must be a Standard Schema validator or { schema, encoding? } (got an object)",
    ],
  ];
  for (const [make, message] of cases) expect(catchError(make), message).toEqual(new TypeError(message));
});

test("subscribe refuses headers that fetch would refuse, naming `headers` and the bad header, at once", () => {
  const fetch = (): Promise<Response> => Promise.reject(new Error("must not be called"));
  const rule = "Cannot subscribe: `headers` must hold valid header names and values";
  const cases: Array<[unknown, string | RegExp]> = [
    [{ a: "b\nc" }, `${rule} (got the header "a": "b\\nc")`],
    [{ "a b": "c" }, `${rule} (got the header "a b": "c")`],
    [[["x-id", "\u65E5"]], `${rule} (got the header "x-id": "\u65E5")`],
    [new Map([["x-id", "a\0b"]]), `${rule} (got the header "x-id": "a\\u0000b")`],
    // Not a list of pairs: the value and what fetch said.
    [[["a"]], /^Cannot subscribe: `headers` must hold valid header names and values \(got an array: .+\)$/],
  ];
  for (const [headers, message] of cases) {
    const error = catchError(() => subscribe(URL_, { fetch, headers: headers as HeadersInit }));
    expect(error, String(message)).toBeInstanceOf(TypeError);
    if (typeof message === "string") expect((error as TypeError).message).toBe(message);
    else expect((error as TypeError).message).toMatch(message);
    expect((error as TypeError).cause).toBeInstanceOf(TypeError); // what fetch's Headers said
  }
});

test("a `headers` function returning bad headers makes a TypeError naming `headers`; nothing is fetched", async () => {
  const { fetch, requests } = fakeFetch(() => sse(END));
  const error = await rejection(collect(subscribe(URL_, { fetch, headers: () => ({ "x-token": "a\r\nb" }) })));
  expect(error).toBeInstanceOf(TypeError);
  expect((error as TypeError).message).toBe(
    "Cannot subscribe: what `headers` returned must hold valid header names and values " +
      '(got the header "x-token": "a\\r\\nb")',
  );
  expect(requests.length).toBe(0);
});

test("subscribe reads headers given as a one-shot iterable once, and sends them with every request", async () => {
  const { fetch, requests } = fakeFetch((_, index) => (index === 0 ? sse("id: 1\ndata: a\n\n") : sse(END)));
  const headers = new Map([["x-app", "1"]]).entries();
  await collect(subscribe(URL_, { fetch, reconnect: FAST, headers: headers as never }));
  expect(requests.map((request) => request.headers["x-app"])).toEqual(["1", "1"]);
});

test("subscribe's subscriptions carry the mark a DataStream will relay by, and plain iterables do not", () => {
  const subscription = subscribe(URL_, { fetch: () => Promise.resolve(sse(END)) });
  expect(isSubscription(subscription)).toBe(true);
  expect(isSubscription({ [Symbol.asyncIterator]: () => subscription, lastEventId: "" })).toBe(false);
  expect(isSubscription(null)).toBe(false);
  subscription.close();
});

test("subscribe's finished says whether the server ended the stream for good", async () => {
  const ended = subscribe(URL_, { fetch: fakeFetch(() => sse(`data: a\n\n${END}`)).fetch });
  const noContent = subscribe(URL_, { fetch: fakeFetch(() => new Response(null, { status: 204 })).fetch });
  const posted = subscribe(URL_, { fetch: fakeFetch(() => sse("data: a\n\n")).fetch, body: "x" });
  for (const subscription of [ended, noContent, posted]) {
    expect(subscription.finished).toBe(false);
    await collect(subscription);
  }
  expect([ended.finished, noContent.finished, posted.finished]).toEqual([true, true, false]);
  const closed = subscribe(URL_, { fetch: fakeFetch(() => sse(`data: a\n\n${END}`)).fetch });
  await closed.next();
  closed.close();
  expect(closed.finished).toBe(false);
});

test("subscribe yields nothing more once its signal aborts, not even events already read", async () => {
  const abort = new AbortController();
  const { fetch } = fakeFetch(() => sse(`data: a\n\ndata: b\n\n${END}`));
  const subscription = subscribe(URL_, { fetch, signal: abort.signal });
  expect((await subscription.next()).value).toEqual(message("a"));
  abort.abort(new Error("stop"));
  expect(await rejection(subscription.next())).toEqual(new Error("stop"));
  expect(await subscription.next()).toEqual({ done: true, value: undefined });
});
