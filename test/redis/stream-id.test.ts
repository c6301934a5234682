import { expect, test } from "vitest";
import { compareStreamIds } from "../../src/redis/stream-id.ts";

test("stream ids order by time, then sequence, as numbers; non-ids come first", () => {
  const sorted = [
    "junk",
    "0-0",
    "0-1",
    "9-5",
    "10-0",
    "10-2",
    "1700000000000-0",
    "18446744073709551615-18446744073709551615",
  ];
  const shuffled = [...sorted].reverse();
  expect(shuffled.sort(compareStreamIds)).toEqual(sorted);
  expect(compareStreamIds("5-5", "5-5")).toBe(0);
  expect(compareStreamIds("x", "y")).toBe(0);
});
