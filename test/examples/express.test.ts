// The Express example (examples/express/app.ts) on 127.0.0.1 as server.ts serves it, plus a probe route written
// the way the example writes /events (a fetch handler through edge-sse/node's bridge), which the framework cases
// (framework-cases.ts) check over real HTTP.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener } from "edge-sse/node";
import { app } from "../../examples/express/app.ts";
import { readEvents } from "../helpers/event-reader.ts";
import { frameworkCases, type FrameworkTarget } from "./framework-cases.ts";
import { StreamProbe } from "./stream-probe.ts";
import { trackSockets } from "./node-sockets.ts";

const probe = new StreamProbe();
app.get(
  "/probe",
  toNodeListener((request) => probe.respond(request, request.url)),
);

let server: Server;
let target: FrameworkTarget;

beforeAll(async () => {
  server = app.listen(0, "127.0.0.1");
  const holdsConnectionFrom = trackSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target = { base, probePath: "/probe", probe, holdsConnectionFrom };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("The Express example serves the demo page", async () => {
  const response = await fetch(`${target.base}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await response.text()).toContain('new EventSource("/events")');
});

test("The Express example's /events sends retry, numbered events and JSON price events after the Last-Event-ID", async () => {
  const { parsed, response } = await readEvents(`${target.base}/events`, 2, { "last-event-id": "41" });
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
  expect(parsed.events[1]?.event).toBe("price");
});

test("The Express example's chat room delivers a posted message to a listener", async () => {
  const abort = new AbortController();
  const listener = await fetch(`${target.base}/chat/events`, { signal: abort.signal });
  const reader = listener.body!.getReader();
  const posted = await fetch(`${target.base}/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "ada", text: "hello from Express" }),
  });
  expect(posted.status).toBe(201);
  let text = "";
  try {
    while (!text.includes("hello from Express")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value, { stream: true });
    }
  } finally {
    abort.abort();
  }
  expect(text).toContain("event: chat");
  expect((await fetch(`${target.base}/chat`)).headers.get("content-type")).toBe("text/html; charset=utf-8");
});

for (const frameworkCase of frameworkCases) {
  test(`Express ${frameworkCase.name}`, () => frameworkCase.run(target));
}
