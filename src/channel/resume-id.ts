import type { RequestLike } from "../core/types.ts";
import { readLastEventId } from "../core/last-event-id.ts";

/**
 * The id a client resumes after: its `Last-Event-ID` header (decoded from UTF-8, as
 * `readLastEventId` does for `ctx.lastEventId`), else a `lastEventId` query parameter (for clients
 * that cannot set headers; `URLSearchParams` decodes its percent-escapes as UTF-8). The header wins:
 * a browser's `EventSource` keeps its first URL when it reconnects, so the parameter can be older
 * than the header. An empty value is none.
 */
export function readResumeId(request: (RequestLike & { readonly url?: string }) | undefined): string | undefined {
  const header = readLastEventId(request);
  if (header !== undefined && header !== "") return header;
  const url = request?.url;
  if (typeof url !== "string" || !url.includes("lastEventId=")) return undefined;
  let value: string | null;
  try {
    // Node's IncomingMessage has a path only, hence the base.
    value = new URL(url, "http://localhost").searchParams.get("lastEventId");
  } catch {
    return undefined;
  }
  return value === null || value === "" ? undefined : value;
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
