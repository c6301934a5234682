/**
 * The runtime's `node:zlib`, found when compression first needs it rather than imported: a static
 * `import "node:zlib"` would stop `edge-sse/compress` from loading (or bundling) where there is none.
 * `process.getBuiltinModule` hands it out on Node 20.16+ and 22.3+, Deno, Bun and Workers with
 * `nodejs_compat`; elsewhere (Node 18, say) there is nothing to find, and responses pass through
 * uncompressed. Declared here is only what compression uses of it.
 */

/** A compressor of `node:zlib`: a Node stream, written to and read from by events. */
export interface ZlibStream {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  once(event: "end", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(callback: () => void): unknown;
  destroy(): unknown;
}

/** The options the compressors take. */
export interface ZlibOptions {
  readonly level?: number;
  readonly flush: number;
  readonly params?: Readonly<Record<number, number>>;
}

/** The part of `node:zlib` compression uses. */
export interface Zlib {
  createGzip(options: ZlibOptions): ZlibStream;
  createDeflate(options: ZlibOptions): ZlibStream;
  /** Absent from a `node:zlib` without brotli. */
  readonly createBrotliCompress?: (options: ZlibOptions) => ZlibStream;
  readonly constants: {
    readonly Z_SYNC_FLUSH: number;
    readonly BROTLI_OPERATION_FLUSH: number;
    readonly BROTLI_PARAM_QUALITY: number;
    readonly BROTLI_PARAM_LGWIN: number;
    readonly BROTLI_PARAM_MODE: number;
    readonly BROTLI_MODE_TEXT: number;
  };
}

/** The runtime's `node:zlib` through `process.getBuiltinModule`, or `undefined` where it has none. */
export function findZlib(): Zlib | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  try {
    const zlib = host.process?.getBuiltinModule?.("node:zlib") as Partial<Zlib> | undefined;
    return typeof zlib?.createGzip === "function" ? (zlib as Zlib) : undefined;
  } catch {
    return undefined; // a runtime that has the method but refuses the module
  }
}
