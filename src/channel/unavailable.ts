/**
 * The answer to a client turned away for now (`maxSubscribers` reached): 503 with
 * `Retry-After` in whole seconds. `EventSource` does not reconnect after a 503 by itself; a page
 * (or the `subscribe` client) that honours `Retry-After` comes back then, to this instance or another.
 */
export function unavailable(why: string, retryMs: number): Response {
  return new Response(`${why}; retry later\n`, {
    status: 503,
    headers: {
      "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))),
      "content-type": "text/plain; charset=utf-8",
    },
  });
}
