/**
 * The library's own events over real HTTP, read by a typed subscription as by an untyped one: a
 * Channel's stream that reaches its `expiresAt` (the expiry event, then a clean end: the client
 * reconnects and resumes), and a Channel closed for good (the end event: the client stops). A
 * node:http server on 127.0.0.1 through edge-sse/node; no assertion is on wall-clock time.
 */
import { afterEach, expect, test } from "vitest";
import { z } from "zod";
import { defineEvents } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { type ServerSentEvent, subscribe } from "edge-sse/client";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";

const events = defineEvents({ tick: z.object({ n: z.number() }) });

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

test("typed or not, a subscription yields the expiry event, resumes after it, and stops at the end", async () => {
  for (const typed of [true, false]) {
    const channel = new Channel({ events, keepAlive: false });
    const first = await channel.publish(events.tick({ n: 0 }));
    const second = await channel.publish(events.tick({ n: 1 }));
    const lastEventIds: Array<string | null> = [];
    const server = await serveNode((request) => {
      const index = lastEventIds.push(request.headers.get("last-event-id")) - 1;
      // The first stream expires soon after its replay (with room for a slow machine to send the replay
      // first); the reconnection's stream runs until the channel ends.
      return channel.response(index === 0 ? { request, expiresAt: Date.now() + 500 } : { request });
    });
    servers.push(server);
    const subscription = subscribe(`${server.url}/room`, {
      ...(typed ? { events } : {}),
      lastEventId: first,
      reconnect: { delay: 1, jitter: 0 },
    });
    const items: ServerSentEvent<string, unknown>[] = [];
    const reading = (async () => {
      for await (const item of subscription) items.push(item);
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    const label = typed ? "typed" : "untyped";
    await until(() => lastEventIds.length === 2 && channel.subscriberCount === 1, `${label}: the reconnection`);
    const third = await channel.publish(events.tick({ n: 2 }));
    await channel.close({ end: true });
    expect(await reading, label).toBeUndefined();

    const expiry = items[1];
    if (expiry === undefined) throw new Error(`${label}: no second item`);
    expect(expiry.event, label).toBe("edge-sse-expired");
    const { expiresAt } = (typed ? expiry.data : JSON.parse(expiry.data as string)) as { expiresAt: unknown };
    expect(typeof expiresAt, label).toBe("number");
    const data = (n: number): unknown => (typed ? { n } : JSON.stringify({ n }));
    expect(items, label).toEqual([
      { event: "tick", data: data(1), id: second },
      { event: "edge-sse-expired", data: expiry.data, id: second },
      { event: "tick", data: data(2), id: third },
    ]);
    expect(lastEventIds, label).toEqual([first, second]);
    expect(subscription.finished, label).toBe(true);
  }
});
