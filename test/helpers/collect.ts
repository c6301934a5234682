/** Reads a byte stream to its end and returns its text (Node 18 safe: no Array.fromAsync). */
export async function collectText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks = await collectChunks(stream);
  return chunks.join("");
}

/** Reads a byte stream to its end and returns each chunk decoded, to look at chunking. */
export async function collectChunks(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(decoder.decode(value, { stream: true }));
  }
}

/** Reads one chunk and decodes it. */
export async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | undefined> {
  const { done, value } = await reader.read();
  return done ? undefined : new TextDecoder().decode(value);
}
