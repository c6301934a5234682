/**
 * Chromium's EventSource reading a stream that edge-sse/compress compresses with gzip (what the server
 * picks by default from the browser's own Accept-Encoding) and, told to offer brotli first, with
 * brotli. The server writes each event only after the page has received the one before, so the stream
 * stalls if the compressor holds an event back.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { DataStream, Message } from "edge-sse";
import { compress } from "edge-sse/compress";
import { deferred, type Deferred } from "../helpers/deferred.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { ENGINES, suiteOptions, useBrowser } from "./driver/engines.ts";

const PAGE_HTML = readFileSync(new URL("./page.html", import.meta.url), "utf8");
const EVENTS = 5;
/** Each stream's coding: `/events?coding=gzip` gets compress's defaults, `br` offers brotli first. */
const CODINGS = ["br", "gzip"] as const;
type Coding = (typeof CODINGS)[number];

/** What page.html's `watch` keeps for a path: here only the data of each message. */
type PageWindow = { streams: Record<string, { log: Array<{ kind: string; data?: string }> } | undefined> };

for (const engine of ENGINES.filter(({ name }) => name === "Chromium")) {
  describe(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);
    const gates = new Map<Coding, Array<Deferred<void>>>(
      CODINGS.map((coding) => [coding, Array.from({ length: EVENTS }, () => deferred<void>())]),
    );
    const seen = new Map<Coding, { acceptEncoding: string | null; contentEncoding: string | null }>();
    let server: TestServer | undefined;

    beforeAll(async () => {
      server = await serveNode((request) => {
        const url = new URL(request.url);
        if (url.pathname === "/")
          return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
        const coding = url.searchParams.get("coding") as Coding;
        const gated = gates.get(coding)!;
        const events = new DataStream(
          async function* ({ signal }) {
            const ended = new Promise((resolve) => signal.addEventListener("abort", resolve));
            for (let i = 0; i < EVENTS; i++) {
              await Promise.race([gated[i]!.promise, ended]);
              if (signal.aborted) return;
              yield Message.json({ n: i, note: "compressed and flushed, compressed and flushed" });
            }
            yield Message.data("").event("done");
          },
          { request, keepAlive: false },
        ).toResponse();
        const response = compress(events, request, coding === "br" ? { encodings: ["br", "gzip"] } : {});
        seen.set(coding, {
          acceptEncoding: request.headers.get("accept-encoding"),
          contentEncoding: response.headers.get("content-encoding"),
        });
        return response;
      });
    });
    afterAll(async () => {
      for (const gate of [...gates.values()].flat()) gate.resolve();
      await server?.close();
    });

    for (const coding of CODINGS) {
      test(`EventSource receives ${coding}-compressed events one by one as the server writes them`, async () => {
        const path = `/events?coding=${coding}`;
        const gated = gates.get(coding)!;
        const page = await browser().open(`${server!.url}/`);
        try {
          await page.evaluate(
            (stream) => (window as unknown as { watch(p: string, t: string[]): void }).watch(stream, []),
            path,
          );
          for (let i = 0; i < EVENTS; i++) {
            gated[i]!.resolve();
            await page.waitFor(
              ([stream, count]) =>
                ((window as unknown as PageWindow).streams[stream]?.log.filter((entry) => entry.kind === "event")
                  .length ?? 0) >= count,
              [path, i + 1] as const,
              `${coding} event ${i}`,
            );
          }
          const log = await page.evaluate(
            (stream) => (window as unknown as PageWindow).streams[stream]?.log ?? [],
            path,
          );
          const data = log.flatMap((entry) => (entry.kind === "event" && entry.data ? [entry.data] : []));
          expect(data.map((text) => (JSON.parse(text) as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
          expect(seen.get(coding)?.acceptEncoding).toMatch(new RegExp(`\\b${coding}\\b`));
          expect(seen.get(coding)?.contentEncoding).toBe(coding);
        } finally {
          await page.close();
        }
      });
    }
  });
}
