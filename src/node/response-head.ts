import { CONNECTION_SPECIFIC_HEADERS } from "../core/default-headers.ts";
import { describeValue } from "../core/describe-value.ts";

/**
 * What the bridge reads of a handler's `Response`. A structural type: a `Response` of another realm
 * or of the `undici` package serves as well as the global one.
 */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { forEach(callback: (value: string, name: string) => void): void };
  readonly body: ReadableStream<Uint8Array> | null;
  /** Whether the body was read from (a `Response` says; a bridge takes over only a body nobody read). */
  readonly bodyUsed?: boolean;
}

/** The status line and headers to hand to Node's `writeHead`, checked so that Node cannot refuse them. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** One TypeError, for `onError`, per connection-specific header left out because the response goes over HTTP/2. */
  readonly dropped: readonly TypeError[];
}

/** A header name: an RFC 9110 token, in lower case as HTTP/2 needs it. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** A header value as RFC 9110 and Node's HTTP/1.1 server allow it: no control character but tab. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const CONTEXT = "Cannot send the handler's Response";

/** Whether the handler's return value can be sent as a response. */
export function isResponseLike(value: unknown): value is ResponseLike {
  if (typeof value !== "object" || value === null) return false;
  const { status, headers, body } = value as Partial<Record<keyof ResponseLike, unknown>>;
  return (
    typeof status === "number" &&
    typeof (headers as { forEach?: unknown } | null)?.forEach === "function" &&
    (body === null || typeof (body as { getReader?: unknown } | undefined)?.getReader === "function")
  );
}

/**
 * Checks a handler's `Response` the way HTTP/1.1 and HTTP/2 both would, so the two protocols answer
 * alike: the status must be 200-599 and every header a token name with a value free of control
 * characters (Node's HTTP/2 server would send `\x01` as is; its HTTP/1.1 server refuses it). Over
 * HTTP/2, connection-specific headers are left out, each with an error in `dropped`, as RFC 9113
 * §8.2.2 asks of anything that turns an HTTP/1.1 message into an HTTP/2 one.
 *
 * @throws {TypeError} naming the status or header Node would refuse
 */
export function responseHead(response: ResponseLike, http2: boolean): ResponseHead {
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError(`${CONTEXT}: \`status\` must be an integer from 200 to 599 (got ${describeValue(status)})`);
  }
  // No prototype: a header named `__proto__` is a header like any other.
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const cookies: string[] = [];
  const dropped: TypeError[] = [];
  response.headers.forEach((value, name) => {
    const lower = typeof name === "string" ? name.toLowerCase() : name;
    if (typeof lower !== "string" || !FIELD_NAME.test(lower)) {
      throw new TypeError(`${CONTEXT}: a header name must be an HTTP token (got ${describeValue(name)})`);
    }
    if (typeof value !== "string" || !FIELD_VALUE.test(value)) {
      throw new TypeError(
        `${CONTEXT}: header \`${lower}\` holds a character HTTP does not allow in a field value (got ${describeValue(value)})`,
      );
    }
    if (http2 && CONNECTION_SPECIFIC_HEADERS.has(lower)) {
      dropped.push(
        new TypeError(
          `Cannot send header \`${lower}\` over HTTP/2, which forbids connection-specific headers (got ` +
            `${describeValue(value)}); the response was sent without it`,
        ),
      );
    } else if (lower === "set-cookie") cookies.push(value);
    else headers[lower] = lower in headers ? `${String(headers[lower])}, ${value}` : value;
  });
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return { status, headers, dropped };
}
