import type { NodeRequestEvents, NodeResponse } from "./node-response.ts";

/**
 * Turns a client leaving into an aborted `signal`. Node's servers neither cancel a body nor abort
 * anything when the client goes; the response's `close` and the request's `aborted` say it has, as
 * long as the bridge has not finished the response itself (`finish()`).
 */
export class ClientWatch {
  readonly #abort = new AbortController();
  readonly #req: NodeRequestEvents;
  readonly #res: NodeResponse;
  // Our own flag, not res.writableFinished: on HTTP/2 a stream the client resets reports itself
  // finished, and the disconnect would go unnoticed.
  #finished = false;
  readonly #onClose = (): void => {
    if (this.#finished || this.#abort.signal.aborted) return;
    this.#abort.abort(new Error("The client closed the connection"));
    this.onGone?.();
  };
  /** Called once the client has left, after `signal` aborted (the body being sent is cancelled there). */
  onGone: (() => void) | undefined;

  constructor(req: NodeRequestEvents, res: NodeResponse) {
    this.#req = req;
    this.#res = res;
    res.on("close", this.#onClose);
    // An HTTP/2 client's RST_STREAM can leave a stream whose writable side is still open undestroyed,
    // so its "close" may never come; the request's "aborted" does.
    req.on("aborted", this.#onClose);
  }

  /** Aborts when the client leaves; the reason is an `Error` saying so. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Whether the client has left. */
  get gone(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Marks the response as ended by the bridge: a `close` from now on is not the client leaving. */
  finish(): void {
    this.#finished = true;
  }

  /** Stops listening. */
  dispose(): void {
    this.#res.off("close", this.#onClose);
    this.#req.off("aborted", this.#onClose);
  }
}
