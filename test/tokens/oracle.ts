/**
 * Tokens and opaque ids made independently of src/tokens, with node:crypto (createHmac, createCipheriv)
 * and Buffer's base64url: what the library makes must equal these byte for byte, and what these make
 * (with any payload, signed right) must be judged by the library as the format says.
 */
import { createCipheriv, createHmac } from "node:crypto";

/** The fixed key of the vectors: 32 bytes of ASCII. */
export const KEY = "edge-sse test key, 32 bytes long";
/** Another key of the same length, for wrong-key and rotation tests. */
export const OTHER_KEY = "another test key, of 32 bytes ok";
/** The signing time of the vectors: 2023-11-14T22:13:20Z. */
export const NOW = 1_700_000_000_000;

/** `<version>.<base64url(json)>.<base64url(HMAC-SHA256(key, "<version>.<payload>"))>`. */
export function oracleToken(json: string, key: string | Uint8Array = KEY, version = "v1"): string {
  return oracleSigned(`${version}.${Buffer.from(json, "utf8").toString("base64url")}`, key);
}

/** `input` followed by a dot and its HMAC-SHA256 in base64url. */
export function oracleSigned(input: string, key: string | Uint8Array = KEY): string {
  return `${input}.${createHmac("sha256", key).update(input, "latin1").digest("base64url")}`;
}

/**
 * The opaque id of `id` as the format says: keys HMAC(key, "edge-sse/event-id/v1/<use>\0<scope>"),
 * ISO/IEC 7816-4 padding to 16 bytes, tag = HMAC(mac, padded)[0..16], AES-256-CTR with the tag (bit 63
 * cleared) as the counter block, "o1" + base64url(tag ‖ ciphertext).
 */
export function oracleOpaqueId(id: string, key: string = KEY, scope = ""): string {
  const derive = (use: string): Buffer =>
    createHmac("sha256", key).update(`edge-sse/event-id/v1/${use}\u0000${scope}`, "utf8").digest();
  const bytes = Buffer.from(id, "utf8");
  const padded = Buffer.alloc((Math.floor(bytes.length / 16) + 1) * 16);
  bytes.copy(padded);
  padded[bytes.length] = 0x80;
  const tag = createHmac("sha256", derive("mac")).update(padded).digest().subarray(0, 16);
  const counter = Buffer.from(tag);
  counter[8] = counter[8]! & 0x7f;
  const cipher = createCipheriv("aes-256-ctr", derive("enc"), counter);
  const sealed = Buffer.concat([cipher.update(padded), cipher.final()]);
  return `o1${Buffer.concat([tag, sealed]).toString("base64url")}`;
}
