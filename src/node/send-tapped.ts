import { type ChunkSink, tapBody } from "../core/direct-tap.ts";
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
  const signal = client.signal;
  /** The response asked to wait (`write` returned false) and has not emitted `drain` yet. */
  let draining = false;
  /** A pull has settled while draining: the next one waits for `drain`. */
  let parked = false;
  let closed = false;
  let failure: unknown;
  let over = false;

  const sink: ChunkSink = {
    enqueue(chunk) {
      let more: boolean;
      try {
        more = res.write(chunk);
      } catch (error) {
        failure ??= error;
        throw error; // the engine ends the stream, and its close ends the copy with this error
      }
      if (!more && !draining) {
        draining = true;
        res.on("drain", onDrain);
      }
    },
    close() {
      closed = true;
    },
    error(reason) {
      closed = true;
      failure ??= reason;
    },
    get desiredSize() {
      return draining ? -1 : 0;
    },
  };
  const source = tapBody(body, sink);
  if (source === undefined) return undefined;
  let done!: (error?: unknown) => void;

  const end = (error?: unknown): void => {
    if (over) return;
    over = true;
    client.onGone = undefined;
    if (draining) res.off("drain", onDrain);
    if (error === undefined) {
      client.finish();
      if (signal.aborted) res.destroy();
      else res.end();
    }
    done(error);
  };
  const fail = (error: unknown): void => {
    source.cancel(error).catch(report);
    end(error);
  };
  /** A pull has settled: the stream has ended, or it takes the next pull once the response can take more. */
  const pulled = (): void => {
    if (over) return;
    if (closed) return end(failure);
    if (draining && !signal.aborted) {
      parked = true;
      return;
    }
    pull();
  };
  const pull = (): void => {
    let settled: Promise<void> | void;
    try {
      settled = source.pull();
    } catch (error) {
      return fail(error);
    }
    if (settled === undefined) pulled();
    else settled.then(pulled, fail);
  };
  function onDrain(): void {
    res.off("drain", onDrain);
    draining = false;
    if (!parked) return;
    parked = false;
    pulled();
  }

  return (whenDone) => {
    done = whenDone;
    client.onGone = () => {
      source.cancel(signal.reason).catch(report);
      if (parked) {
        parked = false;
        pulled();
      }
    };
    if (signal.aborted) client.onGone();
    pull();
  };
}
