/**
 * Each browser engine's own EventSource on a stream of several channels: the stream sends the cursor
 * at join as an id alone (no data), which the spec makes the last event id without dispatching an
 * event; the first connection ends before any event, the browser reconnects with that cursor, and the
 * events each channel got meanwhile are replayed. Runs in Chromium, Firefox and WebKit.
 */
import { describe, expect, test } from "vitest";
import { Channel, severalChannelsResponse } from "edge-sse/channel";
import { serveNode } from "../helpers/serve-node.ts";
import { deferred } from "../helpers/deferred.ts";
import { ENGINES, suiteOptions, titleFor, useBrowser } from "./driver/engines.ts";

/** The page: collects every message until one says "live", then closes its EventSource. */
const PAGE = `<!doctype html><meta charset="utf-8"><script>
window.run = () => new Promise((resolve) => {
  const source = new EventSource("/events");
  const got = [];
  const timer = setTimeout(() => { source.close(); resolve({ got, error: "timed out after 10 s" }); }, 10000);
  source.addEventListener("message", (event) => {
    got.push({ data: event.data, id: event.lastEventId });
    if (event.data === "live") { source.close(); clearTimeout(timer); resolve({ got }); }
  });
});
</script>`;

for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);

    const title = titleFor(
      engine,
      `${engine.name}'s EventSource resumes several channels from the cursor sent at join, before any event`,
      { Firefox: "ignores an id without data: it reconnects with no cursor and starts live, as on a single channel" },
    );
    test(title, async () => {
      const a = new Channel();
      const b = new Channel();
      const a0 = await a.publish("a0, before the page");
      const b0 = await b.publish("b0, before the page");
      const lastEventIds: Array<string | null> = [];
      const held = deferred();
      const server = await serveNode(async (request) => {
        const { pathname } = new URL(request.url);
        if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
        if (pathname !== "/events") return new Response("not found", { status: 404 });
        lastEventIds.push(request.headers.get("last-event-id"));
        // The first connection ends (expires) before any event; the second waits until events were published.
        if (lastEventIds.length === 1) {
          return severalChannelsResponse(
            { a, b },
            { request, retry: 50, keepAlive: false, expiresAt: Date.now() + 1_500 },
          );
        }
        await held.promise;
        return severalChannelsResponse({ a, b }, { request, retry: 50, keepAlive: false });
      });
      const page = await browser().open(`${server.url}/`);
      try {
        const running = page.evaluate(() => (window as unknown as { run(): Promise<unknown> }).run());
        const deadline = Date.now() + 10_000;
        while (lastEventIds.length < 2 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
        await a.publish("a1, while away");
        await b.publish("b1, while away");
        held.resolve();
        while (a.subscriberCount === 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
        const live = await a.publish("live");
        const { got, error } = (await running) as { got: Array<{ data: string; id: string }>; error?: string };
        expect(error).toBeUndefined();
        if (engine.name === "Firefox") {
          expect(lastEventIds).toEqual([null, null]);
          expect(got.map((event) => event.data)).toEqual(["live"]);
        } else {
          expect(lastEventIds).toEqual([null, `1;a=${a0};b=${b0}`]);
          expect(got.map((event) => event.data).sort()).toEqual(["a1, while away", "b1, while away", "live"]);
          expect(got.at(-1)!.id).toMatch(new RegExp(`^1;a=${live};b=`));
        }
      } finally {
        held.resolve();
        await page.close();
        await server.close();
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
}
