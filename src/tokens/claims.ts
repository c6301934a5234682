import { patternProblem } from "./channel-pattern.ts";

/** What a token grants: the input of `signToken`. Give `expiresAt` or `expiresIn`, not both. */
export interface TokenGrant {
  /**
   * The channels the token opens: exact names (`"user:42"`), prefixes that end in `*` after a
   * separator (`"doc:*"` covers `"doc:1"` and `"doc:10"`, not `"doc:"`), or `"*"` for every channel.
   */
  readonly channels: readonly string[];
  /** When the token expires, in milliseconds since the epoch (`Date.now()` time). */
  readonly expiresAt?: number;
  /** How long the token lasts, in milliseconds from `now`. */
  readonly expiresIn?: number;
  /** Before this instant (milliseconds since the epoch) the token is not valid yet. */
  readonly notBefore?: number;
  /** Who the token is for (a user id): signed and handed back, for your logs and checks. */
  readonly subject?: string;
  /**
   * Whether the token may publish to its channels too (a Durable Object's `POST`), not only subscribe.
   * @default false
   */
  readonly publish?: boolean;
}

/** The claims of a verified token: what was signed. Times are milliseconds since the epoch. */
export interface TokenClaims {
  /** The channel patterns granted (see `TokenGrant.channels`). */
  readonly channels: readonly string[];
  /** When the token expires. */
  readonly expiresAt: number;
  /** When the token was signed. */
  readonly issuedAt: number;
  /** Before this instant the token is not valid, when it says so. */
  readonly notBefore?: number;
  /** Who the token is for, when it says so. */
  readonly subject?: string;
  /** Whether the token may publish. */
  readonly publish: boolean;
}

/** The wire names of the claims, in the order they are written; the JSON holds no other key. */
const WIRE_KEYS: ReadonlySet<string> = new Set(["ch", "exp", "iat", "nbf", "sub", "pub"]);

/** The claims as the token's JSON payload: short names, a fixed order, `pub` only when true. */
export function claimsToJson(claims: TokenClaims): string {
  return JSON.stringify({
    ch: claims.channels,
    exp: claims.expiresAt,
    iat: claims.issuedAt,
    nbf: claims.notBefore,
    sub: claims.subject,
    pub: claims.publish ? true : undefined,
  });
}

/**
 * The claims of a payload whose signature verified, or `undefined` when it is not the JSON of valid
 * claims: not an object, an unknown key (a claim this version does not know might restrict the
 * token, so it is refused rather than ignored), a missing or ill-typed claim, an invalid pattern.
 */
export function claimsFromJson(text: string): TokenClaims | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof wire !== "object" || wire === null || Array.isArray(wire)) return undefined;
  const { ch, exp, iat, nbf, sub, pub } = wire as Record<string, unknown>;
  if (Object.keys(wire).some((key) => !WIRE_KEYS.has(key))) return undefined;
  if (!Array.isArray(ch) || ch.length === 0 || ch.some((pattern) => patternProblem(pattern) !== undefined))
    return undefined;
  if (!isInstant(exp) || !isInstant(iat) || (nbf !== undefined && !isInstant(nbf))) return undefined;
  if (sub !== undefined && (typeof sub !== "string" || sub === "")) return undefined;
  if (pub !== undefined && typeof pub !== "boolean") return undefined;
  return Object.freeze({
    channels: Object.freeze([...(ch as string[])]),
    expiresAt: exp,
    issuedAt: iat,
    ...(nbf === undefined ? {} : { notBefore: nbf as number }),
    ...(sub === undefined ? {} : { subject: sub }),
    publish: pub === true,
  });
}

/** Whether `value` is an instant as the claims hold them: a safe integer of milliseconds, not before the epoch. */
export function isInstant(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
