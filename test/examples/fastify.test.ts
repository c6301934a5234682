// The Fastify example (examples/fastify/app.ts) on 127.0.0.1 as server.ts serves it, plus a probe route written
// the way the example writes /events (the route sends the DataStream's Response, made with Fastify's own
// `request`), which the framework cases (framework-cases.ts) check over real HTTP.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AddressInfo } from "node:net";
import { buildApp } from "../../examples/fastify/app.ts";
import { readEvents } from "../helpers/event-reader.ts";
import { frameworkCases, type FrameworkTarget } from "./framework-cases.ts";
import { StreamProbe } from "./stream-probe.ts";
import { trackSockets } from "./node-sockets.ts";

const probe = new StreamProbe();
const app = buildApp();
app.get("/probe", (request, reply) => reply.send(probe.respond(request, request.url)));

let target: FrameworkTarget;

beforeAll(async () => {
  const holdsConnectionFrom = trackSockets(app.server);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  target = { base, probePath: "/probe", probe, holdsConnectionFrom };
});

afterAll(async () => {
  app.server.closeAllConnections();
  await app.close();
});

test("The Fastify example serves the demo page", async () => {
  const response = await fetch(`${target.base}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await response.text()).toContain('new EventSource("/events")');
});

test("The Fastify example's /events sends retry, numbered events and JSON price events after the Last-Event-ID", async () => {
  const { parsed, response } = await readEvents(`${target.base}/events`, 2, { "last-event-id": "41" });
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
  expect(parsed.events[1]?.event).toBe("price");
});

test("The Fastify example's chat room delivers a posted message to a listener", async () => {
  const abort = new AbortController();
  const listener = await fetch(`${target.base}/chat/events`, { signal: abort.signal });
  const reader = listener.body!.getReader();
  const posted = await fetch(`${target.base}/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "ada", text: "hello from Fastify" }),
  });
  expect(posted.status).toBe(201);
  let text = "";
  try {
    while (!text.includes("hello from Fastify")) {
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
  test(`Fastify ${frameworkCase.name}`, () => frameworkCase.run(target));
}
