import { expect, test } from "vitest";
import { DEFAULT_HEADERS, mergeHeaders, mergeHeaderSet } from "../../src/default-headers.ts";

const CONTEXT = "Cannot test";

test("mergeHeaderSet gives back the shared defaults when there is nothing to merge", () => {
  expect(mergeHeaderSet(CONTEXT)).toBe(DEFAULT_HEADERS);
  expect(mergeHeaderSet(CONTEXT, undefined, DEFAULT_HEADERS)).toBe(DEFAULT_HEADERS);
});

test("mergeHeaderSet gives a plain record when no Set-Cookie is present, later layers winning", () => {
  const merged = mergeHeaderSet(CONTEXT, { "X-A": "1", "cache-control": "no-store" }, [["x-a", "2"], ["x-b", "3"]]);
  expect(Array.isArray(merged)).toBe(false);
  expect(merged).toEqual({ ...DEFAULT_HEADERS, "cache-control": "no-store", "x-a": "2", "x-b": "3" });
});

test("mergeHeaderSet gives name/value pairs that keep every Set-Cookie when one is present, in order", () => {
  const merged = mergeHeaderSet(CONTEXT, [["set-cookie", "a=1"], ["x-a", "1"]], [["Set-Cookie", "b=2"], ["set-cookie", "c=3"], ["x-a", "2"]]);
  expect(merged).toEqual([
    ...Object.entries({ ...DEFAULT_HEADERS, "x-a": "2" }),
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["set-cookie", "c=3"],
  ]);
  // Pairs merge again as a layer without loss, as toResponse merges options.headers with init.headers.
  expect(new Headers(mergeHeaderSet(CONTEXT, merged as HeadersInit, { "set-cookie": "d=4" }) as HeadersInit).getSetCookie())
    .toEqual(["a=1", "b=2", "c=3", "d=4"]);
});

test("mergeHeaders still gives one plain record, for callers that spread it", () => {
  expect(mergeHeaders(CONTEXT, { "x-a": "1" })).toEqual({ ...DEFAULT_HEADERS, "x-a": "1" });
  expect(mergeHeaders(CONTEXT)).toBe(DEFAULT_HEADERS);
});
