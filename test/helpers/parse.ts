import { createParser, type EventSourceMessage } from "eventsource-parser";

/** What an independent parser (eventsource-parser) makes of a wire text. */
export interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
}

/**
 * Parses event-stream text with eventsource-parser, feeding it in the given pieces (to test chunk
 * boundaries), and returns the events, retry values and comments it saw.
 */
export function parseWire(pieces: string | readonly string[]): Parsed {
  const parsed: Parsed = { events: [], retries: [], comments: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onRetry: (ms) => parsed.retries.push(ms),
    onComment: (comment) => parsed.comments.push(comment),
  });
  for (const piece of typeof pieces === "string" ? [pieces] : pieces) parser.feed(piece);
  return parsed;
}
