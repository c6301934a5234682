import fc from "fast-check";
import { expect, test } from "vitest";
import { Message, MAX_EVENT_ID_BYTES } from "edge-sse";
import { createEventIdCodec, MAX_OPAQUE_SOURCE_BYTES, OPAQUE_ID_PREFIX } from "edge-sse/tokens";
import { KEY, OTHER_KEY, oracleOpaqueId } from "./oracle.ts";

const ids = createEventIdCodec(KEY, { scope: "room:1" });
/** Ids that may come from a broker or a publisher: counters, stream ids, text, the longest. */
const SAMPLES = [
  "1",
  "lz3k9a-12",
  "1700000000000-0",
  "",
  "日本 1",
  "😀",
  "x".repeat(15),
  "x".repeat(16),
  "é".repeat(300),
  "z".repeat(MAX_OPAQUE_SOURCE_BYTES),
];

test("encode gives for each sample id exactly what node:crypto's HMAC and AES-256-CTR give, and decode reads it back", async () => {
  for (const id of SAMPLES) {
    const opaque = await ids.encode(id);
    expect(opaque, id).toBe(oracleOpaqueId(id, KEY, "room:1"));
    expect(await ids.decode(opaque)).toBe(id);
  }
});

test("Any id encodes to an opaque id that decodes back to it, is the same every time, and is a valid event id", async () => {
  const well = fc.string({ unit: "grapheme", maxLength: 60 });
  await fc.assert(
    fc.asyncProperty(well, async (id) => {
      const opaque = await ids.encode(id);
      expect(await ids.encode(id)).toBe(opaque);
      expect(await ids.decode(opaque)).toBe(id);
      expect(opaque).toMatch(/^o1[A-Za-z0-9_-]+$/);
      expect(() => Message.data("x").id(opaque)).not.toThrow();
    }),
    { numRuns: 300 },
  );
});

test("The longest id encodes to an opaque id under MAX_EVENT_ID_BYTES, and one byte more is refused", async () => {
  const opaque = await ids.encode("z".repeat(MAX_OPAQUE_SOURCE_BYTES));
  expect(opaque.length).toBeLessThanOrEqual(MAX_EVENT_ID_BYTES);
  expect(() => Message.data("x").id(opaque)).not.toThrow();
  await expect(ids.encode("z".repeat(MAX_OPAQUE_SOURCE_BYTES + 1))).rejects.toThrow(
    new TypeError(
      "Cannot encode event id: `id` must be at most 735 bytes of UTF-8, so that its opaque id stays under 1024 bytes (got 736 bytes)",
    ),
  );
});

test("Opaque ids hide the count: ids of one to fifteen bytes all have the same length, and differ completely", async () => {
  const opaque = await Promise.all(
    Array.from({ length: 15 }, (_, n) => ids.encode(`lz3k9a-${10 ** n}`.slice(0, n + 1))),
  );
  expect(new Set(opaque.map((id) => id.length)).size).toBe(1);
  expect(new Set(opaque).size).toBe(15);
  const [a, b] = [await ids.encode("lz3k9a-12"), await ids.encode("lz3k9a-13")];
  expect(a.slice(0, 12)).not.toBe(b.slice(0, 12));
});

test("decode refuses any change of one character of an opaque id", async () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=";
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 40 }),
      fc.nat(),
      fc.constantFrom(...alphabet),
      async (id, at, replacement) => {
        const opaque = await ids.encode(id);
        const index = at % opaque.length;
        fc.pre(opaque[index] !== replacement);
        expect(await ids.decode(opaque.slice(0, index) + replacement + opaque.slice(index + 1))).toBeUndefined();
      },
    ),
    { numRuns: 300 },
  );
});

test("decode refuses text that is not an opaque id, without throwing", async () => {
  const opaque = await ids.encode("lz3k9a-12");
  for (const text of [
    "",
    "o1",
    "lz3k9a-12",
    "o1!!!!",
    `O1${opaque.slice(2)}`,
    opaque.slice(0, -1),
    `${opaque}A`,
    `${opaque}AAAA`,
    opaque.slice(0, 24),
    `o1${"A".repeat(43)}`,
  ]) {
    expect(await ids.decode(text), text).toBeUndefined();
  }
});

test("scope: a codec decodes only its own scope's ids, and the same id differs between scopes", async () => {
  const other = createEventIdCodec(KEY, { scope: "room:2" });
  const opaque = await ids.encode("7");
  expect(await other.encode("7")).not.toBe(opaque);
  expect(await other.decode(opaque)).toBeUndefined();
  expect(await createEventIdCodec(KEY).encode("7")).toBe(oracleOpaqueId("7", KEY, ""));
});

test("A codec with rotated keys encodes with the first and decodes with each; one without the old key refuses its ids", async () => {
  const before = createEventIdCodec(OTHER_KEY, { scope: "room:1" });
  const rotated = createEventIdCodec([KEY, OTHER_KEY], { scope: "room:1" });
  const old = await before.encode("lz3k9a-3");
  expect(await rotated.decode(old)).toBe("lz3k9a-3");
  expect(await rotated.encode("lz3k9a-3")).toBe(await ids.encode("lz3k9a-3"));
  expect(await ids.decode(old)).toBeUndefined();
});

test("createEventIdCodec and encode reject bad keys, options and ids with a TypeError; decode a non-string", async () => {
  expect(() => createEventIdCodec("short")).toThrow(
    "Cannot create event id codec: `keys` must be a secret of at least 32 bytes",
  );
  expect(() => createEventIdCodec(KEY, { scope: 5 as unknown as string })).toThrow(
    new TypeError("Cannot create event id codec: `scope` must be a string without lone surrogates (got number 5)"),
  );
  expect(() => createEventIdCodec(KEY, { salt: "x" } as never)).toThrow(
    new TypeError("Cannot create event id codec: unknown option `salt`"),
  );
  await expect(ids.encode("\ud800")).rejects.toThrow(
    new TypeError('Cannot encode event id: `id` must be a string without lone surrogates (got "\\ud800")'),
  );
  await expect(ids.encode(7 as unknown as string)).rejects.toThrow(
    "`id` must be a string without lone surrogates (got number 7)",
  );
  await expect(ids.decode(undefined as unknown as string)).rejects.toThrow(
    new TypeError("Cannot decode event id: `opaqueId` must be a string (got undefined)"),
  );
  expect(OPAQUE_ID_PREFIX).toBe("o1");
});
