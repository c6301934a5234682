/**
 * subscribe() with `events`: data decoded (JSON, or text) and validated by Standard Schema V1
 * validators, from a plain map or from an object that carries its map under EVENT_MAP (as
 * `defineEvents` does), and the items typed as a union by event name. The type assertions are
 * checked by `npm run typecheck`; the run-time ones here.
 */
import { expect, expectTypeOf, test } from "vitest";
import {
  EVENT_MAP,
  EventStreamError,
  subscribe,
  type EventMapHolder,
  type ExpiredEvent,
  type GapEvent,
  type ServerSentEvent,
  type StandardSchemaLike,
  type Subscription,
} from "edge-sse/client";
import { collect, fakeFetch, rejection, sse } from "./fake-fetch.ts";

const URL_ = "https://example.com/events";
const END = "event: edge-sse-end\ndata:\n\n";

interface Tick {
  readonly n: number;
}

/** A validator that declares its types, as zod, valibot and arktype do. */
const tick: StandardSchemaLike<Tick> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) =>
      typeof value === "object" && value !== null && typeof (value as { n?: unknown }).n === "number"
        ? { value: { n: (value as { n: number }).n } }
        : { issues: [{ message: "expected a number", path: ["n"] }] },
  },
};

/** A validator with no `types`, validating asynchronously and transforming: its output type comes from `validate`. */
const shout = {
  "~standard": {
    version: 1 as const,
    vendor: "test",
    validate: async (value: unknown) =>
      typeof value === "string" ? { value: value.toUpperCase() } : { issues: [{ message: "expected a string" }] },
  },
};

test("events: data is decoded and validated, text events are not JSON, and the items are a typed union", async () => {
  const { fetch } = fakeFetch(() =>
    sse(`id: 1\nevent: tick\ndata: {"n": 1, "extra": true}\n\ndata: "hi"\n\nevent: word\ndata: plain text\n\n${END}`),
  );
  const subscription = subscribe(URL_, {
    fetch,
    events: { tick, message: shout, word: { schema: shout, encoding: "text" } },
  });
  type Item = typeof subscription extends Subscription<infer E> ? E : never;
  expectTypeOf<Item>().toEqualTypeOf<
    | ServerSentEvent<"tick", Tick>
    | ServerSentEvent<"message", string>
    | ServerSentEvent<"word", string>
    | GapEvent
    | ExpiredEvent
  >();
  const items = await collect(subscription);
  expect(items).toEqual([
    { event: "tick", data: { n: 1 }, id: "1" },
    { event: "message", data: "HI", id: "1" },
    { event: "word", data: "PLAIN TEXT", id: "1" },
  ]);
  for (const item of items) {
    if (item.event === "tick") expectTypeOf(item.data).toEqualTypeOf<Tick>();
    if (item.event === "edge-sse-gap") expectTypeOf(item.data.firstId).toEqualTypeOf<string | null>();
  }
});

test("events: an object carrying its map under EVENT_MAP (a defineEvents result) works as the map does", async () => {
  const defined: EventMapHolder<{ readonly tick: typeof tick }> & { tick(data: Tick): string } = {
    [EVENT_MAP]: { tick },
    tick: (data) => JSON.stringify(data),
  };
  const { fetch } = fakeFetch(() => sse(`event: tick\ndata: ${defined.tick({ n: 2 })}\n\n${END}`));
  const subscription = subscribe(URL_, { fetch, events: defined });
  expectTypeOf(subscription).toEqualTypeOf<Subscription<ServerSentEvent<"tick", Tick> | GapEvent | ExpiredEvent>>();
  expect(await collect(subscription)).toEqual([{ event: "tick", data: { n: 2 }, id: "" }]);
});

test("events: the gap marker is yielded with its data decoded", async () => {
  const { fetch } = fakeFetch(() => sse(`event: edge-sse-gap\ndata: {"lastEventId":"x","firstId":null}\n\n${END}`));
  expect(await collect(subscribe(URL_, { fetch, events: { tick } }))).toEqual([
    { event: "edge-sse-gap", data: { lastEventId: "x", firstId: null }, id: "" },
  ]);
});

test("events: an event that is not in the map, that is not JSON, or that does not match makes the iterator throw", async () => {
  const cases: Array<[string, string, object]> = [
    [
      "event: tock\ndata: {}\n\n",
      `Cannot read the event "tock": the event map has no such event (it has "tick")`,
      { event: { event: "tock", data: "{}", id: "" } },
    ],
    [
      "id: 4\nevent: tick\ndata: {n:1}\n\n",
      `Cannot read the event "tick" (id "4"): its data is not JSON (got "{n:1}")`,
      { cause: expect.any(SyntaxError) },
    ],
    [
      'event: tick\ndata: {"n":"1"}\n\n',
      `Cannot read the event "tick": its data does not match the schema: expected a number at n`,
      { issues: [{ message: "expected a number", path: ["n"] }] },
    ],
  ];
  for (const [wire, message, details] of cases) {
    const { fetch, requests } = fakeFetch(() => sse(wire));
    const error = await rejection(collect(subscribe(URL_, { fetch, events: { tick } })));
    expect(error).toBeInstanceOf(EventStreamError);
    expect(error).toMatchObject({ type: "invalid-event", message, ...details });
    expect(requests.length).toBe(1);
  }
});

test("events: the valid events that come before a refused one in the same chunk are yielded, none after it", async () => {
  const wire = 'id: 1\nevent: tick\ndata: {"n":1}\n\nid: 2\nevent: tick\ndata: {"n":2}\n\nevent: tock\ndata: {}\n\n';
  const { fetch } = fakeFetch(() => sse(`${wire}id: 4\nevent: tick\ndata: {"n":4}\n\n`));
  const seen: unknown[] = [];
  const error = await rejection(
    (async () => {
      for await (const event of subscribe(URL_, { fetch, events: { tick } })) seen.push(event);
    })(),
  );
  expect(error).toMatchObject({ type: "invalid-event", event: { event: "tock" } });
  expect(seen).toEqual([
    { event: "tick", data: { n: 1 }, id: "1" },
    { event: "tick", data: { n: 2 }, id: "2" },
  ]);
});

test("events: the expiry event is yielded, its data decoded, then the client reconnects, as untyped", async () => {
  const expired = 'event: edge-sse-expired\ndata: {"expiresAt":1700000000000}\n\n';
  const wire = (index: number): string => (index === 0 ? `id: 1\nevent: tick\ndata: {"n":1}\n\n${expired}` : END);
  const typed = fakeFetch((_, index) => sse(wire(index)));
  const untyped = fakeFetch((_, index) => sse(wire(index)));
  const typedSubscription = subscribe(URL_, { fetch: typed.fetch, events: { tick }, reconnect: { delay: 1 } });
  expect(await collect(typedSubscription)).toEqual([
    { event: "tick", data: { n: 1 }, id: "1" },
    { event: "edge-sse-expired", data: { expiresAt: 1700000000000 }, id: "1" },
  ]);
  const untypedSubscription = subscribe(URL_, { fetch: untyped.fetch, reconnect: { delay: 1 } });
  expect(await collect(untypedSubscription)).toEqual([
    { event: "tick", data: '{"n":1}', id: "1" },
    { event: "edge-sse-expired", data: '{"expiresAt":1700000000000}', id: "1" },
  ]);
  for (const [{ requests }, subscription] of [
    [typed, typedSubscription],
    [untyped, untypedSubscription],
  ] as const) {
    expect(requests.map((request) => request.headers["last-event-id"])).toEqual([undefined, "1"]);
    expect(subscription.finished).toBe(true);
  }
});

test("events: the end signal ends a typed subscription as it does an untyped one, whatever follows it", async () => {
  const wire = `event: tick\ndata: {"n":1}\n\n${END}event: tock\ndata: not in the map\n\n`;
  for (const events of [{ tick }, undefined]) {
    const { fetch, requests } = fakeFetch(() => sse(wire));
    const subscription = subscribe(URL_, { fetch, events, reconnect: { delay: 1 } });
    const items = await collect<ServerSentEvent<string, unknown>>(subscription);
    expect(items).toEqual([{ event: "tick", data: events === undefined ? '{"n":1}' : { n: 1 }, id: "" }]);
    expect(subscription.finished).toBe(true);
    expect(requests.length).toBe(1);
  }
});

test("events: an expiry event whose data is not {expiresAt: number} is thrown after the events before it", async () => {
  const { fetch } = fakeFetch(() =>
    sse('event: tick\ndata: {"n":1}\n\nevent: edge-sse-expired\ndata: {"expiresAt":"soon"}\n\n'),
  );
  const seen: unknown[] = [];
  const error = await rejection(
    (async () => {
      for await (const item of subscribe(URL_, { fetch, events: { tick } })) seen.push(item.data);
    })(),
  );
  expect(error).toBeInstanceOf(EventStreamError);
  expect(error).toMatchObject({
    type: "invalid-event",
    message:
      'Cannot read the expiry event "edge-sse-expired": its data must be JSON {"expiresAt": number} ' +
      '(got "{\\"expiresAt\\":\\"soon\\"}")',
  });
  expect(seen).toEqual([{ n: 1 }]);
});

test("events: without a map the items are plain events", () => {
  const subscription = subscribe(URL_, { fetch: () => Promise.resolve(sse(END)) });
  expectTypeOf(subscription).toEqualTypeOf<Subscription<ServerSentEvent>>();
  subscription.close();
});
