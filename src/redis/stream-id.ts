/** The largest part of a Redis stream id: both halves are unsigned 64-bit integers. */
const MAX_PART = 18_446_744_073_709_551_615n;
const STREAM_ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;

/**
 * Whether `id` is a complete Redis stream id as Redis writes them: `<ms>-<seq>`, two unsigned 64-bit
 * integers without leading zeros (so `"1700000000000-0"`, not `"1700000000000"`, `"*"` or `"01-0"`).
 */
export function isStreamId(id: string): boolean {
  const match = STREAM_ID.exec(id);
  return match !== null && BigInt(match[1]!) <= MAX_PART && BigInt(match[2]!) <= MAX_PART;
}

/**
 * The smallest stream id after `id` (a valid stream id), to start an inclusive range just past it;
 * `undefined` after the largest id there is.
 */
export function nextStreamId(id: string): string | undefined {
  const [ms, seq] = id.split("-").map(BigInt) as [bigint, bigint];
  if (seq < MAX_PART) return `${ms}-${seq + 1n}`;
  return ms < MAX_PART ? `${ms + 1n}-0` : undefined;
}

/**
 * The order of two stream ids: negative when `a` comes first, 0 when equal, positive when after.
 * Anything that is not a stream id comes before every stream id.
 */
export function compareStreamIds(a: string, b: string): number {
  const validA = isStreamId(a);
  const validB = isStreamId(b);
  if (!validA || !validB) return validA === validB ? 0 : validA ? 1 : -1;
  const [msA, seqA] = a.split("-").map(BigInt) as [bigint, bigint];
  const [msB, seqB] = b.split("-").map(BigInt) as [bigint, bigint];
  return msA !== msB ? (msA < msB ? -1 : 1) : seqA === seqB ? 0 : seqA < seqB ? -1 : 1;
}
