/**
 * The token format, version 1: `v1.<payload>.<signature>`, three segments joined by dots.
 *
 * - `payload`: the claims as JSON (UTF-8), in base64url without padding;
 * - `signature`: HMAC-SHA256 of the ASCII bytes `v1.<payload>`, exactly as sent, in base64url
 *   without padding (43 characters).
 *
 * The version names the one algorithm: there is no `alg` field to choose another. Every character is
 * `A-Z a-z 0-9 - _ .`, so a token goes as it is in a header, a cookie or a URL.
 */
export const TOKEN_VERSION = "v1";

/** The longest token made or read, in characters: a header or a cookie larger than this is often refused. */
export const MAX_TOKEN_LENGTH = 4096;

/** The length of an HMAC-SHA256 signature in base64url: 32 bytes. */
export const SIGNATURE_LENGTH = 43;
