import fc from "fast-check";
import { expect, test } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../../src/tokens/base64url.ts";

test("encodeBase64Url gives what Buffer's base64url gives, for any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(encodeBase64Url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
    }),
    { numRuns: 500 },
  );
});

test("decodeBase64Url reads back any bytes encodeBase64Url wrote", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
    }),
    { numRuns: 500 },
  );
});

test("decodeBase64Url refuses padding, the base64 alphabet, whitespace, non-ASCII and impossible lengths", () => {
  for (const text of ["QQ==", "QQ=", "a+b/", "ab+c", "a/bc", "ab c", " abc", "abc\n", "abcé", "a", "abcde", "ab.c"]) {
    expect(decodeBase64Url(text), text).toBeUndefined();
  }
  expect(decodeBase64Url("")).toEqual(new Uint8Array());
});

test("decodeBase64Url refuses non-canonical text, whose unused low bits are not zero", () => {
  // "QQ" is the one canonical encoding of the byte 0x41; "QR", "QS", … decode to it too in lenient decoders.
  expect(decodeBase64Url("QQ")).toEqual(new Uint8Array([0x41]));
  for (const text of ["QR", "QS", "Qf", "QUF", "QUG"]) expect(decodeBase64Url(text), text).toBeUndefined();
  expect(decodeBase64Url("QUE")).toEqual(new Uint8Array([0x41, 0x41]));
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        maxLength: 30,
      }),
      (text) => {
        const bytes = decodeBase64Url(text);
        if (bytes !== undefined) expect(encodeBase64Url(bytes)).toBe(text);
      },
    ),
    { numRuns: 1000 },
  );
});
