import { webcrypto } from "node:crypto";
import { afterEach, expect, test, vi } from "vitest";
import { authorize, createEventIdCodec, signToken, verifyToken, type CryptoLike } from "edge-sse/tokens";
import { KEY, NOW, oracleToken } from "./oracle.ts";

const NODE_18_HINT =
  "this runtime has no global WebCrypto (`globalThis.crypto`, missing on Node 18): pass the `crypto` option, on Node 18 " +
  "the `webcrypto` export of Node's crypto module";

afterEach(() => {
  vi.unstubAllGlobals();
});

test("Without a global crypto (as on Node 18), signing, verifying, authorizing and id codecs fail with a TypeError that says what to pass", async () => {
  vi.stubGlobal("crypto", undefined);
  expect(globalThis.crypto).toBeUndefined();
  await expect(signToken({ channels: ["a"], expiresIn: 5 }, KEY)).rejects.toThrow(
    new TypeError(`Cannot sign token: ${NODE_18_HINT}`),
  );
  await expect(verifyToken("v1.x.y", KEY)).rejects.toThrow(new TypeError(`Cannot verify token: ${NODE_18_HINT}`));
  await expect(authorize(new Request("http://localhost/"), { keys: KEY, channel: "a" })).rejects.toThrow(
    new TypeError(`Cannot authorize: ${NODE_18_HINT}`),
  );
  expect(() => createEventIdCodec(KEY)).toThrow(new TypeError(`Cannot create event id codec: ${NODE_18_HINT}`));
});

test("crypto: node:crypto's webcrypto passed as an option works without a global crypto, as Node 18 needs", async () => {
  vi.stubGlobal("crypto", undefined);
  const crypto = webcrypto as unknown as CryptoLike;
  const token = await signToken({ channels: ["a"], expiresAt: NOW + 5 }, KEY, { now: NOW, crypto });
  expect(token).toBe(oracleToken('{"ch":["a"],"exp":1700000000005,"iat":1700000000000}'));
  expect((await verifyToken(token, KEY, { now: NOW, crypto })).ok).toBe(true);
  const request = new Request("http://localhost/", { headers: { authorization: `Bearer ${token}` } });
  expect((await authorize(request, { keys: KEY, channel: "a", now: NOW, crypto })).ok).toBe(true);
  const ids = createEventIdCodec(KEY, { crypto });
  expect(await ids.decode(await ids.encode("7"))).toBe("7");
});

test("crypto: an object without subtle is rejected with a TypeError that names the option", async () => {
  await expect(signToken({ channels: ["a"], expiresIn: 5 }, KEY, { crypto: {} as CryptoLike })).rejects.toThrow(
    new TypeError(
      "Cannot sign token: `crypto` must be a WebCrypto object with `subtle`, such as globalThis.crypto (got an object)",
    ),
  );
  await expect(verifyToken("v1.x.y", KEY, { crypto: webcrypto.subtle as unknown as CryptoLike })).rejects.toThrow(
    /^Cannot verify token: `crypto` must be a WebCrypto object with `subtle`/,
  );
});
