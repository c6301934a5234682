import { describeValue } from "../core/describe-value.ts";
import type { ClientWatch } from "./client-watch.ts";
import type { NodeResponse } from "./node-response.ts";

/**
 * Copies a response body to Node, waiting for `drain` so a slow client slows the source instead of
 * filling memory, then ends the response. When the client leaves, the body is cancelled (with the
 * client's `signal.reason`) and the response destroyed: an HTTP/2 stream the client reset would
 * otherwise stay half open. A body that fails, or a write that throws, cancels the body and ends the
 * copy with the error, for the caller to report and destroy the response with.
 *
 * Driven by callbacks, not an async loop: a connection waiting for its next chunk holds one pending
 * read and the few closures below, and no suspended function frames (thousands of idle connections
 * each keep this much).
 *
 * @param done - called once, when the copy is over: with no argument once the response is ended (or
 *   destroyed, the client having left), else with the body's error (or a TypeError for a chunk that
 *   is not a `Uint8Array`)
 */
export function sendBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: NodeResponse,
  client: ClientWatch,
  report: (error: unknown) => void,
  done: (error?: unknown) => void,
): void {
  const signal = client.signal;
  let draining = false;
  let over = false;

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
    reader.cancel(error).catch(report);
    end(error);
  };
  const onChunk = (result: ReadableStreamReadResult<Uint8Array>): void => {
    if (over) return;
    if (result.done) return end();
    const value: unknown = result.value;
    if (!(value instanceof Uint8Array)) {
      return fail(
        new TypeError(
          `Cannot send the handler's Response: each body chunk must be a Uint8Array (got ${describeValue(value)})`,
        ),
      );
    }
    let more: boolean;
    try {
      more = res.write(value);
    } catch (error) {
      return fail(error);
    }
    if (more || signal.aborted) return read();
    draining = true;
    res.on("drain", onDrain);
  };
  const read = (): void => void reader.read().then(onChunk, end);
  /** The response can take more (or the client has gone): read on. */
  const onDrain = (): void => {
    res.off("drain", onDrain);
    draining = false;
    read();
  };

  client.onGone = () => {
    reader.cancel(signal.reason).catch(report);
    if (draining) onDrain();
  };
  if (signal.aborted) client.onGone();
  read();
}
