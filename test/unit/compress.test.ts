import { describe, expect, test } from "vitest";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { DataStream, type StreamClosedError } from "edge-sse";
import { compress } from "edge-sse/compress";
import { catchError } from "../helpers/catch-error.ts";
import { deferred } from "../helpers/deferred.ts";

const asking = (acceptEncoding?: string): Request =>
  new Request(
    "http://localhost/events",
    acceptEncoding === undefined ? {} : { headers: { "accept-encoding": acceptEncoding } },
  );

describe("compress", () => {
  test("compress gzips the body and keeps status and headers when the request accepts gzip", async () => {
    const original = new Response("data: hello\n\n", {
      status: 201,
      statusText: "Made",
      headers: { "cache-control": "no-cache, no-transform", "content-length": "13", "x-kept": "yes" },
    });
    const response = compress(original, asking("gzip"));
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(response.headers.get("content-length")).toBe(null);
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-kept")).toBe("yes");
    expect(gunzipSync(new Uint8Array(await response.arrayBuffer())).toString()).toBe("data: hello\n\n");
  });

  test("compress answers with brotli when the request prefers it, and at the quality asked", async () => {
    const text = `data: ${JSON.stringify({ words: "the same words again and again ".repeat(20) })}\n\n`;
    const response = compress(new Response(text), asking("gzip;q=0.9, deflate;q=0.9, br"));
    expect(response.headers.get("content-encoding")).toBe("br");
    const fast = new Uint8Array(await response.arrayBuffer());
    expect(brotliDecompressSync(fast).toString()).toBe(text);
    const smallest = compress(new Response(text), asking("br"), { brotliQuality: 11 });
    const small = new Uint8Array(await smallest.arrayBuffer());
    expect(brotliDecompressSync(small).toString()).toBe(text);
    expect(small.byteLength).toBeLessThan(text.length / 4);
  });

  test("compress breaks a tie by the order of encodings: gzip first by default, brotli when put first", async () => {
    const tie = "gzip, deflate, br, zstd"; // what browsers send
    const byDefault = compress(new Response("data: x\n\n"), asking(tie));
    expect(byDefault.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(new Uint8Array(await byDefault.arrayBuffer())).toString()).toBe("data: x\n\n");
    const brotliFirst = compress(new Response("data: x\n\n"), asking(tie), { encodings: ["br", "gzip"] });
    expect(brotliFirst.headers.get("content-encoding")).toBe("br");
    expect(brotliDecompressSync(new Uint8Array(await brotliFirst.arrayBuffer())).toString()).toBe("data: x\n\n");
  });

  test("compress offers gzip alone when told to, even to a request that prefers brotli", async () => {
    const response = compress(new Response("data: x\n\n"), asking("br, gzip;q=0.5"), { encodings: ["gzip"] });
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(new Uint8Array(await response.arrayBuffer())).toString()).toBe("data: x\n\n");
  });

  test("compress deflates (zlib format) when the request prefers deflate", async () => {
    const response = compress(new Response("data: x\n\n"), asking("gzip;q=0.2, deflate"));
    expect(response.headers.get("content-encoding")).toBe("deflate");
    expect(inflateSync(new Uint8Array(await response.arrayBuffer())).toString()).toBe("data: x\n\n");
  });

  test("compress adds Accept-Encoding to Vary once, whether it compresses or not", () => {
    const vary = (headers: Record<string, string>, acceptEncoding?: string): string | null =>
      compress(new Response("x", { headers }), asking(acceptEncoding)).headers.get("vary");
    expect(vary({})).toBe("Accept-Encoding");
    expect(vary({}, "gzip")).toBe("Accept-Encoding");
    expect(vary({ vary: "Origin" }, "gzip")).toBe("Origin, Accept-Encoding");
    expect(vary({ vary: "origin, accept-encoding" }, "gzip")).toBe("origin, accept-encoding");
    expect(vary({ vary: "*" }, "gzip")).toBe("*");
  });

  test("compress returns the response itself when it has no body or already has a Content-Encoding", () => {
    const empty = new Response(null, { status: 204 });
    expect(compress(empty, asking("gzip"))).toBe(empty);
    const coded = new Response("x", { headers: { "content-encoding": "br" } });
    expect(compress(coded, asking("gzip"))).toBe(coded);
  });

  test("compress passes the body through unchanged when the request accepts no coding it offers", async () => {
    for (const acceptEncoding of [undefined, "", "zstd", "identity", "*;q=0", "br;q=0, gzip;q=0, deflate;q=0"]) {
      const response = compress(new Response("data: x\n\n"), asking(acceptEncoding));
      expect(response.headers.get("content-encoding")).toBe(null);
      expect(await response.text()).toBe("data: x\n\n");
    }
  });

  test("compress ends the DataStream as client-gone when the compressed body is cancelled", async () => {
    const closed = deferred<StreamClosedError>();
    const request = asking("gzip");
    const stream = new DataStream(
      async function* ({ sleep }) {
        for (;;) {
          yield "tick";
          await sleep(10);
        }
      },
      { request, keepAlive: false, onClose: closed.resolve },
    );
    const reader = compress(stream.toResponse(), request).body!.getReader();
    await reader.read();
    await reader.cancel();
    expect((await closed.promise).type).toBe("client-gone");
  });

  test("compress refuses malformed options and a body already read, naming them", async () => {
    const bad: ReadonlyArray<readonly [options: object, message: string]> = [
      [{ level: 0 }, "Cannot compress response: `level` must be an integer from 1 to 9 (got number 0)"],
      [{ level: 2.5 }, "Cannot compress response: `level` must be an integer from 1 to 9 (got number 2.5)"],
      [
        { encodings: ["zstd"] },
        'Cannot compress response: `encodings` must be a non-empty array of "br", "gzip" and "deflate"',
      ],
      [
        { encodings: [] },
        'Cannot compress response: `encodings` must be a non-empty array of "br", "gzip" and "deflate"',
      ],
      [
        { brotliQuality: 12 },
        "Cannot compress response: `brotliQuality` must be an integer from 0 to 11 (got number 12)",
      ],
      [
        { brotliQuality: -1 },
        "Cannot compress response: `brotliQuality` must be an integer from 0 to 11 (got number -1)",
      ],
      [{ Level: 1 }, "Cannot compress response: unknown option `Level` (did you mean `level`?)"],
    ];
    for (const [options, message] of bad) {
      const error = catchError(() => compress(new Response("x"), asking("gzip"), options));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(message);
    }
    const read = new Response("x");
    await read.text();
    expect(() => compress(read, asking("gzip"))).toThrow(
      "Cannot compress response: `response.body` must be unread (got a body already read or locked)",
    );
  });

  test("compress names a response or a request that is not one", () => {
    expect(() => compress(new Response("x"), undefined as unknown as Request)).toThrow(
      new TypeError(
        "Cannot compress response: `request` must be a Request (its Accept-Encoding is read) (got undefined)",
      ),
    );
    expect(() => compress("data: x\n\n" as unknown as Response, asking("gzip"))).toThrow(
      new TypeError('Cannot compress response: `response` must be a Response (got "data: x\\n\\n")'),
    );
  });

  test("compress errors the body with a TypeError when a chunk is not a Uint8Array, as an uncompressed body would fail", async () => {
    const strings = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("data: x\n\n");
        controller.close();
      },
    });
    const response = compress(new Response(strings as unknown as ReadableStream<Uint8Array>), asking("gzip"));
    expect(response.headers.get("content-encoding")).toBe("gzip");
    await expect(response.arrayBuffer()).rejects.toThrow(
      new TypeError('Cannot compress response: the body gave a chunk that is not a Uint8Array (got "data: x\\n\\n")'),
    );
  });
});
