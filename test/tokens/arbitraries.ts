import fc from "fast-check";
import type { TokenGrant } from "edge-sse/tokens";

/** Channel names: any well-formed text without `*`, at least one character. */
export const channelName: fc.Arbitrary<string> = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
  .filter((name) => !name.includes("*"));

/** Grantable patterns: exact names, prefixes ending in a separator and `*`, and `*` alone. */
export const channelPattern: fc.Arbitrary<string> = fc.oneof(
  channelName,
  fc
    .tuple(
      fc.string({ unit: "grapheme", maxLength: 8 }).filter((prefix) => !prefix.includes("*")),
      fc.constantFrom(":", "/", ".", "-", "_", " ", "😀"),
    )
    .map(([prefix, separator]) => `${prefix}${separator}*`),
  fc.constant("*"),
);

/** A signing time and any grant valid at it. */
export const timedGrant: fc.Arbitrary<{ now: number; grant: TokenGrant }> = fc
  .record({
    now: fc.integer({ min: 0, max: 4_102_444_800_000 }), // up to 2100
    lifetime: fc.integer({ min: 1, max: 10 * 365 * 86_400_000 }),
    notBeforeOffset: fc.option(fc.integer({ min: -86_400_000, max: 0 }), { nil: undefined }),
    channels: fc.array(channelPattern, { minLength: 1, maxLength: 5 }),
    subject: fc.option(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), { nil: undefined }),
    publish: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ now, lifetime, notBeforeOffset, channels, subject, publish }) => {
    const grant: TokenGrant = {
      channels,
      expiresAt: now + lifetime,
      ...(notBeforeOffset === undefined ? {} : { notBefore: Math.max(0, now + notBeforeOffset) }),
      ...(subject === undefined ? {} : { subject }),
      ...(publish === undefined ? {} : { publish }),
    };
    return { now, grant };
  });
