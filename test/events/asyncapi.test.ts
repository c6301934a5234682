import { Parser } from "@asyncapi/parser";
import { expect, test } from "vitest";
import * as z from "zod";
import { defineEvents } from "edge-sse";
import { MAPS, zodEvents } from "./maps.ts";

const OPTIONS = {
  title: "Market data",
  version: "1.0.0",
  server: "https://api.market.test",
  address: "/quotes",
} as const;

/** What @asyncapi/parser says of a document: its diagnostics by severity (0 error, 1 warning, 2 information, 3 hint). */
async function parseAsyncAPI(document: object) {
  const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
  return { parsed, diagnostics: diagnostics.map(({ severity, code, message }) => ({ severity, code, message })) };
}

test("toAsyncAPI describes one channel at the address, whose messages are the events, and one receive operation", () => {
  const document = zodEvents.toAsyncAPI({ ...OPTIONS, description: "Quotes as they trade" });
  expect(document).toEqual({
    asyncapi: "3.0.0",
    info: { title: "Market data", version: "1.0.0", description: "Quotes as they trade" },
    defaultContentType: "application/json",
    servers: { default: { host: "api.market.test", protocol: "https" } },
    channels: {
      events: {
        address: "/quotes",
        messages: {
          quote: {
            name: "quote",
            title: "quote",
            description: "A new price for one symbol",
            contentType: "application/json",
            payload: expect.objectContaining({ type: "object", required: ["symbol", "price", "size", "side", "at"] }),
          },
          status: {
            name: "status",
            title: "status",
            description: "The market opened or closed",
            contentType: "text/plain",
            payload: { type: "string", enum: ["open", "closed"] },
          },
          message: {
            name: "message",
            title: "message",
            contentType: "application/json",
            payload: {
              type: "object",
              properties: { text: { type: "string" } },
              required: ["text"],
              additionalProperties: false,
            },
          },
        },
      },
    },
    operations: {
      receiveEvents: {
        action: "receive",
        channel: { $ref: "#/channels/events" },
        messages: [
          { $ref: "#/channels/events/messages/quote" },
          { $ref: "#/channels/events/messages/status" },
          { $ref: "#/channels/events/messages/message" },
        ],
      },
    },
  });
});

test.each(MAPS)(
  "@asyncapi/parser accepts the AsyncAPI document of a $vendor map with no error and no warning",
  async ({ events }) => {
    const { parsed, diagnostics } = await parseAsyncAPI(events.toAsyncAPI(OPTIONS));
    expect(diagnostics.filter((diagnostic) => diagnostic.severity <= 1)).toEqual([]);
    // Information only: AsyncAPI 3.1 exists; 3.0 is what the document says it follows.
    expect(diagnostics).toEqual([
      { severity: 2, code: "asyncapi-latest-version", message: expect.stringContaining('"3.1.0"') },
    ]);
    const operation = parsed!.operations().all()[0]!;
    expect(operation.action()).toBe("receive");
    expect(
      operation
        .messages()
        .all()
        .map((message) => message.name()),
    ).toEqual(["quote", "status", "message"]);
    expect(parsed!.channels().all()[0]!.address()).toBe("/quotes");
  },
);

test("toAsyncAPI escapes names in references, declares path parameters and keeps the server's base path", async () => {
  const events = defineEvents({ "user/joined": z.object({ who: z.string() }), "a b~c": z.string() });
  const document = events.toAsyncAPI({
    ...OPTIONS,
    server: "http://127.0.0.1:8787/v1",
    address: "/rooms/{room}/events",
    channel: "rooms",
    action: "send",
  });
  expect(document.servers).toEqual({ default: { host: "127.0.0.1:8787", protocol: "http", pathname: "/v1" } });
  expect(document.channels["rooms"]).toMatchObject({ address: "/rooms/{room}/events", parameters: { room: {} } });
  expect(document.operations["sendRooms"]).toMatchObject({
    action: "send",
    messages: [{ $ref: "#/channels/rooms/messages/user~1joined" }, { $ref: "#/channels/rooms/messages/a%20b~0c" }],
  });
  const { parsed, diagnostics } = await parseAsyncAPI(document);
  expect(diagnostics.filter((diagnostic) => diagnostic.severity <= 1)).toEqual([]);
  expect(
    parsed!
      .operations()
      .all()[0]!
      .messages()
      .all()
      .map((message) => message.name()),
  ).toEqual(["user/joined", "a b~c"]);
});

test("The AsyncAPI parser reports an error in a broken document, so its verdict can fail", async () => {
  const document = zodEvents.toAsyncAPI(OPTIONS);
  const broken = {
    ...document,
    operations: { receiveEvents: { ...document.operations["receiveEvents"], action: "listen" } },
  };
  const { diagnostics } = await parseAsyncAPI(broken);
  expect(diagnostics.some((diagnostic) => diagnostic.severity === 0)).toBe(true);
});

test("toAsyncAPI refuses missing and invalid options, naming them", () => {
  const call = (options: unknown) => () => zodEvents.toAsyncAPI(options as never);
  expect(call(undefined)).toThrow(
    new TypeError("Cannot describe events for AsyncAPI: `options` must be an object (got undefined)"),
  );
  expect(call({ ...OPTIONS, title: undefined })).toThrow(
    new TypeError("Cannot describe events for AsyncAPI: `title` must be a non-empty string (got undefined)"),
  );
  expect(call({ ...OPTIONS, server: "api.market.test" })).toThrow(
    new TypeError(
      'Cannot describe events for AsyncAPI: `server` must be a URL such as "https://api.example.com" (got "api.market.test")',
    ),
  );
  expect(call({ ...OPTIONS, server: "wss://api.market.test" })).toThrow(
    new TypeError(
      'Cannot describe events for AsyncAPI: `server` must be an https: or http: URL (got "wss://api.market.test")',
    ),
  );
  for (const server of [
    "https://user:pw@api.market.test",
    "https://api.market.test/?v=1",
    "https://api.market.test/#top",
  ]) {
    expect(call({ ...OPTIONS, server })).toThrow(
      new TypeError(
        "Cannot describe events for AsyncAPI: `server` must hold no user, password, query or fragment, which a " +
          `server object cannot carry (got ${JSON.stringify(server)})`,
      ),
    );
  }
  for (const address of ["/rooms/{room/events", "/rooms/room}/events", "/{}/x"]) {
    expect(call({ ...OPTIONS, address })).toThrow(
      new TypeError(
        'Cannot describe events for AsyncAPI: `address` must use braces only as whole parameters such as "{room}" ' +
          `(got ${JSON.stringify(address)})`,
      ),
    );
  }
  expect(call({ ...OPTIONS, action: "publish" })).toThrow(
    new TypeError('Cannot describe events for AsyncAPI: `action` must be "receive" or "send" (got "publish")'),
  );
  expect(call({ ...OPTIONS, adress: "/x" })).toThrow(
    new TypeError("Cannot describe events for AsyncAPI: unknown option `adress`"),
  );
});
