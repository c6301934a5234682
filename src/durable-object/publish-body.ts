import type { MessageInit } from "../core/message.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import { assertEventId } from "../core/fields.ts";
import { PUBLISH } from "../channel/publishable-event.ts";

/** Why a publish request was refused: the HTTP status and a message for the client. */
export interface RefusedPublish {
  readonly status: 400 | 413 | 415;
  readonly error: string;
}

const CONTEXT = PUBLISH;
const JSON_KEYS: ReadonlySet<string> = new Set(["data", "event", "id"]);
const ACCEPTED = "send JSON (content-type: application/json) or text (content-type: text/plain)";

/**
 * Reads the event a POST asks to publish. A JSON body is an object
 * `{ "data": <a string, or another JSON value, sent as its JSON text>, "event"?: string, "id"?: string }`;
 * a text body is the data itself. The id is checked here (it must be a valid id, see `assertEventId`);
 * the other fields later, by `Message`.
 *
 * @returns the event's fields, or why the request is refused
 */
export async function readPublishBody(request: Request, maxBytes: number): Promise<MessageInit | RefusedPublish> {
  const contentType = request.headers.get("content-type");
  const [mediaType = "", ...parameters] = (contentType ?? "").split(";").map((part) => part.trim().toLowerCase());
  const isJson = mediaType === "application/json" || mediaType.endsWith("+json");
  if (!isJson && mediaType !== "text/plain") {
    await discardBody(request.body, maxBytes);
    const got = contentType === null ? "no content-type" : describeValue(contentType);
    return { status: 415, error: `${CONTEXT}: ${ACCEPTED} (got ${got})` };
  }
  const charset = parameters
    .find((parameter) => parameter.startsWith("charset="))
    ?.slice(8)
    .replace(/^"|"$/g, "");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    await discardBody(request.body, maxBytes);
    return { status: 415, error: `${CONTEXT}: the body must be UTF-8 (got charset ${describeValue(charset)})` };
  }
  const text = await readText(request, maxBytes);
  if (typeof text !== "string") return text;
  return isJson ? fromJson(text) : { data: text };
}

function fromJson(text: string): MessageInit | RefusedPublish {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { status: 400, error: `${CONTEXT}: the body is not valid JSON (${describeError(error)})` };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      status: 400,
      error: `${CONTEXT}: the JSON body must be an object like {"data": …, "event"?: "name"} (got ${describeValue(body)})`,
    };
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!JSON_KEYS.has(key))
      return { status: 400, error: `${CONTEXT}: unknown field \`${key}\` (expected data, event or id)` };
  }
  const { data, event, id } = fields;
  if (data === undefined) return { status: 400, error: `${CONTEXT}: the JSON body has no \`data\` field` };
  for (const [name, value] of [
    ["event", event],
    ["id", id],
  ] as const) {
    if (value !== undefined && typeof value !== "string") {
      return { status: 400, error: `${CONTEXT}: \`${name}\` must be a string (got ${describeValue(value)})` };
    }
  }
  // An id must come back intact from the browser: the rules of a Message's id, with this context.
  if (id !== undefined) {
    try {
      assertEventId(id, CONTEXT);
    } catch (error) {
      return { status: 400, error: describeError(error) };
    }
  }
  return {
    data: typeof data === "string" ? data : JSON.stringify(data),
    event: event as string | undefined,
    id: id as string | undefined,
  };
}

/**
 * The body as UTF-8 text, read no further than `maxBytes`: a body that declares more in its
 * `content-length` is not read at all, and one that streams more is read only up to the bound.
 */
async function readText(request: Request, maxBytes: number): Promise<string | RefusedPublish> {
  const tooLarge: RefusedPublish = { status: 413, error: `${CONTEXT}: the body is larger than ${maxBytes} bytes` };
  const declared = Number(request.headers.get("content-length") ?? 0);
  const body = request.body;
  if (declared > maxBytes) return tooLarge;
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      reader.releaseLock(); // The rest stays unread: see discardBody.
      return tooLarge;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { status: 400, error: `${CONTEXT}: the body is not valid UTF-8` };
  }
}

/**
 * Reads a refused body and drops it, but no more than `maxBytes` of it: a small body is consumed,
 * and the rest of a large one is left unread. Unread, not cancelled: `routeToChannel` feeds the
 * body to the object as it reads, and cancels the rest itself once the object has answered; a
 * Worker that forwards the request as is would see its connection to the object break.
 */
export async function discardBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  try {
    for (let read = 0; read <= maxBytes; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } catch {
    // The sender went away: nothing left to drop.
  } finally {
    reader.releaseLock();
  }
}
