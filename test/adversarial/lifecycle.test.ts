// Attempts to make something outlive its stream: bodies built and dropped unread, responses the
// platform refuses, producers stuck in cleanup, timers past their limit, headers lost in a merge,
// forged messages from onError, listeners left on a signal that outlives the stream.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, test, vi } from "vitest";
import { DataStream, Message, StreamClosedError, type StreamContext } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { collectChunks, collectText, readChunk } from "../helpers/collect.ts";
import { flushMicrotasks } from "../helpers/deferred.ts";
import { parseWire } from "../helpers/event-reader.ts";
import { activeTimers, CollectionCounter } from "../helpers/resources.ts";
import { serveNode } from "../helpers/serve-node.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const MAX_TIMER_MS = 2 ** 31 - 1;
const never = new Promise<never>(() => {});

/** A request whose signal is `signal`, as Node's bridge and servers hand one over: no Request made. */
const requestWith = (signal: AbortSignal, headers: Record<string, string> = {}) => ({
  headers: new Headers(headers),
  signal,
});

describe("a body that is never read", () => {
  test("DataStream leaves no timer, no listener and no running producer when 2,000 responses are built and dropped unread", async () => {
    const client = new AbortController(); // outlives every stream, as a server's shutdown signal does
    const timersBefore = activeTimers();
    const counter = new CollectionCounter();
    let producerStarts = 0;
    (() => {
      for (let i = 0; i < 2_000; i++) {
        const response = new DataStream(
          (ctx: StreamContext) => {
            producerStarts++;
            return (async function* () {
              for (;;) {
                yield "tick";
                await ctx.sleep(1_000);
              }
            })();
          },
          { request: requestWith(client.signal) },
        ).toResponse();
        counter.watch(response);
      }
    })();
    await flushMicrotasks();
    expect(producerStarts).toBe(0);
    expect(activeTimers()).toBe(timersBefore);
    expect(getEventListeners(client.signal, "abort")).toHaveLength(0);
    // Nothing holds them: every response, its body and its producer's closure can be collected.
    await counter.until(2_000);
    expect(counter.collected).toBe(2_000);
  });

  test("DataStream starts its producer, its keep-alive timer and its request listener at the first read", async () => {
    const client = new AbortController();
    const timersBefore = activeTimers();
    let producerStarts = 0;
    const response = new DataStream(
      () => {
        producerStarts++;
        return ["a"];
      },
      { request: requestWith(client.signal) },
    ).toResponse();
    await flushMicrotasks();
    expect([producerStarts, activeTimers() - timersBefore, getEventListeners(client.signal, "abort").length]).toEqual([
      0, 0, 0,
    ]);
    const reader = response.body!.getReader();
    expect(await readChunk(reader)).toBe(":\n\n");
    expect([producerStarts, activeTimers() - timersBefore, getEventListeners(client.signal, "abort").length]).toEqual([
      1, 1, 1,
    ]);
    expect(await readChunk(reader)).toBe("data: a\n\n");
    expect(await readChunk(reader)).toBeUndefined();
    expect([activeTimers() - timersBefore, getEventListeners(client.signal, "abort").length]).toEqual([0, 0]);
  });

  test("Channel never joins a subscriber whose response is built and dropped unread", async () => {
    const onJoin = vi.fn();
    const channel = new Channel({ onJoin });
    const timersBefore = activeTimers();
    const counter = new CollectionCounter();
    for (let i = 0; i < 2_000; i++) counter.watch(await channel.response());
    await channel.publish("nobody reads this");
    expect(channel.subscriberCount).toBe(0);
    expect(onJoin).not.toHaveBeenCalled();
    expect(activeTimers()).toBe(timersBefore);
    await counter.until(2_000);
    await channel.close();
  });

  test("DataStream never runs its producer when the request's signal aborts after the response is made and before the first read", async () => {
    const client = new AbortController();
    const producer = vi.fn(async function* () {
      yield "never";
    });
    const onClose = vi.fn();
    const response = new DataStream(producer, { request: requestWith(client.signal), onClose }).toResponse();
    client.abort(new Error("gone before reading"));
    expect(await response.text()).toBe(":\n\n");
    await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(producer).not.toHaveBeenCalled();
    expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("client-gone");
  });

  test("DataStream calls onClose and cancels a ReadableStream source when its body is cancelled before the first read", async () => {
    const cancelled = vi.fn();
    const onClose = vi.fn();
    const source = new ReadableStream({ cancel: cancelled });
    const body = new DataStream(source, { onClose }).toReadableStream();
    await body.cancel("changed my mind");
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect((cancelled.mock.calls[0]![0] as StreamClosedError).type).toBe("client-gone");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  test("DataStream sends what a push producer sends while it starts after the first bytes, and in one chunk", async () => {
    const chunks = await collectChunks(
      new DataStream(
        (ctx: StreamContext) => {
          ctx.send("a");
          ctx.send(Message.data("b").id("2"));
          ctx.close();
        },
        { retry: 100, keepAlive: false },
      ).toReadableStream(),
    );
    expect(chunks).toEqual(["retry: 100\n\n", "data: a\n\nid: 2\ndata: b\n\n"]);
    expect(parseWire(chunks).events.map((event) => event.data)).toEqual(["a", "b"]);
  });

  test("DataStream gives a producer that starts at the first read the request's Last-Event-ID", async () => {
    const seen: Array<string | undefined> = [];
    const response = new DataStream(
      async function* ({ lastEventId }) {
        seen.push(lastEventId);
        yield "x";
      },
      { request: { headers: { "last-event-id": "41" } }, keepAlive: false },
    ).toResponse();
    expect(seen).toEqual([]);
    expect(await response.text()).toBe(":\n\ndata: x\n\n");
    expect(seen).toEqual(["41"]);
  });
});

describe("toResponse with an init that Response refuses", () => {
  const refusedStatuses = [204, 205, 304, 101, 103, 199, 600, 0, -1, 65_736, 200.5, Number.NaN, "200", null];

  test("toResponse throws a TypeError naming init.status before anything starts, and the DataStream stays unread", async () => {
    for (const status of refusedStatuses) {
      let producerStarts = 0;
      const timersBefore = activeTimers();
      const stream = new DataStream(
        () => {
          producerStarts++;
          return ["after the fix"];
        },
        { keepAlive: 1_000 },
      );
      expect(() => stream.toResponse({ status } as ResponseInit)).toThrow(
        /^Cannot make a Response: `init.status` must be an integer from 200 to 599, not 204, 205 or 304 \(got /,
      );
      await flushMicrotasks();
      expect([status, producerStarts, activeTimers() - timersBefore]).toEqual([status, 0, 0]);
      // Refused before the body was made: the same DataStream still makes a response.
      const text = await stream.toResponse({ status: 202 }).text();
      expect(text).toBe(":\n\ndata: after the fix\n\n");
    }
    expect(() => new DataStream([]).toResponse({ status: 204 })).toThrow(
      new TypeError(
        "Cannot make a Response: `init.status` must be an integer from 200 to 599, not 204, 205 or 304 (got number 204)",
      ),
    );
  });

  test("toResponse throws a TypeError naming init.statusText when it is not a reason phrase", () => {
    for (const statusText of ["a\nb", "split\r\nx-injected: 1", "€", "\0", 5]) {
      expect(() => new DataStream([]).toResponse({ statusText } as ResponseInit)).toThrow(
        /^Cannot make a Response: `init.statusText` must be Latin-1 without control characters \(got /,
      );
    }
    expect(() => new DataStream([]).toResponse({ statusText: "a\nb" })).toThrow(
      new TypeError(
        'Cannot make a Response: `init.statusText` must be Latin-1 without control characters (got "a\\nb")',
      ),
    );
  });

  test("toResponse refuses exactly the integer statuses and string status texts that Response refuses with a body", async () => {
    const texts = ["", "OK", "Très bien", "tab\there", "~", "\x7f", "\x80", "\xff", "Ā", "€", "a\rb", "😀"];
    const mismatches: string[] = [];
    for (let status = 0; status <= 1_000; status++) {
      const ours = throws(() => new DataStream([]).toResponse({ status }));
      const platform = throws(() => new Response("body", { status }));
      if (ours !== platform) mismatches.push(`status ${status}: ours ${ours}, Response ${platform}`);
    }
    for (const statusText of texts) {
      const ours = throws(() => new DataStream([]).toResponse({ statusText }));
      const platform = throws(() => new Response("body", { statusText }));
      if (ours !== platform)
        mismatches.push(`statusText ${JSON.stringify(statusText)}: ours ${ours}, Response ${platform}`);
    }
    expect(mismatches).toEqual([]);
  });
});

/** Whether `fn` throws; a response it makes is cancelled. */
function throws(fn: () => Response): boolean {
  try {
    void fn().body?.cancel();
    return false;
  } catch {
    return true;
  }
}

describe("a producer that does not finish when its stream ends", () => {
  const stuckMessage = (ms: number): string =>
    `DataStream: the producer did not finish within ${ms} ms of the stream's end`;

  /** Cancels after reading `reads` chunks, and tracks when cancel() settles. */
  async function cancelAfter(
    body: ReadableStream<Uint8Array>,
    reads: number,
  ): Promise<{ settled(): boolean; done: Promise<void> }> {
    const reader = body.getReader();
    for (let i = 0; i < reads; i++) await readChunk(reader);
    let settled = false;
    const done = reader.cancel("bye").then(() => {
      settled = true;
    });
    return { settled: () => settled, done };
  }

  test("DataStream reports a generator stuck in an await that ignores ctx.signal, then calls onClose and settles cancel(), after cleanupTimeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const onError = vi.fn();
    const onClose = vi.fn();
    const body = new DataStream(
      async function* () {
        yield "a";
        await never; // ignores ctx.signal
      },
      { keepAlive: false, cleanupTimeout: 1_000, onError, onClose },
    ).toReadableStream();
    const cancel = await cancelAfter(body, 2);
    await vi.advanceTimersByTimeAsync(999);
    expect([cancel.settled(), onClose.mock.calls.length, onError.mock.calls.length]).toEqual([false, 0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    await cancel.done;
    expect(onError.mock.calls).toEqual([[new Error(stuckMessage(1_000))]]);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect((onClose.mock.calls[0]![0] as StreamClosedError).type).toBe("client-gone");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("DataStream bounds the wait for a generator whose finally never settles, by default 5,000 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const onError = vi.fn();
    const onClose = vi.fn();
    const body = new DataStream(
      async function* () {
        try {
          yield "a";
          yield "b";
        } finally {
          await never;
        }
      },
      { keepAlive: false, onError, onClose },
    ).toReadableStream();
    const cancel = await cancelAfter(body, 2);
    await vi.advanceTimersByTimeAsync(4_999);
    expect([cancel.settled(), onClose.mock.calls.length]).toEqual([false, 0]);
    await vi.advanceTimersByTimeAsync(1);
    await cancel.done;
    expect(onError.mock.calls).toEqual([[new Error(stuckMessage(5_000))]]);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  test("DataStream bounds the wait for a ReadableStream source whose cancel never settles", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const onError = vi.fn();
    const onClose = vi.fn();
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("a");
      },
      cancel: () => never,
    });
    const body = new DataStream(source, { keepAlive: false, cleanupTimeout: 250, onError, onClose }).toReadableStream();
    const cancel = await cancelAfter(body, 2);
    await vi.advanceTimersByTimeAsync(250);
    await cancel.done;
    expect(onError.mock.calls).toEqual([[new Error(stuckMessage(250))]]);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("DataStream reports a stuck cleanup even after it reported the error that ended the stream", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const onError = vi.fn();
    const onClose = vi.fn();
    const failure = new RangeError("cannot serialize");
    const body = new DataStream(
      async function* () {
        try {
          yield { bad: true };
        } finally {
          await never;
        }
      },
      {
        keepAlive: false,
        cleanupTimeout: 100,
        onError,
        onClose,
        serialize: () => {
          throw failure;
        },
      },
    ).toReadableStream();
    const reading = collectText(body);
    await vi.advanceTimersByTimeAsync(100);
    expect(await reading).toBe(":\n\n");
    await vi.waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(onError).toHaveBeenCalledTimes(2);
    expect((onError.mock.calls[0]![0] as TypeError).cause).toBe(failure);
    expect(onError.mock.calls[1]).toEqual([new Error(stuckMessage(100))]);
  });

  test("DataStream leaves no timer and reports nothing when the producer's cleanup finishes in time", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const onError = vi.fn();
    const onClose = vi.fn();
    const body = new DataStream(
      async function* ({ sleep }) {
        try {
          yield "a";
          await sleep(60_000);
        } finally {
          await Promise.resolve();
        }
      },
      { keepAlive: false, onError, onClose },
    ).toReadableStream();
    const cancel = await cancelAfter(body, 2);
    await cancel.done;
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onError).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("delays past the longest timer", () => {
  test("ctx.sleep refuses a delay past 2^31 - 1 ms, which a timer would fire at once, and starts no timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
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
    for (const ms of [2 ** 31, 30 * 86_400_000, Infinity]) {
      await expect(context!.sleep(ms)).rejects.toThrow(
        new TypeError(`Cannot sleep: \`ms\` must be a number from 0 to 2147483647 (got number ${ms})`),
      );
    }
    expect(vi.getTimerCount()).toBe(0);
    await reader.cancel();
  });

  test("ctx.sleep waits the whole of the longest delay a timer takes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
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
    let woke = false;
    void context!.sleep(MAX_TIMER_MS).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(true);
    await reader.cancel();
  });

  test("DataStream refuses a keepAlive or cleanupTimeout past the longest timer, which would fire at once", () => {
    expect(() => new DataStream([], { keepAlive: 2 ** 31 })).toThrow(
      new TypeError(
        "Cannot create DataStream: `keepAlive` must be a positive number of milliseconds up to 2147483647, or false (got number 2147483648)",
      ),
    );
    expect(() => new DataStream([], { cleanupTimeout: 30 * 86_400_000 })).toThrow(
      new TypeError(
        "Cannot create DataStream: `cleanupTimeout` must be a positive number of milliseconds up to 2147483647 (got number 2592000000)",
      ),
    );
  });

  test("DataStream pings after keepAlive ms at the longest timer delay, not at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const reader = new DataStream(
      // biome-ignore lint/correctness/useYield: a source that only waits is what is tested
      async function* ({ sleep }) {
        await sleep(MAX_TIMER_MS);
        await sleep(MAX_TIMER_MS);
      },
      { keepAlive: MAX_TIMER_MS },
    )
      .toReadableStream()
      .getReader();
    expect(await readChunk(reader)).toBe(":\n\n");
    const next = readChunk(reader);
    let got: string | undefined;
    void next.then((text) => {
      got = text;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(got).toBeUndefined();
    // The ping leaves at most an eighth of the interval late (where streams share a keep-alive clock).
    await vi.advanceTimersByTimeAsync(Math.ceil(MAX_TIMER_MS / 8) + 1);
    expect(await next).toBe(": ping\n\n");
    await reader.cancel();
  });
});

describe("Set-Cookie through the header merge", () => {
  const optionCookies: HeadersInit = [
    ["set-cookie", "a=1; Path=/"],
    ["Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"],
    ["x-kept", "options"],
  ];
  const initCookies = new Headers([
    ["set-cookie", "c=3"],
    ["set-cookie", "d=4; HttpOnly"],
    ["x-kept", "init"],
  ]);
  const all = ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT", "c=3", "d=4; HttpOnly"];

  test("toResponse keeps every Set-Cookie of options.headers and init.headers, and later layers still win for other headers", () => {
    const response = new DataStream([], { headers: optionCookies }).toResponse({ headers: initCookies });
    expect(response.headers.getSetCookie()).toEqual(all);
    expect(response.headers.get("x-kept")).toBe("init");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    void response.body?.cancel();
    const optionsOnly = new DataStream([], { headers: optionCookies }).toResponse();
    expect(optionsOnly.headers.getSetCookie()).toEqual(all.slice(0, 2));
    void optionsOnly.body?.cancel();
    const initOnly = new DataStream([]).toResponse({ headers: initCookies });
    expect(initOnly.headers.getSetCookie()).toEqual(all.slice(2));
    void initOnly.body?.cancel();
  });

  test("toResponse sends every Set-Cookie over HTTP through edge-sse/node", async () => {
    const server = await serveNode(() =>
      new DataStream(["x"], { headers: optionCookies, keepAlive: false }).toResponse({ headers: initCookies }),
    );
    try {
      const response = await fetch(server.url);
      expect(response.headers.getSetCookie()).toEqual(all);
      expect(await response.text()).toBe(":\n\ndata: x\n\n");
    } finally {
      await server.close();
    }
  });
});

describe("a Message returned by onError", () => {
  const brand = Symbol.for("edge-sse.Message");
  const fields = (init: Record<string, unknown>) => ({
    data: undefined,
    event: undefined,
    id: undefined,
    retry: undefined,
    comment: undefined,
    ...init,
  });

  async function replyOf(reply: unknown, onErrorCalls: unknown[][] = []): Promise<string> {
    return collectText(
      new DataStream(
        async function* () {
          yield "before";
          throw new Error("boom");
        },
        {
          keepAlive: false,
          onError: (error) => {
            onErrorCalls.push([error]);
            return onErrorCalls.length === 1 ? (reply as Message) : undefined;
          },
        },
      ).toReadableStream(),
    );
  }

  test("DataStream sends nothing of a forged Message whose fields would inject an event, and reports why", async () => {
    const calls: unknown[][] = [];
    const forged = { [brand]: true, fields: fields({ event: "x\ndata: injected\n\nevent: evil", data: "y" }) };
    const text = await replyOf(forged, calls);
    expect(text).toBe(":\n\ndata: before\n\n");
    expect(parseWire(text).events.map((event) => event.data)).toEqual(["before"]);
    expect(calls).toHaveLength(2);
    expect(calls[1]![0]).toEqual(
      new TypeError(
        'Cannot create message: `event` must not contain a line break (got "x\\ndata: injected\\n\\nevent: evil")',
      ),
    );
  });

  test("DataStream sends nothing of a forged Message with a bad id, retry or unknown field, and reports each", async () => {
    for (const bad of [
      fields({ id: "1\r2", data: "x" }),
      fields({ retry: -1, data: "x" }),
      { data: "x", extra: "field" },
      fields({}),
    ]) {
      const calls: unknown[][] = [];
      expect(await replyOf({ [brand]: true, fields: bad }, calls)).toBe(":\n\ndata: before\n\n");
      expect(calls).toHaveLength(2);
      expect(calls[1]![0]).toBeInstanceOf(TypeError);
    }
  });

  test("DataStream reports a forged Message whose fields getter throws, and sends nothing of it", async () => {
    const calls: unknown[][] = [];
    const broken = {
      [brand]: true,
      get fields(): never {
        throw new Error("no fields");
      },
    };
    expect(await replyOf(broken, calls)).toBe(":\n\ndata: before\n\n");
    expect(calls[1]).toEqual([new Error("no fields")]);
  });

  test("DataStream sends a valid Message of another copy of the library that onError returns, checked like an item", async () => {
    const other = { [brand]: true, fields: fields({ event: "error", data: "try again\nlater" }) };
    expect(await replyOf(other)).toBe(":\n\ndata: before\n\nevent: error\ndata: try again\ndata: later\n\n");
  });
});

describe("listeners and waiters that could outlive their stream", () => {
  test("DataStream takes its listener off a long-lived request signal when each stream ends, however it ends", async () => {
    const shutdown = new AbortController();
    const request = requestWith(shutdown.signal);
    await collectText(new DataStream(["done"], { request }).toReadableStream());
    const cancelled = new DataStream(
      async function* ({ sleep }) {
        yield "a";
        await sleep(60_000);
      },
      { request },
    )
      .toReadableStream()
      .getReader();
    await readChunk(cancelled);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
    await cancelled.cancel();
    await collectText(
      new DataStream(
        async function* () {
          yield "x";
          throw new Error("failed");
        },
        { request, onError: () => {} },
      ).toReadableStream(),
    );
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
  });

  test("DataStream refuses a request signal it could not take its listener off again", () => {
    const signal = { aborted: false, addEventListener: () => {} };
    expect(() => new DataStream([], { request: { headers: {}, signal: signal as unknown as AbortSignal } })).toThrow(
      new TypeError("Cannot create DataStream: `request.signal` must be an AbortSignal (got an object)"),
    );
  });

  test("ctx.ready and ctx.sleep waiters reject, and the pending read ends, when the body is cancelled", async () => {
    let context: StreamContext | undefined;
    const reader = new DataStream(
      (ctx) => {
        context = ctx;
        ctx.send("x".repeat(100));
      },
      { keepAlive: false, highWaterMark: 10 },
    )
      .toReadableStream()
      .getReader();
    await readChunk(reader);
    const ready = context!.ready;
    const sleeping = context!.sleep(60_000);
    await reader.cancel();
    await expect(ready).rejects.toBeInstanceOf(StreamClosedError);
    await expect(sleeping).rejects.toBeInstanceOf(StreamClosedError);
    expect(await reader.closed).toBeUndefined();
  });
});
