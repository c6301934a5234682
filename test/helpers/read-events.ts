import { parseWire, type Parsed } from "./parse.ts";

/** Fetches `url` and reads until `count` events have arrived (or the stream ends), then hangs up. */
export async function readEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<{ parsed: Parsed; response: Response }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (parseWire(text).events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  abort.abort();
  return { parsed: parseWire(text), response };
}
