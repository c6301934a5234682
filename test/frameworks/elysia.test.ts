// The Elysia example (examples/elysia/app.ts) on Bun, as server.ts serves it, plus a probe route written the
// way the example writes /events (the route returns the DataStream's Response, made with the route's
// `request`), which the framework cases check over real HTTP on 127.0.0.1.
// Needs the example's install (scripts/install-examples.sh); run by scripts/runtimes/frameworks.sh:
//   "$RT_BUN" test ./test/frameworks/elysia.test.ts
import { afterAll, beforeAll, expect, test } from "bun:test";
import { buildApp } from "../../examples/elysia/app.ts";
import { readEvents } from "../helpers/event-reader.ts";
import { frameworkCases, type FrameworkTarget } from "../examples/framework-cases.ts";
import { StreamProbe } from "../examples/stream-probe.ts";
import { serverHoldsConnection } from "../examples/tcp-state.ts";

const probe = new StreamProbe();
const app = buildApp().get("/probe", ({ request }) => probe.respond(request, request.url));
let target: FrameworkTarget;

beforeAll(() => {
  app.listen({ hostname: "127.0.0.1", port: 0 });
  const port = app.server!.port!;
  // Bun shows how many requests are in flight, not which connections it holds: ask the kernel.
  target = {
    base: `http://127.0.0.1:${port}`,
    probePath: "/probe",
    probe,
    holdsConnectionFrom: (client) => serverHoldsConnection(port, client),
  };
});

afterAll(async () => {
  await app.stop(true);
});

test("The Elysia example serves the demo page", async () => {
  const response = await fetch(`${target.base}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await response.text()).toContain('new EventSource("/events")');
});

test("The Elysia example's /events sends retry, numbered events and JSON price events after the Last-Event-ID", async () => {
  const { parsed, response } = await readEvents(`${target.base}/events`, 2, { "last-event-id": "41" });
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
  expect(parsed.events[1]?.event).toBe("price");
});

test("The Elysia example's chat room delivers a posted message to a listener", async () => {
  const abort = new AbortController();
  const listener = await fetch(`${target.base}/chat/events`, { signal: abort.signal });
  const reader = listener.body!.getReader();
  const posted = await fetch(`${target.base}/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "ada", text: "hello from Elysia" }),
  });
  expect(posted.status).toBe(201);
  let text = "";
  try {
    while (!text.includes("hello from Elysia")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value, { stream: true });
    }
  } finally {
    abort.abort();
  }
  expect(text).toContain("event: chat");
});

for (const frameworkCase of frameworkCases) {
  test(`Elysia ${frameworkCase.name}`, () => frameworkCase.run(target), 20_000);
}
