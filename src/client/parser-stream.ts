import { createEventStreamParser, type EventStreamParserOptions } from "./parser.ts";
import type { ServerSentEvent } from "./types.ts";

/** Options of `EventStreamParserStream`. */
export interface EventStreamParserStreamOptions extends EventStreamParserOptions {
  /** Called with each `retry` value of ASCII digits, in ms. */
  readonly onRetry?: ((ms: number) => void) | undefined;
  /** Called with each comment line (without the colon and one leading space). */
  readonly onComment?: ((text: string) => void) | undefined;
}

/**
 * A `TransformStream` from an event stream's bytes (or text) to its events, with the parser of
 * `createEventStreamParser`: pipe a response body through it on a server, in a Worker, anywhere.
 * The incomplete event after the last empty line is dropped when the input ends ([spec]).
 *
 * @example Read the events of a response
 * ```ts
 * import { EventStreamParserStream, type ServerSentEvent } from "edge-sse/client";
 *
 * const response = new Response("event: tick\ndata: 1\n\ndata: 2\n\n");
 * const events: ServerSentEvent[] = [];
 * const reader = response.body!.pipeThrough(new EventStreamParserStream()).getReader();
 * for (let step = await reader.read(); !step.done; step = await reader.read()) events.push(step.value);
 * console.assert(events.map((event) => `${event.event}:${event.data}`).join() === "tick:1,message:2");
 * ```
 */
export class EventStreamParserStream extends TransformStream<Uint8Array | string, ServerSentEvent> {
  /**
   * @param options - `lastEventId` (the id in force before the stream sets one), `onRetry`, `onComment`
   * @throws {TypeError} when an option has the wrong type
   */
  constructor(options: EventStreamParserStreamOptions = {}) {
    let enqueue: (event: ServerSentEvent) => void = () => {};
    const parser = createEventStreamParser(
      { onEvent: (event) => enqueue(event), onRetry: options.onRetry, onComment: options.onComment },
      { lastEventId: options.lastEventId },
    );
    super({
      start(controller) {
        enqueue = (event) => controller.enqueue(event);
      },
      transform(chunk) {
        parser.feed(chunk);
      },
      flush() {
        parser.end();
      },
    });
  }
}
