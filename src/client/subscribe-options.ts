import { checkKeys } from "../core/check.ts";
import { describeError, describeValue } from "../core/describe-value.ts";
import type { Backoff } from "./backoff.ts";
import { createEventDecoder, type EventDecoder } from "./event-map.ts";
import type { AttemptInfo, BodyOption, FetchLike, GapInfo, HeadersOption, RetryInfo } from "./types.ts";

export const CONTEXT = "Cannot subscribe";

const KNOWN: ReadonlySet<string> = new Set([
  "method",
  "body",
  "headers",
  "credentials",
  "signal",
  "lastEventId",
  "fetch",
  "reconnect",
  "stallTimeout",
  "events",
  "onOpen",
  "onRetry",
  "onGap",
]);
const RECONNECT_KEYS: ReadonlySet<string> = new Set(["delay", "maxDelay", "jitter", "maxRetries"]);
/** What only a request can use: a `Response` input has already been fetched. */
const REQUEST_ONLY = ["method", "body", "headers", "credentials", "lastEventId", "fetch", "reconnect"] as const;
/** What a `Request` input already holds. */
const IN_REQUEST = ["method", "body", "credentials"] as const;
const CREDENTIALS: ReadonlySet<string> = new Set(["omit", "same-origin", "include"]);
/** A method name: an HTTP token (RFC 9110 §5.6.2), and none of the methods fetch refuses to send. */
const METHOD = /^(?!(?:CONNECT|TRACE|TRACK)$)[!#$%&'*+.^`|~\w-]+$/i;

const DEFAULT_STALL_TIMEOUT = 45_000;
const DEFAULT_BACKOFF: Readonly<Backoff> = { delay: 1_000, maxDelay: 30_000, jitter: 0.5, maxRetries: Infinity };

/** A subscription's settings, checked once. */
export interface SubscribeConfig {
  /** The URL to fetch; undefined for a `Request` or `Response` input. */
  readonly target: string | URL | undefined;
  /** A `Request` input: cloned for each attempt. */
  readonly request: Request | undefined;
  /** A `Response` input: read once, never reconnected. */
  readonly response: Response | undefined;
  /** The URL, for messages. */
  readonly url: string;
  readonly method: string | undefined;
  readonly body: BodyOption | undefined;
  /** The `headers` option: read into a `Headers` when it is not a function. */
  readonly headers: Headers | ((attempt: AttemptInfo) => HeadersInit | Promise<HeadersInit>) | undefined;
  readonly credentials: RequestCredentials | undefined;
  /** The caller's signals: `signal`, and a `Request` input's own. */
  readonly signals: readonly AbortSignal[];
  readonly lastEventId: string;
  readonly fetch: FetchLike;
  /** `false`: never reconnect. */
  readonly backoff: Backoff | false;
  readonly stallTimeout: number | false;
  readonly decode: EventDecoder | undefined;
  readonly onOpen: ((response: Response) => void | Promise<void>) | undefined;
  readonly onRetry: ((info: RetryInfo) => void | Promise<void>) | undefined;
  readonly onGap: ((gap: GapInfo) => void | Promise<void>) | undefined;
}

/**
 * Checks what `subscribe` was given.
 *
 * @throws {TypeError} naming the input or the option and showing the bad value
 */
export function resolveSubscribeOptions(input: unknown, options: unknown): SubscribeConfig {
  checkKeys(options, KNOWN, CONTEXT);
  const o = options as Record<string, unknown>;
  const given = (key: string): boolean => o[key] !== undefined;

  let target: SubscribeConfig["target"];
  let request: Request | undefined;
  let response: Response | undefined;
  let url: string;
  if (typeof input === "string" || input instanceof URL) {
    target = input;
    url = String(input);
  } else if (isInstance<Request>(input, "Request")) {
    for (const key of IN_REQUEST) {
      if (given(key))
        throw new TypeError(`${CONTEXT}: \`${key}\` cannot be given with a Request input; set it on the Request`);
    }
    request = input;
    url = input.url;
  } else if (isInstance<Response>(input, "Response")) {
    for (const key of REQUEST_ONLY) {
      if (given(key))
        throw new TypeError(
          `${CONTEXT}: \`${key}\` cannot be given with a Response input: it was fetched already and is read once`,
        );
    }
    response = input;
    url = input.url;
  } else {
    throw new TypeError(
      `${CONTEXT}: \`input\` must be a URL string, a URL, a Request or a Response (got ${describeValue(input)})`,
    );
  }

  const method = optional(
    o,
    "method",
    'a method fetch can send, such as "GET" or "POST"',
    (v): v is string => typeof v === "string" && METHOD.test(v),
  );
  const body = o["body"] as BodyOption | undefined;
  if (body !== undefined && given("method") && /^(?:GET|HEAD)$/i.test(method ?? "")) {
    throw new TypeError(`${CONTEXT}: \`body\` cannot be sent with method ${describeValue(method)}; use "POST"`);
  }
  const requestMethod = (method ?? (body !== undefined ? "POST" : (request?.method ?? "GET"))).toUpperCase();
  const givenHeaders = optional(
    o,
    "headers",
    "a Headers, a record, a list of pairs or a function",
    (v): v is HeadersOption => (typeof v === "object" && v !== null) || typeof v === "function",
  );
  // Read once, now: a bad name or value is refused before anything is fetched, and an iterable is not used up.
  const headers =
    givenHeaders === undefined || typeof givenHeaders === "function"
      ? givenHeaders
      : readHeaders(givenHeaders, "`headers`");
  const credentials = optional(
    o,
    "credentials",
    '"omit", "same-origin" or "include"',
    (v): v is RequestCredentials => typeof v === "string" && CREDENTIALS.has(v),
  );
  const signal = optional(o, "signal", "an AbortSignal", (v): v is AbortSignal =>
    isInstance<AbortSignal>(v, "AbortSignal"),
  );
  const lastEventId =
    optional(
      o,
      "lastEventId",
      "a string without CR, LF, NUL or lone surrogates",
      (v): v is string => typeof v === "string" && !/[\r\n\0]|[\uD800-\uDFFF]/u.test(v),
    ) ?? "";
  const fetchOption = optional(o, "fetch", "a function", (v): v is FetchLike => typeof v === "function");
  if (fetchOption === undefined && typeof fetch !== "function" && response === undefined) {
    throw new TypeError(`${CONTEXT}: this runtime has no global fetch; pass one as \`fetch\``);
  }
  // Without a page, the global fetch cannot resolve a relative URL: say so now, not once per retry.
  if (fetchOption === undefined && typeof target === "string" && !isAbsoluteUrl(target) && !hasBaseUrl()) {
    throw new TypeError(
      `${CONTEXT}: \`input\` must be an absolute URL here, as there is no page to resolve it against (got ${describeValue(target)})`,
    );
  }
  const stallTimeout =
    optional(
      o,
      "stallTimeout",
      "a positive number of milliseconds or false",
      (v): v is number | false => v === false || (typeof v === "number" && v > 0 && v <= 2_147_483_647),
    ) ?? DEFAULT_STALL_TIMEOUT;

  const backoff = response === undefined ? readReconnect(o["reconnect"], requestMethod) : false;
  if (
    backoff !== false &&
    body !== undefined &&
    typeof body !== "function" &&
    isInstance<ReadableStream>(body, "ReadableStream")
  ) {
    throw new TypeError(
      `${CONTEXT}: a ReadableStream \`body\` can be sent once, so it cannot be sent again on reconnection; ` +
        `pass a function that returns a fresh body, or set \`reconnect: false\``,
    );
  }

  const hook = <F>(key: string): F | undefined =>
    optional(o, key, "a function", (v): v is F => typeof v === "function");
  return {
    target,
    request,
    response,
    url,
    method: request === undefined ? requestMethod : undefined,
    body,
    headers,
    credentials,
    signals: [signal, request?.signal].filter((s): s is AbortSignal => s !== undefined),
    lastEventId,
    fetch: fetchOption ?? ((resource, init) => fetch(resource, init)),
    backoff,
    stallTimeout,
    decode: o["events"] === undefined ? undefined : createEventDecoder(o["events"], CONTEXT),
    onOpen: hook("onOpen"),
    onRetry: hook("onRetry"),
    onGap: hook("onGap"),
  };
}

function readReconnect(value: unknown, method: string): Backoff | false {
  if (value === undefined) return method === "GET" ? { ...DEFAULT_BACKOFF } : false;
  if (value === false) return false;
  if (value === true) return { ...DEFAULT_BACKOFF };
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${CONTEXT}: \`reconnect\` must be a boolean or { delay?, maxDelay?, jitter?, maxRetries? } (got ${describeValue(value)})`,
    );
  }
  checkKeys(value, RECONNECT_KEYS, `${CONTEXT}: \`reconnect\``);
  const r = value as Record<string, unknown>;
  const ms = (v: unknown): v is number => typeof v === "number" && v >= 0 && v <= 2_147_483_647;
  return {
    delay: optional(r, "delay", "a number of milliseconds >= 0", ms, "reconnect.") ?? DEFAULT_BACKOFF.delay,
    maxDelay: optional(r, "maxDelay", "a number of milliseconds >= 0", ms, "reconnect.") ?? DEFAULT_BACKOFF.maxDelay,
    jitter:
      optional(
        r,
        "jitter",
        "a number from 0 to 1",
        (v): v is number => typeof v === "number" && v >= 0 && v <= 1,
        "reconnect.",
      ) ?? DEFAULT_BACKOFF.jitter,
    maxRetries:
      optional(
        r,
        "maxRetries",
        "a whole number >= 0 or Infinity",
        (v): v is number => typeof v === "number" && v >= 0 && (Number.isInteger(v) || v === Infinity),
        "reconnect.",
      ) ?? DEFAULT_BACKOFF.maxRetries,
  };
}

/**
 * Headers read into a `Headers`, as fetch would read them.
 *
 * @param name - what they are called in the message: the option, or what its function returned
 * @throws {TypeError} naming them and the first header whose name or value fetch refuses
 */
export function readHeaders(init: HeadersInit, name: string): Headers {
  try {
    return new Headers(init);
  } catch (error) {
    let got = `${describeValue(init)}: ${describeError(error)}`;
    try {
      // The first entry that fetch refuses on its own, to show it.
      for (const [key, value] of Symbol.iterator in init
        ? (init as Iterable<[string, string]>)
        : Object.entries(init)) {
        try {
          new Headers([[key, value]]);
        } catch {
          got = `the header ${describeValue(key)}: ${describeValue(value)}`;
          break;
        }
      }
    } catch {
      // Not a list of pairs: the whole value is shown.
    }
    throw new TypeError(`${CONTEXT}: ${name} must hold valid header names and values (got ${got})`, { cause: error });
  }
}

/** The option `key` when it is set and passes `check`; throws a `TypeError` when it is set and does not. */
function optional<T>(
  options: Record<string, unknown>,
  key: string,
  expected: string,
  check: (value: unknown) => value is T,
  prefix = "",
): T | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (!check(value))
    throw new TypeError(`${CONTEXT}: \`${prefix}${key}\` must be ${expected} (got ${describeValue(value)})`);
  return value;
}

function isAbsoluteUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function hasBaseUrl(): boolean {
  return typeof (globalThis as { location?: unknown }).location === "object";
}

/** `instanceof`, or the same class from another realm or another copy of the platform. */
function isInstance<T>(value: unknown, name: string): value is T {
  const ctor = (globalThis as Record<string, unknown>)[name];
  if (typeof ctor === "function" && value instanceof ctor) return true;
  return typeof value === "object" && value !== null && Object.prototype.toString.call(value) === `[object ${name}]`;
}
