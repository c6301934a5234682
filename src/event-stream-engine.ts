/**
 * Drives one event stream: reads the source as the consumer reads, batches items that are ready
 * into one chunk, sends keep-alive pings while idle, and ends everything through one idempotent
 * close path.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#server-sent-events
 */
import type { Producer, Source, StreamContext } from "./types.ts";
import type { ResolvedOptions } from "./resolve-options.ts";
import { encodeMessage } from "./encode-message.ts";
import { formatFrame } from "./frame.ts";
import { Message } from "./message.ts";
import { KeepAlive } from "./keep-alive.ts";
import { PushQueue } from "./push-queue.ts";
import { StreamClosedError } from "./stream-closed-error.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import { describeValue } from "./describe-value.ts";
import { isThenable, toItemIterator, type ItemIterator, type Step } from "./item-iterator.ts";

const encoder = new TextEncoder();
/** A chunk stops growing past this many code units; the rest waits for the next read. */
const CHUNK_BUDGET = 16_384;
/** How many microtask turns a source may take for its next item to count as "ready now". */
const READY_TURNS = 4;
/** The first bytes, sent at once so that proxies pass the headers on and `open` fires. [spec] a comment. */
const FIRST_BYTES = ":\n\n";
const PING = ": ping\n\n";
const CONTEXT = "Cannot run DataStream";

const NOT_READY = Symbol("not ready");
class Failure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}
type Outcome = Step | Failure | typeof NOT_READY;

/** Makes the byte stream of one `DataStream`. */
export function createEventStream(source: Source, options: ResolvedOptions): ReadableStream<Uint8Array> {
  const engine = new EventStreamEngine(source, options);
  return new ReadableStream<Uint8Array>(
    {
      start: (controller) => engine.start(controller),
      pull: () => engine.pull(),
      cancel: (reason) => engine.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

class EventStreamEngine {
  readonly #source: Source;
  readonly #options: ResolvedOptions;
  readonly #abort = new AbortController();
  readonly #queue: PushQueue;
  readonly #context: StreamContext;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #mode: "starting" | "pull" | "push" = "starting";
  #iterator: ItemIterator | undefined;
  #iteratorDone = false;
  /** A `next()` already asked for but not settled when the last chunk was written (lookahead of one). */
  #pending: Promise<Step> | undefined;
  /** The last `next()` asked for: after a disconnect, a generator's cleanup error surfaces here. */
  #inflight: Promise<Step> | undefined;
  /** Frames read in the current pull and not written yet. */
  #batch = "";
  #pullWaiter: (() => void) | undefined;
  #flushScheduled = false;
  #keepAlive: KeepAlive | undefined;
  #removeRequestListener: (() => void) | undefined;
  #closed = false;
  #cleanup: Promise<void> | undefined;
  #errorReported = false;

  constructor(source: Source, options: ResolvedOptions) {
    this.#source = source;
    this.#options = options;
    this.#queue = new PushQueue(options.highWaterMark);
    const queue = this.#queue;
    const signal = this.#abort.signal;
    this.#context = {
      send: (item) => this.#send(item),
      close: () => void this.#finish(new StreamClosedError("done")),
      signal,
      lastEventId: options.lastEventId,
      sleep: (ms) => abortableSleep(ms, signal),
      get ready() {
        return queue.ready;
      },
      get desiredSize() {
        return queue.desiredSize;
      },
    };
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    const { retry, keepAlive, request } = this.#options;
    this.#write(retry === undefined ? FIRST_BYTES : `retry: ${retry}\n\n`);
    const signal = request?.signal;
    if (signal) {
      const onAbort = (): void => void this.#finish(new StreamClosedError("client-gone", signal.reason));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#removeRequestListener = () => signal.removeEventListener("abort", onAbort);
    }
    if (keepAlive !== false) this.#keepAlive = new KeepAlive(keepAlive, () => this.#ping());
    this.#startSource();
  }

  pull(): Promise<void> | void {
    if (this.#closed) return;
    if (this.#queue.size > 0) return this.#write(this.#queue.drain());
    if (this.#mode === "pull") return this.#pullItems(this.#iterator!);
    return new Promise((resolve) => {
      this.#pullWaiter = resolve;
    });
  }

  cancel(reason: unknown): Promise<void> {
    return this.#finish(new StreamClosedError("client-gone", reason));
  }

  #startSource(): void {
    let source: unknown = this.#source;
    if (typeof source === "function") {
      try {
        source = (source as Producer)(this.#context);
      } catch (error) {
        return this.#fail(error);
      }
    }
    let iterator: ItemIterator | undefined;
    try {
      iterator = toItemIterator(source, CONTEXT);
    } catch (error) {
      return this.#fail(error);
    }
    if (iterator !== undefined) {
      this.#iterator = iterator;
      this.#mode = "pull";
    } else if (isThenable(source)) {
      this.#mode = "push";
      source.then(
        () => void this.#finish(new StreamClosedError("done")),
        (error: unknown) => this.#fail(error),
      );
    } else if (source === undefined) {
      this.#mode = "push";
    } else {
      this.#fail(new TypeError(
        `${CONTEXT}: the producer must return an iterable, a ReadableStream, a promise or nothing (got ${describeValue(source)})`,
      ));
    }
  }

  /** Reads every item that is ready, up to the chunk budget, and writes them as one chunk. */
  async #pullItems(iterator: ItemIterator): Promise<void> {
    let outcome = await this.#next(iterator, true);
    for (;;) {
      if (this.#closed) return;
      if (outcome === NOT_READY) break;
      if (outcome instanceof Failure) return this.#fail(outcome.error);
      if (outcome.done) {
        this.#iteratorDone = true;
        return void this.#finish(new StreamClosedError("done"));
      }
      try {
        this.#batch += encodeMessage(outcome.value, this.#options.serialize);
      } catch (error) {
        return this.#fail(error);
      }
      if (this.#batch.length >= CHUNK_BUDGET) break;
      const next = this.#next(iterator, false);
      outcome = next instanceof Promise ? await next : next;
    }
    const text = this.#batch;
    this.#batch = "";
    this.#write(text);
  }

  /**
   * The source's next outcome. With `wait`, waits for it; without, gives it a few microtask turns
   * and otherwise keeps it as the lookahead for the next pull.
   */
  #next(iterator: ItemIterator, wait: boolean): Outcome | Promise<Outcome> {
    let promise = this.#pending;
    this.#pending = undefined;
    if (promise === undefined) {
      let result: Step | PromiseLike<Step>;
      try {
        result = iterator.next();
      } catch (error) {
        return new Failure(error);
      }
      if (!isThenable(result)) return result;
      promise = Promise.resolve(result);
      this.#inflight = promise;
    }
    if (wait) return promise.then((step) => step, (error: unknown) => new Failure(error));
    return this.#settlesSoon(promise);
  }

  async #settlesSoon(promise: Promise<Step>): Promise<Outcome> {
    let outcome: Outcome = NOT_READY;
    promise.then((step) => { outcome = step; }, (error: unknown) => { outcome = new Failure(error); });
    for (let turn = 0; turn < READY_TURNS && outcome === NOT_READY; turn++) await undefined;
    if (outcome === NOT_READY) this.#pending = promise;
    return outcome;
  }

  #send(item: unknown): boolean {
    if (this.#mode === "pull") {
      throw new TypeError("Cannot send: this producer returned an iterable, so yield items instead of calling ctx.send()");
    }
    if (this.#closed) return false;
    let frame: string;
    try {
      frame = encodeMessage(item, this.#options.serialize);
    } catch (error) {
      this.#fail(error);
      return false;
    }
    this.#queue.push(frame);
    if (this.#queue.size > this.#options.bufferLimit) {
      void this.#finish(new StreamClosedError("overflow"));
      return false;
    }
    if (this.#pullWaiter !== undefined && !this.#flushScheduled) {
      // Wait one microtask so that items sent back-to-back leave as one chunk.
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
    return this.#queue.size <= this.#queue.highWaterMark;
  }

  #flush = (): void => {
    this.#flushScheduled = false;
    const waiter = this.#pullWaiter;
    if (waiter === undefined || this.#closed) return;
    this.#pullWaiter = undefined;
    this.#write(this.#queue.drain());
    waiter();
  };

  #ping(): void {
    // A chunk still waiting to be read means the consumer is stalled, not idle: add nothing.
    if ((this.#controller?.desiredSize ?? -1) >= 0) this.#write(PING);
  }

  #write(text: string): void {
    if (text === "") return;
    try {
      this.#controller!.enqueue(encoder.encode(text));
    } catch (error) {
      void this.#finish(new StreamClosedError("client-gone", error));
      return;
    }
    this.#keepAlive?.touch();
  }

  /** Reports a producer or serializer error, sends what `onError` returns, and ends the stream. */
  #fail(error: unknown): void {
    if (this.#closed) return this.#reportLate(error);
    const reply = this.#reportError(error);
    void this.#finish(new StreamClosedError("error", error), reply === undefined ? "" : formatFrame(reply.fields));
  }

  #reportError(error: unknown): Message | undefined {
    if (this.#errorReported) return undefined;
    this.#errorReported = true;
    try {
      const reply = this.#options.onError(error);
      return Message.isMessage(reply) ? reply : undefined;
    } catch {
      return undefined; // [documented] an onError that throws has nowhere left to report to
    }
  }

  /** An error after the end: our own close reason is expected (sleep, ready, fetch rejecting with it). */
  #reportLate(error: unknown): void {
    if (error !== this.#abort.signal.reason) this.#reportError(error);
  }

  /**
   * The one close path. Writes what is left (on a normal end or an error) or errors the body (client
   * gone, overflow), stops the timer, aborts `ctx.signal`, then stops the source, awaiting its cleanup,
   * and calls `onClose`. Later calls return the same promise.
   */
  #finish(reason: StreamClosedError, tail = ""): Promise<void> {
    if (this.#cleanup !== undefined) return this.#cleanup;
    this.#closed = true;
    this.#keepAlive?.stop();
    this.#removeRequestListener?.();
    this.#queue.close(reason);
    const rest = this.#queue.drain() + this.#batch + tail;
    this.#batch = "";
    const controller = this.#controller!;
    try {
      if (reason.type === "done" || reason.type === "error") {
        if (rest !== "") controller.enqueue(encoder.encode(rest));
        controller.close();
      } else {
        controller.error(reason);
      }
    } catch {
      // The consumer cancelled the body first: nothing is left to write to.
    }
    const waiter = this.#pullWaiter;
    this.#pullWaiter = undefined;
    waiter?.();
    this.#cleanup = Promise.resolve().then(() => this.#stopSource(reason));
    this.#abort.abort(reason);
    return this.#cleanup;
  }

  async #stopSource(reason: StreamClosedError): Promise<void> {
    if (this.#iterator !== undefined && !this.#iteratorDone) {
      const inflight = this.#inflight;
      try {
        await this.#iterator.return(reason);
      } catch (error) {
        this.#reportLate(error);
      }
      await inflight?.then(() => {}, (error: unknown) => this.#reportLate(error));
    }
    try {
      this.#options.onClose?.(reason);
    } catch {
      // [documented] an onClose that throws is ignored: the stream has already ended.
    }
  }
}
