/**
 * Drives one event stream: starts at the consumer's first read, reads the source as the consumer
 * reads, batches items that are ready into one chunk, sends keep-alive pings while idle, and ends
 * everything through one idempotent close path.
 *
 * One object per stream, its methods on the prototype: an idle stream holds its state and little else
 * (no closure per method). What only some streams need is made when first needed: the producer's
 * context (for a producer function), the `AbortController` behind `ctx.signal`, the idle detector and
 * the step callbacks (at the first read of a pull source). The engine is the body's underlying source
 * (`start`, `pull`, `cancel`) and the request signal's abort listener (`handleEvent`).
 *
 * The sections follow the way control flows: the state; writing and keep-alive; pushing
 * (`ctx.send`); pulling (the consumer's reads, which start the stream and read the source);
 * closing; the producer's context.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#server-sent-events
 */
import type { Producer, Source, StreamContext } from "./types.ts";
import type { ResolvedOptions } from "./resolve-options.ts";
import { Message } from "./message.ts";
import { StreamClosedError, type CloseType } from "./stream-closed-error.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import { describeValue } from "./describe-value.ts";
import { toItemIterator, type ItemIterator } from "./item-iterator.ts";
import { isThenable } from "./check.ts";
import { createIdleDetector, type IdleDetector, type IdleListener } from "./idle-detector.ts";
import {
  joinKeepAliveClock,
  type KeepAliveClock,
  type KeepAliveMember,
  leaveKeepAliveClock,
  sharesTimers,
} from "./keep-alive-clock.ts";
import { SharedFrame } from "./shared-frame.ts";
import { END_FRAME } from "./end-event.ts";
import { createRelayEncoder, isFinished, isMarkedSubscription } from "./relay.ts";
import { atTime } from "./long-timeout.ts";
import { expiredFrame } from "./expired-event.ts";
import { offerTap } from "./direct-tap.ts";

const encoder = new TextEncoder();
/** A chunk stops growing past this many code units; the rest waits for the next read. */
const CHUNK_BUDGET = 16_384;
/** The first bytes, sent at the first read so that proxies pass the headers on and `open` fires. [spec] a comment. */
const FIRST_BYTES = ":\n\n";
const PING = ": ping\n\n";
const CONTEXT = "Cannot run DataStream";
/** The options of the request signal's abort listener: one object for every stream. */
const ONCE: AddEventListenerOptions = { once: true };

/** Marks a promise as handled, so that a rejection nobody awaits is not reported as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A promise and the functions that settle it. */
interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(reason: unknown): void;
}

/** A `Deferred` whose rejection, if nobody awaits it, is not reported as unhandled. */
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = handled(
    new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
  );
  return { promise, resolve, reject };
}

/** Makes the byte stream of one `DataStream`. */
export function createEventStream(
  source: Source,
  options: ResolvedOptions,
  signal: AbortSignal | undefined,
  lastEventId: string | undefined,
): ReadableStream<Uint8Array> {
  const engine = new EventStreamEngine(source, options, signal, lastEventId);
  const stream = new ReadableStream<Uint8Array>(engine, { highWaterMark: 0 });
  offerTap(stream, engine); // a bridge may take the bytes straight from here (direct-tap.ts)
  return stream;
}

class EventStreamEngine implements UnderlyingDefaultSource<Uint8Array>, IdleListener, KeepAliveMember {
  // --- State ---------------------------------------------------------------------------------------

  readonly source: Source;
  readonly options: ResolvedOptions;
  /** The request's signal, listened to from the first read until the end: the client is gone when it aborts. */
  readonly requestSignal: AbortSignal | undefined;
  readonly lastEventId: string | undefined;
  controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Set at the first read: nothing runs before it, so a body that is never read holds nothing alive. */
  started = false;
  ended = false;
  /**
   * The text waiting for the next write: frames pushed with `send` and frames pulled from the source,
   * in the order they came. A pull source adds to it only while a read waits (plus the one item it
   * reads ahead); pushed frames wait here until the consumer reads, counted against `highWaterMark`
   * and `maxQueue`.
   */
  pending = "";
  /** The frame `pending` holds when it is exactly one shared frame (a channel's fan-out): its bytes go out as they are. */
  pendingShared: SharedFrame | undefined;
  /** Resolves the read the consumer is waiting on, once a chunk is written or the stream ends. */
  pullWaiter: (() => void) | undefined;
  /** Tells when nothing more is ready, so that the pending chunk is written; made at the first poke. */
  detector: IdleDetector | undefined;
  /** What `ctx.ready` returns while the pushed frames are above `highWaterMark`. */
  readyWaiter: Deferred | undefined;
  /** Set once the producer returned an iterable (pull mode). */
  iterator: ItemIterator | undefined;
  iteratorDone = false;
  /** A `next()` asked for and not settled yet: at most one, so the source runs at most one item ahead. */
  inflight: Promise<unknown> | undefined;
  /**
   * The callbacks of a promised step, made once per stream (not per item) when the source is pulled.
   * The step is the iterator's result as it settled, which `take` checks.
   */
  onStep: ((step: unknown) => void) | undefined;
  onStepError: ((error: unknown) => void) | undefined;
  /** The keep-alive clock the stream is on, from its first read while `keepAlive` is not `false`. */
  keepAliveClock: KeepAliveClock | undefined;
  lastWrite = 0;
  /** Clears the wait for `expiresAt`. */
  cancelExpiry: (() => void) | undefined;
  cleanup: Promise<void> | undefined;
  /** Why the stream ended, once it has: `ctx.signal`'s reason. */
  reason: StreamClosedError | undefined;
  /** Behind `ctx.signal`: made when the producer first reads it (or sleeps), aborted at the end. */
  abort: AbortController | undefined;
  errorReported = false;
  /** How a pulled item becomes a frame: encoded, or, for a relayed subscription, written back as the event it was. */
  encodeItem: (item: unknown) => string;
  /** The subscription this stream relays, if it does: its end for good is passed on. */
  relayed: unknown;

  constructor(
    source: Source,
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    lastEventId: string | undefined,
  ) {
    this.source = source;
    this.options = options;
    this.requestSignal = signal;
    this.lastEventId = lastEventId;
    this.encodeItem = options.encode;
  }

  /** The pushed frames not written yet, in code units: always 0 for a pull source. */
  queued(): number {
    return this.iterator === undefined ? this.pending.length : 0;
  }

  /** `ctx.signal`: aborted with the close reason at the end, also when first read after it. */
  signal(): AbortSignal {
    if (this.abort === undefined) {
      this.abort = new AbortController();
      if (this.reason !== undefined) this.abort.abort(this.reason);
    }
    return this.abort.signal;
  }

  // --- Writing and keep-alive ----------------------------------------------------------------------

  write(text: string, bytes?: Uint8Array): void {
    if (text === "") return;
    try {
      this.controller.enqueue(bytes ?? encoder.encode(text));
    } catch (error) {
      void this.finish("client-gone", error);
      return;
    }
    this.lastWrite = Date.now();
  }

  /**
   * Sends a ping once `keepAlive` ms passed without a write (`now` is the time); a write only records
   * its time. Returns when to look again: `keepAlive` after the last write, or, while the consumer is
   * stalled, a whole interval from now.
   */
  keepAliveTick(now: number): number {
    const interval = this.options.keepAlive as number;
    if (now - this.lastWrite < interval) return this.lastWrite + interval;
    // A chunk still waiting to be read means the consumer is stalled, not idle: add nothing.
    if ((this.controller.desiredSize ?? -1) < 0) return now + interval;
    this.write(PING);
    return this.lastWrite + interval;
  }

  /** Adds a frame to `pending`; `shared` is the frame's shared form, when it has one. */
  append(frame: string, shared?: SharedFrame): void {
    this.pendingShared = this.pending === "" ? shared : undefined;
    this.pending += frame;
  }

  /** Empties `pending` and returns its text; `ready` waiters wake, since the pushed frames are gone. */
  takePending(): string {
    const text = this.pending;
    this.pending = "";
    this.pendingShared = undefined;
    if (this.readyWaiter !== undefined) {
      this.readyWaiter.resolve();
      this.readyWaiter = undefined;
    }
    return text;
  }

  /** Writes what is pending as one chunk (a lone shared frame as its shared bytes). */
  flush(): void {
    const bytes = this.pendingShared?.bytes;
    this.write(this.takePending(), bytes);
  }

  /** Writes what is pending and wakes the waiting read. */
  release(): void {
    this.flush();
    const waiter = this.pullWaiter;
    this.pullWaiter = undefined;
    waiter?.();
  }

  /** Writes the pending chunk once nothing more is ready: never holds a ready item back for a later one. */
  armIdle(): void {
    (this.detector ??= createIdleDetector(this)).poke();
  }

  onIdle(): void {
    if (!this.ended && this.pullWaiter !== undefined && this.pending !== "") this.release();
  }

  // --- Pushing: ctx.send ---------------------------------------------------------------------------

  send(item: unknown): boolean {
    if (this.iterator !== undefined) {
      throw new TypeError(
        "Cannot send: this producer returned an iterable, so yield items instead of calling ctx.send()",
      );
    }
    if (this.ended) return false;
    const queued = this.pending.length;
    if (item instanceof SharedFrame) {
      this.append(item.text, item);
    } else {
      try {
        this.append(this.options.encode(item));
      } catch (error) {
        this.fail(error);
        return false;
      }
    }
    // One item alone may be longer than the bound: it overflows only on top of others the client has
    // not read, as a pulled item of any size is taken.
    if (this.pending.length > this.options.maxQueue && queued > 0) {
      void this.finish("overflow");
      return false;
    }
    // Items sent back-to-back leave as one chunk, as pulled ones do.
    if (this.pullWaiter !== undefined) {
      if (this.pending.length >= CHUNK_BUDGET) this.release();
      else this.armIdle();
    }
    return this.pending.length <= this.options.highWaterMark;
  }

  // --- Pulling: the consumer's reads ---------------------------------------------------------------

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  pull(): Promise<void> | void {
    if (this.ended) return;
    if (!this.started) return this.begin();
    if (this.iterator !== undefined) return this.pullItems();
    // Push mode: what was sent meanwhile goes out at once; else the read waits for the next send.
    if (this.pending !== "") return this.flush();
    return new Promise((resolve) => {
      this.pullWaiter = resolve;
    });
  }

  cancel(reason: unknown): Promise<void> {
    return this.finish("client-gone", reason);
  }

  /** The request's abort: the client is gone. */
  handleEvent(): void {
    void this.finish("client-gone", this.requestSignal?.reason);
  }

  /**
   * The first read: writes the first bytes, then starts what runs for the stream's life (the request's
   * abort listener, the keep-alive timer, the producer). Until then nothing runs that a body built and
   * dropped unread would keep alive.
   */
  begin(): void {
    this.started = true;
    const { retry, expiresAt, keepAlive } = this.options;
    const { requestSignal } = this;
    this.write(retry === undefined ? FIRST_BYTES : `retry: ${retry}\n\n`);
    if (requestSignal) {
      if (requestSignal.aborted) return void this.finish("client-gone", requestSignal.reason);
      requestSignal.addEventListener("abort", this, ONCE);
    }
    if (expiresAt !== undefined) {
      const expire = (): void => void this.finish("expired", undefined, expiredFrame(expiresAt));
      if (expiresAt <= Date.now()) return expire();
      this.cancelExpiry = atTime(expiresAt, expire);
    }
    if (keepAlive !== false) this.keepAliveClock = joinKeepAliveClock(this, keepAlive, sharesTimers);
    this.startSource();
  }

  startSource(): void {
    let produced: unknown = this.source;
    let iterator: ItemIterator | undefined;
    try {
      if (typeof produced === "function") produced = (produced as Producer)(new ProducerContext(this));
      if (isMarkedSubscription(produced)) {
        this.relayed = produced;
        this.encodeItem = createRelayEncoder(this.lastEventId ?? "", this.options.serialize);
      }
      iterator = toItemIterator(produced, CONTEXT);
      if (iterator === undefined && isThenable(produced)) {
        // Not `produced.then()` itself: a `then` that throws or calls back at once is settled later, as
        // `await` would, by the one close path.
        Promise.resolve(produced).then(
          () => void this.finish("done"),
          (error: unknown) => this.fail(error),
        );
        return;
      }
    } catch (error) {
      return this.fail(error);
    }
    if (iterator !== undefined) {
      // Made once per stream, not per item: one callback pair serves every promised step.
      this.onStep = (step) => {
        this.inflight = undefined;
        if (!this.ended && this.take(step)) this.readMore();
      };
      this.onStepError = (error) => {
        this.inflight = undefined;
        this.fail(error);
      };
      this.iterator = iterator;
      return;
    }
    if (produced !== undefined) {
      this.fail(
        new TypeError(
          `${CONTEXT}: the producer must return an iterable, a ReadableStream, a promise or nothing (got ${describeValue(produced)})`,
        ),
      );
    }
  }

  /** A read of a pull source: read what the source has ready, then write it as one chunk. */
  pullItems(): Promise<void> {
    return new Promise((resolve) => {
      this.pullWaiter = resolve;
      if (this.pending !== "") this.armIdle(); // a lookahead item is here already
      if (this.inflight === undefined) this.readMore();
    });
  }

  /** Asks the source for steps while a read waits; synchronous steps in a loop, promised ones by callback. */
  readMore(): void {
    const iterator = this.iterator!;
    while (!this.ended && this.pullWaiter !== undefined) {
      let step: unknown;
      try {
        step = iterator.next();
        // A promised step is taken when it settles; a `then` getter that throws fails the stream here.
        if (isThenable(step)) {
          (this.inflight = Promise.resolve(step)).then(this.onStep, this.onStepError);
          return;
        }
      } catch (error) {
        return this.fail(error);
      }
      if (!this.take(step)) return;
    }
  }

  /** Adds one step to the chunk (an iterator's result, checked here); returns whether to read on. */
  take(step: unknown): boolean {
    let done: unknown;
    let value: unknown;
    try {
      if (typeof step !== "object" || step === null) {
        throw new TypeError(
          `${CONTEXT}: the source's iterator must give result objects, as \`for await\` requires (got ${describeValue(step)})`,
        );
      }
      done = (step as { done?: unknown }).done;
      if (!done) value = (step as { value?: unknown }).value;
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (done) {
      this.iteratorDone = true;
      // A relayed stream that its server ended for good ends for good here too.
      void this.finish("done", undefined, this.relayed !== undefined && isFinished(this.relayed) ? END_FRAME : "");
      return false;
    }
    try {
      this.append(this.encodeItem(value));
    } catch (error) {
      this.fail(error);
      return false;
    }
    if (this.pending.length >= CHUNK_BUDGET) {
      this.release();
      return false;
    }
    this.armIdle();
    return this.pullWaiter !== undefined;
  }

  // --- Closing -------------------------------------------------------------------------------------

  /** Reports a producer, serializer or event map error, sends what `onError` returns, and ends the stream. */
  fail(error: unknown): void {
    if (this.ended) return this.reportLate(error);
    const reply = this.report(error);
    let tail = "";
    // Checked as an item is (by the event map, when there is one): a forged Message brand must not
    // write its fields unchecked.
    try {
      if (Message.isMessage(reply)) tail = this.options.encode(reply);
    } catch (invalid) {
      this.tell(invalid);
    }
    void this.finish("error", error, tail);
  }

  /** The first error goes to `onError`; what it returns, when a `Message`, is sent as the last event. */
  report(error: unknown): unknown {
    if (this.errorReported) return;
    this.errorReported = true;
    return this.tell(error);
  }

  tell(error: unknown): unknown {
    try {
      return this.options.onError(error);
    } catch {
      // [documented] an onError that throws has nowhere left to report to
    }
  }

  /** An error after the end: our own close reason is expected (sleep, ready, fetch rejecting with it). */
  reportLate(error: unknown): void {
    if (error !== this.reason) this.report(error);
  }

  /**
   * The one close path. Writes what is left (and `tail`) and closes the body on a normal end, an expiry or
   * an error, closes it when the client is gone, errors it on overflow; stops the timers, aborts
   * `ctx.signal`, then stops the source, awaiting its cleanup, and calls `onClose`. Later calls return
   * the same promise.
   */
  finish(type: CloseType, cause?: unknown, tail = ""): Promise<void> {
    if (this.cleanup !== undefined) return this.cleanup;
    this.ended = true;
    if (this.options.finite && type === "done") tail = END_FRAME;
    const reason = new StreamClosedError(type, cause);
    this.reason = reason;
    if (this.keepAliveClock !== undefined) leaveKeepAliveClock(this, this.keepAliveClock);
    this.requestSignal?.removeEventListener("abort", this); // nothing, when it was not listened to
    this.cancelExpiry?.();
    this.readyWaiter?.reject(reason);
    this.readyWaiter = undefined;
    const rest = this.takePending() + tail;
    const { controller } = this;
    try {
      if (type === "overflow") {
        // The client is still there but not reading: drop what it has not read, and say why.
        controller.error(reason);
      } else {
        // Nobody is left to read after "client-gone"; erroring the body would only make servers
        // that read it themselves (Deno.serve, @hono/node-server) log the reason.
        if (rest !== "" && type !== "client-gone") controller.enqueue(encoder.encode(rest));
        controller.close();
      }
    } catch {
      // The consumer cancelled the body first: nothing is left to write to.
    }
    const waiter = this.pullWaiter;
    this.pullWaiter = undefined;
    waiter?.();
    const cleanup = Promise.resolve().then(() => this.stopSource(reason));
    this.cleanup = cleanup;
    this.abort?.abort(reason);
    return cleanup;
  }

  /**
   * Stops the source and awaits its cleanup, for at most `cleanupTimeout` ms: a producer stuck in an
   * await that ignores `ctx.signal` is reported, and `onClose` is called all the same.
   */
  async stopSource(reason: StreamClosedError): Promise<void> {
    const last = this.inflight;
    const { cleanupTimeout, onClose } = this.options;
    const reportLate = (error: unknown): void => this.reportLate(error);
    let bound: ReturnType<typeof setTimeout> | undefined;
    try {
      // A source given as it is, and never read, is stopped too (a ReadableStream is cancelled).
      if (typeof this.source !== "function") this.iterator ??= toItemIterator(this.source, CONTEXT);
      const { iterator } = this;
      const finished =
        iterator === undefined ||
        this.iteratorDone ||
        (await Promise.race([
          iterator
            .return(reason)
            .catch(reportLate)
            .then(() => last?.catch(reportLate))
            .then(() => true),
          // Resolves to undefined: not finished.
          new Promise<void>((resolve) => {
            bound = setTimeout(resolve, cleanupTimeout);
          }),
        ]));
      if (!finished)
        this.tell(new Error(`DataStream: the producer did not finish within ${cleanupTimeout} ms of the stream's end`));
    } catch (error) {
      reportLate(error);
    }
    clearTimeout(bound);
    try {
      onClose?.(reason);
    } catch {
      // [documented] an onClose that throws is ignored: the stream has already ended.
    }
  }
}

// --- The context a producer gets -------------------------------------------------------------------

/**
 * The context of a producer function: one small object per stream, its accessors on the prototype.
 * Its methods work detached (`({ send, sleep }) => …`): each is a function bound to the stream, made
 * when first read and kept.
 */
class ProducerContext implements StreamContext {
  readonly #engine: EventStreamEngine;
  readonly lastEventId: string | undefined;
  #send: ((item: unknown) => boolean) | undefined;
  #close: (() => void) | undefined;
  #end: (() => void) | undefined;
  #sleep: ((ms: number) => Promise<void>) | undefined;

  constructor(engine: EventStreamEngine) {
    this.#engine = engine;
    this.lastEventId = engine.lastEventId;
  }

  /**
   * Sends through `ctx` without reading (and so making) its detached `send`, for the library's own
   * callers; returns whether the item was queued (not when the stream had ended, or ended with it).
   */
  static push(ctx: StreamContext, item: unknown): boolean {
    if (!(#engine in ctx)) {
      ctx.send(item);
      return !ctx.signal.aborted;
    }
    const engine = (ctx as ProducerContext).#engine;
    engine.send(item);
    return !engine.ended;
  }

  get send(): (item: unknown) => boolean {
    const engine = this.#engine;
    return (this.#send ??= (item) => engine.send(item));
  }

  get close(): () => void {
    const engine = this.#engine;
    return (this.#close ??= () => void engine.finish("done"));
  }

  get end(): () => void {
    const engine = this.#engine;
    return (this.#end ??= () => void engine.finish("done", undefined, END_FRAME));
  }

  get sleep(): (ms: number) => Promise<void> {
    const engine = this.#engine;
    return (this.#sleep ??= (ms) => abortableSleep(ms, engine.signal()));
  }

  get signal(): AbortSignal {
    return this.#engine.signal();
  }

  get ready(): Promise<void> {
    const engine = this.#engine;
    if (engine.ended) return handled(Promise.reject(engine.reason));
    if (engine.queued() <= engine.options.highWaterMark) return Promise.resolve();
    return (engine.readyWaiter ??= deferred()).promise;
  }

  get desiredSize(): number {
    const engine = this.#engine;
    return engine.ended ? 0 : engine.options.highWaterMark - engine.queued();
  }
}

/**
 * Sends `item` through a producer's context as `ctx.send(item)` does, without making its detached
 * `send` (nor its `signal`) for a stream that never reads it (a channel's subscribers). Returns whether
 * the item was queued: `false` when the stream had ended, or ended with it (its queue overflowed).
 */
export const pushThrough: (ctx: StreamContext, item: unknown) => boolean = ProducerContext.push;
