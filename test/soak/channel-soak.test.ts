// Soak: many clients connect to one Channel and leave, in every way a client can leave, then the
// process must be back where it started: no subscriber, no broker listener, no timer, and a heap
// that came back to its baseline after a full collection.
import { request as httpRequest } from "node:http";
import { expect, test } from "vitest";
import { Channel, MemoryBroker, type ChannelBroker, type ChannelEvent } from "edge-sse/channel";
import { Message } from "edge-sse";
import { activeTimers, settledHeap } from "../helpers/resources.ts";
import { serveNode, until } from "../helpers/serve-node.ts";

const IN_PROCESS_CYCLES = 10_000;
const HTTP_CYCLES = 200;
/** Heap after the cycles over heap before them, both after a full collection. */
const MAX_HEAP_RATIO = 1.15;

/** A MemoryBroker that counts the live-feed listeners it holds. */
function countingBroker(): { broker: ChannelBroker; listeners(): number } {
  const inner = new MemoryBroker({ history: { maxEvents: 50 } });
  let listeners = 0;
  const broker: ChannelBroker = {
    publish: (event) => inner.publish(event),
    replay: (afterId) => inner.replay(afterId),
    subscribe: (listener: (event: ChannelEvent) => void) => {
      listeners++;
      const unsubscribe = inner.subscribe(listener);
      let subscribed = true;
      return () => {
        if (subscribed) listeners--;
        subscribed = false;
        return unsubscribe();
      };
    },
  };
  return { broker, listeners: () => listeners };
}

interface Soak {
  channel: Channel;
  /** The last two ids published, for clients that resume. */
  ids: string[];
}

/**
 * One client: connects (half of them resume after an earlier id and get replayed events), reads,
 * and leaves by cancelling its body or by its request's signal aborting; every tenth cycle another
 * response is also made and dropped unread.
 */
async function inProcessCycle(soak: Soak, n: number): Promise<void> {
  const { channel, ids } = soak;
  if (n % 10 === 0) {
    ids.push(await channel.publish(Message.json({ n }).event("tick")));
    if (ids.length > 2) ids.shift();
  }
  const resumeAfter = n % 2 === 1 && ids.length > 1 ? ids[ids.length - 2] : undefined;
  const client = new AbortController();
  const response = await channel.response({
    request: { headers: resumeAfter === undefined ? {} : { "last-event-id": resumeAfter }, signal: client.signal },
  });
  const reader = response.body!.getReader();
  let text = "";
  // The first bytes, then (when resuming) the replayed events up to the newest.
  do text += new TextDecoder().decode((await reader.read()).value);
  while (resumeAfter !== undefined && !text.includes(`id: ${ids[ids.length - 1]}\n`));
  if (n % 2 === 0) await reader.cancel();
  else client.abort();
  if (n % 10 === 5) await channel.response(); // built and dropped unread
}

/** The same over real HTTP through edge-sse/node: the client reads its first bytes and hangs up. */
function httpCycle(url: string, lastEventId: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
    const req = httpRequest(url, { agent: false, headers }, (res) => {
      res.once("data", () => {
        req.destroy();
        resolve();
      });
      res.once("error", () => {});
    });
    req.once("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? resolve() : reject(error)));
    req.end();
  });
}

test("Channel is back to no subscriber, no broker listener, no timer and its heap baseline after 10,000 connects and disconnects", async () => {
  const counted = countingBroker();
  const channel = new Channel({ broker: counted.broker });
  const soak: Soak = { channel, ids: [] };
  const server = await serveNode((request) => channel.response({ request }));
  const httpCycles = async (count: number): Promise<void> => {
    for (let n = 0; n < count; n++) await httpCycle(server.url, n % 2 === 1 ? soak.ids[0] : undefined);
    await until(() => channel.subscriberCount === 0, "every subscriber to leave", 15_000);
  };
  try {
    // Warm up both ways first, so that the baseline holds what the code itself needs (compiled code,
    // a full history, the HTTP machinery).
    for (let n = 0; n < 1_000; n++) await inProcessCycle(soak, n);
    await httpCycles(20);
    const heapBefore = await settledHeap();
    const timersBefore = activeTimers();

    for (let n = 0; n < IN_PROCESS_CYCLES; n++) await inProcessCycle(soak, n);
    await httpCycles(HTTP_CYCLES);

    expect(channel.subscriberCount).toBe(0);
    expect(counted.listeners()).toBe(1); // the channel's own live feed, and nothing per subscriber
    expect(activeTimers()).toBe(timersBefore);
    const heapAfter = await settledHeap();
    expect(heapAfter / heapBefore, `heap ${heapBefore} -> ${heapAfter} bytes`).toBeLessThan(MAX_HEAP_RATIO);
  } finally {
    await server.close();
  }
  await channel.close();
  expect(counted.listeners()).toBe(0);
}, 120_000);
