import { connect } from "node:net";

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
      reject(new Error(`Timed out waiting for the server to answer ${JSON.stringify(text.split("\r\n")[0])}; got ${JSON.stringify(received)}`));
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
