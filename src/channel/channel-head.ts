/** Reads where a channel is now (set once by the `Channel` class), for a stream of several channels that must resume each from its join. */
let readHead: (channel: object) => Promise<string | undefined>;

/** Sets how every `Channel` reads its head (done once, by the class). */
export function registerHeadReader(reader: (channel: object) => Promise<string | undefined>): void {
  readHead = reader;
}

/**
 * The id (as its clients see it) of the newest event `channel` holds, or `undefined` when it holds
 * none: a stream that joins now and resumes after it later misses nothing published in between.
 *
 * @throws {Error} (as a rejection) when the channel's broker fails to answer
 */
export function headOf(channel: object): Promise<string | undefined> {
  return readHead(channel);
}
