/**
 * edge-sse/compress where the runtime has no `node:zlib` to find (Node 18), or one without brotli:
 * the module is loaded afresh with `process.getBuiltinModule` answering so.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import * as nodeZlib from "node:zlib";

/** `compress` from a fresh copy of the module, loaded while `getBuiltinModule` answers `zlib` for node:zlib. */
async function compressFinding(zlib: object | undefined): Promise<typeof import("edge-sse/compress").compress> {
  const real = process.getBuiltinModule.bind(process);
  vi.spyOn(process, "getBuiltinModule").mockImplementation(((id: string) =>
    id === "node:zlib" ? zlib : real(id)) as typeof process.getBuiltinModule);
  vi.resetModules();
  return (await import("edge-sse/compress")).compress;
}

const asking = (acceptEncoding: string): Request =>
  new Request("http://localhost/events", { headers: { "accept-encoding": acceptEncoding } });

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

describe("compress without node:zlib", () => {
  test("compress passes every response through unchanged, with Vary, where no node:zlib is found", async () => {
    const compress = await compressFinding(undefined);
    for (const options of [{}, { encodings: ["br", "gzip", "deflate"] as const }]) {
      const response = compress(new Response("data: x\n\n"), asking("br, gzip, deflate"), options);
      expect(response.headers.get("content-encoding")).toBe(null);
      expect(response.headers.get("vary")).toBe("Accept-Encoding");
      expect(await response.text()).toBe("data: x\n\n");
    }
  });

  test("compress leaves brotli out where node:zlib has none, and still gzips", async () => {
    const { createBrotliCompress: _brotli, ...withoutBrotli } = nodeZlib;
    const compress = await compressFinding(withoutBrotli);
    const gzipped = compress(new Response("data: x\n\n"), asking("br, gzip;q=0.5"));
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(nodeZlib.gunzipSync(new Uint8Array(await gzipped.arrayBuffer())).toString()).toBe("data: x\n\n");
    const brotliOnly = compress(new Response("data: x\n\n"), asking("br"), { encodings: ["br"] });
    expect(brotliOnly.headers.get("content-encoding")).toBe(null);
    expect(await brotliOnly.text()).toBe("data: x\n\n");
  });
});
