/**
 * The AsyncAPI 3.0 description of a server-sent events endpoint whose events come from an event map.
 *
 * @see https://www.asyncapi.com/docs/reference/specification/v3.0.0
 */
import { checkKeys } from "../core/check.ts";
import { describeValue } from "../core/describe-value.ts";
import type { EventEntry } from "./event-entry.ts";
import { jsonSchemaOf, type JsonSchemaObject } from "./json-schema-of.ts";

/** Where the endpoint is and what the document is called. */
export interface AsyncAPIOptions {
  /** The document's title (`info.title`). */
  readonly title: string;
  /** The version of the API (`info.version`), not of AsyncAPI. */
  readonly version: string;
  /** What the API does (`info.description`, CommonMark). */
  readonly description?: string;
  /** The server's URL: its protocol (`https:` or `http:`), host and port, and an optional base path. */
  readonly server: string;
  /** The endpoint's path on the server, for example `"/events"`; `{name}` marks a path parameter. */
  readonly address: string;
  /**
   * The channel's key in the document.
   * @default "events"
   */
  readonly channel?: string;
  /**
   * The operation's action, from the side of the application the document describes: `"receive"`
   * for a client of the endpoint, `"send"` for the server itself.
   * @default "receive"
   */
  readonly action?: "receive" | "send";
}

/** An AsyncAPI 3.0 document. */
export interface AsyncAPIDocument {
  readonly asyncapi: "3.0.0";
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly defaultContentType: string;
  readonly servers: { readonly [name: string]: JsonSchemaObject };
  readonly channels: { readonly [name: string]: JsonSchemaObject };
  readonly operations: { readonly [name: string]: JsonSchemaObject };
}

const CONTEXT = "Cannot describe events for AsyncAPI";
const KEYS: ReadonlySet<string> = new Set([
  "title",
  "version",
  "description",
  "server",
  "address",
  "channel",
  "action",
]);
const SERVER = "default";

/**
 * Describes the endpoint: one server, one channel at `address` whose messages are the events (payload:
 * the draft-07 JSON Schema of each event's output; `contentType` JSON, or `text/plain` for text
 * events), and one operation over all of them.
 *
 * @throws {TypeError} naming a missing or invalid option, or an event whose schema has no JSON Schema
 */
export function toAsyncAPIDocument(entries: Iterable<EventEntry>, options: unknown): AsyncAPIDocument {
  checkKeys(options, KEYS, CONTEXT);
  const {
    title,
    version,
    description,
    server,
    address,
    channel = "events",
    action = "receive",
  } = options as Record<string, unknown>;
  requireString("title", title);
  requireString("version", version);
  requireString("address", address);
  requireString("channel", channel);
  if (description !== undefined) requireString("description", description);
  if (action !== "receive" && action !== "send") {
    throw new TypeError(`${CONTEXT}: \`action\` must be "receive" or "send" (got ${describeValue(action)})`);
  }
  const messages: Record<string, JsonSchemaObject> = {};
  const references: JsonSchemaObject[] = [];
  for (const entry of entries) {
    messages[entry.name] = message(entry);
    references.push({ $ref: `#/channels/${pointerToken(channel)}/messages/${pointerToken(entry.name)}` });
  }
  const parameters = pathParameters(address);
  return {
    asyncapi: "3.0.0",
    info: description === undefined ? { title, version } : { title, version, description },
    defaultContentType: "application/json",
    servers: { [SERVER]: serverObject(server) },
    channels: {
      [channel]: parameters === undefined ? { address, messages } : { address, messages, parameters },
    },
    operations: {
      [`${action}${channel.charAt(0).toUpperCase()}${channel.slice(1)}`]: {
        action,
        channel: { $ref: `#/channels/${pointerToken(channel)}` },
        messages: references,
      },
    },
  };
}

function message(entry: EventEntry): JsonSchemaObject {
  const payload = jsonSchemaOf(entry, "draft-07", CONTEXT);
  return {
    name: entry.name,
    title: entry.name,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    contentType: entry.encoding === "text" ? "text/plain" : "application/json",
    payload: entry.encoding === "text" ? { ...payload, type: "string" } : payload,
  };
}

function serverObject(server: unknown): JsonSchemaObject {
  requireString("server", server);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new TypeError(
      `${CONTEXT}: \`server\` must be a URL such as "https://api.example.com" (got ${describeValue(server)})`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`${CONTEXT}: \`server\` must be an https: or http: URL (got ${describeValue(server)})`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    // A server object has a host, a protocol and a path: credentials, a query or a fragment would be lost.
    throw new TypeError(
      `${CONTEXT}: \`server\` must hold no user, password, query or fragment, which a server object cannot carry (got ${describeValue(server)})`,
    );
  }
  const protocol = url.protocol.slice(0, -1);
  return url.pathname === "/" ? { host: url.host, protocol } : { host: url.host, protocol, pathname: url.pathname };
}

/** `{ room: {} }` for an address like `/rooms/{room}/events`, or `undefined` when it has none. */
function pathParameters(address: string): JsonSchemaObject | undefined {
  // Outside the `{name}` marks, no brace: `{room` or `room}` is a mark left open, not a path.
  if (/[{}]/.test(address.replace(/\{[^{}]+\}/g, ""))) {
    throw new TypeError(
      `${CONTEXT}: \`address\` must use braces only as whole parameters such as "{room}" (got ${describeValue(address)})`,
    );
  }
  const names = Array.from(address.matchAll(/\{([^{}]+)\}/g), (match) => match[1] ?? "");
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, {}]));
}

/** A key as one token of a JSON Pointer in a URI fragment (RFC 6901 sections 4 and 6). */
function pointerToken(key: string): string {
  return encodeURIComponent(key.replaceAll("~", "~0").replaceAll("/", "~1"));
}

function requireString(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${CONTEXT}: \`${name}\` must be a non-empty string (got ${describeValue(value)})`);
  }
}
