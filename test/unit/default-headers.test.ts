import { expect, test } from "vitest";
import { CONNECTION_SPECIFIC_HEADERS, DEFAULT_HEADERS, mergeHeaderSet } from "../../src/core/default-headers.ts";
import { DataStream } from "edge-sse";

test("mergeHeaderSet throws a TypeError naming each connection-specific header, te and http2-settings among them", () => {
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
    expect(() =>
      mergeHeaderSet("Cannot make a Response", "init.headers", { "x-fine": "yes", [name.toUpperCase()]: value }),
    ).toThrow(
      new TypeError(
        `Cannot make a Response: header \`${name}\` in \`init.headers\` is not allowed (got "${value}"); hop-by-hop headers break HTTP/2 and HTTP/3`,
      ),
    );
  }
});

test("DataStream refuses te and http2-settings in its headers option and in toResponse's", () => {
  expect(() => new DataStream(["x"], { headers: { TE: "trailers" } })).toThrow(
    new TypeError(
      'Cannot create DataStream: header `te` in `headers` is not allowed (got "trailers"); hop-by-hop headers break HTTP/2 and HTTP/3',
    ),
  );
  expect(() => new DataStream(["x"]).toResponse({ headers: [["HTTP2-Settings", "AAMAAABk"]] })).toThrow(
    new TypeError(
      'Cannot make a Response: header `http2-settings` in `init.headers` is not allowed (got "AAMAAABk"); hop-by-hop headers break HTTP/2 and HTTP/3',
    ),
  );
});

test("DEFAULT_HEADERS holds no connection-specific header", () => {
  expect(Object.keys(DEFAULT_HEADERS).filter((name) => CONNECTION_SPECIFIC_HEADERS.has(name))).toEqual([]);
});

const CONTEXT = "Cannot test";

test("mergeHeaderSet gives back the shared defaults when there is nothing to merge", () => {
  expect(mergeHeaderSet(CONTEXT, "headers")).toBe(DEFAULT_HEADERS);
  expect(mergeHeaderSet(CONTEXT, "headers", undefined, DEFAULT_HEADERS)).toBe(DEFAULT_HEADERS);
});

test("mergeHeaderSet gives a plain record when no Set-Cookie is present, later layers winning", () => {
  const merged = mergeHeaderSet(CONTEXT, "headers", { "X-A": "1", "cache-control": "no-store" }, [
    ["x-a", "2"],
    ["x-b", "3"],
  ]);
  expect(Array.isArray(merged)).toBe(false);
  expect(merged).toEqual({ ...DEFAULT_HEADERS, "cache-control": "no-store", "x-a": "2", "x-b": "3" });
});

test("mergeHeaderSet gives name/value pairs that keep every Set-Cookie when one is present, in order", () => {
  const merged = mergeHeaderSet(
    CONTEXT,
    "headers",
    [
      ["set-cookie", "a=1"],
      ["x-a", "1"],
    ],
    [
      ["Set-Cookie", "b=2"],
      ["set-cookie", "c=3"],
      ["x-a", "2"],
    ],
  );
  expect(merged).toEqual([
    ...Object.entries({ ...DEFAULT_HEADERS, "x-a": "2" }),
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["set-cookie", "c=3"],
  ]);
  // Pairs merge again as a layer without loss, as toResponse merges options.headers with init.headers.
  expect(
    new Headers(
      mergeHeaderSet(CONTEXT, "headers", merged as HeadersInit, { "set-cookie": "d=4" }) as HeadersInit,
    ).getSetCookie(),
  ).toEqual(["a=1", "b=2", "c=3", "d=4"]);
});
