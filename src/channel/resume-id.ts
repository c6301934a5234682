import type { RequestLike } from "../types.ts";
import { readLastEventId } from "../last-event-id.ts";

/**
 * The id a client resumes after: its `Last-Event-ID` header, else a `lastEventId` query parameter
 * (for clients that cannot set headers). The header wins: a browser's `EventSource` keeps its first
 * URL when it reconnects, so the parameter can be older than the header. An empty value is none.
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
