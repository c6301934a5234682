import { createHmac, webcrypto } from "node:crypto";
import { expect, test } from "vitest";
import { MAX_TOKEN_LENGTH, signToken, verifyToken, type CryptoLike, type TokenVerification } from "edge-sse/tokens";
import { KEY, NOW, OTHER_KEY, oracleSigned, oracleToken } from "./oracle.ts";

const CLAIMS = '{"ch":["user:42","doc:*"],"exp":1700000060000,"iat":1700000000000,"sub":"42"}';
const TOKEN = oracleToken(CLAIMS);
const [VERSION, PAYLOAD, SIGNATURE] = TOKEN.split(".") as [string, string, string];

function reasonOf(result: TokenVerification): string {
  return result.ok ? "ok" : result.reason;
}

/** A WebCrypto that counts the HMAC checks made through it. */
function countingCrypto(): CryptoLike & { verifies: number } {
  const counter = {
    verifies: 0,
    subtle: new Proxy(webcrypto.subtle, {
      get(target, name) {
        const value = Reflect.get(target, name, target) as unknown;
        if (name === "verify")
          return (...args: unknown[]) => {
            counter.verifies++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as SubtleCrypto,
  };
  return counter;
}

test("verifyToken takes a token signed by node:crypto's HMAC and hands back its claims, the key index and validUntil", async () => {
  expect(await verifyToken(TOKEN, KEY, { now: NOW })).toEqual({
    ok: true,
    claims: { channels: ["user:42", "doc:*"], expiresAt: NOW + 60_000, issuedAt: NOW, subject: "42", publish: false },
    keyIndex: 0,
    validUntil: NOW + 60_000,
  });
});

test("verifyToken refuses a token whose version segment is changed: another version, a JWT header, a case change", async () => {
  expect(reasonOf(await verifyToken(`v2.${PAYLOAD}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("version");
  expect(reasonOf(await verifyToken(`v10.${PAYLOAD}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("version");
  expect(reasonOf(await verifyToken(`V1.${PAYLOAD}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("malformed");
  expect(reasonOf(await verifyToken(`.${PAYLOAD}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("malformed");
  // Signed right, but for version 2: the version is part of what is signed, and only v1 is read.
  expect(reasonOf(await verifyToken(oracleToken(CLAIMS, KEY, "v2"), KEY, { now: NOW }))).toBe("version");
});

test("verifyToken refuses a JWT signed with the same key, whatever its alg says (no algorithm is chosen by the token)", async () => {
  const b64 = (json: string): string => Buffer.from(json).toString("base64url");
  const payload = b64('{"ch":["*"],"exp":1700000060000,"iat":1700000000000}');
  for (const header of ['{"alg":"HS256","typ":"JWT"}', '{"alg":"none"}', '{"alg":"HS512"}']) {
    const input = `${b64(header)}.${payload}`;
    expect(reasonOf(await verifyToken(oracleSigned(input), KEY, { now: NOW })), header).toBe("malformed");
    expect(reasonOf(await verifyToken(`${input}.`, KEY, { now: NOW })), header).toBe("malformed");
  }
});

test("verifyToken refuses a payload that is changed, swapped for another signed token's or emptied", async () => {
  const other = oracleToken('{"ch":["*"],"exp":1700000060000,"iat":1700000000000}').split(".")[1]!;
  const flipped = PAYLOAD.slice(0, 10) + (PAYLOAD[10] === "A" ? "B" : "A") + PAYLOAD.slice(11);
  expect(reasonOf(await verifyToken(`${VERSION}.${flipped}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("signature");
  expect(reasonOf(await verifyToken(`${VERSION}.${other}.${SIGNATURE}`, KEY, { now: NOW }))).toBe("signature");
  expect(reasonOf(await verifyToken(`${VERSION}..${SIGNATURE}`, KEY, { now: NOW }))).toBe("malformed");
});

test("verifyToken refuses a signature that is changed, cut, lengthened, or taken from another key", async () => {
  const flipped = (SIGNATURE[0] === "A" ? "B" : "A") + SIGNATURE.slice(1);
  expect(reasonOf(await verifyToken(`${VERSION}.${PAYLOAD}.${flipped}`, KEY, { now: NOW }))).toBe("signature");
  expect(reasonOf(await verifyToken(`${VERSION}.${PAYLOAD}.${SIGNATURE.slice(0, -1)}`, KEY, { now: NOW }))).toBe(
    "malformed",
  );
  expect(reasonOf(await verifyToken(`${VERSION}.${PAYLOAD}.${SIGNATURE}A`, KEY, { now: NOW }))).toBe("malformed");
  expect(reasonOf(await verifyToken(`${VERSION}.${PAYLOAD}.`, KEY, { now: NOW }))).toBe("malformed");
  expect(reasonOf(await verifyToken(oracleToken(CLAIMS, OTHER_KEY), KEY, { now: NOW }))).toBe("signature");
  // A truncated HMAC (16 bytes, as some formats allow) is not taken.
  const short = createHmac("sha256", KEY)
    .update(`${VERSION}.${PAYLOAD}`)
    .digest()
    .subarray(0, 16)
    .toString("base64url");
  expect(reasonOf(await verifyToken(`${VERSION}.${PAYLOAD}.${short}`, KEY, { now: NOW }))).toBe("malformed");
});

test("verifyToken refuses a non-canonical signature that decodes to the same bytes", async () => {
  // The last of 43 characters carries 2 unused bits: another letter there decodes to the same 32 bytes in lenient decoders.
  const last = SIGNATURE.at(-1)!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const sameBytes = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)]!;
  const twin = `${VERSION}.${PAYLOAD}.${SIGNATURE.slice(0, -1)}${sameBytes}`;
  expect(Buffer.from(twin.split(".")[2]!, "base64url")).toEqual(Buffer.from(SIGNATURE, "base64url"));
  expect(reasonOf(await verifyToken(twin, KEY, { now: NOW }))).toBe("malformed");
});

test("verifyToken refuses every truncation of a valid token", async () => {
  for (let length = 0; length < TOKEN.length; length++) {
    expect(
      reasonOf(await verifyToken(TOKEN.slice(0, length), KEY, { now: NOW })),
      `first ${length} characters`,
    ).not.toBe("ok");
  }
});

test("verifyToken refuses extra or missing segments and characters outside base64url", async () => {
  for (const token of [
    `${TOKEN}.`,
    `${TOKEN}.x`,
    `${VERSION}.${PAYLOAD}`,
    `${VERSION}.${PAYLOAD}.${SIGNATURE}.${SIGNATURE}`,
    `${VERSION}.${PAYLOAD}==.${SIGNATURE}`,
    `${VERSION}.+${PAYLOAD.slice(1)}.${SIGNATURE}`,
    `${VERSION}.${PAYLOAD}.${SIGNATURE.slice(0, -2)}/${SIGNATURE.at(-1)}`,
    `${VERSION}.${Buffer.from(CLAIMS).toString("base64")}.${SIGNATURE}`,
    ` ${TOKEN}`,
    `${TOKEN} `,
    `${TOKEN}\n`,
    "",
    ".",
    "..",
  ]) {
    expect(reasonOf(await verifyToken(token, KEY, { now: NOW })), JSON.stringify(token)).toBe("malformed");
  }
});

test("verifyToken refuses a token over MAX_TOKEN_LENGTH before computing any HMAC", async () => {
  const crypto = countingCrypto();
  const huge = oracleToken(JSON.stringify({ ch: ["a"], exp: NOW + 5, iat: NOW, sub: "x".repeat(4000) }));
  expect(huge.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
  expect(reasonOf(await verifyToken(huge, KEY, { now: NOW, crypto }))).toBe("too-long");
  expect(reasonOf(await verifyToken("v1.".padEnd(10 * 1024 * 1024, "A"), KEY, { now: NOW, crypto }))).toBe("too-long");
  expect(crypto.verifies).toBe(0);
  expect(reasonOf(await verifyToken(TOKEN, KEY, { now: NOW, crypto }))).toBe("ok");
  expect(crypto.verifies).toBe(1);
});

test("verifyToken refuses signed payloads that are not claims: bad JSON, bad UTF-8, unknown or ill-typed claims", async () => {
  const signedBytes = (bytes: Uint8Array): string => oracleSigned(`v1.${Buffer.from(bytes).toString("base64url")}`);
  const cases = [
    "not json",
    "[]",
    "null",
    '"v1"',
    '{"ch":["a"],"exp":1700000060000}',
    '{"ch":["a"],"iat":1700000000000}',
    '{"ch":[],"exp":1700000060000,"iat":1700000000000}',
    '{"ch":"a","exp":1700000060000,"iat":1700000000000}',
    '{"ch":["a*b"],"exp":1700000060000,"iat":1700000000000}',
    '{"ch":["doc1*"],"exp":1700000060000,"iat":1700000000000}',
    '{"ch":[""],"exp":1700000060000,"iat":1700000000000}',
    '{"ch":["a"],"exp":"1700000060000","iat":1700000000000}',
    '{"ch":["a"],"exp":1700000060000.5,"iat":1700000000000}',
    '{"ch":["a"],"exp":1e300,"iat":1700000000000}',
    '{"ch":["a"],"exp":1700000060000,"iat":-1}',
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"nbf":null}',
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"sub":""}',
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"sub":42}',
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"pub":"true"}',
    // A claim this version does not know might restrict the token: refused rather than ignored.
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"aud":"other-app"}',
    '{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"__proto__":{"pub":true}}',
  ];
  for (const json of cases)
    expect(reasonOf(await verifyToken(oracleToken(json), KEY, { now: NOW })), json).toBe("malformed");
  expect(reasonOf(await verifyToken(signedBytes(new Uint8Array([0x7b, 0xff, 0x7d])), KEY, { now: NOW }))).toBe(
    "malformed",
  );
  expect(reasonOf(await verifyToken(signedBytes(new TextEncoder().encode(`\ufeff${CLAIMS}`)), KEY, { now: NOW }))).toBe(
    "malformed",
  );
});

test("verifyToken refuses a token at and after its expiry, and takes it until then", async () => {
  expect(reasonOf(await verifyToken(TOKEN, KEY, { now: NOW + 59_999 }))).toBe("ok");
  const expired = await verifyToken(TOKEN, KEY, { now: NOW + 60_000 });
  expect(expired).toEqual({ ok: false, reason: "expired", claims: expect.objectContaining({ subject: "42" }) });
  expect(reasonOf(await verifyToken(TOKEN, KEY))).toBe("expired");
});

test("verifyToken refuses a token before its notBefore, and takes it from then", async () => {
  const token = oracleToken('{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"nbf":1700000030000}');
  expect(reasonOf(await verifyToken(token, KEY, { now: NOW + 29_999 }))).toBe("not-yet-valid");
  expect(reasonOf(await verifyToken(token, KEY, { now: NOW + 30_000 }))).toBe("ok");
});

test("leeway: verifyToken takes a token leeway ms past its expiry and before its notBefore, and validUntil says so", async () => {
  const token = oracleToken('{"ch":["a"],"exp":1700000060000,"iat":1700000000000,"nbf":1700000030000}');
  expect(reasonOf(await verifyToken(token, KEY, { now: NOW + 25_000, leeway: 5_000 }))).toBe("ok");
  expect(reasonOf(await verifyToken(token, KEY, { now: NOW + 24_999, leeway: 5_000 }))).toBe("not-yet-valid");
  const late = await verifyToken(token, KEY, { now: NOW + 64_999, leeway: 5_000 });
  expect(late.ok && late.validUntil).toBe(NOW + 65_000);
  expect(reasonOf(await verifyToken(token, KEY, { now: NOW + 65_000, leeway: 5_000 }))).toBe("expired");
});

test("maxLifetime: verifyToken refuses a token that is valid for longer than maxLifetime from now", async () => {
  expect(reasonOf(await verifyToken(TOKEN, KEY, { now: NOW, maxLifetime: 59_999 }))).toBe("lifetime");
  expect(reasonOf(await verifyToken(TOKEN, KEY, { now: NOW, maxLifetime: 60_000 }))).toBe("ok");
  expect(reasonOf(await verifyToken(TOKEN, KEY, { now: NOW + 1, maxLifetime: 59_999 }))).toBe("ok");
});

test("verifyToken tries each key in order, for key rotation, and says which one verified", async () => {
  const oldToken = await signToken({ channels: ["a"], expiresIn: 5_000 }, OTHER_KEY, { now: NOW });
  const result = await verifyToken(oldToken, [KEY, OTHER_KEY], { now: NOW });
  expect(result.ok && result.keyIndex).toBe(1);
  const current = await verifyToken(TOKEN, [KEY, OTHER_KEY], { now: NOW });
  expect(current.ok && current.keyIndex).toBe(0);
  expect(reasonOf(await verifyToken(oldToken, [KEY], { now: NOW }))).toBe("signature");
});

test("verifyToken rejects a non-string token, bad keys and bad options with a TypeError that names them", async () => {
  await expect(verifyToken(undefined as unknown as string, KEY)).rejects.toThrow(
    new TypeError("Cannot verify token: `token` must be a string (got undefined)"),
  );
  await expect(verifyToken(TOKEN, [])).rejects.toThrow(
    new TypeError("Cannot verify token: `keys` must hold at least one key (got an empty array)"),
  );
  await expect(verifyToken(TOKEN, [KEY, "short"])).rejects.toThrow(
    new TypeError(
      "Cannot verify token: `keys[1]` must be a secret of at least 32 bytes, such as 32 random bytes from crypto.getRandomValues (got 5 bytes)",
    ),
  );
  await expect(verifyToken(TOKEN, KEY, { leeway: -1 })).rejects.toThrow(
    new TypeError("Cannot verify token: `leeway` must be a whole number of milliseconds >= 0 (got number -1)"),
  );
  await expect(verifyToken(TOKEN, KEY, { maxLifetime: 0 })).rejects.toThrow(
    new TypeError("Cannot verify token: `maxLifetime` must be a positive whole number of milliseconds (got number 0)"),
  );
  await expect(verifyToken(TOKEN, KEY, { now: "now" } as never)).rejects.toThrow(
    new TypeError(
      'Cannot verify token: `now` must be a time in milliseconds since the epoch, a safe integer >= 0 (got "now")',
    ),
  );
  await expect(verifyToken(TOKEN, KEY, { leway: 5 } as never)).rejects.toThrow(
    new TypeError("Cannot verify token: unknown option `leway`"),
  );
  const signOnly = await webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(KEY),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  await expect(verifyToken(TOKEN, signOnly as CryptoKey)).rejects.toThrow(
    new TypeError('Cannot verify token: `keys` must be a CryptoKey whose usages include "verify" (got ["sign"])'),
  );
});
