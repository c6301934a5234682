import { afterEach, expect, test, vi } from "vitest";
import { DataStream, Message, StreamClosedError, type StreamContext } from "edge-sse";
import { collectChunks, collectText, readChunk } from "../helpers/collect.ts";
import { deferred, flushMicrotasks } from "../helpers/deferred.ts";
import { parseWire } from "../helpers/event-reader.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

test("DataStream sends its first bytes before the producer's first item", async () => {
  const gate = deferred();
  let produced = false;
  const stream = new DataStream(
    async function* () {
      await gate.promise;
      produced = true;
      yield "late";
    },
    { keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  expect(produced).toBe(false);
  gate.resolve();
  expect(await readChunk(reader)).toBe("data: late\n\n");
});

test("retry: DataStream sends the retry field as its first bytes", async () => {
  const reader = new DataStream(["x"], { retry: 2500, keepAlive: false }).toReadableStream().getReader();
  expect(await readChunk(reader)).toBe("retry: 2500\n\n");
  expect(parseWire("retry: 2500\n\n").retries).toEqual([2500]);
});

test("keepAlive: DataStream pings while idle, not while busy, and leaves no timer after the end", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const gate = deferred();
  const stream = new DataStream(
    async function* () {
      yield "first";
      await gate.promise;
      yield "second";
    },
    { keepAlive: 1_000 },
  ).toReadableStream();
  const reader = stream.getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  expect(await readChunk(reader)).toBe("data: first\n\n");
  const next = reader.read();
  await vi.advanceTimersByTimeAsync(999);
  let settled = false;
  void next.then(() => {
    settled = true;
  });
  await flushMicrotasks();
  expect(settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(new TextDecoder().decode((await next).value)).toBe(": ping\n\n");
  expect(await Promise.race([readChunk(reader), vi.advanceTimersByTimeAsync(1_000).then(() => "timer")])).toBe(
    ": ping\n\n",
  );
  gate.resolve();
  expect(await readChunk(reader)).toBe("data: second\n\n");
  expect(await readChunk(reader)).toBeUndefined();
  expect(vi.getTimerCount()).toBe(0);
});

/** A stream with a 1 s keep-alive that sends one item, then stays quiet for a minute. */
function oneItemThenQuiet(): ReadableStream<Uint8Array> {
  return new DataStream(
    async function* ({ sleep }) {
      yield "a";
      await sleep(60_000);
    },
    { keepAlive: 1_000 },
  ).toReadableStream();
}

test("keepAlive: DataStream holds back pings while a chunk waits unread", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const stream = oneItemThenQuiet();
  // Nobody reads: the first bytes stay queued, so no ping joins them however long we wait.
  await vi.advanceTimersByTimeAsync(10_000);
  const reader = stream.getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  expect(await readChunk(reader)).toBe("data: a\n\n");
  await reader.cancel();
  expect(vi.getTimerCount()).toBe(0);
});

test("keepAlive: DataStream waits a whole interval again while a chunk waits unread, not a millisecond", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const stream = oneItemThenQuiet();
  const reader = stream.getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  expect(await readChunk(reader)).toBe("data: a\n\n");
  const fakeSetTimeout = globalThis.setTimeout;
  let calls = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    calls++;
    return fakeSetTimeout(...args);
  }) as typeof setTimeout;
  // The reader stops: one ping waits unread, and the keep-alive timer then looks once per interval.
  try {
    await vi.advanceTimersByTimeAsync(10_000);
  } finally {
    globalThis.setTimeout = fakeSetTimeout;
  }
  expect(calls).toBeLessThanOrEqual(12);
  expect(await readChunk(reader)).toMatch(/^:/); // the ping that waited
  await reader.cancel();
});

test("keepAlive: false starts no timer at all", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const gate = deferred();
  const stream = new DataStream(
    // biome-ignore lint/correctness/useYield: a source that yields nothing is what is tested
    async function* () {
      await gate.promise;
    },
    { keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  expect(vi.getTimerCount()).toBe(0);
  gate.resolve();
  expect(await readChunk(reader)).toBeUndefined();
});

test("DataStream runs the generator's finally, aborts ctx.signal and calls onClose once when the reader cancels", async () => {
  const events: string[] = [];
  let signal: AbortSignal | undefined;
  const onClose = vi.fn((reason: StreamClosedError) => events.push(`close:${reason.type}`));
  const stream = new DataStream(
    async function* (ctx) {
      signal = ctx.signal;
      try {
        for (let n = 0; ; n++) {
          yield n;
          await ctx.sleep(1);
        }
      } finally {
        events.push("finally");
      }
    },
    { onClose, keepAlive: 1_000 },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  await readChunk(reader);
  await reader.cancel(new Error("bye"));
  expect(events).toEqual(["finally", "close:client-gone"]);
  expect(onClose).toHaveBeenCalledTimes(1);
  expect(signal?.aborted).toBe(true);
  const reason = signal?.reason as StreamClosedError;
  expect(reason).toBeInstanceOf(StreamClosedError);
  expect(reason.type).toBe("client-gone");
  expect(reason.name).toBe("AbortError");
  expect((reason.cause as Error).message).toBe("bye");
});

test("request: DataStream ends with client-gone when the request's signal aborts", async () => {
  const client = new AbortController();
  const request = new Request("http://localhost/", { signal: client.signal });
  let finallyRan = false;
  const onClose = vi.fn();
  const stream = new DataStream(
    async function* ({ sleep }) {
      try {
        for (;;) {
          yield "tick";
          await sleep(5);
        }
      } finally {
        finallyRan = true;
      }
    },
    { request, onClose },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  expect(await readChunk(reader)).toBe("data: tick\n\n");
  client.abort();
  // The body ends quietly: erroring it would make servers that read it log the reason.
  expect(await reader.read()).toEqual({ done: true, value: undefined });
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect(finallyRan).toBe(true);
  expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("client-gone");
});

test("request: DataStream never starts the producer when the request is already aborted", async () => {
  const client = new AbortController();
  client.abort();
  const producer = vi.fn(async function* () {
    yield 1;
  });
  const onClose = vi.fn();
  const stream = new DataStream(producer, { request: { headers: new Headers(), signal: client.signal }, onClose });
  expect(await collectText(stream.toReadableStream())).toBe(":\n\n");
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect(producer).not.toHaveBeenCalled();
});

test("DataStream stops reading a pull source while the consumer does not read", async () => {
  let produced = 0;
  const stream = new DataStream(
    function* () {
      for (;;) {
        produced++;
        yield "x".repeat(100);
      }
    },
    { keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  await readChunk(reader);
  await flushMicrotasks(50);
  const afterOneRead = produced;
  // One chunk holds at most 16 KiB of frames: about 150 items of 108 bytes.
  expect(afterOneRead).toBeGreaterThan(1);
  expect(afterOneRead).toBeLessThan(200);
  await flushMicrotasks(50);
  expect(produced).toBe(afterOneRead);
  await readChunk(reader);
  expect(produced).toBeGreaterThan(afterOneRead);
  await reader.cancel();
});

test("DataStream writes items that are ready together as one chunk", async () => {
  const chunks = await collectChunks(
    new DataStream(
      async function* () {
        yield "a";
        yield "b";
        yield "c";
      },
      { keepAlive: false },
    ).toReadableStream(),
  );
  expect(chunks).toEqual([":\n\n", "data: a\n\ndata: b\n\ndata: c\n\n"]);
});

test("DataStream does not hold back a ready item while waiting for the next one", async () => {
  const gate = deferred();
  const stream = new DataStream(
    async function* () {
      yield "now";
      await gate.promise;
      yield "later";
    },
    { keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  expect(await readChunk(reader)).toBe("data: now\n\n");
  gate.resolve();
  expect(await readChunk(reader)).toBe("data: later\n\n");
});

test("push: DataStream writes items sent back-to-back as one chunk and ends when the producer resolves", async () => {
  const onClose = vi.fn();
  const chunks = await collectChunks(
    new DataStream(
      async (ctx: StreamContext) => {
        await ctx.sleep(1);
        ctx.send("a");
        ctx.send(Message.data("b").event("e"));
        ctx.send({ c: 1 });
      },
      { keepAlive: false, onClose },
    ).toReadableStream(),
  );
  expect(chunks).toEqual([":\n\n", 'data: a\n\nevent: e\ndata: b\n\ndata: {"c":1}\n\n']);
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("done");
});

test("push: DataStream stays open after a producer that returns nothing, until ctx.close()", async () => {
  let context: StreamContext | undefined;
  const stream = new DataStream(
    (ctx) => {
      context = ctx;
    },
    { keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  const pending = reader.read();
  context!.send("one");
  expect(new TextDecoder().decode((await pending).value)).toBe("data: one\n\n");
  context!.send("two");
  context!.close();
  expect(context!.signal.aborted).toBe(true);
  expect(await readChunk(reader)).toBe("data: two\n\n");
  expect(await readChunk(reader)).toBeUndefined();
  expect(context!.send("late")).toBe(false);
});

test("highWaterMark: send() returns false above it and ctx.ready resolves once the consumer reads", async () => {
  let context: StreamContext | undefined;
  const results: boolean[] = [];
  const stream = new DataStream(
    (ctx) => {
      context = ctx;
      for (let i = 0; i < 5; i++) results.push(ctx.send("x".repeat(10)));
    },
    { keepAlive: false, highWaterMark: 30 },
  ).toReadableStream();
  const reader = stream.getReader();
  // The first read starts the producer, which sends all five before the consumer reads them.
  expect(await readChunk(reader)).toBe(":\n\n");
  // Each frame is "data: " + 10 + "\n\n" = 18 code units: the second crosses 30.
  expect(results).toEqual([true, false, false, false, false]);
  expect(context!.desiredSize).toBe(30 - 5 * 18);
  let ready = false;
  void context!.ready.then(() => {
    ready = true;
  });
  await flushMicrotasks();
  expect(ready).toBe(false);
  expect(await readChunk(reader)).toBe("data: xxxxxxxxxx\n\n".repeat(5));
  await flushMicrotasks();
  expect(ready).toBe(true);
  expect(context!.desiredSize).toBe(30);
  await reader.cancel();
  await expect(context!.ready).rejects.toBeInstanceOf(StreamClosedError);
});

test("maxQueue: DataStream closes with overflow when a consumer stops reading, and memory stays bounded", async () => {
  const onClose = vi.fn();
  let accepted = 0;
  let signal: AbortSignal | undefined;
  const stream = new DataStream(
    async (ctx) => {
      signal = ctx.signal;
      const frame = "y".repeat(1_000);
      while (!ctx.signal.aborted) {
        ctx.send(frame);
        if (!ctx.signal.aborted) accepted++;
      }
    },
    { keepAlive: false, highWaterMark: 10_000, maxQueue: 100_000, onClose },
  );
  const reader = stream.toReadableStream().getReader();
  // The first read starts the producer; the consumer reads nothing more.
  expect(await readChunk(reader)).toBe(":\n\n");
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("overflow");
  expect((signal!.reason as StreamClosedError).type).toBe("overflow");
  // 1,008-unit frames under a 100,000 limit: the 100th crosses it.
  expect(accepted).toBe(99);
  await expect(reader.read()).rejects.toMatchObject({ type: "overflow" });
});

test("maxQueue: one pushed item longer than maxQueue is taken when nothing waits unread, and overflows on top of another", async () => {
  const big = "z".repeat(2_000);
  const results: boolean[] = [];
  const onClose = vi.fn();
  const stream = new DataStream(
    async (ctx) => {
      results.push(ctx.send(big)); // alone in the queue: taken, with backpressure
      await ctx.ready;
      results.push(ctx.send(big)); // the client read the first: alone again
      results.push(ctx.send(big)); // on top of one unread: overflow
    },
    { keepAlive: false, highWaterMark: 100, maxQueue: 1_000, onClose },
  );
  const reader = stream.toReadableStream().getReader();
  expect(await readChunk(reader)).toBe(":\n\n");
  expect(await readChunk(reader)).toBe(`data: ${big}\n\n`);
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect(results).toEqual([false, false, false]);
  expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("overflow");
});

test("DataStream reports a producer error to onError once, sends nothing of it, and closes cleanly", async () => {
  const failure = new Error("secret database password");
  const onError = vi.fn();
  const onClose = vi.fn();
  const text = await collectText(
    new DataStream(
      async function* () {
        yield "one";
        yield "two";
        throw failure;
      },
      { keepAlive: false, onError, onClose },
    ).toReadableStream(),
  );
  expect(text).toBe(":\n\ndata: one\n\ndata: two\n\n");
  expect(text).not.toContain("secret");
  expect(onError).toHaveBeenCalledTimes(1);
  expect(onError).toHaveBeenCalledWith(failure);
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  const reason = onClose.mock.calls[0]![0] as StreamClosedError;
  expect(reason.type).toBe("error");
  expect(reason.cause).toBe(failure);
});

test("onError: DataStream sends the Message onError returns as the last event", async () => {
  const text = await collectText(
    new DataStream(
      async (ctx: StreamContext) => {
        ctx.send("partial");
        throw new Error("boom");
      },
      { keepAlive: false, onError: () => Message.data("try again later").event("error") },
    ).toReadableStream(),
  );
  expect(text).toBe(":\n\ndata: partial\n\nevent: error\ndata: try again later\n\n");
});

test("onError: DataStream logs with console.error when no onError is given", async () => {
  const log = vi.spyOn(console, "error").mockImplementation(() => {});
  await collectText(
    new DataStream(
      async function* () {
        yield 1n;
      },
      { keepAlive: false },
    ).toReadableStream(),
  );
  expect(log).toHaveBeenCalledTimes(1);
  expect(String(log.mock.calls[0]![0])).toContain("edge-sse");
  expect(log.mock.calls[0]![1]).toBeInstanceOf(TypeError);
});

test("serialize: DataStream reports a serializer error through onError and closes", async () => {
  const onError = vi.fn();
  const text = await collectText(
    new DataStream([{ a: 1 }, { b: 2 }], {
      keepAlive: false,
      onError,
      serialize: (value) => {
        if ((value as { b?: number }).b === 2) throw new RangeError("cannot serialize b");
        return "ok";
      },
    }).toReadableStream(),
  );
  expect(text).toBe(":\n\ndata: ok\n\n");
  const error = onError.mock.calls[0]![0] as TypeError;
  expect(error).toEqual(new TypeError("Cannot encode message: `serialize` threw for an object (cannot serialize b)"));
  expect(error.cause).toBeInstanceOf(RangeError);
});

test("push: DataStream reports an item that cannot be encoded and send() returns false", async () => {
  const onError = vi.fn();
  let sent: boolean | undefined;
  const text = await collectText(
    new DataStream(
      async (ctx: StreamContext) => {
        ctx.send("fine");
        sent = ctx.send(undefined);
      },
      { keepAlive: false, onError },
    ).toReadableStream(),
  );
  expect(sent).toBe(false);
  expect(text).toBe(":\n\ndata: fine\n\n");
  expect(onError.mock.calls[0]![0]).toEqual(
    new TypeError("Cannot encode message: undefined has no event-stream form (send a string, a Message, or null)"),
  );
});

test("DataStream reports a cleanup error thrown after the client left, but not its own abort reason", async () => {
  const onError = vi.fn();
  const cleanupFailure = new Error("cleanup failed");
  const stream = new DataStream(
    async function* ({ sleep }) {
      try {
        yield "a";
        await sleep(60_000);
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the failure of a cleanup is what is tested
        throw cleanupFailure;
      }
    },
    { onError, keepAlive: false },
  ).toReadableStream();
  const reader = stream.getReader();
  await readChunk(reader);
  await readChunk(reader);
  await reader.cancel();
  expect(onError).toHaveBeenCalledTimes(1);
  expect(onError).toHaveBeenCalledWith(cleanupFailure);

  const quiet = vi.fn();
  const reader2 = new DataStream(
    async function* ({ sleep }) {
      yield "a";
      await sleep(60_000);
    },
    { onError: quiet, keepAlive: false },
  )
    .toReadableStream()
    .getReader();
  await readChunk(reader2);
  await readChunk(reader2);
  await reader2.cancel();
  expect(quiet).not.toHaveBeenCalled();
});

test("sleep: ctx.sleep rejects with the close reason once the stream ends, and rejects a bad delay", async () => {
  let context: StreamContext | undefined;
  const reader = new DataStream(
    (ctx) => {
      context = ctx;
    },
    { keepAlive: false },
  )
    .toReadableStream()
    .getReader();
  await readChunk(reader);
  await expect(context!.sleep(-1)).rejects.toThrow(
    new TypeError("Cannot sleep: `ms` must be a number from 0 to 2147483647 (got number -1)"),
  );
  const sleeping = context!.sleep(60_000);
  await reader.cancel();
  await expect(sleeping).rejects.toBe(context!.signal.reason);
  await expect(context!.sleep(1)).rejects.toBe(context!.signal.reason);
});

test("DataStream sends what a producer sent before it returned an iterable first, then what it yields", async () => {
  const text = await collectText(
    new DataStream(
      (ctx) => {
        ctx.send("sent 1");
        ctx.send(Message.data("sent 2").id("2"));
        return ["yielded 3", "yielded 4"];
      },
      { keepAlive: false },
    ).toReadableStream(),
  );
  expect(parseWire(text).events.map((event) => event.data)).toEqual(["sent 1", "sent 2", "yielded 3", "yielded 4"]);
});

test("DataStream throws when ctx.send() is called by a producer that returned an iterable", async () => {
  let error: unknown;
  await collectText(
    new DataStream(
      async function* (ctx) {
        try {
          ctx.send("x");
        } catch (caught) {
          error = caught;
        }
        yield "y";
      },
      { keepAlive: false },
    ).toReadableStream(),
  );
  expect(error).toEqual(
    new TypeError("Cannot send: this producer returned an iterable, so yield items instead of calling ctx.send()"),
  );
});

test("DataStream reads a ReadableStream source and cancels it when the client leaves", async () => {
  const cancelled = vi.fn();
  const source = new ReadableStream<string>({
    start(controller) {
      controller.enqueue("from a stream");
    },
    cancel: cancelled,
  });
  const reader = new DataStream(source, { keepAlive: false }).toReadableStream().getReader();
  await readChunk(reader);
  expect(await readChunk(reader)).toBe("data: from a stream\n\n");
  await reader.cancel("gone");
  expect(cancelled).toHaveBeenCalledTimes(1);
  expect((cancelled.mock.calls[0]![0] as StreamClosedError).type).toBe("client-gone");
});

test("DataStream awaits promises yielded by a plain iterable, like for await", async () => {
  const text = await collectText(
    new DataStream([Promise.resolve("a"), "b", Promise.resolve({ c: 3 })], { keepAlive: false }).toReadableStream(),
  );
  expect(parseWire(text).events.map((e) => e.data)).toEqual(["a", "b", '{"c":3}']);
});

test("DataStream reports a producer that returns something it cannot stream", async () => {
  const onError = vi.fn();
  await collectText(
    new DataStream((() => 42) as unknown as () => void, { keepAlive: false, onError }).toReadableStream(),
  );
  expect(onError.mock.calls[0]![0]).toEqual(
    new TypeError(
      "Cannot run DataStream: the producer must return an iterable, a ReadableStream, a promise or nothing (got number 42)",
    ),
  );
});

test("DataStream sends bytes as base64 data", async () => {
  const text = await collectText(
    new DataStream([new Uint8Array([104, 105, 0, 255])], { keepAlive: false }).toReadableStream(),
  );
  expect(text).toBe(":\n\ndata: aGkA/w==\n\n");
});

test("lastEventId: ctx.lastEventId comes from the option, else the request's Last-Event-ID header", async () => {
  const seen: Array<string | undefined> = [];
  const producer = async function* (ctx: StreamContext) {
    seen.push(ctx.lastEventId);
    yield "x";
  };
  const request = new Request("http://localhost/", { headers: { "last-event-id": "41" } });
  await collectText(new DataStream(producer, { request }).toReadableStream());
  await collectText(new DataStream(producer, { request, lastEventId: "99" }).toReadableStream());
  await collectText(new DataStream(producer, { request: { headers: { "last-event-id": "7" } } }).toReadableStream());
  await collectText(new DataStream(producer).toReadableStream());
  expect(seen).toEqual(["41", "99", "7", undefined]);
});

test("DataStream reads an async iterator whose next() returns foreign thenables", async () => {
  let n = 0;
  const iterator = {
    next: () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable step is what is tested
      then(resolve: (step: IteratorResult<string>) => void) {
        n++;
        resolve(n <= 2 ? { done: false, value: `t${n}` } : { done: true, value: undefined });
      },
    }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const text = await collectText(
    new DataStream(iterator as unknown as AsyncIterable<string>, { keepAlive: false }).toReadableStream(),
  );
  expect(text).toBe(":\n\ndata: t1\n\ndata: t2\n\n");
});

test("push: DataStream writes a chunk at the budget while a producer keeps sending between microtasks", async () => {
  const onClose = vi.fn();
  const frame = "x".repeat(100);
  const text = await collectText(
    new DataStream(
      async (ctx: StreamContext) => {
        // Start once the pull is waiting on an empty queue; from then on the runtime is never idle: each
        // send is one microtask after the last, 540 KB in all against a 100 KB limit.
        await ctx.sleep(1);
        for (let i = 0; i < 5_000; i++) {
          ctx.send(frame);
          await undefined;
        }
      },
      { keepAlive: false, highWaterMark: 50_000, maxQueue: 100_000, onClose },
    ).toReadableStream(),
  );
  expect(parseWire(text).events).toHaveLength(5_000);
  await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("done");
});
