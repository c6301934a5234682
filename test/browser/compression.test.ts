/**
 * Chromium's EventSource reading a stream that edge-sse/compress gzips: the browser asks for gzip
 * itself, and the server writes each event only after the page has received the one before, so the
 * stream stalls if the compressor holds an event back.
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

/** What page.html's `watch` keeps for a path: here only the data of each message. */
type PageWindow = { streams: Record<string, { log: Array<{ kind: string; data?: string }> } | undefined> };

for (const engine of ENGINES.filter(({ name }) => name === "Chromium")) {
  describe(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);
    const gates: Array<Deferred<void>> = Array.from({ length: EVENTS }, () => deferred());
    const seen: { acceptEncoding: string | null; contentEncoding: string | null } = {
      acceptEncoding: null,
      contentEncoding: null,
    };
    let server: TestServer | undefined;

    beforeAll(async () => {
      server = await serveNode((request) => {
        if (new URL(request.url).pathname === "/")
          return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
        const events = new DataStream(
          async function* ({ signal }) {
            const ended = new Promise((resolve) => signal.addEventListener("abort", resolve));
            for (let i = 0; i < EVENTS; i++) {
              await Promise.race([gates[i]!.promise, ended]);
              if (signal.aborted) return;
              yield Message.json({ n: i, note: "compressed and flushed, compressed and flushed" });
            }
            yield Message.data("").event("done");
          },
          { request, keepAlive: false },
        ).toResponse();
        const response = compress(events, request);
        seen.acceptEncoding = request.headers.get("accept-encoding");
        seen.contentEncoding = response.headers.get("content-encoding");
        return response;
      });
    });
    afterAll(async () => {
      for (const gate of gates) gate.resolve();
      await server?.close();
    });

    test("EventSource receives gzip-compressed events one by one as the server writes them", async () => {
      const page = await browser().open(`${server!.url}/`);
      try {
        await page.evaluate(
          (path) => (window as unknown as { watch(p: string, t: string[]): void }).watch(path, []),
          "/events",
        );
        for (let i = 0; i < EVENTS; i++) {
          gates[i]!.resolve();
          await page.waitFor(
            ([count]) =>
              ((window as unknown as PageWindow).streams["/events"]?.log.filter((entry) => entry.kind === "event")
                .length ?? 0) >= count,
            [i + 1] as const,
            `event ${i}`,
          );
        }
        const log = await page.evaluate(() => (window as unknown as PageWindow).streams["/events"]?.log ?? []);
        const data = log.flatMap((entry) => (entry.kind === "event" && entry.data ? [entry.data] : []));
        expect(data.map((text) => (JSON.parse(text) as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
        expect(seen.acceptEncoding).toMatch(/\bgzip\b/);
        expect(seen.contentEncoding).toBe("gzip");
      } finally {
        await page.close();
      }
    });
  });
}
