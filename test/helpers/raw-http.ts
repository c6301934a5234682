import { connect } from "node:net";

/* Raw HTTP/1.1 over node:net, for requests fetch refuses to send and answers it would hide. */
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
export function rawGet(
  port: number,
  target: string,
  headerLines: readonly Uint8Array[] = [],
  ms = 10_000,
): Promise<RawResponseHead> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => finish(new Error(`No response head within ${ms} ms for GET ${target.slice(0, 80)}`)),
      ms,
    );
    const finish = (error: Error | undefined, head?: RawResponseHead): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(head!);
      else reject(error);
    };
    socket.on("error", (error) => finish(error));
    socket.on("close", () =>
      finish(new Error(`The connection closed before a full response head for GET ${target.slice(0, 80)}`)),
    );
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
    socket.write(
      Buffer.concat([
        Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, "latin1"),
        ...headerLines.flatMap((line) => [line, crlf]),
        crlf,
      ]),
    );
  });
}

/** A header line `name: ` followed by exactly these bytes. */
export function headerLine(name: string, value: Uint8Array | readonly number[]): Uint8Array {
  return Buffer.concat([Buffer.from(`${name}: `, "latin1"), Buffer.from(value)]);
}

/** An HTTP/1.x response as it came off a raw socket. */
export interface RawResponse {
  /** Undefined when the server closed the connection without answering. */
  readonly status: number | undefined;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, de-chunked when it was chunked. */
  readonly body: string;
}

/**
 * Writes `text` as is to a fresh TCP connection to 127.0.0.1:`port` and reads until the server
 * closes it (send `Connection: close`, or use HTTP/1.0); fails after `ms`.
 */
export function rawRequest(port: number, text: string, ms = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `Timed out waiting for the server to answer ${JSON.stringify(text.split("\r\n")[0])}; got ${JSON.stringify(received)}`,
        ),
      );
    }, ms);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", () => {}); // a reset connection ends like a closed one: with what was received
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseResponse(received));
    });
    socket.write(text, "latin1");
  });
}

function parseResponse(raw: string): RawResponse {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) return { status: undefined, headers: {}, body: "" };
  const [statusLine = "", ...lines] = raw.slice(0, split).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const rest = raw.slice(split + 4);
  const body = headers["transfer-encoding"]?.toLowerCase() === "chunked" ? dechunk(rest) : rest;
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]), headers, body };
}

/** Decodes an HTTP/1.1 chunked body that ends with its zero-length chunk (one byte per character). */
export function dechunk(raw: string): string {
  let body = "";
  let rest = raw;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) throw new Error(`Bad chunked body: ${JSON.stringify(raw)}`);
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (size === 0) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
