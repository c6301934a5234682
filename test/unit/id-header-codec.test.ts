/**
 * The two ends of an id's trip through headers: reading `Last-Event-ID` (UTF-8 bytes that most
 * runtimes hand over as one Latin-1 character each) and writing a channel's `last-event-id`
 * response header (percent-encoded). Properties over any string, checked against the platform's
 * own UTF-8 and URI codecs.
 */
import { afterEach, expect, test, vi } from "vitest";
import fc from "fast-check";
import { decodeHeaderValue, readLastEventId } from "../../src/core/last-event-id.ts";
import { encodeIdForHeader, readResumeId } from "../../src/channel/resume-id.ts";

/** A string's UTF-8 bytes, one Latin-1 character each: what Node, Deno and Bun hand over. */
const asLatin1Bytes = (text: string): string => Buffer.from(text, "utf8").toString("latin1");
/** What a string becomes once encoded as UTF-8: lone surrogates turn into U+FFFD (a leading U+FEFF stays). */
const wellFormed = (text: string): string =>
  new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(text));

afterEach(() => {
  vi.unstubAllGlobals();
});

test("decodeHeaderValue gives back any text from its UTF-8 bytes as Latin-1 characters (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: "binary" }), fc.string()),
      (text) => decodeHeaderValue(asLatin1Bytes(text)) === wellFormed(text),
    ),
    { numRuns: 1000 },
  );
});

test("decodeHeaderValue keeps bytes that are not UTF-8 as Latin-1, losing none (fast-check)", () => {
  const latin1 = fc.string({
    unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)),
    minLength: 1,
  });
  fc.assert(
    fc.property(latin1, (value) => {
      const bytes = Buffer.from(value, "latin1");
      let utf8: string | undefined;
      try {
        utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        utf8 = undefined;
      }
      expect(decodeHeaderValue(value)).toBe(utf8 ?? value);
    }),
    { numRuns: 2000 },
  );
});

test("decodeHeaderValue keeps a value with a character above U+00FF: its runtime decoded it already", () => {
  for (const value of ["\u65E5\u672C", "\u00C3\u00A9\u0100", "\u{1F600}", "\u00E2\u0080\u00A6\u2026"]) {
    expect(decodeHeaderValue(value)).toBe(value);
  }
});

test("readLastEventId decodes the header of a Headers object and of a plain record, as Node's IncomingMessage has", () => {
  const bytes = asLatin1Bytes("\u2026 \u{1F600}");
  expect(readLastEventId(new Request("http://x/", { headers: { "last-event-id": bytes } }))).toBe("\u2026 \u{1F600}");
  expect(readLastEventId({ headers: { "last-event-id": bytes } })).toBe("\u2026 \u{1F600}");
  expect(readLastEventId({ headers: { "Last-Event-ID": bytes } })).toBe("\u2026 \u{1F600}");
  expect(readLastEventId({ headers: { "last-event-id": [bytes, "second"] } })).toBe("\u2026 \u{1F600}");
  expect(readLastEventId({ headers: {} })).toBeUndefined();
  expect(readLastEventId({ headers: { "last-event-id": "" } })).toBe("");
});

test("readLastEventId reads the lastEventId query parameter of request.url when the header is absent or empty; the header wins", () => {
  const bytes = asLatin1Bytes("\u2026");
  expect(readLastEventId(new Request("http://x/?lastEventId=%E2%80%A6"))).toBe("\u2026");
  expect(readLastEventId({ headers: {}, url: "/events?lastEventId=a%2Bb+c" })).toBe("a+b c");
  expect(readLastEventId({ headers: { "last-event-id": bytes }, url: "/?lastEventId=older" })).toBe("\u2026");
  expect(readLastEventId(new Request("http://x/?lastEventId=7", { headers: { "last-event-id": "9" } }))).toBe("9");
  expect(readLastEventId({ headers: { "last-event-id": "" }, url: "/?lastEventId=7" })).toBe("7");
  expect(readLastEventId({ headers: { "last-event-id": "" }, url: "/?lastEventId=" })).toBe("");
  expect(readLastEventId({ headers: {}, url: "/?lastEventId=" })).toBeUndefined();
  expect(readLastEventId({ headers: {}, url: "/?lastEventId" })).toBeUndefined();
  expect(readLastEventId({ headers: {}, url: "/?other=1" })).toBeUndefined();
  expect(readLastEventId({ headers: {}, url: "http://[::1/?lastEventId=7" })).toBeUndefined();
});

test('readLastEventId takes a Workers header as it is: workerd decodes UTF-8 itself, so "Ã©" must not become "é"', () => {
  vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });
  const workerdHeaders = { get: (name: string) => (name === "last-event-id" ? "\u00C3\u00A9" : null) };
  expect(readLastEventId({ headers: workerdHeaders })).toBe("\u00C3\u00A9");
  vi.unstubAllGlobals();
  expect(readLastEventId({ headers: workerdHeaders })).toBe("\u00E9");
});

test("readResumeId decodes the header and reads the query parameter's percent-escapes as UTF-8", () => {
  expect(
    readResumeId(new Request("http://x/?lastEventId=q", { headers: { "last-event-id": asLatin1Bytes("\u65E5") } })),
  ).toBe("\u65E5");
  expect(readResumeId(new Request("http://x/?lastEventId=%E6%97%A5%20%F0%9F%98%80"))).toBe("\u65E5 \u{1F600}");
  expect(readResumeId({ headers: {}, url: "/events?lastEventId=%E2%80%A6" })).toBe("\u2026");
  expect(readResumeId({ headers: {}, url: "/events?lastEventId=%FF" })).toBe("\uFFFD");
});

test("encodeIdForHeader writes any string as visible ASCII that decodeURIComponent reads back, and never throws (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: "binary" }),
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
      ),
      (id) => {
        const value = encodeIdForHeader(id);
        expect(value).toMatch(/^[\x21-\x7E]*$/);
        expect(decodeURIComponent(value)).toBe(wellFormed(id));
        if (id === wellFormed(id)) expect(value).toBe(encodeURIComponent(id));
      },
    ),
    { numRuns: 2000 },
  );
});

test("An id that starts with U+FEFF keeps it through both ends of the trip", () => {
  expect(decodeHeaderValue(asLatin1Bytes("\uFEFF7"))).toBe("\uFEFF7");
  expect(decodeURIComponent(encodeIdForHeader("\uFEFF"))).toBe("\uFEFF");
});

test("encodeIdForHeader leaves stream ids and counters as they are, and escapes what could break a header", () => {
  expect(["1700000000000-0", "lz3k9a-12", "7", "earliest"].map(encodeIdForHeader)).toEqual([
    "1700000000000-0",
    "lz3k9a-12",
    "7",
    "earliest",
  ]);
  expect(encodeIdForHeader("a\r\nSet-Cookie: x")).toBe("a%0D%0ASet-Cookie%3A%20x");
  expect(encodeIdForHeader(" \u2026 ")).toBe("%20%E2%80%A6%20");
  expect(encodeIdForHeader("\uD800")).toBe("%EF%BF%BD");
  expect(encodeIdForHeader("100%")).toBe("100%25");
});
