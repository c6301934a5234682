/**
 * Formats validated event fields as one event-stream frame.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */

/**
 * The five fields of one server-sent event, each optional (`undefined` is absent): what a `Message`
 * is made of, what a channel stores, what a broker is handed. The one declaration of these fields.
 */
export interface EventFields {
  /** The event's data. Line breaks (CRLF, CR, LF) split it into `data:` lines; they arrive as LF. */
  readonly data?: string | undefined;
  /** The event type (`event:`); the browser dispatches `message` when absent. No CR or LF. */
  readonly event?: string | undefined;
  /**
   * The event id (`id:`), sent back as `Last-Event-ID` on reconnect, so it must come back intact: no
   * control character, no whitespace at either end, no lone surrogate, at most `MAX_EVENT_ID_BYTES`.
   */
  readonly id?: string | undefined;
  /** The client's reconnection delay in milliseconds (`retry:`): a non-negative integer. */
  readonly retry?: number | undefined;
  /** A comment (`: …` lines): ignored by clients, still bytes on the wire. */
  readonly comment?: string | undefined;
}

/**
 * Writes every line of `text` behind `prefix`. [spec] CRLF, lone CR and lone LF all end a line, so
 * each becomes a line of its own; empty and trailing lines are kept.
 */
export function prefixLines(prefix: string, text: string): string {
  let lf = text.indexOf("\n");
  let cr = text.indexOf("\r");
  if (lf === -1 && cr === -1) return `${prefix + text}\n`;
  let out = "";
  let start = 0;
  for (;;) {
    // The nearest line end at or after `start`; CRLF counts as one.
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    if (end === -1) return `${out + prefix + text.slice(start)}\n`;
    out += `${prefix + text.slice(start, end)}\n`;
    start = end + (end === cr && lf === end + 1 ? 2 : 1);
    if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
    if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
  }
}

/**
 * Formats one frame from validated fields: comment lines, then `event`, `id`, `retry`, then `data` lines, then the empty
 * line that dispatches it. [spec] `data: ` always carries the space so a value that starts with a
 * space keeps it.
 */
export function formatFrame(fields: EventFields): string {
  let out = "";
  if (fields.comment !== undefined) out += prefixLines(": ", fields.comment);
  if (fields.event !== undefined) out += `event: ${fields.event}\n`;
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  if (fields.retry !== undefined) out += `retry: ${fields.retry}\n`;
  if (fields.data !== undefined) out += prefixLines("data: ", fields.data);
  return `${out}\n`;
}
