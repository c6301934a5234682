/**
 * The client's `Last-Event-ID` on the wire: the id's UTF-8 bytes, as a browser sends it, whatever
 * characters it holds. A node:http server on 127.0.0.1 records each request's raw header bytes and
 * hands the request to edge-sse's own server side, whose `ctx.lastEventId` must read the id back.
 */
import { afterEach, expect, test, vi } from "vitest";
import { DataStream, Message } from "edge-sse";
import { subscribe } from "edge-sse/client";
import { decodeHeaderValue, encodeHeaderValue } from "../../src/core/last-event-id.ts";
import { HARD_IDS } from "../helpers/ids.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { type NodeListener, toNodeListener } from "edge-sse/node";

/** One request as it reached the server: its raw `Last-Event-ID` bytes, and what the server side read. */
interface Arrival {
  readonly path: string;
  /** The header's bytes as they came over the wire, or undefined without the header. */
  readonly bytes: Buffer | undefined;
}

const servers: TestServer[] = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A server whose first answer on each path is an event with the path's id (then a clean end, so
 * the client reconnects), and whose next answer records `ctx.lastEventId` and ends for good.
 */
async function serve(idOf: (path: string) => string): Promise<{
  url: string;
  arrivals: Arrival[];
  readBack: Map<string, string | undefined>;
}> {
  const arrivals: Arrival[] = [];
  const readBack = new Map<string, string | undefined>();
  const handler = toNodeListener((request: Request) => {
    const path = new URL(request.url).pathname;
    if (!readBack.has(path) && request.headers.get("last-event-id") === null) {
      return new DataStream([Message.data("hi").id(idOf(path))], { request, keepAlive: false }).toResponse();
    }
    return new DataStream(
      ({ lastEventId, end }) => {
        readBack.set(path, lastEventId);
        end();
      },
      { request, keepAlive: false },
    ).toResponse();
  });
  const listener: NodeListener = (request, response) => {
    // Node hands each header byte over as one Latin-1 character: these are the bytes that came.
    const at = request.rawHeaders.findIndex((name, index) => index % 2 === 0 && name.toLowerCase() === "last-event-id");
    const raw = at === -1 ? undefined : request.rawHeaders[at + 1];
    arrivals.push({ path: request.url ?? "", bytes: raw === undefined ? undefined : Buffer.from(raw, "latin1") });
    void handler(request, response);
  };
  const server = await serveNode({ listener });
  servers.push(server);
  return { url: server.url, arrivals, readBack };
}

test("a reconnection sends Last-Event-ID as the UTF-8 bytes of any id, which the server reads back", async () => {
  const ids = HARD_IDS;
  const { url, arrivals, readBack } = await serve((path) => ids[Number(path.slice(1))] as string);
  for (const [index, id] of ids.entries()) {
    const subscription = subscribe(`${url}/${index}`, { reconnect: { delay: 1, jitter: 0 }, stallTimeout: 5_000 });
    const yielded: string[] = [];
    for await (const event of subscription) yielded.push(event.id);
    const label = JSON.stringify(id).slice(0, 40);
    expect(yielded, label).toEqual([id]);
    expect(subscription.finished, label).toBe(true);
    const mine = arrivals.filter((arrival) => arrival.path === `/${index}`);
    expect(mine.length, label).toBe(2);
    expect(mine[0]?.bytes, label).toBeUndefined();
    expect(mine[1]?.bytes?.equals(Buffer.from(id, "utf8")), label).toBe(true);
    expect(readBack.get(`/${index}`), label).toBe(id);
  }
});

test("the lastEventId option goes out as the UTF-8 bytes of the id from the first request on", async () => {
  const id = "\u65E5\u672C \u00C3\u00A9 \u{1F600}";
  const { url, arrivals, readBack } = await serve(() => "unused");
  const subscription = subscribe(`${url}/resume`, { lastEventId: id, reconnect: false });
  for await (const event of subscription) throw new Error(`unexpected event ${JSON.stringify(event)}`);
  expect(subscription.finished).toBe(true);
  expect(arrivals.length).toBe(1);
  expect(arrivals[0]?.bytes?.equals(Buffer.from(id, "utf8"))).toBe(true);
  expect(readBack.get("/resume")).toBe(id);
});

test("encodeHeaderValue gives UTF-8 bytes as Latin-1 characters, which decodeHeaderValue reads back, and text on workerd", () => {
  expect(encodeHeaderValue("abc 1")).toBe("abc 1");
  expect(encodeHeaderValue("\u00E9")).toBe("\u00C3\u00A9");
  expect(encodeHeaderValue("\u2026")).toBe("\u00E2\u0080\u00A6");
  expect(encodeHeaderValue("\u{1F600}")).toBe("\u00F0\u009F\u0098\u0080");
  for (const id of HARD_IDS) expect(decodeHeaderValue(encodeHeaderValue(id))).toBe(id);
  vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });
  expect(encodeHeaderValue("\u2026")).toBe("\u2026");
});
