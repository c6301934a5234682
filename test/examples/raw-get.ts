/**
 * A plain HTTP/1.1 GET over a TCP socket, to see a response's header block as sent and to hang up like a
 * client whose tab closes; and bounded waits. Portable: vitest (Node) and bun test use it.
 */
import { connect, type Socket } from "node:net";

/** Polls `check` until it holds, or fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Settles as `promise` does, or rejects after `ms`. */
export async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A plain HTTP/1.1 GET over a TCP socket: the raw header block, and the body with its chunked framing undone. */
export class RawGet {
  readonly socket: Socket;
  #bytes = new Uint8Array(0);
  #headEnd = -1;
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(this.#bytes.length + chunk.length);
      joined.set(this.#bytes);
      joined.set(chunk, this.#bytes.length);
      this.#bytes = joined;
    });
    socket.on("error", (error) => (this.#failure = error));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<RawGet> {
    const { hostname, port, pathname, search } = new URL(url);
    const socket = connect(Number(port), hostname);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      }),
      `a TCP connection to ${url}`,
    );
    const lines = [`GET ${pathname}${search} HTTP/1.1`, `Host: ${hostname}:${port}`, "Accept: text/event-stream"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    return new RawGet(socket);
  }

  /** The status line and header lines, once the header block has arrived. */
  head(): string[] | undefined {
    if (this.#headEnd < 0) {
      const text = new TextDecoder("latin1").decode(this.#bytes);
      this.#headEnd = text.indexOf("\r\n\r\n");
      if (this.#headEnd < 0) return undefined;
    }
    return new TextDecoder("latin1").decode(this.#bytes.subarray(0, this.#headEnd)).split("\r\n");
  }

  /** The body text so far, its chunked framing undone (a partial chunk is left out). */
  body(): string {
    if (this.head() === undefined) return "";
    let at = this.#headEnd + 4;
    const parts: Uint8Array[] = [];
    for (;;) {
      const lineEnd = indexOfCrlf(this.#bytes, at);
      if (lineEnd < 0) break;
      const size = parseInt(new TextDecoder().decode(this.#bytes.subarray(at, lineEnd)), 16);
      if (!(size > 0) || lineEnd + 2 + size + 2 > this.#bytes.length) break;
      parts.push(this.#bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    const decoder = new TextDecoder();
    return parts.map((part) => decoder.decode(part, { stream: true })).join("") + decoder.decode();
  }

  async waitFor(check: () => boolean, what: string): Promise<void> {
    await until(() => {
      if (this.#failure !== undefined) throw this.#failure;
      return check();
    }, what);
  }
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  return -1;
}

/** Header lines as [lower-case name, value] pairs, in order (the status line left out). */
export function headerPairs(head: readonly string[]): Array<[string, string]> {
  return head.slice(1).map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
}
