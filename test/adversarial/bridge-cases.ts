/**
 * Handlers that fail in every way the Node bridge must survive, shared by bridge.test.ts (which checks
 * what each answers and reports, in the test process) and bridge-server.ts (which serves them from a
 * child process with Node's default settings, where an unhandled rejection ends the process).
 */
import type { FetchHandler } from "edge-sse/node";

/** One way a handler or its Response fails. */
export interface FailureCase {
  /** Completes "the bridge answers … when …". */
  readonly name: string;
  readonly handler: FetchHandler;
  /** `500` while no header was sent; `cut` (a destroyed response) once they were. */
  readonly answer: 500 | "cut";
  /** The error `onError` must get: this very object, or a TypeError whose message matches. */
  readonly reported: Error | RegExp;
}

const thrown = new Error("the handler threw synchronously");
const rejected = new Error("the handler rejected");
const bodyFailure = new Error("the body failed after its first chunk");

/** A header no answer to a failed Response may carry: it would leak that response. */
export const LEAK_HEADER = "x-leak";

/** A `Response` whose `status` getter says `status`, as a subclass or a proxy could. */
function responseWithStatus(status: number): Response {
  const response = new Response("never sent", { headers: { [LEAK_HEADER]: "yes" } });
  Object.defineProperty(response, "status", { value: status });
  return response;
}

/** A body that sends `first`, then fails with `error`. */
function failingBody(first: Uint8Array, error: Error): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(error);
      sent = true;
      controller.enqueue(first);
    },
  });
}

export const FAILURE_CASES: readonly FailureCase[] = [
  {
    name: "the handler returns undefined",
    handler: () => undefined as unknown as Response,
    answer: 500,
    reported: /^Cannot serve the request: the handler must return a Response \(got undefined\)$/,
  },
  {
    name: "the handler returns a string",
    handler: () => "hello" as unknown as Response,
    answer: 500,
    reported: /^Cannot serve the request: the handler must return a Response \(got "hello"\)$/,
  },
  {
    name: "the handler returns a plain object with a status",
    handler: () => ({ status: 200 }) as unknown as Response,
    answer: 500,
    reported: /^Cannot serve the request: the handler must return a Response \(got an object\)$/,
  },
  {
    name: "the handler throws synchronously",
    handler: () => {
      throw thrown;
    },
    answer: 500,
    reported: thrown,
  },
  {
    name: "the handler rejects",
    handler: () => Promise.reject(rejected),
    answer: 500,
    reported: rejected,
  },
  {
    name: "a header value holds \\x01",
    handler: () => new Response("never sent", { headers: { [LEAK_HEADER]: "yes", "x-bad": "a\x01b" } }),
    answer: 500,
    reported:
      /^Cannot send the handler's Response: header `x-bad` holds a character HTTP does not allow in a field value \(got "a\\u0001b"\)$/,
  },
  {
    name: "a header value holds \\x7f",
    handler: () => new Response("never sent", { headers: { [LEAK_HEADER]: "yes", "x-bad": "a\x7fb" } }),
    answer: 500,
    reported:
      /^Cannot send the handler's Response: header `x-bad` holds a character HTTP does not allow in a field value \(got "a\u007fb"\)$/,
  },
  {
    name: "the Response's body is already locked",
    handler: () => {
      const response = new Response("never sent", { headers: { [LEAK_HEADER]: "yes" } });
      response.body!.getReader();
      return response;
    },
    answer: 500,
    reported: /locked/i,
  },
  {
    name: "the Response's status is 99",
    handler: () => responseWithStatus(99),
    answer: 500,
    reported: /^Cannot send the handler's Response: `status` must be an integer from 200 to 599 \(got number 99\)$/,
  },
  {
    name: "the Response's status is 700",
    handler: () => responseWithStatus(700),
    answer: 500,
    reported: /^Cannot send the handler's Response: `status` must be an integer from 200 to 599 \(got number 700\)$/,
  },
  {
    name: "the Response's headers hold a name that is not a token",
    handler: () => {
      const response = new Response("never sent");
      const headers = {
        forEach: (callback: (value: string, name: string) => void) => {
          callback("yes", LEAK_HEADER);
          callback("x", "bad name");
        },
      };
      Object.defineProperty(response, "headers", { value: headers });
      return response;
    },
    answer: 500,
    reported: /^Cannot send the handler's Response: a header name must be an HTTP token \(got "bad name"\)$/,
  },
  {
    name: "the body fails after its first chunk",
    handler: () => new Response(failingBody(new TextEncoder().encode("first"), bodyFailure)),
    answer: "cut",
    reported: bodyFailure,
  },
  {
    name: "the body yields a string instead of bytes",
    handler: () => new Response(new ReadableStream({ start: (controller) => controller.enqueue("text") })),
    answer: "cut",
    reported: /^Cannot send the handler's Response: each body chunk must be a Uint8Array \(got "text"\)$/,
  },
];
