import { encodeIdForHeader } from "../channel/resume-id.ts";

/**
 * The header in which `routeToChannels` asks an object where a stream of several channels joins its
 * channel: `head` (after its newest event: the object answers with that id in `HEAD_HEADER`) or
 * `start` (from its oldest event, as for an unknown id). `routeToChannel` removes one a client sent.
 */
export const RESUME_HEADER = "edge-sse-resume";
/** The header of the object's answer to `head`: the id it joined after, percent-encoded; empty when it held none. */
export const HEAD_HEADER = "edge-sse-head";

/** Where the request asks the object's stream to join: `undefined` without the header, `null` for a value not known. */
export function readForwardedResume(request: Request): "head" | "start" | undefined | null {
  const value = request.headers.get(RESUME_HEADER);
  if (value === null) return undefined;
  return value === "head" || value === "start" ? value : null;
}

/** The header that tells the Worker where the stream joined (`undefined`: at the start, the channel held nothing). */
export function headHeader(head: string | undefined): Record<string, string> {
  return { [HEAD_HEADER]: head === undefined ? "" : encodeIdForHeader(head) };
}

/** The id `headHeader` wrote; `""` for the start, and for a header that is missing or cannot be read. */
export function readHeadHeader(response: Response): string {
  try {
    return decodeURIComponent(response.headers.get(HEAD_HEADER) ?? "");
  } catch {
    return "";
  }
}
