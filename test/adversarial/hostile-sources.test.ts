// Sources, options and requests that break the protocols they claim to follow: iterators whose results
// are not objects, getters and `then`s that throw, String objects, headers `Headers` refuses, lengths on a
// stream, a ResponseInit whose fields change between reads, and Last-Event-ID in odd places. Each must
// take the one close path (onError, then onClose) or throw a TypeError that names what was wrong.
import { expect, test, vi } from "vitest";
import { DataStream, encodeMessage, Message, type StreamClosedError, type StreamContext } from "edge-sse";
import { Channel, MemoryBroker } from "edge-sse/channel";
import { describeValue } from "../../src/core/describe-value.ts";

/** Reads a stream of `source` to its end and says how it closed: its text, what onError got, onClose's reason. */
async function runToClose(source: unknown): Promise<{ text: string; errors: unknown[]; closes: string[] }> {
  const errors: unknown[] = [];
  const closes: string[] = [];
  let closed!: () => void;
  const onClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const stream = new DataStream(source as Iterable<unknown>, {
    keepAlive: false,
    onError: (error) => void errors.push(error),
    onClose: (reason: StreamClosedError) => {
      closes.push(reason.type);
      closed();
    },
  });
  const text = await stream.toResponse().text();
  await onClosed;
  return { text, errors, closes };
}

const asyncIterable = (next: () => unknown) => ({ [Symbol.asyncIterator]: () => ({ next }) });
const syncIterable = (next: () => unknown) => ({ [Symbol.iterator]: () => ({ next }) });

test.each([
  ["an async iterator's result is null", asyncIterable(async () => null), "got null"],
  ["an async iterator's result is undefined", asyncIterable(async () => undefined), "got undefined"],
  ["an async iterator's result is a number", asyncIterable(async () => 5), "got number 5"],
  ["a sync iterator's result is null", syncIterable(() => null), "got null"],
  ["a sync iterator's result is a number", syncIterable(() => 5), "got number 5"],
])(
  "When %s, onError gets a TypeError that says so, and the stream closes with 'error'",
  async (_label, source, got) => {
    const { text, errors, closes } = await runToClose(source);
    expect(text).toBe(":\n\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toBe(
      `Cannot run DataStream: the source's iterator must give result objects, as \`for await\` requires (${got})`,
    );
    expect(closes).toEqual(["error"]);
  },
);

test("A result whose `done` or `value` getter throws: onError gets that error, after the items before it were sent", async () => {
  const boom = new Error("getter");
  let n = 0;
  const doneThrows = asyncIterable(async () =>
    ++n === 1
      ? { done: false, value: "first" }
      : {
          get done(): boolean {
            throw boom;
          },
        },
  );
  const first = await runToClose(doneThrows);
  expect(first).toEqual({ text: ":\n\ndata: first\n\n", errors: [boom], closes: ["error"] });

  const valueThrows = syncIterable(() => ({
    done: false,
    get value(): unknown {
      throw boom;
    },
  }));
  const second = await runToClose(valueThrows);
  expect(second.errors).toEqual([boom]);
  expect(second.closes).toEqual(["error"]);
});

test("A producer that returns a thenable whose `then` throws takes the one close path (onError, then onClose)", async () => {
  const boom = new Error("then");
  const onCloseOrder: string[] = [];
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: the hostile thenable under test
    then(): never {
      throw boom;
    },
  };
  const stream = new DataStream(() => thenable as unknown as Promise<void>, {
    keepAlive: false,
    onError: (error) => void onCloseOrder.push(`error:${(error as Error).message}`),
    onClose: (reason) => void onCloseOrder.push(`close:${reason.type}`),
  });
  await expect(stream.toResponse().text()).resolves.toBe(":\n\n");
  expect(onCloseOrder).toEqual(["error:then", "close:error"]);
});

test("A `then` getter that throws, on a producer's result or on an iterator's result, takes the one close path", async () => {
  const boom = new Error("then getter");
  const hostile = (): object =>
    // biome-ignore lint/suspicious/noThenProperty: the hostile `then` getter under test
    Object.defineProperty({}, "then", {
      get(): never {
        throw boom;
      },
    });
  const fromProducer = await runToClose(() => hostile());
  expect(fromProducer.errors).toEqual([boom]);
  expect(fromProducer.closes).toEqual(["error"]);

  const fromIterator = await runToClose({ [Symbol.asyncIterator]: () => ({ next: hostile }) });
  expect(fromIterator.errors).toEqual([boom]);
  expect(fromIterator.closes).toEqual(["error"]);
});

test("A thenable producer that resolves at once ends the stream normally", async () => {
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable that resolves synchronously
    then(resolve: () => void): void {
      resolve();
    },
  };
  const onClose = vi.fn();
  const stream = new DataStream(
    (ctx: StreamContext) => {
      ctx.send("pushed");
      return thenable as unknown as Promise<void>;
    },
    { keepAlive: false, onClose },
  );
  expect(await stream.toResponse().text()).toBe(":\n\ndata: pushed\n\n");
  expect(onClose.mock.calls.map(([reason]) => (reason as StreamClosedError).type)).toEqual(["done"]);
});

test("A String object is refused as a source, as a string is: it would be sent one character at a time", async () => {
  const boxed = new String("abc");
  expect(() => new DataStream(boxed as unknown as Iterable<string>)).toThrow(
    new TypeError(
      'Cannot create DataStream: `source` must be an async iterable, an iterable, a ReadableStream or a function (got an instance of String); wrap it: ["abc"]',
    ),
  );
  const fromProducer = await runToClose(() => boxed);
  expect((fromProducer.errors[0] as Error).message).toBe(
    'Cannot run DataStream: the source is a string, which would be sent one character at a time; wrap it: ["abc"]',
  );
  expect(fromProducer.closes).toEqual(["error"]);
});

test("headers that Headers refuses are named as the option they came from, with the value", () => {
  expect(() => new DataStream([], { headers: 5 as unknown as HeadersInit })).toThrow(
    new RegExp(
      "^Cannot create DataStream: `headers` must be a Headers, a record or a list of name/value pairs, " +
        "with valid names and Latin-1 values \\(.+\\) \\(got number 5\\)$",
    ),
  );
  expect(() => new DataStream([]).toResponse({ headers: { "a b": "c" } })).toThrow(
    /^Cannot make a Response: `init.headers` must be .* \(got an object\)$/,
  );
  expect(() => new DataStream([], { headers: { "x-a": "\u65E5" } })).toThrow(
    /^Cannot create DataStream: `headers` must be/,
  );
  expect(() => new DataStream([], { headers: [["x-a"]] as unknown as HeadersInit })).toThrow(
    /^Cannot create DataStream: `headers` must be .* \(got an array\)$/,
  );
});

test("content-length is refused in a stream's headers: an event stream has no length known in advance", () => {
  expect(() => new DataStream(["abc"], { headers: { "Content-Length": "3" } })).toThrow(
    new TypeError(
      'Cannot create DataStream: header `content-length` in `headers` is not allowed (got "3"); an event stream has no length known in advance',
    ),
  );
  expect(() => new DataStream(["abc"]).toResponse({ headers: [["content-length", "3"]] })).toThrow(
    new TypeError(
      'Cannot make a Response: header `content-length` in `init.headers` is not allowed (got "3"); an event stream has no length known in advance',
    ),
  );
});

test("toResponse refuses an init that is not an object, and leaves the stream unread", async () => {
  const stream = new DataStream(["x"], { keepAlive: false });
  for (const init of [5, "abc", null, true]) {
    expect(() => stream.toResponse(init as unknown as ResponseInit)).toThrow(
      new TypeError(
        `Cannot make a Response: \`init\` must be an object (a ResponseInit) or undefined (got ${describeValue(init)})`,
      ),
    );
  }
  expect(await stream.toResponse().text()).toBe(":\n\ndata: x\n\n");
});

test("toResponse reads init.status once: a getter cannot pass the check with 200 and reach Response with 204", async () => {
  let reads = 0;
  const init = {
    get status(): number {
      return ++reads === 1 ? 200 : 204;
    },
  };
  const response = new DataStream(["x"], { keepAlive: false }).toResponse(init);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe(":\n\ndata: x\n\n");
});

test("toResponse leaves the stream unread when a getter of init throws", async () => {
  const stream = new DataStream(["x"], { keepAlive: false });
  const boom = new Error("getter");
  const init = Object.defineProperty({}, "cf", {
    enumerable: true,
    get(): never {
      throw boom;
    },
  });
  expect(() => stream.toResponse(init)).toThrow(boom);
  expect(await stream.toResponse().text()).toBe(":\n\ndata: x\n\n");
});

/** The `ctx.lastEventId` a stream made with `request` gives its producer. */
async function seenLastEventId(request: { headers: unknown; url?: string }): Promise<unknown> {
  const stream = new DataStream((ctx) => [Message.json({ lastEventId: ctx.lastEventId ?? null })], {
    request: request as { headers: Record<string, string> },
    keepAlive: false,
  });
  const text = await stream.toResponse().text();
  return (JSON.parse(text.split("data: ")[1]!) as { lastEventId: unknown }).lastEventId;
}

test("Last-Event-ID is found in a plain header record in any letter case, and a value of the wrong type is named", async () => {
  expect(await seenLastEventId({ headers: { "Last-Event-Id": "7" } })).toBe("7");
  expect(await seenLastEventId({ headers: { "LAST-EVENT-ID": ["8", "9"] } })).toBe("8");
  expect(await seenLastEventId({ headers: { "last-event-id": "\u00E2\u0080\u00A6" } })).toBe("\u2026");
  expect(await seenLastEventId({ headers: { "x-other": "1" } })).toBe(null);
  expect(await seenLastEventId({ headers: { "": "7" } })).toBe(null); // no name is not Last-Event-ID
  await expect(seenLastEventId({ headers: { "last-event-id": 5 } })).rejects.toThrow(
    new TypeError(
      "Cannot read the last event id: the `last-event-id` entry of `request.headers` must be a string or a list of strings (got number 5)",
    ),
  );
  await expect(seenLastEventId({ headers: { get: () => 5 } })).rejects.toThrow(
    new TypeError(
      'Cannot read the last event id: `request.headers.get("last-event-id")` must return a string or null (got number 5)',
    ),
  );
});

test("A lastEventId query parameter whose name is percent-encoded is read, as URLSearchParams decodes it", async () => {
  const url = "http://localhost/events?lastEvent%49d=41";
  expect(await seenLastEventId({ headers: new Headers(), url })).toBe("41");
  expect(await seenLastEventId({ headers: new Headers(), url: "/events?x=%41" })).toBe(null);
});

test("encodeMessage names a forged Message that has no fields of its own", () => {
  const forged = Object.create(Message.prototype) as Message;
  expect(() => encodeMessage(forged)).toThrow(
    /^Cannot encode message: the item claims to be a Message but has no fields \(.+\)$/,
  );
});

test("describeValue never cuts a long string between the halves of a surrogate pair", () => {
  for (let pad = 0; pad < 4; pad++) {
    const described = describeValue(`${"a".repeat(70 + pad)}${"\u{1F600}".repeat(10)}`);
    expect(() => encodeURIComponent(described)).not.toThrow(); // it throws on a lone surrogate
    expect(described.endsWith('…"')).toBe(true);
  }
  const hostile = new Proxy(
    {},
    {
      get(): never {
        throw new Error("trap");
      },
    },
  );
  expect(describeValue(hostile)).toBe("an object");
});

test("A promise given as an item is refused by name, not sent as its JSON `{}`", async () => {
  expect(() => encodeMessage(Promise.resolve("x"))).toThrow(
    new TypeError(
      "Cannot encode message: a promise has no event-stream form (got an instance of Promise); await it first",
    ),
  );
  const errors: unknown[] = [];
  const text = await new DataStream(
    (ctx: StreamContext) => {
      ctx.send(Promise.resolve("lost") as unknown as string);
      ctx.close();
    },
    { keepAlive: false, onError: (error) => void errors.push(error) },
  )
    .toResponse()
    .text();
  expect(text).toBe(":\n\n");
  expect((errors[0] as Error).message).toMatch(/^Cannot encode message: a promise has no event-stream form/);
  const broker = new MemoryBroker();
  const channel = new Channel({ broker });
  await expect(channel.publish(Promise.resolve({ n: 1 }))).rejects.toThrow(/a promise has no event-stream form/);
  expect(broker.events).toEqual([]);
  await channel.close();
  // An iterable's promised items are awaited, as `for await` does: nothing to refuse there.
  expect(await new DataStream([Promise.resolve("kept")], { keepAlive: false }).toResponse().text()).toBe(
    ":\n\ndata: kept\n\n",
  );
});
