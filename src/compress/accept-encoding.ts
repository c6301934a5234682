/** A content coding this package can produce with a flush after every chunk. */
export type Coding = "br" | "gzip" | "deflate";

/**
 * Every coding, most preferred first, which is how a tie is broken: gzip (every client decodes it the
 * same way, and on events that do not repeat it is as small as brotli for the same CPU), then brotli,
 * then deflate.
 */
export const CODINGS: readonly Coding[] = ["gzip", "br", "deflate"];

/** `qvalue` of RFC 9110 §12.4.2: 0 or 1 with up to three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
/** A `token` of RFC 9110 §5.6.2. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * The weight of each coding an `Accept-Encoding` header names (RFC 9110 §12.5.3), lower-case, with
 * `x-gzip` read as `gzip`. An element whose coding or `q` is malformed counts as absent: a header this
 * reading cannot understand never turns compression on. A coding named twice keeps its first weight.
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const element of header.split(",")) {
    const [rawCoding = "", ...params] = element.split(";");
    let coding = rawCoding.trim().toLowerCase();
    if (coding === "") continue;
    if (coding === "x-gzip") coding = "gzip";
    if (!TOKEN.test(coding)) continue;
    let weight: number | undefined = 1;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=").map((part) => part.trim());
      if (name.toLowerCase() !== "q") continue;
      weight = QVALUE.test(value) ? Number(value) : undefined;
    }
    if (weight !== undefined && !weights.has(coding)) weights.set(coding, weight);
  }
  return weights;
}

/**
 * The coding to answer a request with, or `undefined` for none (identity). A coding is acceptable when
 * the header names it, or `*`, with a weight above 0; the heaviest acceptable one wins, `offered`'s
 * order breaking ties. Identity wins instead only when the header gives it (or `*`, when it names
 * neither) a weight above the winner's. No header, an empty one or an unreadable one: identity.
 */
export function negotiateEncoding(header: string | null, offered: readonly Coding[] = CODINGS): Coding | undefined {
  if (header === null) return undefined;
  const weights = parseAcceptEncoding(header);
  const anyOther = weights.get("*");
  let best: Coding | undefined;
  let bestWeight = 0;
  for (const coding of offered) {
    const weight = weights.get(coding) ?? anyOther ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  const identity = weights.get("identity") ?? anyOther;
  return identity !== undefined && identity > bestWeight ? undefined : best;
}
