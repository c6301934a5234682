// Chromium's EventSource against `wrangler dev` serving the Durable Object tests' Worker
// (test/runtimes/workerd/durable-object/worker.ts): the page subscribes through /hibernating/:name, so the
// Worker holds its stream and the HibernatingChannels object sends it events over a hibernatable WebSocket.
// The object is left idle until workerd evicts it (10 s), then closes its sockets as a reset would, and the
// browser's own reconnection, with its Last-Event-ID, must get exactly what it missed.
// scripts/runtimes/hibernating-browser.sh starts wrangler dev and runs this with Node 22's node:test:
// `BASE_URL=… node22 --import tsx --test test/runtimes/hibernating-browser.test.ts`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chromium } from "../browser/driver/chromium.ts";

const base = process.env["BASE_URL"]?.replace(/\/+$/, "");
if (!base) throw new Error("Set BASE_URL to wrangler dev serving the Durable Object tests' Worker");

/** How long workerd lets an object sit idle before it evicts it, and a margin. */
const IDLE_EVICTION_MS = 10_000 + 3_000;

interface Seen {
  readonly data: string;
  readonly lastEventId: string;
}

declare global {
  interface Window {
    seen: Seen[];
    opens: number;
  }
}

async function publish(room: string, data: string): Promise<string> {
  const response = await fetch(`${base}/hibernating/${room}`, {
    method: "POST",
    body: data,
    headers: { "content-type": "text/plain" },
  });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

async function nonceOf(room: string): Promise<string> {
  return ((await (await fetch(`${base}/instance/${room}`)).json()) as { nonce: string }).nonce;
}

test("wrangler dev: Chromium's EventSource stays connected while the object is evicted, and resumes exactly after a reset", {
  timeout: 120_000,
}, async () => {
  const browser = await chromium.launch();
  try {
    // A page of the Worker's origin (its 404), so that the EventSource is same-origin.
    const page = await browser.open(`${base}/page`);
    const room = `browser-${Date.now()}`;
    await page.evaluate((path) => {
      window.seen = [];
      window.opens = 0;
      const source = new EventSource(path);
      source.onopen = () => window.opens++;
      source.onmessage = (event) => window.seen.push({ data: event.data, lastEventId: event.lastEventId });
    }, `/hibernating/${room}`);
    await page.waitFor(() => window.opens === 1, null, "the stream to open");
    await publish(room, "a");
    await page.waitFor((count) => window.seen.length === count, 1, "event a");
    const before = await nonceOf(room);

    await new Promise((resolve) => setTimeout(resolve, IDLE_EVICTION_MS));
    await publish(room, "b"); // wakes the object up: a new instance, which finds the page's socket again
    await page.waitFor((count) => window.seen.length === count, 2, "event b, after the eviction");
    assert.notEqual(await nonceOf(room), before, "the object was evicted and made again");

    // The object closes its sockets, then publishes c: the page gets c only by replay, after Last-Event-ID 2.
    const closed = await fetch(`${base}/close-sockets/${room}?then-publish=c`);
    assert.equal(((await closed.json()) as { id: string }).id, "3");
    await page.waitFor(() => window.opens === 2, null, "the EventSource to reconnect", 30_000);
    await page.waitFor((count) => window.seen.length >= count, 3, "event c, replayed");
    await publish(room, "d");
    await page.waitFor((count) => window.seen.length >= count, 4, "event d, live");
    assert.deepEqual(await page.evaluate(() => window.seen), [
      { data: "a", lastEventId: "1" },
      { data: "b", lastEventId: "2" },
      { data: "c", lastEventId: "3" },
      { data: "d", lastEventId: "4" },
    ]);
    await page.close();
  } finally {
    await browser.close();
  }
});
