import type { Coding } from "./accept-encoding.ts";
import type { Zlib, ZlibStream } from "./zlib.ts";
import { describeValue } from "../core/describe-value.ts";

/** How hard each coding works: zlib's `level` (1–9) for gzip and deflate, brotli's quality (0–11). */
export interface Effort {
  readonly level: number;
  readonly brotliQuality: number;
}

/**
 * Brotli's window: 2^18 bytes (256 KiB) rather than its default 4 MiB. A stream's compressor lives as
 * long as the connection, and with the default window a busy one grows to hold about half a MiB more
 * than gzip's; at 256 KiB it holds about what gzip's does (see bench/README.md).
 */
const BROTLI_WINDOW_BITS = 18;

/**
 * A compressor for `coding` that flushes after every write, so each chunk leaves whole and decodable.
 * `br` only where `zlib` has brotli (the caller offers it only there).
 */
function flushingCompressor(zlib: Zlib, coding: Coding, effort: Effort): ZlibStream {
  const { constants } = zlib;
  if (coding === "br") {
    return zlib.createBrotliCompress!({
      flush: constants.BROTLI_OPERATION_FLUSH,
      params: {
        [constants.BROTLI_PARAM_QUALITY]: effort.brotliQuality,
        [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    });
  }
  const options = { level: effort.level, flush: constants.Z_SYNC_FLUSH };
  return coding === "gzip" ? zlib.createGzip(options) : zlib.createDeflate(options);
}

/**
 * Compresses `body` with `coding`, ending every chunk it reads with a flush (gzip and deflate:
 * `Z_SYNC_FLUSH`; brotli: `BROTLI_OPERATION_FLUSH`): the compressed bytes of a chunk leave before the
 * next chunk is read, and the client can decode all of it at once, so no event waits in the compressor
 * for more input. Pull-driven: it reads `body` only when its own reader wants more, so a slow client
 * still slows the source. Cancelling it cancels `body`. A chunk that is not a `Uint8Array` errors it
 * with a `TypeError` whose message starts with `context`.
 */
export function flushingStream(
  body: ReadableStream<Uint8Array>,
  zlib: Zlib,
  coding: Coding,
  effort: Effort,
  context: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const compressor = flushingCompressor(zlib, coding, effort);
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        compressor.on("data", (chunk: Uint8Array) => {
          if (!cancelled) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        compressor.once("end", () => {
          if (!cancelled) controller.close();
        });
        compressor.once("error", (error) => {
          controller.error(error);
          reader.cancel(error).catch(() => {});
        });
      },
      async pull(controller) {
        let written = false;
        while (!written) {
          let step: ReadableStreamReadResult<Uint8Array>;
          try {
            step = await reader.read();
          } catch (error) {
            compressor.destroy();
            controller.error(error);
            return;
          }
          if (step.done) {
            await new Promise<void>((resolve) => compressor.end(resolve));
            return;
          }
          const chunk: unknown = step.value;
          if (Object.prototype.toString.call(chunk) !== "[object Uint8Array]") {
            // A body of strings is refused uncompressed too: compressing it would hide that.
            const error = new TypeError(
              `${context}: the body gave a chunk that is not a Uint8Array (got ${describeValue(chunk)})`,
            );
            compressor.destroy();
            controller.error(error);
            await reader.cancel(error).catch(() => {});
            return;
          }
          if (step.value.byteLength === 0) continue; // a flush of nothing would still send 5 bytes
          written = true;
          await new Promise<void>((resolve, reject) =>
            compressor.write(step.value, (error) => (error ? reject(error) : resolve())),
          );
        }
      },
      async cancel(reason) {
        cancelled = true;
        compressor.destroy();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
