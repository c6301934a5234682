import type { RequestLike } from "../core/types.ts";
import { readLastEventId } from "../core/last-event-id.ts";

/**
 * The id a client resumes after, read as `ctx.lastEventId` is (see `readLastEventId`): its
 * `Last-Event-ID` header, else its URL's `lastEventId` query parameter; the header wins. An empty
 * value is none: a channel could not resume from it.
 */
export function readResumeId(request: RequestLike | undefined): string | undefined {
  return readLastEventId(request) || undefined;
}

/** What `encodeURIComponent` leaves as it is. */
const UNRESERVED = /^[\w\-.!~*'()]*$/;

/**
 * An id as a header value that cannot be refused: percent-encoded as `encodeURIComponent` does, so
 * `decodeURIComponent` reads it back and ids like `"1700000000000-0"` or `"lz3k-12"` stay as they
 * are; but where `encodeURIComponent` throws (a lone surrogate), it writes U+FFFD (`%EF%BF%BD`).
 */
export function encodeIdForHeader(id: string): string {
  if (UNRESERVED.test(id)) return id;
  let out = "";
  for (const byte of new TextEncoder().encode(id)) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
