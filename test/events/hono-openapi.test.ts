import { expect, test } from "vitest";
import { app } from "../../examples/hono/typed-events.ts";
import { parseWire } from "../helpers/event-reader.ts";
import { eventChecker, eventItem, lintWithRedocly, validateOpenAPI } from "./openapi-tools.ts";

test("The Hono example serves an OpenAPI 3.2 document that both validators accept", async () => {
  const response = await app.request("/openapi.json");
  expect(response.status).toBe(200);
  const document = (await response.json()) as Record<string, unknown>;
  expect(await validateOpenAPI(document)).toEqual({ valid: true, version: "3.2" });
  expect(await lintWithRedocly(document)).toEqual([]);
});

test("The events the Hono example streams validate against the itemSchema of its own document", async () => {
  const document = (await (await app.request("/openapi.json")).json()) as {
    paths: {
      "/prices": {
        get: { responses: { "200": { content: { "text/event-stream": { itemSchema: Record<string, unknown> } } } } };
      };
    };
  };
  const check = eventChecker(document.paths["/prices"].get.responses["200"].content["text/event-stream"].itemSchema);
  const response = await app.request("/prices", { headers: { "last-event-id": "41" } });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let wire = "";
  while (parseWire(wire).events.length < 2) {
    const { done, value } = await reader.read();
    if (done) break;
    wire += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  const items = parseWire(wire).events.map((event) => eventItem(event));
  expect(items).toEqual([
    { event: "status", data: "open" },
    { event: "price", data: expect.stringContaining('"symbol":"ACME"'), id: "42" },
  ]);
  for (const item of items) expect(check(item), JSON.stringify(item)).toEqual([]);
});
