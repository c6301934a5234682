import { constants, createDeflate, createGzip, type Deflate, type Gzip } from "node:zlib";
import type { Coding } from "./accept-encoding.ts";

/**
 * Compresses `body` with `coding`, ending every chunk it reads with a sync flush (`Z_SYNC_FLUSH`): the
 * compressed bytes of a chunk leave before the next chunk is read, and the client can decode all of it
 * at once, so no event waits in the compressor for more input. Pull-driven: it reads `body` only when
 * its own reader wants more, so a slow client still slows the source. Cancelling it cancels `body`.
 */
export function flushingStream(
  body: ReadableStream<Uint8Array>,
  coding: Coding,
  level: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let zlib: Gzip | Deflate | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const options = { level, flush: constants.Z_SYNC_FLUSH };
        zlib = coding === "gzip" ? createGzip(options) : createDeflate(options);
        zlib.on("data", (chunk: Uint8Array) => {
          if (!cancelled) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        zlib.once("end", () => {
          if (!cancelled) controller.close();
        });
        zlib.once("error", (error) => {
          controller.error(error);
          reader.cancel(error).catch(() => {});
        });
      },
      async pull(controller) {
        const compressor = zlib!;
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
          if (step.value.byteLength === 0) continue; // a flush of nothing would still send 5 bytes
          written = true;
          await new Promise<void>((resolve, reject) =>
            compressor.write(step.value, (error) => (error ? reject(error) : resolve())),
          );
        }
      },
      async cancel(reason) {
        cancelled = true;
        zlib?.destroy();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
