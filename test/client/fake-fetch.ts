/**
 * A `fetch` for the client's in-process tests: it records every request (method, URL, headers, body)
 * and answers with what the test's `respond` returns, so outcomes can be checked without a network;
 * and two helpers to read what a subscription yields or throws.
 */
import type { FetchLike } from "edge-sse/client";

/** One request the client made. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  readonly signal: AbortSignal;
}

export interface FakeFetch {
  readonly fetch: FetchLike;
  readonly requests: RecordedRequest[];
}

/** A fetch that answers request number `index` (0-based) with `respond(request, index)`. */
export function fakeFetch(
  respond: (request: RecordedRequest, index: number) => Response | Promise<Response>,
): FakeFetch {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const recorded: RecordedRequest = {
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: request.body === null ? null : await request.text(),
      signal: init?.signal ?? request.signal,
    };
    requests.push(recorded);
    if (recorded.signal.aborted) throw recorded.signal.reason;
    return respond(recorded, requests.length - 1);
  };
  return { fetch, requests };
}

/** A `text/event-stream` response with this text. */
export function sse(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

/** An event-stream response whose body the test writes to, cuts, or leaves silent. */
export interface OpenStream {
  readonly response: Response;
  send(text: string): void;
  /** Ends the body cleanly. */
  end(): void;
  /** Fails the body, as a dropped connection does. */
  cut(reason?: unknown): void;
  /** Whether the client cancelled the body. */
  readonly cancelled: boolean;
}

export function openStream(first = ""): OpenStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (first !== "") c.enqueue(encoder.encode(first));
    },
    cancel() {
      cancelled = true;
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    send: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    cut: (reason = new TypeError("terminated")) => controller.error(reason),
    get cancelled() {
      return cancelled;
    },
  };
}

/** Reads a subscription to its end and returns what it yielded. */
export async function collect<E>(subscription: AsyncIterable<E>): Promise<E[]> {
  const events: E[] = [];
  for await (const event of subscription) events.push(event);
  return events;
}

/** What `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
