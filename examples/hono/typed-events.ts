// Typed events in a Hono app: one event map gives the stream's validated messages and the OpenAPI 3.2
// description of the same endpoint, served at /openapi.json. Serve `app.fetch` like server.ts does
// (on Workers, Deno and Bun it is the fetch handler as it is).
//
//   GET /prices        the price stream: a `status` text event, then a `price` JSON event a second
//   GET /openapi.json  the OpenAPI 3.2 document; its text/event-stream content comes from the map
import { Hono } from "hono";
import * as z from "zod";
import { DataStream, defineEvents } from "edge-sse";

export const priceEvents = defineEvents({
  price: {
    schema: z.object({ symbol: z.string().min(1), price: z.number().positive(), at: z.iso.datetime() }),
    description: "A new price for one symbol",
  },
  status: { schema: z.enum(["open", "closed"]), encoding: "text", description: "The market opened or closed" },
});

/** The whole OpenAPI document of the app. Only the event stream's content comes from edge-sse. */
export const openAPIDocument = {
  openapi: "3.2.0",
  info: { title: "Prices", version: "1.0.0", license: { name: "MIT", identifier: "MIT" } },
  servers: [{ url: "https://prices.example.org" }],
  security: [],
  paths: {
    "/prices": {
      get: {
        operationId: "streamPrices",
        summary: "Stream prices as they change",
        parameters: [
          {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description: "The id of the last price received; the stream resumes after it",
            schema: { type: "string" },
          },
        ],
        responses: {
          "200": {
            description: "Server-sent events: the market status, then one price a second",
            content: { "text/event-stream": priceEvents.toOpenAPI() },
          },
          "400": { description: "A malformed request" },
        },
      },
    },
  },
};

export const app = new Hono();

app.get("/openapi.json", (c) => c.json(openAPIDocument));

app.get("/prices", (c) =>
  new DataStream(
    async function* ({ sleep, lastEventId }) {
      let n = Number(lastEventId ?? 0) || 0;
      yield priceEvents.status("open");
      while (true) {
        n++;
        // A price that broke the schema would throw here, before it reached any client.
        yield priceEvents.price(
          { symbol: "ACME", price: 100 + (n % 7), at: new Date().toISOString() },
          { id: String(n) },
        );
        await sleep(1_000);
      }
    },
    { request: c.req.raw },
  ).toResponse(),
);
