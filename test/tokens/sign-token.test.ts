import { webcrypto } from "node:crypto";
import { expect, test } from "vitest";
import { MAX_TOKEN_LENGTH, signToken, verifyToken, type TokenGrant } from "edge-sse/tokens";
import { KEY, NOW, oracleToken } from "./oracle.ts";

/** The vector: a user's channel and every document, a subject, a minute from NOW (the token checked with Python's hmac too). */
const VECTOR_GRANT: TokenGrant = { channels: ["user:42", "doc:*"], expiresAt: NOW + 60_000, subject: "42" };
const VECTOR_TOKEN =
  "v1.eyJjaCI6WyJ1c2VyOjQyIiwiZG9jOioiXSwiZXhwIjoxNzAwMDAwMDYwMDAwLCJpYXQiOjE3MDAwMDAwMDAwMDAsInN1YiI6IjQyIn0.4rZliJEojNe7tO80bfeqeLMAq-Jj712QCpH9brzEkfQ";

test("signToken makes the fixed vector, byte for byte what node:crypto's HMAC and Buffer's base64url make", async () => {
  const token = await signToken(VECTOR_GRANT, KEY, { now: NOW });
  expect(token).toBe(oracleToken('{"ch":["user:42","doc:*"],"exp":1700000060000,"iat":1700000000000,"sub":"42"}'));
  expect(token).toBe(VECTOR_TOKEN);
});

test("signToken writes every claim in a fixed order, publish only when true, and expiresIn from now", async () => {
  const token = await signToken(
    { publish: true, subject: "ada", notBefore: NOW + 1_000, expiresIn: 30_000, channels: ["*"] },
    KEY,
    { now: NOW },
  );
  expect(token).toBe(
    oracleToken('{"ch":["*"],"exp":1700000030000,"iat":1700000000000,"nbf":1700000001000,"sub":"ada","pub":true}'),
  );
  const quiet = await signToken({ channels: ["a"], expiresIn: 1, publish: false }, KEY, { now: NOW });
  expect(quiet).toBe(oracleToken('{"ch":["a"],"exp":1700000000001,"iat":1700000000000}'));
});

test("signToken signs with a CryptoKey and with bytes as with the same secret as a string", async () => {
  const bytes = new TextEncoder().encode(KEY);
  const cryptoKey = await webcrypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  expect(await signToken(VECTOR_GRANT, bytes, { now: NOW })).toBe(VECTOR_TOKEN);
  expect(await signToken(VECTOR_GRANT, cryptoKey as CryptoKey, { now: NOW })).toBe(VECTOR_TOKEN);
});

test("signToken keeps non-ASCII channels and subjects as UTF-8 JSON", async () => {
  const token = await signToken({ channels: ["салон:*", "😀"], subject: "日本", expiresAt: NOW + 1 }, KEY, {
    now: NOW,
  });
  expect(token).toBe(oracleToken('{"ch":["салон:*","😀"],"exp":1700000000001,"iat":1700000000000,"sub":"日本"}'));
  const verified = await verifyToken(token, KEY, { now: NOW });
  expect(verified.ok && verified.claims).toMatchObject({ channels: ["салон:*", "😀"], subject: "日本" });
});

const BAD_GRANTS: ReadonlyArray<[string, unknown, string]> = [
  [
    "no grant",
    undefined,
    "Cannot sign token: `grant` must be an object with `channels` and `expiresAt` or `expiresIn` (got undefined)",
  ],
  [
    "an unknown claim",
    { channels: ["a"], expiresIn: 1, exp: 5 },
    "Cannot sign token: unknown claim `exp` (known: channels, expiresAt, expiresIn, notBefore, subject, publish)",
  ],
  [
    "no channels",
    { expiresIn: 1 },
    "Cannot sign token: `channels` must be a non-empty array of channel names and prefixes (got undefined)",
  ],
  [
    "an empty channel list",
    { channels: [], expiresIn: 1 },
    "Cannot sign token: `channels` must be a non-empty array of channel names and prefixes (got an array)",
  ],
  [
    "a channel string",
    { channels: "a", expiresIn: 1 },
    'Cannot sign token: `channels` must be a non-empty array of channel names and prefixes (got "a")',
  ],
  [
    "an empty channel",
    { channels: ["a", ""], expiresIn: 1 },
    'Cannot sign token: `channels[1]` must be a non-empty string (got "")',
  ],
  [
    "a channel number",
    { channels: [7], expiresIn: 1 },
    "Cannot sign token: `channels[0]` must be a non-empty string (got number 7)",
  ],
  [
    "a star inside",
    { channels: ["a*b"], expiresIn: 1 },
    'Cannot sign token: `channels[0]` may hold `*` only at its end, as a prefix\'s wildcard (got "a*b")',
  ],
  [
    "two stars",
    { channels: ["doc:**"], expiresIn: 1 },
    'Cannot sign token: `channels[0]` may hold `*` only at its end, as a prefix\'s wildcard (got "doc:**")',
  ],
  [
    "a prefix without a separator",
    { channels: ["doc1*"], expiresIn: 1 },
    "Cannot sign token: `channels[0]` must have a separator before `*`, not a letter, digit or combining mark, " +
      'or the prefix covers more names than meant (got "doc1*")',
  ],
  [
    "a lone surrogate",
    { channels: ["a\ud800"], expiresIn: 1 },
    'Cannot sign token: `channels[0]` must not contain lone surrogates (got "a\\ud800")',
  ],
  ["no expiry", { channels: ["a"] }, "Cannot sign token: give `expiresAt` or `expiresIn`: every token expires"],
  [
    "two expiries",
    { channels: ["a"], expiresAt: NOW + 5, expiresIn: 5 },
    "Cannot sign token: give `expiresAt` or `expiresIn`, not both",
  ],
  [
    "an expiry in the past",
    { channels: ["a"], expiresAt: NOW },
    `Cannot sign token: \`expiresAt\` must be after \`now\` (${NOW}), or the token is expired when made (got ${NOW})`,
  ],
  [
    "an expiry in seconds",
    { channels: ["a"], expiresAt: 1.7e9 + 0.5 },
    "Cannot sign token: `expiresAt` must be a time in milliseconds since the epoch, a safe integer such as Date.now() + 60_000 (got number 1700000000.5)",
  ],
  [
    "a Date expiry",
    { channels: ["a"], expiresAt: new Date(NOW + 5) },
    "Cannot sign token: `expiresAt` must be a time in milliseconds since the epoch, a safe integer such as Date.now() + 60_000 (got an instance of Date)",
  ],
  [
    "a zero lifetime",
    { channels: ["a"], expiresIn: 0 },
    "Cannot sign token: `expiresIn` must be a positive whole number of milliseconds (got number 0)",
  ],
  [
    "an infinite lifetime",
    { channels: ["a"], expiresIn: Infinity },
    "Cannot sign token: `expiresIn` must be a positive whole number of milliseconds (got number Infinity)",
  ],
  [
    "notBefore after the expiry",
    { channels: ["a"], expiresIn: 5, notBefore: NOW + 5 },
    `Cannot sign token: \`notBefore\` must be a time in milliseconds since the epoch before the expiry, ${NOW + 5} (got number ${NOW + 5})`,
  ],
  [
    "an empty subject",
    { channels: ["a"], expiresIn: 5, subject: "" },
    'Cannot sign token: `subject` must be a non-empty string without lone surrogates (got "")',
  ],
  [
    "a numeric subject",
    { channels: ["a"], expiresIn: 5, subject: 42 },
    "Cannot sign token: `subject` must be a non-empty string without lone surrogates (got number 42)",
  ],
  [
    "a publish string",
    { channels: ["a"], expiresIn: 5, publish: "yes" },
    'Cannot sign token: `publish` must be a boolean (got "yes")',
  ],
];

test.each(BAD_GRANTS)("signToken rejects a grant with %s with a TypeError that names it", async (_, grant, message) => {
  await expect(signToken(grant as TokenGrant, KEY, { now: NOW })).rejects.toThrow(new TypeError(message));
});

test("signToken rejects short secrets, lists of keys and keys of another algorithm or usage with a TypeError", async () => {
  const grant: TokenGrant = { channels: ["a"], expiresIn: 5 };
  await expect(signToken(grant, "short secret")).rejects.toThrow(
    new TypeError(
      "Cannot sign token: `key` must be a secret of at least 32 bytes, such as 32 random bytes from crypto.getRandomValues (got 12 bytes)",
    ),
  );
  await expect(signToken(grant, new Uint8Array(31))).rejects.toThrow("(got 31 bytes)");
  await expect(signToken(grant, [KEY] as unknown as string)).rejects.toThrow(
    new TypeError("Cannot sign token: `key` must be one key, not a list: sign with the newest (got an array)"),
  );
  await expect(signToken(grant, 42 as unknown as string)).rejects.toThrow(
    new TypeError("Cannot sign token: `key` must be a string, a Uint8Array or a CryptoKey (got number 42)"),
  );
  const sha512 = await webcrypto.subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
  await expect(signToken(grant, sha512 as CryptoKey)).rejects.toThrow(
    new TypeError("Cannot sign token: `key` must be a CryptoKey for HMAC with SHA-256 (got one for HMAC with SHA-512)"),
  );
  const verifyOnly = await webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(KEY),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  await expect(signToken(grant, verifyOnly as CryptoKey)).rejects.toThrow(
    new TypeError('Cannot sign token: `key` must be a CryptoKey whose usages include "sign" (got ["verify"])'),
  );
  const short = await webcrypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  await expect(signToken(grant, short as CryptoKey)).rejects.toThrow(
    new TypeError("Cannot sign token: `key` must be a CryptoKey of at least 256 bits (got 128 bits)"),
  );
});

test("signToken rejects unknown options and a bad now with a TypeError", async () => {
  const grant: TokenGrant = { channels: ["a"], expiresIn: 5 };
  await expect(signToken(grant, KEY, { Now: NOW } as never)).rejects.toThrow(
    new TypeError("Cannot sign token: unknown option `Now` (did you mean `now`?)"),
  );
  await expect(signToken(grant, KEY, { now: -1 })).rejects.toThrow(
    new TypeError(
      "Cannot sign token: `now` must be a time in milliseconds since the epoch, a safe integer >= 0 (got number -1)",
    ),
  );
});

test("signToken refuses a token over MAX_TOKEN_LENGTH, and makes one of exactly that length", async () => {
  // The token is "v1." + base64url(JSON) + "." + 43 characters; a subject of n ASCII characters adds n to the JSON.
  const fixed = '{"ch":["a"],"exp":1700000000005,"iat":1700000000000,"sub":""}'.length;
  const jsonLength = Math.floor(((MAX_TOKEN_LENGTH - 3 - 1 - 43) * 3) / 4);
  const longest = "s".repeat(jsonLength - fixed);
  const token = await signToken({ channels: ["a"], expiresIn: 5, subject: longest }, KEY, { now: NOW });
  expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
  expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
  await expect(
    signToken({ channels: ["a"], expiresIn: 5, subject: `${longest}sss` }, KEY, { now: NOW }),
  ).rejects.toThrow(
    /^Cannot sign token: the token would be 4\d{3} characters, over MAX_TOKEN_LENGTH \(4096\): grant fewer channels/,
  );
});
