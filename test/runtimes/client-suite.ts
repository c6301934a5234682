/**
 * The client's behaviour cases, run on every runtime: `subscribe` from edge-sse/client against
 * edge-sse's own server (client-app.ts). Each runtime entry supplies the server's URL and, where the
 * client runs inside the server's isolate (workerd), a `fetch` that calls the handler. Checks are on
 * what happened (events, the server's request log), never on time.
 */
import assert from "node:assert/strict";
import { EventStreamError, subscribe, type FetchLike, type ServerSentEvent, type Subscription } from "edge-sse/client";
import type { ClientRequestLog } from "./client-app.ts";

/** The server of the client cases, as the runtime entry supplies it. */
export interface ClientTarget {
  /** The server's origin, like "http://127.0.0.1:8080". */
  readonly url: string;
  /** The fetch the client uses; the global one when absent. */
  readonly fetch?: FetchLike;
}

/** One client behaviour, run on one runtime. */
export interface ClientCase {
  readonly name: string;
  readonly timeoutMs: number;
  run(target: ClientTarget): Promise<void>;
}

const FAST = { delay: 10, jitter: 0 } as const;

let keys = 0;
const newKey = (): string => `${Date.now().toString(36)}-${++keys}-${Math.random().toString(36).slice(2, 8)}`;

const fetchOf = (target: ClientTarget): FetchLike => target.fetch ?? ((input, init) => fetch(input, init));

async function requestsOf(target: ClientTarget, key: string): Promise<ClientRequestLog[]> {
  const response = await fetchOf(target)(`${target.url}/client/log?key=${key}`);
  return ((await response.json()) as { requests: ClientRequestLog[] }).requests;
}

async function collect<E>(subscription: Subscription<E>): Promise<E[]> {
  const events: E[] = [];
  for await (const event of subscription) events.push(event);
  return events;
}

/** Polls `check` until it holds; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const dataOf = (events: readonly ServerSentEvent[]): string[] => events.map((event) => event.data);

export const clientCases: readonly ClientCase[] = [
  {
    name: "client: subscribe reads a DataStream's events and stops at the end signal",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      const events = await collect(
        subscribe(`${target.url}/client/finite?key=${key}`, { fetch: fetchOf(target), reconnect: FAST }),
      );
      assert.deepEqual(events, [
        { event: "message", data: "first", id: "1" },
        { event: "multi", data: "two\nlines", id: "1" },
        { event: "json", data: '{"emoji":"😀","cjk":"漢字"}', id: "2" },
      ]);
      assert.equal((await requestsOf(target, key)).length, 1);
    },
  },
  {
    name: "client: subscribe resumes a cut stream with Last-Event-ID and gets each event once",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      const errors: unknown[] = [];
      const subscription = subscribe(`${target.url}/client/numbers?key=${key}`, {
        fetch: fetchOf(target),
        reconnect: FAST,
        onRetry: ({ error }) => void errors.push(error),
      });
      const events: ServerSentEvent[] = [];
      const reading = (async () => {
        for await (const event of subscription) events.push(event);
      })();
      await until(() => events.length === 3, "the first three events");
      await fetchOf(target)(`${target.url}/client/cut?key=${key}`, { method: "POST" });
      await reading;
      assert.deepEqual(
        dataOf(events),
        [1, 2, 3, 4, 5, 6].map((n) => `event ${n}`),
      );
      assert.equal(subscription.lastEventId, "6");
      assert.deepEqual(
        (await requestsOf(target, key)).map((request) => request.lastEventId),
        [null, "3"],
      );
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof EventStreamError && errors[0].type === "network", String(errors[0]));
    },
  },
  {
    name: "client: subscribe resumes a Channel after a server-side cut and gets exactly what it missed",
    timeoutMs: 20_000,
    async run(target) {
      const key = newKey();
      const fetcher = fetchOf(target);
      const publish = async (data: string): Promise<string> =>
        (
          (await (
            await fetcher(`${target.url}/client/channel/publish?key=${key}&data=${data}`, { method: "POST" })
          ).json()) as { id: string }
        ).id;
      const ids: string[] = [];
      const subscription = subscribe(`${target.url}/client/channel/events?key=${key}`, {
        fetch: fetcher,
        reconnect: FAST,
        onRetry: async () => {
          ids.push(await publish("three"), await publish("four")); // while the client is away
        },
      });
      const events: ServerSentEvent[] = [];
      const reading = (async () => {
        for await (const event of subscription) events.push(event);
      })();
      const subscribers = async (): Promise<number> =>
        (
          (await (await fetcher(`${target.url}/client/channel/subscribers?key=${key}`)).json()) as {
            subscribers: number;
          }
        ).subscribers;
      const deadline = Date.now() + 10_000;
      while ((await subscribers()) === 0) {
        if (Date.now() > deadline) throw new Error("Timed out waiting for the client to subscribe");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      ids.push(await publish("one"));
      ids.push(await publish("two"));
      await until(() => events.length === 2, "two live events");
      await fetcher(`${target.url}/client/cut?key=${key}`, { method: "POST" });
      await until(() => events.length === 4, "the missed events");
      ids.push(await publish("five"));
      await until(() => events.length === 5, "the next live event");
      subscription.close();
      await reading;
      await fetcher(`${target.url}/client/channel/close?key=${key}`, { method: "POST" });
      assert.deepEqual(dataOf(events), ["one", "two", "three", "four", "five"]);
      assert.deepEqual(
        events.map((event) => event.id),
        ids,
      );
      assert.deepEqual(
        (await requestsOf(target, key)).map((request) => request.lastEventId),
        [null, ids[1]],
      );
    },
  },
  {
    name: "client: subscribe ends at a 204 and throws on a 404 naming its status and type, without reconnecting",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      assert.deepEqual(
        await collect(
          subscribe(`${target.url}/client/no-content?key=${key}`, { fetch: fetchOf(target), reconnect: FAST }),
        ),
        [],
      );
      let error: unknown;
      try {
        await collect(
          subscribe(`${target.url}/client/missing?key=${key}`, { fetch: fetchOf(target), reconnect: FAST }),
        );
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof EventStreamError, String(error));
      assert.equal(error.type, "response");
      assert.equal(error.status, 404);
      assert.match(error.message, /answered 404 with content-type "text\/plain"/);
      assert.equal((await requestsOf(target, key)).length, 2);
    },
  },
  {
    name: "client: subscribe reconnects a stream that ends without the end signal, with fresh headers, and POSTs a body once",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      let token = 0;
      const events = await collect(
        subscribe(`${target.url}/client/parts?key=${key}`, {
          fetch: fetchOf(target),
          reconnect: FAST,
          headers: () => ({ authorization: `Bearer ${++token}` }),
        }),
      );
      assert.deepEqual(dataOf(events), ["part 1", "part 2"]);
      assert.deepEqual(
        (await requestsOf(target, key)).map(({ authorization, lastEventId }) => ({ authorization, lastEventId })),
        [
          { authorization: "Bearer 1", lastEventId: null },
          { authorization: "Bearer 2", lastEventId: "1" },
        ],
      );

      const postKey = newKey();
      const answer = await collect(
        subscribe(`${target.url}/client/answer?key=${postKey}`, { fetch: fetchOf(target), body: "hello" }),
      );
      assert.deepEqual(dataOf(answer), ["you said hello"]);
      assert.deepEqual(
        (await requestsOf(target, postKey)).map(({ method, body }) => ({ method, body })),
        [{ method: "POST", body: "hello" }],
      );
    },
  },
  {
    name: "client: subscribe does not re-run a finite DataStream: one request, and the iterator ends",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      const subscription = subscribe(`${target.url}/client/finite-answer?key=${key}`, {
        fetch: fetchOf(target),
        reconnect: FAST,
      });
      const events = await collect(subscription);
      assert.deepEqual(events, [{ event: "message", data: "the answer, run 1", id: "1", retry: 10 }]);
      assert.equal(subscription.finished, true);
      // A reconnection would come within 10 ms: wait many times that, then count.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await requestsOf(target, key)).length, 1);
    },
  },
  {
    name: "client: a DataStream relays a subscription's events exactly and passes the end on",
    timeoutMs: 15_000,
    async run(target) {
      const key = newKey();
      const subscription = subscribe(`${target.url}/client/relay?key=${key}`, {
        fetch: fetchOf(target),
        reconnect: FAST,
      });
      const events = await collect(subscription);
      assert.deepEqual(events, [
        { event: "message", data: "first", id: "1" },
        { event: "multi", data: "two\nlines", id: "1" },
        { event: "json", data: '{"emoji":"😀","cjk":"漢字"}', id: "2" },
      ]);
      assert.equal(subscription.finished, true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await requestsOf(target, key)).length, 1);
      assert.equal((await requestsOf(target, `${key}-up`)).length, 1);
    },
  },
  {
    name: "client: subscribe ends at a Channel's close({ end: true }), and a later subscription gets 204",
    timeoutMs: 20_000,
    async run(target) {
      const key = newKey();
      const fetcher = fetchOf(target);
      const subscription = subscribe(`${target.url}/client/channel/ending?key=${key}`, {
        fetch: fetcher,
        reconnect: FAST,
      });
      const events: ServerSentEvent[] = [];
      const reading = (async () => {
        for await (const event of subscription) events.push(event);
      })();
      const subscribers = async (): Promise<number> =>
        (
          (await (await fetcher(`${target.url}/client/channel/subscribers?key=${key}`)).json()) as {
            subscribers: number;
          }
        ).subscribers;
      const deadline = Date.now() + 10_000;
      while ((await subscribers()) !== 1) {
        if (Date.now() > deadline) throw new Error("Timed out waiting for the subscriber to join");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await fetcher(`${target.url}/client/channel/publish?key=${key}&data=bye`, { method: "POST" });
      await until(() => events.length === 1, "the live event");
      await fetcher(`${target.url}/client/channel/end?key=${key}`, { method: "POST" });
      await reading;
      assert.deepEqual(dataOf(events), ["bye"]);
      assert.equal(subscription.finished, true);
      const late = subscribe(`${target.url}/client/channel/ending?key=${key}`, { fetch: fetcher, reconnect: FAST });
      assert.deepEqual(await collect(late), []);
      assert.equal(late.finished, true);
      assert.equal((await requestsOf(target, key)).length, 2);
    },
  },
];
