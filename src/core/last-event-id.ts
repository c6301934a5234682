import type { RequestLike } from "./types.ts";
import { describeValue } from "./describe-value.ts";

/**
 * The last event id a client says it saw. Its `Last-Event-ID` request header, from a `Headers`-like
 * object or a plain record (as Node's `IncomingMessage` has), decoded from UTF-8 (see
 * `decodeHeaderValue`); when that header is absent or empty, the `lastEventId` query parameter of
 * `request.url` (a client that cannot set headers, such as a reloaded page's new `EventSource`, puts
 * it there), percent-decoded as UTF-8 by `URLSearchParams`. The header wins: `EventSource` keeps its
 * first URL when it reconnects, so the parameter can be older than the header. An empty parameter is
 * none. The value is the client's: it is not checked against the rules of an id.
 */
export function readLastEventId(request: RequestLike | undefined): string | undefined {
  if (request === undefined) return undefined;
  const header = readHeader(request.headers);
  return header !== undefined && header !== "" ? header : (readQueryParameter(request.url) ?? header);
}

const CONTEXT = "Cannot read the last event id";

function readHeader(headers: RequestLike["headers"]): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    const value: unknown = (headers as { get(name: string): unknown }).get("last-event-id");
    if (value === null || value === undefined) return undefined;
    if (typeof value !== "string") {
      throw new TypeError(
        `${CONTEXT}: \`request.headers.get("last-event-id")\` must return a string or null (got ${describeValue(value)})`,
      );
    }
    return headersHoldText() ? value : decodeHeaderValue(value);
  }
  const value = recordValue(headers as Readonly<Record<string, unknown>>);
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  if (typeof first !== "string") {
    throw new TypeError(
      `${CONTEXT}: the \`last-event-id\` entry of \`request.headers\` must be a string or a list of strings (got ${describeValue(first)})`,
    );
  }
  return decodeHeaderValue(first);
}

/** The `Last-Event-ID` entry of a plain header record, its name in any letter case (Node's are lower case). */
function recordValue(record: Readonly<Record<string, unknown>>): unknown {
  const value = record["last-event-id"];
  if (value !== undefined) return value;
  for (const key in record) if (key.toLowerCase() === "last-event-id") return record[key];
  return undefined;
}

/** The non-empty `lastEventId` parameter of a URL or of a path (Node's `IncomingMessage.url`). */
function readQueryParameter(url: string | undefined): string | undefined {
  // Parsed only when the parameter may be there: by its name, or percent-encoded (`lastEvent%49d`).
  if (url === undefined || !(url.includes("lastEventId=") || url.includes("%"))) return undefined;
  let value: string | null;
  try {
    value = new URL(url, "http://localhost").searchParams.get("lastEventId");
  } catch {
    // Not a URL: it has no query to read.
    return undefined;
  }
  return value === null || value === "" ? undefined : value;
}

/**
 * A header value as most runtimes hand it over (each byte one character, U+0000 to U+00FF), read as
 * the UTF-8 a browser sends. A value that is ASCII, that is not valid UTF-8 (kept as Latin-1: no byte
 * is lost), or that holds a character above U+00FF (its runtime decoded it already) is returned as is.
 * So `"\u00e2\u0080\u00a6"` (the bytes E2 80 A6) becomes `"…"`, and `"\u00e9"` (the byte E9) stays `"é"`.
 */
export function decodeHeaderValue(value: string): string {
  if (/[^\0-\x7F]/.test(value) && !/[^\0-\xFF]/.test(value)) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
        Uint8Array.from(value, (char) => char.charCodeAt(0)),
      );
    } catch {
      // Not UTF-8: kept as Latin-1.
    }
  }
  return value;
}

/**
 * The header value that puts `value` on the wire as its UTF-8 bytes, as a browser's `EventSource` sends
 * `Last-Event-ID`: the inverse of `decodeHeaderValue`. fetch writes each character of a header value
 * as one byte and refuses any above U+00FF, so the bytes go in as Latin-1 characters; where `Headers`
 * hold text (workerd, see `headersHoldText`), its fetch writes UTF-8 itself and `value` goes in as it
 * is. An ASCII value is the same either way.
 */
export function encodeHeaderValue(value: string): string {
  if (headersHoldText() || !/[^\0-\x7F]/.test(value)) return value;
  return Array.from(new TextEncoder().encode(value), (byte) => String.fromCharCode(byte)).join("");
}

/**
 * Whether this runtime's `Headers` hold text rather than bytes: workerd decodes incoming header
 * values from UTF-8 itself (an invalid byte becomes U+FFFD) and takes any string, where the others
 * (as the Fetch standard says) hand each byte over as one character. Decoding text again would turn an
 * id like "Ã©" into "é". Told by `navigator.userAgent`, which Workers set to "Cloudflare-Workers":
 * trying a non-Latin-1 header value instead would make workerd log a warning.
 */
function headersHoldText(): boolean {
  return typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
}
