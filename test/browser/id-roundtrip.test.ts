/**
 * Chromium's own EventSource carries every accepted id back: for each id, the page opens an
 * EventSource; the server (node:http through edge-sse/node) sends `id: X` with a short `retry` and
 * ends the stream; the browser reconnects with `Last-Event-ID`; the server records the bytes it got
 * and `ctx.lastEventId`, and ends again; on the third connection a channel that published X replays
 * what came after it. The ids run in one page, one after another.
 *
 * Self-contained (its own server, page and launch), so that it can be run with another browser by
 * replacing `launchBrowser`. Chromium is `/usr/bin/chromium`, or the binary named by `CHROMIUM`.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { chromium, type BrowserContext } from "playwright-core";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { DataStream, Message } from "edge-sse";
import { Channel, GAP_EVENT } from "edge-sse/channel";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { acceptedId, HARD_IDS } from "../helpers/ids.ts";

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";

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

let server: TestServer | undefined;
let browser: BrowserContext | undefined;
let launchError: Error | undefined;
let profileDir: string | undefined;
/** The batch under test: its ids, channels, and what the server saw. */
let batch: { ids: readonly string[]; channels: Channel[]; seen: ServerRecord[]; connections: number[] } = {
  ids: [],
  channels: [],
  seen: [],
  connections: [],
};

async function launchBrowser(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

function bytesOf(header: string | null): number[] | null {
  return header === null ? null : [...header].map((char) => char.charCodeAt(0));
}

beforeAll(async () => {
  server = await serveNode((request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    const n = Number(pathname.slice("/id/".length));
    const id = batch.ids[n];
    if (!pathname.startsWith("/id/") || id === undefined) return new Response("not found", { status: 404 });
    const connection = (batch.connections[n] = (batch.connections[n] ?? 0) + 1);
    const header = request.headers.get("last-event-id");
    if (connection === 1) {
      return new DataStream([Message.data("first").id(id)], { request, keepAlive: false, retry: 20 }).toResponse();
    }
    if (connection === 2) {
      return new DataStream(({ lastEventId }) => {
        batch.seen[n]!.headerBytes = bytesOf(header);
        batch.seen[n]!.lastEventId = lastEventId;
        return [];
      }, { request, keepAlive: false }).toResponse();
    }
    batch.seen[n]!.channelHeaderBytes = bytesOf(header);
    return batch.channels[n]!.response({ request, keepAlive: false });
  });
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (or set CHROMIUM to a Chromium binary)`);
    return;
  }
  profileDir = await mkdtemp(join(tmpdir(), "edge-sse-ids-"));
  try {
    browser = await launchBrowser(profileDir);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    launchError = new Error(`Could not launch Chromium at ${CHROMIUM}: run \`npm run setup\` (${detail})`, { cause: error });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
});

/** Runs one batch of ids through the page and checks every stage of each id's round trip. */
async function checkBatch(ids: readonly string[]): Promise<void> {
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  const channels: Channel[] = [];
  for (const id of ids) {
    const channel = new Channel();
    await channel.publish("before");
    await channel.publish(Message.data("the id").id(id));
    await channel.publish("after");
    channels.push(channel);
  }
  const seen = ids.map((): ServerRecord => ({ headerBytes: null, lastEventId: undefined, channelHeaderBytes: null }));
  batch = { ids, channels, seen, connections: [] };
  const page = await browser.newPage();
  try {
    await page.goto(`${server!.url}/`);
    const records: PageRecord[] = await page.evaluate((count) => (window as unknown as { run(count: number): Promise<PageRecord[]> }).run(count), ids.length);
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
    await Promise.all(channels.map((channel) => channel.close()));
  }
}

test("Chromium's EventSource sends each hard id back as UTF-8 and the server finds it in ctx.lastEventId and a channel replay", async () => {
  await checkBatch(HARD_IDS);
}, 60_000);

test("Chromium's EventSource sends every accepted id back intact (fast-check: 2 batches of 30 ids in one page each)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(acceptedId(), { minLength: 30, maxLength: 30 }), checkBatch),
    { numRuns: 2, endOnFailure: true },
  );
}, 120_000);
