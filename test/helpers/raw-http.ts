import { connect } from "node:net";

/** The head of an HTTP/1.1 response as it came over the wire. */
export interface RawResponseHead {
  readonly status: number;
  /** Each header's value as its bytes, one Latin-1 character per byte (names in lower case). */
  readonly headers: ReadonlyMap<string, string>;
}

/**
 * Sends one HTTP/1.1 GET to 127.0.0.1:`port` whose header lines are written byte for byte (so a test
 * can send what fetch refuses: control characters, invalid UTF-8, raw bytes), reads the response
 * head, and hangs up. Fails when no full head arrives within `ms`.
 */
export function rawGet(port: number, target: string, headerLines: readonly Uint8Array[] = [], ms = 10_000): Promise<RawResponseHead> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => finish(new Error(`No response head within ${ms} ms for GET ${target.slice(0, 80)}`)), ms);
    const finish = (error: Error | undefined, head?: RawResponseHead): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(head!);
      else reject(error);
    };
    socket.on("error", (error) => finish(error));
    socket.on("close", () => finish(new Error(`The connection closed before a full response head for GET ${target.slice(0, 80)}`)));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) return;
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      finish(undefined, { status: Number(statusLine.split(" ")[1]), headers });
    });
    const crlf = Buffer.from("\r\n");
    socket.write(Buffer.concat([
      Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, "latin1"),
      ...headerLines.flatMap((line) => [line, crlf]),
      crlf,
    ]));
  });
}

/** A header line `name: ` followed by exactly these bytes. */
export function headerLine(name: string, value: Uint8Array | readonly number[]): Uint8Array {
  return Buffer.concat([Buffer.from(`${name}: `, "latin1"), Buffer.from(value)]);
}
