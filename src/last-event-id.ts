import type { RequestLike } from "./types.ts";

/** Reads the `Last-Event-ID` request header from a `Headers`-like object or a plain record. */
export function readLastEventId(request: RequestLike | undefined): string | undefined {
  if (request === undefined) return undefined;
  const headers = request.headers;
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get("last-event-id") ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const value = record["last-event-id"] ?? record["Last-Event-ID"];
  return typeof value === "string" ? value : value?.[0];
}
