/**
 * A literal transcription of the WHATWG "event stream interpretation" algorithm, used as a second
 * oracle next to eventsource-parser. It differs from eventsource-parser where that library departs
 * from the spec: the last event id persists across events (eventsource-parser forgets it after each
 * dispatch), and an event without a type is reported as "message" (eventsource-parser: undefined).
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched MessageEvent, as a browser would build it. */
export interface SpecEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/** Everything the algorithm observably does with a whole stream. */
export interface SpecParse {
  readonly events: SpecEvent[];
  /** Every value the reconnection time was set to, in order. */
  readonly retries: number[];
  /** The last event ID string of the event source once the stream ended. */
  readonly lastEventId: string;
}

/** Parses a complete event stream (already decoded to text) the way the spec says. */
export function parseSpec(stream: string): SpecParse {
  const events: SpecEvent[] = [];
  const retries: number[] = [];
  let lastEventIdString = "";
  let dataBuffer = "";
  let eventTypeBuffer = "";
  let lastEventIdBuffer = "";

  // [spec] One leading U+FEFF BYTE ORDER MARK is ignored.
  const text = stream.startsWith("\uFEFF") ? stream.slice(1) : stream;

  const dispatch = (): void => {
    lastEventIdString = lastEventIdBuffer;
    if (dataBuffer === "") {
      eventTypeBuffer = "";
      return;
    }
    const data = dataBuffer.endsWith("\n") ? dataBuffer.slice(0, -1) : dataBuffer;
    events.push({ type: eventTypeBuffer === "" ? "message" : eventTypeBuffer, data, lastEventId: lastEventIdString });
    dataBuffer = "";
    eventTypeBuffer = "";
  };

  const processField = (field: string, value: string): void => {
    switch (field) {
      case "event":
        eventTypeBuffer = value;
        break;
      case "data":
        dataBuffer += `${value}\n`;
        break;
      case "id":
        if (!value.includes("\0")) lastEventIdBuffer = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) retries.push(Number.parseInt(value, 10));
        break;
      default:
        break;
    }
  };

  // [spec] Lines end in CRLF, a lone LF or a lone CR. An unterminated last line is discarded.
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 10 && code !== 13) continue;
    const line = text.slice(start, i);
    if (code === 13 && text.charCodeAt(i + 1) === 10) i++;
    start = i + 1;
    if (line === "") {
      dispatch();
    } else if (line.startsWith(":")) {
      // comment: ignored
    } else {
      const colon = line.indexOf(":");
      if (colon === -1) {
        processField(line, "");
      } else {
        const value = line.slice(colon + 1);
        processField(line.slice(0, colon), value.startsWith(" ") ? value.slice(1) : value);
      }
    }
  }
  return { events, retries, lastEventId: lastEventIdString };
}

/** Replaces every lone surrogate with U+FFFD, like `String.prototype.toWellFormed` (ES2024). */
export function toWellFormed(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] ?? "";
        out += text[i + 1] ?? "";
        i++;
        continue;
      }
      out += "\uFFFD";
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      out += "\uFFFD";
    } else {
      out += text[i] ?? "";
    }
  }
  return out;
}

/** What a data value becomes on the client: every CRLF and lone CR arrives as LF. */
export function normalizeLineBreaks(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** The lines of a multi-line value, split the way the spec splits a stream (CRLF, CR, LF). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
