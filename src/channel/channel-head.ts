/** Reads where a channel is now, for a stream of several channels that must resume each from its join. */
const heads = new WeakMap<object, () => Promise<string | undefined>>();

/** Registers how `channel` reads its head (done by each `Channel` when made). */
export function registerHead(channel: object, head: () => Promise<string | undefined>): void {
  heads.set(channel, head);
}

/**
 * The id (as its clients see it) of the newest event `channel` holds, or `undefined` when it holds
 * none: a stream that joins now and resumes after it later misses nothing published in between.
 *
 * @throws {Error} (as a rejection) when the channel's broker fails to answer
 */
export function headOf(channel: object): Promise<string | undefined> {
  return heads.get(channel)!();
}
