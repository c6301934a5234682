import { expect, test } from "vitest";
import { DataStream, type DataStreamOptions, type StreamClosedError } from "edge-sse";

const bad = (options: unknown) => () => new DataStream([], options as DataStreamOptions);

test("DataStream refuses a source of no supported kind, with a hint for strings", () => {
  expect(() => new DataStream("hello" as never)).toThrow(
    new TypeError(
      'Cannot create DataStream: `source` must be an async iterable, an iterable, a ReadableStream or a function (got "hello"); wrap it: ["hello"]',
    ),
  );
  expect(() => new DataStream(42 as never)).toThrow(
    new TypeError(
      "Cannot create DataStream: `source` must be an async iterable, an iterable, a ReadableStream or a function (got number 42)",
    ),
  );
  expect(() => new DataStream(null as never)).toThrow(TypeError);
});

test("DataStream refuses unknown options and suggests the right spelling", () => {
  expect(bad({ keepalive: 10 })).toThrow(
    new TypeError("Cannot create DataStream: unknown option `keepalive` (did you mean `keepAlive`?)"),
  );
  expect(bad({ colour: 1 })).toThrow(new TypeError("Cannot create DataStream: unknown option `colour`"));
  expect(bad("fast")).toThrow(new TypeError('Cannot create DataStream: `options` must be an object (got "fast")'));
});

test("keepAlive: DataStream refuses anything but a positive number up to the longest timer delay, or false", () => {
  for (const value of [0, -5, Infinity, Number.NaN, "1000", true, 2 ** 31, 1e12]) {
    expect(bad({ keepAlive: value })).toThrow(
      /^Cannot create DataStream: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false \(got /,
    );
  }
  expect(bad({ keepAlive: 0 })).toThrow(
    new TypeError(
      "Cannot create DataStream: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false (got number 0)",
    ),
  );
  expect(bad({ keepAlive: 2 ** 31 })).toThrow(
    new TypeError(
      "Cannot create DataStream: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false (got number 2147483648)",
    ),
  );
  expect(() => new DataStream([], { keepAlive: false })).not.toThrow();
  expect(() => new DataStream([], { keepAlive: 0.5 })).not.toThrow();
  expect(() => new DataStream([], { keepAlive: 2 ** 31 - 1 })).not.toThrow();
});

test("cleanupTimeout: DataStream refuses anything but a positive number up to the longest timer delay", () => {
  for (const value of [0, -1, Infinity, Number.NaN, "5000", false, 2 ** 31]) {
    expect(bad({ cleanupTimeout: value })).toThrow(
      /^Cannot create DataStream: `cleanupTimeout` must be a positive number of milliseconds up to 2147483647 \(got /,
    );
  }
  expect(bad({ cleanupTimeout: false })).toThrow(
    new TypeError(
      "Cannot create DataStream: `cleanupTimeout` must be a positive number of milliseconds up to 2147483647 (got boolean false)",
    ),
  );
  expect(() => new DataStream([], { cleanupTimeout: 1 })).not.toThrow();
  expect(() => new DataStream([], { cleanupTimeout: 2 ** 31 - 1 })).not.toThrow();
});

test("retry: DataStream refuses a value that is not a non-negative integer", () => {
  expect(bad({ retry: 1.5 })).toThrow(
    new TypeError("Cannot create DataStream: `retry` must be a non-negative integer of milliseconds (got number 1.5)"),
  );
  expect(bad({ retry: -1 })).toThrow(TypeError);
  expect(bad({ retry: "100" })).toThrow(
    new TypeError('Cannot create DataStream: `retry` must be a non-negative integer of milliseconds (got "100")'),
  );
});

test("DataStream refuses hooks and serializers that are not functions", () => {
  expect(bad({ serialize: "json" })).toThrow(
    new TypeError('Cannot create DataStream: `serialize` must be a function (got "json")'),
  );
  expect(bad({ onError: {} })).toThrow(
    new TypeError("Cannot create DataStream: `onError` must be a function (got an object)"),
  );
  expect(bad({ onClose: 1 })).toThrow(
    new TypeError("Cannot create DataStream: `onClose` must be a function (got number 1)"),
  );
});

test("DataStream refuses a request without headers, with a signal that is not an AbortSignal or a url that is not a string", () => {
  expect(bad({ request: {} })).toThrow(
    new TypeError("Cannot create DataStream: `request` must be a Request or an object with `headers` (got an object)"),
  );
  expect(bad({ request: { headers: {}, signal: "stop" } })).toThrow(
    new TypeError('Cannot create DataStream: `request.signal` must be an AbortSignal (got "stop")'),
  );
  expect(() => new DataStream([], { request: { headers: {}, signal: null } })).not.toThrow();
  expect(bad({ request: { headers: {}, url: new URL("http://x/?lastEventId=1") } })).toThrow(
    new TypeError("Cannot create DataStream: `request.url` must be a string (got an instance of URL)"),
  );
  expect(() => new DataStream([], { request: { headers: {}, url: "/events?lastEventId=1" } })).not.toThrow();
});

test("lastEventId: DataStream refuses a value that is not a string", () => {
  expect(bad({ lastEventId: 5 })).toThrow(
    new TypeError("Cannot create DataStream: `lastEventId` must be a string (got number 5)"),
  );
});

/** What the producer of a DataStream made with `options` sees as `ctx.lastEventId`. */
async function lastEventIdOf(options: DataStreamOptions): Promise<string | undefined> {
  let seen: string | undefined = "not called";
  await new DataStream(({ lastEventId }) => {
    seen = lastEventId;
    return [];
  }, options)
    .toResponse()
    .text();
  return seen;
}

test("lastEventId: ctx.lastEventId is the lastEventId query parameter when the request has no Last-Event-ID header", async () => {
  expect(await lastEventIdOf({ request: new Request("http://x/events?lastEventId=7") })).toBe("7");
  expect(await lastEventIdOf({ request: new Request("http://x/?lastEventId=%E6%97%A5%20%F0%9F%98%80") })).toBe(
    "\u65E5 \u{1F600}",
  );
  // Node's IncomingMessage: a header record and a path.
  expect(await lastEventIdOf({ request: { headers: {}, url: "/events?a=1&lastEventId=%E2%80%A6" } })).toBe("\u2026");
  expect(await lastEventIdOf({ request: new Request("http://x/events?lastEventId=") })).toBeUndefined();
  expect(await lastEventIdOf({ request: new Request("http://x/events?lasteventid=7") })).toBeUndefined();
  expect(await lastEventIdOf({ request: { headers: {} } })).toBeUndefined();
});

test("lastEventId: the Last-Event-ID header wins over the query parameter, and the option over both", async () => {
  const request = new Request("http://x/events?lastEventId=7", { headers: { "last-event-id": "9" } });
  expect(await lastEventIdOf({ request })).toBe("9");
  expect(await lastEventIdOf({ request: { headers: { "last-event-id": "9" }, url: "/?lastEventId=7" } })).toBe("9");
  expect(await lastEventIdOf({ request, lastEventId: "3" })).toBe("3");
  // An empty header names no id: the parameter is read, as a channel reads it.
  const empty = new Request("http://x/events?lastEventId=7", { headers: { "last-event-id": "" } });
  expect(await lastEventIdOf({ request: empty })).toBe("7");
  expect(await lastEventIdOf({ request: new Request("http://x/", { headers: { "last-event-id": "" } }) })).toBe("");
});

test("highWaterMark and maxQueue: DataStream refuses bad bounds", () => {
  expect(bad({ highWaterMark: 0 })).toThrow(
    new TypeError("Cannot create DataStream: `highWaterMark` must be a positive number of code units (got number 0)"),
  );
  expect(bad({ highWaterMark: 100, maxQueue: 50 })).toThrow(
    new TypeError(
      "Cannot create DataStream: `maxQueue` must be a number of code units >= highWaterMark (100) (got number 50)",
    ),
  );
  expect(bad({ maxQueue: "1e6" })).toThrow(
    new TypeError(
      'Cannot create DataStream: `maxQueue` must be a number of code units >= highWaterMark (65536) (got "1e6")',
    ),
  );
  expect(bad({ highWaterMark: 100, bufferLimit: 50 })).toThrow(
    new TypeError(
      "Cannot create DataStream: `bufferLimit` must be a number of code units >= highWaterMark (100) (got number 50)",
    ),
  );
  expect(() => new DataStream([], { highWaterMark: 2_000_000 })).not.toThrow();
});

test("bufferLimit: DataStream takes the deprecated name of maxQueue as maxQueue, and refuses both together", async () => {
  const closedBy = async (options: DataStreamOptions): Promise<string | undefined> => {
    let signal: AbortSignal | undefined;
    const reader = new DataStream(
      (ctx) => {
        signal = ctx.signal;
        for (let i = 0; i < 10 && !ctx.signal.aborted; i++) ctx.send("x".repeat(100));
      },
      { keepAlive: false, highWaterMark: 100, ...options },
    )
      .toReadableStream()
      .getReader();
    await reader.read(); // the first bytes: the producer runs and sends 10 frames of 108 code units
    await reader.read().catch(() => {});
    const type = (signal!.reason as StreamClosedError | undefined)?.type;
    await reader.cancel().catch(() => {});
    return type;
  };
  expect(await closedBy({ bufferLimit: 500 })).toBe("overflow");
  expect(await closedBy({ maxQueue: 500 })).toBe("overflow");
  expect(await closedBy({ bufferLimit: 2_000 })).toBeUndefined();
  expect(bad({ maxQueue: 2_000, bufferLimit: 2_000 })).toThrow(
    new TypeError("Cannot create DataStream: `bufferLimit` is the deprecated name of `maxQueue`; give `maxQueue` only"),
  );
});
