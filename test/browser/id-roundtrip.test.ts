/**
 * Each browser engine's own EventSource carries every accepted id back: for each id, the page opens an
 * EventSource; the server (node:http through edge-sse/node) sends `id: X` with a short `retry` and
 * ends the stream; the browser reconnects with `Last-Event-ID`; the server records the bytes it got
 * and `ctx.lastEventId`, and ends again; on the third connection a channel that published X replays
 * what came after it. The ids run in one page, one after another; each test has a server of its own.
 * Runs in Chromium, Firefox and WebKit (see driver/engines.ts).
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { DataStream, Message } from "edge-sse";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { serveNode } from "../helpers/serve-node.ts";
import { HARD_IDS, publishableId } from "../helpers/ids.ts";
import { ENGINES, TEST_TIMEOUT_MS, suiteOptions, useBrowser, type Browser } from "./driver/engines.ts";

/** What the page saw for one id: the id of the first event, and the events after the reconnects. */
interface PageRecord {
  readonly first: string | null;
  readonly replayed: Array<{ type: string; data: string }>;
  readonly error?: string;
}

/** What the server saw on each reconnect of one id's EventSource. */
interface ServerRecord {
  headerBytes: number[] | null;
  lastEventId: string | undefined;
  channelHeaderBytes: number[] | null;
}

/**
 * The page: `run(count)` opens `/id/<n>` for each n in turn; it keeps the first event's
 * `lastEventId` and every later event until the channel's "after", then closes that EventSource.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><script>
window.run = async (count) => {
  const records = [];
  for (let n = 0; n < count; n++) {
    records.push(await new Promise((resolve) => {
      const source = new EventSource("/id/" + n);
      const record = { first: null, replayed: [] };
      const finish = (error) => { source.close(); clearTimeout(timer); resolve(error ? { ...record, error } : record); };
      const timer = setTimeout(() => finish("timed out after 10 s"), 10000);
      const seen = (event) => {
        if (record.first === null) record.first = event.lastEventId;
        else record.replayed.push({ type: event.type, data: event.data });
        if (event.data === "after") finish();
      };
      // A refused reconnect (an error status) makes the browser give up: no need to wait for the timer.
      source.addEventListener("error", () => { if (source.readyState === EventSource.CLOSED) finish("the browser gave up (readyState CLOSED)"); });
      source.addEventListener("message", seen);
      source.addEventListener(${JSON.stringify(GAP_EVENT)}, seen);
    }));
  }
  return records;
};
</script>`;

function bytesOf(header: string | null): number[] | null {
  return header === null ? null : [...header].map((char) => char.charCodeAt(0));
}

/** Runs one batch of ids through a page of `browser`, with a server of its own, and checks every stage of each id's round trip. */
async function checkBatch(browser: Browser, ids: readonly string[]): Promise<void> {
  const channels: Channel[] = [];
  for (const id of ids) {
    const channel = new Channel();
    await channel.publish("before");
    await channel.publish(Message.data("the id").id(id));
    await channel.publish("after");
    channels.push(channel);
  }
  const seen = ids.map((): ServerRecord => ({ headerBytes: null, lastEventId: undefined, channelHeaderBytes: null }));
  const connections: number[] = [];
  const server = await serveNode((request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    const n = Number(pathname.slice("/id/".length));
    const id = ids[n];
    if (!pathname.startsWith("/id/") || id === undefined) return new Response("not found", { status: 404 });
    const connection = (connections[n] = (connections[n] ?? 0) + 1);
    const header = request.headers.get("last-event-id");
    if (connection === 1) {
      return new DataStream([Message.data("first").id(id)], { request, keepAlive: false, retry: 20 }).toResponse();
    }
    if (connection === 2) {
      return new DataStream(
        ({ lastEventId }) => {
          seen[n]!.headerBytes = bytesOf(header);
          seen[n]!.lastEventId = lastEventId;
          return [];
        },
        { request, keepAlive: false },
      ).toResponse();
    }
    seen[n]!.channelHeaderBytes = bytesOf(header);
    return channels[n]!.response({ request, keepAlive: false });
  });
  const page = await browser.open(`${server.url}/`);
  try {
    const records = (await page.evaluate(
      (count) => (window as unknown as { run(count: number): Promise<PageRecord[]> }).run(count),
      ids.length,
    )) as PageRecord[];
    const utf8 = (id: string): number[] => [...new TextEncoder().encode(id)];
    const got = ids.map((id, n) => ({
      id,
      pageFirst: records[n]!.first,
      headerBytes: seen[n]!.headerBytes,
      lastEventId: seen[n]!.lastEventId,
      channelHeaderBytes: seen[n]!.channelHeaderBytes,
      replayed: records[n]!.replayed,
      error: records[n]!.error,
    }));
    const expected = ids.map((id) => ({
      id,
      pageFirst: id,
      headerBytes: utf8(id),
      lastEventId: id,
      channelHeaderBytes: utf8(id),
      replayed: [{ type: "message", data: "after" }],
      error: undefined,
    }));
    expect(got).toEqual(expected);
  } finally {
    await page.close();
    await server.close();
    await Promise.all(channels.map((channel) => channel.close()));
  }
}

for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);

    test(`${engine.name}'s EventSource sends each hard id back as UTF-8 and the server finds it in ctx.lastEventId and a channel replay`, async () => {
      await checkBatch(browser(), HARD_IDS);
    });

    // Sixty ids, three connections each: Firefox takes about a minute on a loaded machine.
    test(`${engine.name}'s EventSource sends every accepted id back intact (fast-check: 2 batches of 30 ids in one page each)`, {
      timeout: 2 * TEST_TIMEOUT_MS,
    }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(publishableId(), { minLength: 30, maxLength: 30 }), (ids) =>
          checkBatch(browser(), ids),
        ),
        { numRuns: 2, endOnFailure: true },
      );
    });
  });
}
