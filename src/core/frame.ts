/**
 * Formats validated event fields as one event-stream frame.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */

/** Event fields whose values are already validated. */
export interface FrameFields {
  readonly comment?: string | undefined;
  readonly event?: string | undefined;
  readonly id?: string | undefined;
  readonly retry?: number | undefined;
  readonly data?: string | undefined;
}

/**
 * Writes every line of `text` behind `prefix`. [spec] CRLF, lone CR and lone LF all end a line, so
 * each becomes a line of its own; empty and trailing lines are kept.
 */
export function prefixLines(prefix: string, text: string): string {
  let lf = text.indexOf("\n");
  let cr = text.indexOf("\r");
  if (lf === -1 && cr === -1) return prefix + text + "\n";
  let out = "";
  let start = 0;
  for (;;) {
    // The nearest line end at or after `start`; CRLF counts as one.
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    if (end === -1) return out + prefix + text.slice(start) + "\n";
    out += prefix + text.slice(start, end) + "\n";
    start = end + (end === cr && lf === end + 1 ? 2 : 1);
    if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
    if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
  }
}

/**
 * Formats one frame: comment lines, then `event`, `id`, `retry`, then `data` lines, then the empty
 * line that dispatches it. [spec] `data: ` always carries the space so a value that starts with a
 * space keeps it.
 */
export function formatFrame(fields: FrameFields): string {
  let out = "";
  if (fields.comment !== undefined) out += prefixLines(": ", fields.comment);
  if (fields.event !== undefined) out += `event: ${fields.event}\n`;
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  if (fields.retry !== undefined) out += `retry: ${fields.retry}\n`;
  if (fields.data !== undefined) out += prefixLines("data: ", fields.data);
  return out + "\n";
}
