import type { DurableObjectNamespaceLike, DurableObjectStubLike } from "./types.ts";
import { describeValue } from "../core/describe-value.ts";
import { checkInstant, checkKeys } from "../core/check.ts";
import { setForwardedExpiry } from "./forwarded-expiry.ts";
import { RESUME_HEADER } from "./forwarded-resume.ts";

const CONTEXT = "Cannot route to channel";
const OPTION_KEYS: ReadonlySet<string> = new Set(["expiresAt"]);

/** Options of `routeToChannel`. */
export interface RouteOptions {
  /**
   * When a subscriber's stream ends (the `validUntil` of the token the Worker verified), in
   * milliseconds since the epoch or as a `Date`: the object's stream then sends `EXPIRED_EVENT` and
   * closes with reason `"expired"`. Forwarded in the `edge-sse-expires-at` header.
   * @default none: the stream does not expire
   */
  readonly expiresAt?: number | Date | undefined;
}

/**
 * Forwards a request to the Durable Object that owns the channel `name`: the same name always
 * reaches the same object, wherever the request arrives. Use it in the Worker, after deciding who
 * may subscribe or publish.
 *
 * The object takes the `edge-sse-expires-at` header as the Worker's word, so this sets it from
 * `options.expiresAt` and removes one the client sent: a client cannot choose its own expiry.
 *
 * @param request - the request to forward, as is (method, headers such as `Last-Event-ID`, URL, body)
 * @param namespace - the binding of a `ChannelObject` class (`env.CHANNELS`)
 * @param name - the channel's name, a non-empty string
 * @param options - `expiresAt`
 * @returns the object's response
 * @throws {TypeError} when `request` is not a request, `namespace` not a Durable Object namespace, `name` not a
 *   non-empty string, or an option is invalid
 * @example One channel per path: `/rooms/:room`
 * ```ts ignore
 * import { routeToChannel, type DurableObjectNamespaceLike } from "edge-sse/durable-object";
 *
 * export default {
 *   fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Response | Promise<Response> {
 *     const match = /^\/rooms\/([\w-]+)$/.exec(new URL(request.url).pathname);
 *     if (match === null) return new Response("Not found", { status: 404 });
 *     return routeToChannel(request, env.CHANNELS, match[1]!);
 *   },
 * };
 * ```
 */
export function routeToChannel<Id>(
  request: Request,
  namespace: DurableObjectNamespaceLike<Id>,
  name: string,
  options: RouteOptions = {},
): Promise<Response> {
  const { url, method } = (request ?? {}) as Partial<Request>;
  if (typeof request !== "object" || typeof url !== "string" || typeof method !== "string") {
    throw new TypeError(`${CONTEXT}: \`request\` must be a Request (got ${describeValue(request)})`);
  }
  checkNamespace(namespace, CONTEXT);
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${CONTEXT}: \`name\` must be a non-empty string (got ${describeValue(name)})`);
  }
  checkKeys(options, OPTION_KEYS, CONTEXT);
  const headers = new Headers(request.headers);
  setForwardedExpiry(headers, checkInstant("expiresAt", options.expiresAt, CONTEXT));
  headers.delete(RESUME_HEADER); // only routeToChannels asks for it
  return forward(request, headers, namespace.get(namespace.idFromName(name)));
}

/** @throws {TypeError} when `namespace` is not a Durable Object namespace */
export function checkNamespace(namespace: unknown, context: string): void {
  const methods = namespace as Partial<DurableObjectNamespaceLike<unknown>> | null | undefined;
  if (typeof methods?.idFromName !== "function" || typeof methods.get !== "function") {
    throw new TypeError(
      `${context}: \`namespace\` must be a Durable Object namespace with idFromName and get (got ` +
        `${describeValue(namespace)}); bind the class under [[durable_objects.bindings]] in wrangler.toml and ` +
        `pass env.<NAME>`,
    );
  }
}

/**
 * Forwards `request` (with `headers`) to `stub`, its body read through this Worker, chunk by chunk as the object asks for
 * it, and cancels what is left of the body once the object has answered (before the response goes
 * out). An object that refuses a body answers before reading all of it; forwarded as is, the body
 * would go on being pumped to it after the response, and workerd would log "Can't read from request
 * stream after response has been sent".
 */
async function forward(request: Request, headers: Headers, stub: DurableObjectStubLike): Promise<Response> {
  const body = request.body;
  if (body === null) return stub.fetch(new Request(request, { headers }));
  const source = body.getReader();
  let answered = false;
  const piped = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (answered) return controller.close(); // Never read the body after the response.
        const { done, value } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  const init: RequestInit & { duplex: "half" } = { body: piped, duplex: "half", headers };
  try {
    return await stub.fetch(new Request(request, init));
  } finally {
    // Before the response goes out: the body can be cancelled now, and read no more.
    answered = true;
    source.cancel(new Error("The channel's object has answered: the rest of the body is not needed")).catch(() => {});
  }
}
