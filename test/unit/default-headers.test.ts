import { expect, test } from "vitest";
import { CONNECTION_SPECIFIC_HEADERS, DEFAULT_HEADERS, mergeHeaders } from "../../src/default-headers.ts";
import { DataStream } from "../../src/index.ts";

test("mergeHeaders throws a TypeError naming each connection-specific header, te and http2-settings among them", () => {
  const values: Readonly<Record<string, string>> = {
    connection: "close",
    "keep-alive": "timeout=5",
    "proxy-connection": "keep-alive",
    "transfer-encoding": "chunked",
    upgrade: "h2c",
    te: "trailers",
    "http2-settings": "AAMAAABk",
  };
  expect([...CONNECTION_SPECIFIC_HEADERS].sort()).toEqual(Object.keys(values).sort());
  for (const [name, value] of Object.entries(values)) {
    expect(() => mergeHeaders("Cannot make a Response", { "x-fine": "yes", [name.toUpperCase()]: value })).toThrow(
      new TypeError(`Cannot make a Response: header \`${name}\` is not allowed (got "${value}"); hop-by-hop headers break HTTP/2 and HTTP/3`),
    );
  }
});

test("DataStream refuses te and http2-settings in its headers option and in toResponse's", () => {
  expect(() => new DataStream(["x"], { headers: { TE: "trailers" } })).toThrow(
    new TypeError('Cannot create DataStream: header `te` is not allowed (got "trailers"); hop-by-hop headers break HTTP/2 and HTTP/3'),
  );
  expect(() => new DataStream(["x"]).toResponse({ headers: [["HTTP2-Settings", "AAMAAABk"]] })).toThrow(
    new TypeError('Cannot make a Response: header `http2-settings` is not allowed (got "AAMAAABk"); hop-by-hop headers break HTTP/2 and HTTP/3'),
  );
});

test("DEFAULT_HEADERS holds no connection-specific header", () => {
  expect(Object.keys(DEFAULT_HEADERS).filter((name) => CONNECTION_SPECIFIC_HEADERS.has(name))).toEqual([]);
});
