/**
 * Drives one event stream: starts at the consumer's first read, reads the source as the consumer
 * reads, batches items that are ready into one chunk, sends keep-alive pings while idle, and ends
 * everything through one idempotent close path. One closure, so that its state minifies well.
 *
 * The sections follow the way control flows: the state; the context a producer gets; writing and
 * keep-alive; pushing (`ctx.send`); pulling (the consumer's reads, which start the stream and read
 * the source); closing; and the stream itself.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#server-sent-events
 */
import type { Producer, Source, StreamContext } from "./types.ts";
import type { ResolvedOptions } from "./resolve-options.ts";
import { Message } from "./message.ts";
import { StreamClosedError, type CloseType } from "./stream-closed-error.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import { describeValue } from "./describe-value.ts";
import { toItemIterator, type ItemIterator, type Step } from "./item-iterator.ts";
import { isThenable } from "./check.ts";
import { createIdleDetector } from "./idle-detector.ts";
import { SharedFrame } from "./shared-frame.ts";
import { END_FRAME } from "./end-event.ts";
import { createRelayEncoder, isFinished, isMarkedSubscription } from "./relay.ts";
import { atTime } from "./long-timeout.ts";
import { expiredFrame } from "./expired-event.ts";
import { offerTap, type TappableSource } from "./direct-tap.ts";

const encoder = new TextEncoder();
/** A chunk stops growing past this many code units; the rest waits for the next read. */
const CHUNK_BUDGET = 16_384;
/** The first bytes, sent at the first read so that proxies pass the headers on and `open` fires. [spec] a comment. */
const FIRST_BYTES = ":\n\n";
const PING = ": ping\n\n";
const CONTEXT = "Cannot run DataStream";

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
export function createEventStream(source: Source, options: ResolvedOptions): ReadableStream<Uint8Array> {
  const {
    retry,
    finite,
    keepAlive,
    request,
    serialize,
    encode,
    onError,
    onClose,
    highWaterMark,
    maxQueue,
    lastEventId,
    cleanupTimeout,
    expiresAt,
  } = options;

  // --- State ---------------------------------------------------------------------------------------

  const abort = new AbortController();
  const signal = abort.signal;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Set at the first read: nothing runs before it, so a body that is never read holds nothing alive. */
  let started = false;
  let ended = false;
  /**
   * The text waiting for the next write: frames pushed with `send` and frames pulled from the source,
   * in the order they came. A pull source adds to it only while a read waits (plus the one item it
   * reads ahead); pushed frames wait here until the consumer reads, counted against `highWaterMark`
   * and `maxQueue`.
   */
  let pending = "";
  /** The frame `pending` holds when it is exactly one shared frame (a channel's fan-out): its bytes go out as they are. */
  let pendingShared: SharedFrame | undefined;
  /** Resolves the read the consumer is waiting on, once a chunk is written or the stream ends. */
  let pullWaiter: (() => void) | undefined;
  /** Writes the pending chunk once nothing more is ready: never holds a ready item back for a later one. */
  const armIdle = createIdleDetector(() => {
    if (!ended && pullWaiter !== undefined && pending !== "") release();
  });
  /** What `ctx.ready` returns while the pushed frames are above `highWaterMark`. */
  let readyWaiter: Deferred | undefined;
  /** Set once the producer returned an iterable (pull mode). */
  let iterator: ItemIterator | undefined;
  let iteratorDone = false;
  /** A `next()` asked for and not settled yet: at most one, so the source runs at most one item ahead. */
  let inflight: Promise<Step> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastWrite = 0;
  let unlisten: (() => void) | undefined;
  /** Clears the wait for `expiresAt`. */
  let cancelExpiry: (() => void) | undefined;
  let cleanup: Promise<void> | undefined;
  let errorReported = false;
  /** How a pulled item becomes a frame: encoded, or, for a relayed subscription, written back as the event it was. */
  let encodeItem = encode;
  /** The subscription this stream relays, if it does: its end for good is passed on. */
  let relayed: unknown;

  /** The pushed frames not written yet, in code units: a pull source never has any. */
  const queued = (): number => (iterator === undefined ? pending.length : 0);

  // --- The context a producer gets -----------------------------------------------------------------

  const context: StreamContext = {
    send,
    close: () => void finish("done"),
    end: () => void finish("done", undefined, END_FRAME),
    signal,
    lastEventId,
    sleep: (ms) => abortableSleep(ms, signal),
    get ready(): Promise<void> {
      if (ended) return handled(Promise.reject(signal.reason));
      if (queued() <= highWaterMark) return Promise.resolve();
      return (readyWaiter ??= deferred()).promise;
    },
    get desiredSize() {
      return ended ? 0 : highWaterMark - queued();
    },
  };

  // --- Writing and keep-alive ----------------------------------------------------------------------

  function write(text: string, bytes?: Uint8Array): void {
    if (text === "") return;
    try {
      controller.enqueue(bytes ?? encoder.encode(text));
    } catch (error) {
      void finish("client-gone", error);
      return;
    }
    lastWrite = Date.now();
  }

  /** Sends a ping after `keepAlive` ms without a write; a write only records its time. */
  function tick(): void {
    const interval = keepAlive as number;
    // A chunk still waiting to be read means the consumer is stalled, not idle: add nothing.
    if (Date.now() - lastWrite >= interval && (controller.desiredSize ?? -1) >= 0) write(PING);
    if (!ended) timer = setTimeout(tick, Math.max(1, interval - (Date.now() - lastWrite)));
  }

  /** Adds a frame to `pending`; `shared` is the frame's shared form, when it has one. */
  function append(frame: string, shared?: SharedFrame): void {
    pendingShared = pending === "" ? shared : undefined;
    pending += frame;
  }

  /** Empties `pending` and returns its text; `ready` waiters wake, since the pushed frames are gone. */
  function takePending(): string {
    const text = pending;
    pending = "";
    pendingShared = undefined;
    readyWaiter?.resolve();
    readyWaiter = undefined;
    return text;
  }

  /** Writes what is pending as one chunk (a lone shared frame as its shared bytes). */
  function flush(): void {
    const bytes = pendingShared?.bytes;
    write(takePending(), bytes);
  }

  /** Writes what is pending and wakes the waiting read. */
  function release(): void {
    flush();
    const waiter = pullWaiter;
    pullWaiter = undefined;
    waiter?.();
  }

  // --- Pushing: ctx.send ---------------------------------------------------------------------------

  function send(item: unknown): boolean {
    if (iterator !== undefined) {
      throw new TypeError(
        "Cannot send: this producer returned an iterable, so yield items instead of calling ctx.send()",
      );
    }
    if (ended) return false;
    if (item instanceof SharedFrame) {
      append(item.text, item);
    } else {
      try {
        append(encode(item));
      } catch (error) {
        fail(error);
        return false;
      }
    }
    if (pending.length > maxQueue) {
      void finish("overflow");
      return false;
    }
    // Items sent back-to-back leave as one chunk, as pulled ones do.
    if (pullWaiter !== undefined) {
      if (pending.length >= CHUNK_BUDGET) release();
      else armIdle();
    }
    return pending.length <= highWaterMark;
  }

  // --- Pulling: the consumer's reads ---------------------------------------------------------------

  /**
   * The first read: writes the first bytes, then starts what runs for the stream's life (the request's
   * abort listener, the keep-alive timer, the producer). Until then nothing runs that a body built and
   * dropped unread would keep alive.
   */
  function begin(): void {
    started = true;
    write(retry === undefined ? FIRST_BYTES : `retry: ${retry}\n\n`);
    const requestSignal = request?.signal;
    if (requestSignal) {
      const onAbort = (): void => void finish("client-gone", requestSignal.reason);
      if (requestSignal.aborted) return onAbort();
      requestSignal.addEventListener("abort", onAbort, { once: true });
      unlisten = () => requestSignal.removeEventListener("abort", onAbort);
    }
    if (expiresAt !== undefined) {
      const expire = (): void => void finish("expired", undefined, expiredFrame(expiresAt));
      if (expiresAt <= Date.now()) return expire();
      cancelExpiry = atTime(expiresAt, expire);
    }
    if (keepAlive !== false) timer = setTimeout(tick, keepAlive);
    startSource();
  }

  function startSource(): void {
    let produced: unknown = source;
    try {
      if (typeof produced === "function") produced = (produced as Producer)(context);
      if (isMarkedSubscription(produced)) {
        relayed = produced;
        encodeItem = createRelayEncoder(lastEventId ?? "", serialize);
      }
      iterator = toItemIterator(produced, CONTEXT);
    } catch (error) {
      return fail(error);
    }
    if (iterator !== undefined) return;
    if (isThenable(produced)) {
      produced.then(() => void finish("done"), fail);
    } else if (produced !== undefined) {
      fail(
        new TypeError(
          `${CONTEXT}: the producer must return an iterable, a ReadableStream, a promise or nothing (got ${describeValue(produced)})`,
        ),
      );
    }
  }

  /** A read of a pull source: read what the source has ready, then write it as one chunk. */
  function pullItems(): Promise<void> {
    return new Promise((resolve) => {
      pullWaiter = resolve;
      if (pending !== "") armIdle(); // a lookahead item is here already
      if (inflight === undefined) readMore();
    });
  }

  /** Asks the source for steps while a read waits; synchronous steps in a loop, promised ones by callback. */
  function readMore(): void {
    while (!ended && pullWaiter !== undefined) {
      let result: Step | PromiseLike<Step>;
      try {
        result = iterator!.next();
      } catch (error) {
        return fail(error);
      }
      if (isThenable(result)) {
        (inflight = Promise.resolve(result)).then(onStep, onStepError);
        return;
      }
      if (!take(result)) return;
    }
  }

  // Made once per stream, not per item: one callback pair serves every promised step.
  function onStep(step: Step): void {
    inflight = undefined;
    if (!ended && take(step)) readMore();
  }

  function onStepError(error: unknown): void {
    inflight = undefined;
    fail(error);
  }

  /** Adds one step to the chunk; returns whether to read on. */
  function take(step: Step): boolean {
    if (step.done) {
      iteratorDone = true;
      // A relayed stream that its server ended for good ends for good here too.
      void finish("done", undefined, relayed !== undefined && isFinished(relayed) ? END_FRAME : "");
      return false;
    }
    try {
      append(encodeItem(step.value));
    } catch (error) {
      fail(error);
      return false;
    }
    if (pending.length >= CHUNK_BUDGET) {
      release();
      return false;
    }
    armIdle();
    return pullWaiter !== undefined;
  }

  // --- Closing -------------------------------------------------------------------------------------

  /** Reports a producer, serializer or event map error, sends what `onError` returns, and ends the stream. */
  function fail(error: unknown): void {
    if (ended) return reportLate(error);
    const reply = report(error);
    let tail = "";
    // Checked as an item is (by the event map, when there is one): a forged Message brand must not
    // write its fields unchecked.
    try {
      if (Message.isMessage(reply)) tail = encode(reply);
    } catch (invalid) {
      tell(invalid);
    }
    void finish("error", error, tail);
  }

  /** The first error goes to `onError`; what it returns, when a `Message`, is sent as the last event. */
  function report(error: unknown): unknown {
    if (errorReported) return;
    errorReported = true;
    return tell(error);
  }

  function tell(error: unknown): unknown {
    try {
      return onError(error);
    } catch {
      // [documented] an onError that throws has nowhere left to report to
    }
  }

  /** An error after the end: our own close reason is expected (sleep, ready, fetch rejecting with it). */
  function reportLate(error: unknown): void {
    if (error !== signal.reason) report(error);
  }

  /**
   * The one close path. Writes what is left (and `tail`) and closes the body on a normal end, an expiry or
   * an error, closes it when the client is gone, errors it on overflow; stops the timers, aborts
   * `ctx.signal`, then stops the source, awaiting its cleanup, and calls `onClose`. Later calls return
   * the same promise.
   */
  function finish(type: CloseType, cause?: unknown, tail = ""): Promise<void> {
    if (cleanup !== undefined) return cleanup;
    ended = true;
    if (finite && type === "done") tail = END_FRAME;
    const reason = new StreamClosedError(type, cause);
    clearTimeout(timer);
    unlisten?.();
    cancelExpiry?.();
    readyWaiter?.reject(reason);
    readyWaiter = undefined;
    const rest = takePending() + tail;
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
    const waiter = pullWaiter;
    pullWaiter = undefined;
    waiter?.();
    cleanup = Promise.resolve().then(() => stopSource(reason));
    abort.abort(reason);
    return cleanup;
  }

  /**
   * Stops the source and awaits its cleanup, for at most `cleanupTimeout` ms: a producer stuck in an
   * await that ignores `ctx.signal` is reported, and `onClose` is called all the same.
   */
  async function stopSource(reason: StreamClosedError): Promise<void> {
    const last = inflight;
    let bound: ReturnType<typeof setTimeout> | undefined;
    try {
      // A source given as it is, and never read, is stopped too (a ReadableStream is cancelled).
      if (typeof source !== "function") iterator ??= toItemIterator(source, CONTEXT);
      const finished =
        iterator === undefined ||
        iteratorDone ||
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
        tell(new Error(`DataStream: the producer did not finish within ${cleanupTimeout} ms of the stream's end`));
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

  // --- The stream ----------------------------------------------------------------------------------

  const underlying: TappableSource = {
    start(streamController) {
      controller = streamController;
    },
    pull(): Promise<void> | void {
      if (ended) return;
      if (!started) return begin();
      if (iterator !== undefined) return pullItems();
      // Push mode: what was sent meanwhile goes out at once; else the read waits for the next send.
      if (pending !== "") return flush();
      return new Promise<void>((resolve) => {
        pullWaiter = resolve;
      });
    },
    cancel: (reason) => finish("client-gone", reason),
  };
  const stream = new ReadableStream<Uint8Array>(underlying, { highWaterMark: 0 });
  offerTap(stream, underlying); // a bridge may take the bytes straight from here (direct-tap.ts)
  return stream;
}
