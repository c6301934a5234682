// The Hono example (examples/hono/app.ts) served the way examples/hono/server.ts serves it: @hono/node-server
// on 127.0.0.1. Also checks what the example relies on: through @hono/node-server, `{ request: c.req.raw }`
// ends a DataStream when the client hangs up.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { DataStream, type StreamClosedError } from "edge-sse";
import { app } from "../../examples/hono/app.ts";
import { readEvents } from "../helpers/event-reader.ts";
import { deferred } from "../helpers/deferred.ts";
import { frameworkCases, type FrameworkTarget } from "./framework-cases.ts";
import { StreamProbe } from "./stream-probe.ts";
import { trackSockets } from "./node-sockets.ts";

const closed = deferred<string>();
const finallyRan = deferred<boolean>();

// The example's app, plus one probe route written the same way, that reports how its stream ended.
const probe = new Hono();
probe.route("/", app);
probe.get("/probe", (c) =>
  new DataStream(
    async function* ({ signal, sleep }) {
      try {
        for (let n = 1; ; n++) {
          yield n;
          await sleep(20);
        }
      } finally {
        finallyRan.resolve(signal.aborted);
      }
    },
    { request: c.req.raw, onClose: (reason: StreamClosedError) => closed.resolve(reason.type) },
  ).toResponse(),
);
// The route the framework cases check (framework-cases.ts), written like the example's /events.
const streamProbe = new StreamProbe();
probe.get("/stream-probe", (c) => streamProbe.respond(c.req.raw, c.req.url));

let server: ServerType;
let base = "";
let target: FrameworkTarget;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: probe.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target = {
    base,
    probePath: "/stream-probe",
    probe: streamProbe,
    holdsConnectionFrom: trackSockets(server as Server),
  };
});

afterAll(async () => {
  if ("closeAllConnections" in server) server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("The Hono example serves the demo page", async () => {
  const response = await fetch(`${base}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=UTF-8");
  expect(await response.text()).toContain('new EventSource("/events")');
});

test("The Hono example's DataStream route sends retry, numbered events and JSON price events", async () => {
  const { parsed, response } = await readEvents(`${base}/events`, 2);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "1", data: "1" });
  expect(parsed.events[1]?.event).toBe("price");
  expect(JSON.parse(parsed.events[1]!.data)).toMatchObject({ symbol: "EDGE", price: expect.any(Number) });
});

test("The Hono example's DataStream route resumes after the Last-Event-ID", async () => {
  const { parsed } = await readEvents(`${base}/events`, 1, { "last-event-id": "41" });
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
});

test("The Hono example's streamSSE route streams numbered events and reads Last-Event-ID too", async () => {
  const { parsed, response } = await readEvents(`${base}/hono-sse`, 2, { "last-event-id": "7" });
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  expect(parsed.events.slice(0, 2)).toMatchObject([
    { id: "8", data: "8" },
    { id: "9", data: "9" },
  ]);
});

test("Through @hono/node-server, a client hang-up ends a DataStream given c.req.raw", async () => {
  const { parsed } = await readEvents(`${base}/probe`, 2);
  expect(parsed.events.length).toBeGreaterThanOrEqual(2);
  expect(await finallyRan.promise).toBe(true);
  expect(await closed.promise).toBe("client-gone");
});

for (const frameworkCase of frameworkCases) {
  test(`Hono on @hono/node-server ${frameworkCase.name}`, () => frameworkCase.run(target));
}
