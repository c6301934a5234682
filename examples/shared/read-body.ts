/**
 * Reads a request body as UTF-8 text, but never more than `maxBytes` of it: a body whose
 * content-length says it is larger is not read at all, and one that streams more is read only up
 * to the bound. Either way the answer is `undefined`, and the rest is left unread (cancelling it
 * could cut the connection before the refusal goes out).
 *
 * @example
 * ```ts
 * const text = await readBodyText(request, 4096);
 * if (text === undefined) return new Response("Too large", { status: 413 });
 * ```
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | undefined> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return undefined;
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
