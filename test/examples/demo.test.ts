import { afterAll, beforeAll, expect, test } from "vitest";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { readEvents } from "../helpers/read-events.ts";

let server: TestServer;
beforeAll(async () => {
  server = await serveNode(handleDemo);
});
afterAll(() => server.close());

test("The demo serves its page with an EventSource on /events", async () => {
  const response = await fetch(`${server.url}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await response.text()).toContain('new EventSource("/events")');
});

test("The demo stream sends retry, numbered counter events and JSON price events", async () => {
  const { parsed } = await readEvents(`${server.url}/events`, 2);
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "1", data: "1" });
  expect(parsed.events[1]?.event).toBe("price");
  expect(JSON.parse(parsed.events[1]!.data)).toMatchObject({ symbol: "EDGE", price: expect.any(Number) });
});

test("The demo resumes its counter after the Last-Event-ID a reconnecting client sends", async () => {
  const { parsed } = await readEvents(`${server.url}/events`, 1, { "last-event-id": "41" });
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
});

test("The demo answers 404 for other paths", async () => {
  expect((await fetch(`${server.url}/nope`)).status).toBe(404);
});
