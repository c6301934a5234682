import { DataStream } from "../core/data-stream.ts";
import { Message } from "../core/message.ts";

/** The reconnection delay a retry hint asks for when neither the channel nor the stream sets `retry`. */
export const DEFAULT_RETRY_HINT_MS = 3_000;

/**
 * A stream that only tells the client to come back: `retry: <ms>`, a comment saying why, then the
 * end. `EventSource` takes the end of a 200 stream as a lost connection: it waits `ms` and
 * reconnects with the same `Last-Event-ID`, so nothing is missed. (Any other status than 200 would
 * end an `EventSource` for good.)
 */
export function retryLater(
  ms: number,
  headers: HeadersInit,
  reason = "the channel cannot reach its broker now",
): DataStream {
  const why = new Message({ comment: `${reason}; reconnect in ${ms} ms` });
  return new DataStream([why], { retry: ms, keepAlive: false, headers });
}
