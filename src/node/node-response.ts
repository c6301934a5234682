/** The part of `ServerResponse` and `Http2ServerResponse` the bridge uses: one shape for both. */
export interface NodeResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  getHeaderNames(): string[];
  removeHeader(name: string): void;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  on(event: "close" | "drain", listener: () => void): unknown;
  off(event: "close" | "drain", listener: () => void): unknown;
}

/** The part of `IncomingMessage` and `Http2ServerRequest` that tells the client left. */
export interface NodeRequestEvents {
  on(event: "aborted", listener: () => void): unknown;
  off(event: "aborted", listener: () => void): unknown;
}
