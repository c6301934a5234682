/**
 * Output checks: bytes are parsed with eventsource-parser into what a browser's EventSource would
 * dispatch (`{ type, data, lastEventId }`), then compared with the fixtures' expected events.
 */
import { createParser } from "eventsource-parser";

/** An incremental parser: `feed(bytes)` as chunks arrive, `events` as they are dispatched. */
export function eventCollector({ keep = true } = {}) {
  const events = [];
  let count = 0;
  let lastEventId = "";
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      // [spec] an id field sets the last event id buffer, which later events keep.
      if (event.id !== undefined) lastEventId = event.id;
      count++;
      if (keep) events.push({ type: event.event ?? "message", data: event.data, lastEventId });
    },
  });
  return {
    events,
    get count() {
      return count;
    },
    feed(bytes) {
      parser.feed(decoder.decode(bytes, { stream: true }));
    },
    end() {
      parser.feed(decoder.decode());
    },
  };
}

export function parseEvents(chunks) {
  const collector = eventCollector();
  for (const chunk of chunks) collector.feed(chunk);
  collector.end();
  return collector.events;
}

function show(value) {
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Compares parsed events with the expected ones: `{ ok, detail }`, detail naming the first difference. */
export function compareEvents(actual, expected) {
  const length = Math.min(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    const a = actual[i];
    const e = expected[i];
    for (const key of ["type", "data", "lastEventId"]) {
      if (a[key] !== e[key]) {
        return { ok: false, detail: `event ${i + 1}: ${key} is ${show(a[key])}, expected ${show(e[key])}` };
      }
    }
  }
  if (actual.length !== expected.length) {
    return { ok: false, detail: `${actual.length} events parsed, expected ${expected.length}` };
  }
  return { ok: true, detail: `${expected.length} events match` };
}

/**
 * Workload F: whether a chunk ends with the blank line that dispatches an event, written as LF LF
 * (what every contender writes; a CRLF stream would never count as received, and its publish would
 * fail on time rather than be timed short).
 */
export function endsWithBlankLine(chunk) {
  return chunk.length >= 2 && chunk[chunk.length - 1] === 10 && chunk[chunk.length - 2] === 10;
}

/**
 * Workload F: checks one subscriber's stream as it arrives, publish after publish. `check(chunks,
 * expected)` parses the chunks received since the last call (with the parser state of everything
 * before, so a last event id carries over) and compares the events they dispatched with `expected`.
 */
export function streamChecker() {
  const collector = eventCollector();
  return {
    check(chunks, expected) {
      for (const chunk of chunks) collector.feed(chunk);
      return compareEvents(collector.events.splice(0), expected);
    },
  };
}
