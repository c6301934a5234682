import { describeValue } from "../core/describe-value.ts";
import type { ClientWatch } from "./client-watch.ts";
import type { NodeResponse } from "./node-response.ts";

/**
 * Copies a response body to Node, waiting for `drain` so a slow client slows the source instead of
 * filling memory, then ends the response. When the client leaves, the body is cancelled (with the
 * client's `signal.reason`) and the response destroyed: an HTTP/2 stream the client reset would
 * otherwise stay half open. A body that fails is cancelled and its error thrown, for the caller to
 * report and destroy the response with.
 *
 * @throws the body's error, or a TypeError for a chunk that is not a `Uint8Array`
 */
export async function sendBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: NodeResponse,
  client: ClientWatch,
  report: (error: unknown) => void,
): Promise<void> {
  const signal = client.signal;
  const cancel = (): void => void reader.cancel(signal.reason).catch(report);
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        const error = new TypeError(
          `Cannot send the handler's Response: each body chunk must be a Uint8Array (got ${describeValue(value)})`,
        );
        reader.cancel(error).catch(report);
        throw error;
      }
      if (!res.write(value) && !signal.aborted) await drainOrAbort(res, signal);
    }
  } finally {
    signal.removeEventListener("abort", cancel);
  }
  client.finish();
  if (signal.aborted) res.destroy();
  else res.end();
}

/** Waits until the response can take more, or the client has gone (a close aborts `signal`). */
function drainOrAbort(res: NodeResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
