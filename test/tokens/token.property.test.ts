import fc from "fast-check";
import { expect, test } from "vitest";
import { signToken, verifyToken } from "edge-sse/tokens";
import { KEY, oracleToken } from "./oracle.ts";
import { timedGrant } from "./arbitraries.ts";

test("Any grant signs into a token that verifies to the same claims, and equals node:crypto's token for its JSON", async () => {
  await fc.assert(
    fc.asyncProperty(timedGrant, async ({ now, grant }) => {
      const token = await signToken(grant, KEY, { now });
      const json = JSON.stringify({
        ch: grant.channels,
        exp: grant.expiresAt,
        iat: now,
        nbf: grant.notBefore,
        sub: grant.subject,
        pub: grant.publish === true ? true : undefined,
      });
      expect(token).toBe(oracleToken(json));
      const verified = await verifyToken(token, KEY, { now });
      expect(verified).toEqual({
        ok: true,
        claims: {
          channels: grant.channels,
          expiresAt: grant.expiresAt,
          issuedAt: now,
          ...(grant.notBefore === undefined ? {} : { notBefore: grant.notBefore }),
          ...(grant.subject === undefined ? {} : { subject: grant.subject }),
          publish: grant.publish === true,
        },
        keyIndex: 0,
        validUntil: grant.expiresAt,
      });
    }),
    { numRuns: 300 },
  );
});

test("Any change of one character of a valid token makes it fail to verify", async () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
  await fc.assert(
    fc.asyncProperty(timedGrant, fc.nat(), fc.constantFrom(...alphabet), async ({ now, grant }, at, replacement) => {
      const token = await signToken(grant, KEY, { now });
      const index = at % token.length;
      fc.pre(token[index] !== replacement);
      const changed = token.slice(0, index) + replacement + token.slice(index + 1);
      expect((await verifyToken(changed, KEY, { now })).ok).toBe(false);
    }),
    { numRuns: 1000 },
  );
});

test("Any byte of a valid token changed to any other byte makes it fail to verify", async () => {
  await fc.assert(
    fc.asyncProperty(timedGrant, fc.nat(), fc.integer({ min: 0, max: 255 }), async ({ now, grant }, at, byte) => {
      const token = await signToken(grant, KEY, { now });
      const index = at % token.length;
      fc.pre(token.charCodeAt(index) !== byte);
      const changed = token.slice(0, index) + String.fromCharCode(byte) + token.slice(index + 1);
      expect((await verifyToken(changed, KEY, { now })).ok).toBe(false);
    }),
    { numRuns: 1000 },
  );
});
