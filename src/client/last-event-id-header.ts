/**
 * The `Last-Event-ID` header value that puts an id on the wire as its UTF-8 bytes, as a browser's
 * `EventSource` sends it (the server side reads them back with `decodeHeaderValue`). fetch writes each
 * character of a header value as one byte and refuses any above U+00FF, so the bytes go in as Latin-1
 * characters; workerd's fetch takes text instead and writes it as UTF-8 itself, so there the id goes
 * in as it is. An ASCII id is the same either way.
 */
export function lastEventIdHeaderValue(id: string): string {
  return globalThis.navigator?.userAgent === "Cloudflare-Workers"
    ? id
    : Array.from(new TextEncoder().encode(id), (byte) => String.fromCharCode(byte)).join("");
}
