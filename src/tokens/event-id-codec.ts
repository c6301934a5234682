import type { TokenKey, TokenKeys } from "./token-key.ts";
import { checkKeys as checkOptionKeys } from "../core/check.ts";
import { describeValue } from "../core/describe-value.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { checkKeys, importHmacKey } from "./token-key.ts";
import { subtleCrypto, type CryptoLike } from "./web-crypto.ts";

/** Turns event ids into opaque ones and back; see `createEventIdCodec`. */
export interface EventIdCodec {
  /** The opaque id of `id`: always the same for the same id, key and scope. */
  encode(id: string): Promise<string>;
  /** The id behind an opaque id, or `undefined` when it is not one this codec made (forged, cut, another key or scope). */
  decode(opaqueId: string): Promise<string | undefined>;
}

/** Options of `createEventIdCodec`. */
export interface EventIdCodecOptions {
  /**
   * Keeps codecs apart: the same id gets another opaque id in another scope, and a codec decodes only
   * its own scope's ids. Use the channel's name.
   * @default ""
   */
  readonly scope?: string;
  /** The WebCrypto to use. @default globalThis.crypto (on Node 18, pass the `webcrypto` export of Node's crypto module) */
  readonly crypto?: CryptoLike;
}

/** What every opaque id starts with: the format's version. */
export const OPAQUE_ID_PREFIX = "o1";
/**
 * The longest id encoded, in bytes of UTF-8: padded to 736 bytes, plus the 16-byte tag, in base64url
 * after the prefix, it is 1005 characters, under an event id's 1024 bytes.
 */
export const MAX_OPAQUE_SOURCE_BYTES = 735;

const CONTEXT = "Cannot encode event id";
const OPTION_KEYS: ReadonlySet<string> = new Set(["scope", "crypto"]);
const BLOCK = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

interface DerivedKeys {
  readonly mac: CryptoKey;
  readonly cipher: CryptoKey;
}

/**
 * Opaque event ids, so that a subscriber who sees only some of a channel's events (a filter) cannot
 * count the others from the ids it is shown (`lz3k9a-12`, then `lz3k9a-17`). Each id is encrypted
 * deterministically (SIV: the tag is an HMAC-SHA256 of the padded id, and also the counter of its
 * AES-256-CTR encryption), with keys derived from `keys` and `scope`:
 * `o1<base64url(tag ‖ ciphertext)>`, padded to 16 bytes so that its length says next to nothing.
 * `decode` checks the tag, so a client cannot forge or alter one; an id it cannot decode is unknown
 * (a channel answers it with its gap marker). The same id always gets the same opaque id, so the
 * browser's `Last-Event-ID` decodes back to the id to replay after. Keys rotate as token keys do:
 * the first encodes, each decodes.
 *
 * Ids that go out must go back in: encode every id a client sees, and decode `Last-Event-ID` before
 * replaying. A `Channel` does both when given the codec as `eventIds`; elsewhere, use it where you
 * write ids yourself.
 *
 * @param keys - the secret, or the secrets (the first encodes, each decodes); may be a token key: the codec derives its own keys from it
 * @param options - `scope`, `crypto`
 * @returns the codec
 * @throws {TypeError} when a key or an option is invalid
 * @example
 * ```ts
 * import { createEventIdCodec } from "edge-sse/tokens";
 *
 * const ids = createEventIdCodec("a secret of at least thirty-two bytes, from your vault", { scope: "room:1" });
 * const opaque = await ids.encode("lz3k9a-12");
 * console.assert(opaque.startsWith("o1") && !opaque.includes("12"));
 * console.assert((await ids.decode(opaque)) === "lz3k9a-12");
 * console.assert((await ids.decode("lz3k9a-12")) === undefined);
 * ```
 */
export function createEventIdCodec(keys: TokenKeys, options: EventIdCodecOptions = {}): EventIdCodec {
  checkOptionKeys(options, OPTION_KEYS, "Cannot create event id codec");
  const { scope = "", crypto } = options;
  if (typeof scope !== "string" || /[\uD800-\uDFFF]/u.test(scope)) {
    throw new TypeError(
      `Cannot create event id codec: \`scope\` must be a string without lone surrogates (got ${describeValue(scope)})`,
    );
  }
  const list = checkKeys(keys, "keys", "sign", "Cannot create event id codec");
  const subtle = subtleCrypto(crypto, "Cannot create event id codec");
  const derived = new Map<TokenKey, Promise<DerivedKeys>>();
  const keysOf = (key: TokenKey): Promise<DerivedKeys> => {
    let found = derived.get(key);
    if (found === undefined) {
      found = derive(subtle, key, scope);
      derived.set(key, found);
      found.catch(() => derived.delete(key));
    }
    return found;
  };
  return {
    async encode(id) {
      if (typeof id !== "string" || /[\uD800-\uDFFF]/u.test(id)) {
        throw new TypeError(`${CONTEXT}: \`id\` must be a string without lone surrogates (got ${describeValue(id)})`);
      }
      const bytes = encoder.encode(id);
      if (bytes.length > MAX_OPAQUE_SOURCE_BYTES) {
        throw new TypeError(
          `${CONTEXT}: \`id\` must be at most ${MAX_OPAQUE_SOURCE_BYTES} bytes of UTF-8, so that its opaque id ` +
            `stays under 1024 bytes (got ${bytes.length} bytes)`,
        );
      }
      const padded = new Uint8Array((Math.floor(bytes.length / BLOCK) + 1) * BLOCK);
      padded.set(bytes);
      padded[bytes.length] = 0x80;
      const { mac, cipher } = await keysOf(list[0]!);
      const tag = new Uint8Array(await subtle.sign("HMAC", mac, padded)).slice(0, BLOCK);
      const sealed = new Uint8Array(
        await subtle.encrypt({ name: "AES-CTR", counter: counterOf(tag), length: 64 }, cipher, padded),
      );
      const out = new Uint8Array(BLOCK + sealed.length);
      out.set(tag);
      out.set(sealed, BLOCK);
      return OPAQUE_ID_PREFIX + encodeBase64Url(out);
    },
    async decode(opaqueId) {
      if (typeof opaqueId !== "string")
        throw new TypeError(`Cannot decode event id: \`opaqueId\` must be a string (got ${describeValue(opaqueId)})`);
      if (!opaqueId.startsWith(OPAQUE_ID_PREFIX)) return undefined;
      const bytes = decodeBase64Url(opaqueId.slice(OPAQUE_ID_PREFIX.length));
      if (bytes === undefined || bytes.length < 2 * BLOCK || bytes.length % BLOCK !== 0) return undefined;
      const tag = bytes.slice(0, BLOCK);
      const sealed = bytes.slice(BLOCK);
      for (const key of list) {
        const { mac, cipher } = await keysOf(key);
        const padded = new Uint8Array(
          await subtle.decrypt({ name: "AES-CTR", counter: counterOf(tag), length: 64 }, cipher, sealed),
        );
        const expected = new Uint8Array(await subtle.sign("HMAC", mac, padded));
        if (!sameBytes(tag, expected.subarray(0, BLOCK))) continue;
        return unpad(padded);
      }
      return undefined;
    },
  };
}

/** The MAC and cipher keys of one key and scope: HMAC-SHA256 of the key over a label per use, the scope after a NUL. */
async function derive(subtle: SubtleCrypto, key: TokenKey, scope: string): Promise<DerivedKeys> {
  const master = await importHmacKey(subtle, key, "sign");
  const bytesFor = async (use: string): Promise<ArrayBuffer> =>
    subtle.sign("HMAC", master, encoder.encode(`edge-sse/event-id/v1/${use}\u0000${scope}`));
  const [macBytes, cipherBytes] = await Promise.all([bytesFor("mac"), bytesFor("enc")]);
  const [mac, cipher] = await Promise.all([
    subtle.importKey("raw", macBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    subtle.importKey("raw", cipherBytes, { name: "AES-CTR" }, false, ["encrypt", "decrypt"]),
  ]);
  return { mac, cipher };
}

/** The CTR counter block of a tag: the tag with bit 63 cleared, so that the 64-bit counter never wraps. */
function counterOf(tag: Uint8Array): Uint8Array<ArrayBuffer> {
  const counter = new Uint8Array(tag);
  counter[8] = counter[8]! & 0x7f;
  return counter;
}

/** Compares two byte strings of one length in time that does not depend on where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i] ?? 0);
  return difference === 0;
}

/** The id inside a decrypted block: before the last 0x80, with zeros only after it, as UTF-8. */
function unpad(padded: Uint8Array): string | undefined {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) return undefined;
  try {
    return decoder.decode(padded.subarray(0, end));
  } catch {
    return undefined;
  }
}
