import { type ChunkSink, type TappableSource, tapBody } from "../core/direct-tap.ts";
import type { ClientWatch } from "./client-watch.ts";
import type { NodeResponse } from "./node-response.ts";

/**
 * `sendBody` for the body of an edge-sse event stream, taken straight from its engine (see
 * `direct-tap.ts`): the engine writes each chunk to the response itself, and this drives its `pull`
 * as the body's reader would, one pull at a time, the next one once the previous has settled and the
 * response can take more (`drain`). The same protocol as reading the stream, without its reader, read
 * requests and promises per chunk. Behaves as `sendBody` does: a client that leaves cancels the
 * stream and the response is destroyed; a stream that errors (an overflow) ends the copy with the
 * error, for the caller to report and destroy the response with.
 *
 * @returns `undefined` when the body cannot be taken (nothing was done: read it with `sendBody`);
 *   else the function that starts the copy, to call once the head is written, with `done` as in `sendBody`
 */
export function tapEventStream(
  body: unknown,
  res: NodeResponse,
  client: ClientWatch,
  report: (error: unknown) => void,
): ((done: (error?: unknown) => void) => void) | undefined {
  const copy = new TappedCopy(res, client, report);
  return copy.take(body) ? (done) => copy.start(done) : undefined;
}

/**
 * One response's copy, as one object whose methods the engine calls as its controller's: idle
 * connections are many, so it holds its state in fields and makes only the three callbacks it hands
 * out (a settled pull, `drain`, the client leaving).
 */
class TappedCopy implements ChunkSink {
  readonly #res: NodeResponse;
  readonly #client: ClientWatch;
  readonly #report: (error: unknown) => void;
  #source: TappableSource | undefined;
  #done: ((error?: unknown) => void) | undefined;
  /** The response asked to wait (`write` returned false) and has not emitted `drain` yet. */
  #draining = false;
  /** A pull has settled while draining: the next one waits for `drain`. */
  #parked = false;
  #closed = false;
  #failure: unknown;
  #over = false;

  constructor(res: NodeResponse, client: ClientWatch, report: (error: unknown) => void) {
    this.#res = res;
    this.#client = client;
    this.#report = report;
  }

  /** Takes the engine of `body`, when it is an event stream's; whether it was. */
  take(body: unknown): boolean {
    this.#source = tapBody(body, this);
    return this.#source !== undefined;
  }

  /** Starts copying (the head is written); `done` is called once, as `sendBody`'s. */
  start(done: (error?: unknown) => void): void {
    this.#done = done;
    this.#client.onGone = this.#gone;
    if (this.#client.signal.aborted) this.#gone();
    this.#pull();
  }

  enqueue(chunk: Uint8Array): void {
    let more: boolean;
    try {
      more = this.#res.write(chunk);
    } catch (error) {
      this.#failure ??= error;
      throw error; // the engine ends the stream, and its close ends the copy with this error
    }
    if (!more && !this.#draining) {
      this.#draining = true;
      this.#res.on("drain", this.#onDrain);
    }
  }

  close(): void {
    this.#closed = true;
  }

  error(reason: unknown): void {
    this.#closed = true;
    this.#failure ??= reason;
  }

  /** Below 0 while the response holds back what was written (the client is stalled). */
  get desiredSize(): number {
    return this.#draining ? -1 : 0;
  }

  #pull(): void {
    let settled: Promise<void> | void;
    try {
      settled = this.#source!.pull();
    } catch (error) {
      return this.#fail(error);
    }
    if (settled === undefined) this.#pulled();
    else settled.then(this.#pulled, this.#fail);
  }

  /** A pull has settled: the stream has ended, or it takes the next pull once the response can take more. */
  readonly #pulled = (): void => {
    if (this.#over) return;
    if (this.#closed) return this.#end(this.#failure);
    if (this.#draining && !this.#client.signal.aborted) {
      this.#parked = true;
      return;
    }
    this.#pull();
  };

  readonly #onDrain = (): void => {
    this.#res.off("drain", this.#onDrain);
    this.#draining = false;
    this.#unpark();
  };

  /** The client has left: the stream is cancelled, and a copy waiting for `drain` reads on to its end. */
  readonly #gone = (): void => {
    this.#source!.cancel(this.#client.signal.reason).catch(this.#report);
    this.#unpark();
  };

  readonly #fail = (error: unknown): void => {
    this.#source!.cancel(error).catch(this.#report);
    this.#end(error);
  };

  #unpark(): void {
    if (!this.#parked) return;
    this.#parked = false;
    this.#pulled();
  }

  #end(error?: unknown): void {
    if (this.#over) return;
    this.#over = true;
    const client = this.#client;
    client.onGone = undefined;
    if (this.#draining) this.#res.off("drain", this.#onDrain);
    if (error === undefined) {
      client.finish();
      if (client.signal.aborted) this.#res.destroy();
      else this.#res.end();
    }
    this.#done!(error);
  }
}
