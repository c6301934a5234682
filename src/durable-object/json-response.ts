/** A JSON answer of a `ChannelObject`: `{ "id": … }` or `{ "error": "<why>" }`. */
export function json(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
