import { describe, expect, test } from "vitest";
import { type Coding, negotiateEncoding, parseAcceptEncoding } from "../../src/compress/accept-encoding.ts";

describe("negotiateEncoding", () => {
  const cases: ReadonlyArray<readonly [header: string | null, chosen: Coding | undefined]> = [
    [null, undefined],
    ["", undefined],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["deflate", "deflate"],
    ["br", "br"],
    ["BR", "br"],
    ["zstd", undefined],
    ["gzip, deflate, br, zstd", "gzip"],
    ["br, deflate", "br"],
    ["gzip, deflate", "gzip"],
    ["br;q=0.5, gzip", "gzip"],
    ["br;q=0, gzip;q=0.1", "gzip"],
    ["deflate, gzip", "gzip"],
    ["gzip;q=0.5, deflate", "deflate"],
    ["gzip;q=0.5, deflate;q=0.8", "deflate"],
    ["gzip ; Q=0.9 , deflate;q=0.1", "gzip"],
    ["gzip;q=0", undefined],
    ["gzip;q=0.000", undefined],
    ["gzip;q=0, deflate;q=0", undefined],
    ["*", "gzip"],
    ["*;q=0", undefined],
    ["*;q=0, deflate", "deflate"],
    ["gzip;q=0, *", "br"],
    ["br;q=0, gzip;q=0, *", "deflate"],
    ["br;q=0.5, gzip;q=0.5, *", "deflate"],
    ["identity", undefined],
    ["identity;q=0", undefined],
    ["identity;q=0, gzip", "gzip"],
    ["gzip;q=0.5, identity", undefined],
    ["gzip;q=0.5, identity;q=0.5", "gzip"],
    ["gzip, identity;q=0.5", "gzip"],
    ["gzip;q=0.5", "gzip"],
    ["*;q=0.5, gzip", "gzip"],
    ["gzip;q=1.5", undefined],
    ["gzip;q=abc", undefined],
    ["gzip;q=0.1234", undefined],
    ["gzip;q=", undefined],
    ["gzip;q=-1", undefined],
    ["gzip;q=1.000", "gzip"],
    ["gz ip", undefined],
    [", ,gzip,", "gzip"],
    ["gzip;level=9", "gzip"],
    ["gzip;q=0, gzip", undefined],
  ];
  for (const [header, chosen] of cases) {
    test(`negotiateEncoding chooses ${chosen ?? "identity"} when Accept-Encoding is ${JSON.stringify(header)}`, () => {
      expect(negotiateEncoding(header)).toBe(chosen);
    });
  }

  test("negotiateEncoding breaks ties by the order offered", () => {
    expect(negotiateEncoding("gzip, deflate", ["deflate", "gzip"])).toBe("deflate");
    expect(negotiateEncoding("gzip;q=0.5, deflate", ["gzip"])).toBe("gzip");
    expect(negotiateEncoding("deflate", ["gzip"])).toBe(undefined);
  });
});

describe("parseAcceptEncoding", () => {
  test("parseAcceptEncoding reads weights, lower-cases codings and drops malformed elements", () => {
    expect([...parseAcceptEncoding("GZip;q=0.3, br, *;q=0, bad;q=2, identity;q=0.001")]).toEqual([
      ["gzip", 0.3],
      ["br", 1],
      ["*", 0],
      ["identity", 0.001],
    ]);
  });
});
