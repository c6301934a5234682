import type { TokenClaims } from "./claims.ts";
import { describeValue } from "../core/describe-value.ts";
import { patternsCover } from "./channel-pattern.ts";

/**
 * Whether verified claims cover the channel `name`: a pattern equal to it, or a prefix pattern
 * (`"doc:*"`) it starts with and goes on from. `"doc:1"` does not cover `"doc:10"`, `"doc:*"` does
 * not cover `"doc:"`, and an empty name is never covered. Names are compared as they are, code unit
 * by code unit: no case folding, no Unicode normalisation.
 *
 * @param claims - the claims of a verified token (or anything with its `channels`)
 * @param name - the channel's name
 * @returns whether the token opens that channel
 * @throws {TypeError} when `name` is not a string
 * @example
 * ```ts
 * import { coversChannel } from "edge-sse/tokens";
 *
 * const claims = { channels: ["user:42", "doc:*"] };
 * console.assert(coversChannel(claims, "user:42") && coversChannel(claims, "doc:10"));
 * console.assert(!coversChannel(claims, "user:420") && !coversChannel(claims, "doc:"));
 * ```
 */
export function coversChannel(claims: Pick<TokenClaims, "channels">, name: string): boolean {
  if (typeof name !== "string")
    throw new TypeError(`Cannot check channel: \`name\` must be a string (got ${describeValue(name)})`);
  return patternsCover(claims.channels, name);
}
