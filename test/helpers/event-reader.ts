/**
 * The one reader of event streams for every test: what an independent parser (eventsource-parser)
 * makes of our bytes, read as a client reads them. Web APIs only (ReadableStream, TextDecoder, fetch,
 * setTimeout), so the same file serves vitest, node:test (Node 18 too), deno test, bun test and workerd.
 * Every wait is bounded: it fails after `waitMs`, showing what arrived.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One event as eventsource-parser dispatches it: exactly `id`, `event` and `data`. */
export type ReadEvent = Pick<EventSourceMessage, "id" | "event" | "data">;

/** What eventsource-parser makes of a wire text. */
export interface Parsed {
  events: ReadEvent[];
  retries: number[];
  comments: string[];
}

/** What one read of a byte stream gives (the DOM and Bun name the type differently). */
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

/** How long one wait may take by default before it fails, naming what it waited for. */
export const WAIT_MS = 10_000;

/** The tail of a long text, for failure messages. */
const shown = (text: string): string => JSON.stringify(text.length > 2_000 ? `…${text.slice(-2_000)}` : text);

/** A parser feeding `into`. */
function parserFor(into: Parsed) {
  return createParser({
    onEvent: ({ id, event, data }) => void into.events.push({ id, event, data }),
    onRetry: (ms) => void into.retries.push(ms),
    onComment: (comment) => void into.comments.push(comment),
  });
}

/** Parses event-stream text, fed in the given pieces (to test chunk boundaries). */
export function parseWire(pieces: string | readonly string[]): Parsed {
  const parsed: Parsed = { events: [], retries: [], comments: [] };
  const parser = parserFor(parsed);
  for (const piece of typeof pieces === "string" ? [pieces] : pieces) parser.feed(piece);
  return parsed;
}

/** Options of an `EventReader`. */
export interface EventReaderOptions {
  /** How long one wait may take. @default WAIT_MS */
  readonly waitMs?: number;
  /** Aborted on `cancel()`: the fetch the response came from. */
  readonly hangUp?: AbortController;
}

/**
 * Reads one event stream as a client would: it reads at once (a stream starts, and a channel's
 * subscriber joins, at its first read) and then only when asked, so a test decides when the client
 * reads. Keeps every chunk, the text, and what eventsource-parser made of it.
 */
export class EventReader implements Parsed {
  readonly events: ReadEvent[] = [];
  readonly retries: number[] = [];
  readonly comments: string[] = [];
  /** Every chunk read, as it came (to check which bytes were shared, and how items were batched). */
  readonly chunks: Uint8Array[] = [];
  /** The response read, when the reader was made from one. */
  readonly response: Response | undefined;
  /** All the text read so far. */
  text = "";
  /** Whether the stream has ended. */
  done = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser = parserFor(this);
  readonly #waitMs: number;
  readonly #hangUp: AbortController | undefined;
  /** A read asked for and not taken yet (the first one, or one a timed-out wait left behind). */
  #read: Promise<ReadResult> | undefined;
  /** How many events `next` has handed out. */
  #taken = 0;

  constructor(source: ReadableStream<Uint8Array> | Response, options: EventReaderOptions = {}) {
    const isStream = typeof (source as Partial<ReadableStream>).getReader === "function";
    const body = isStream ? (source as ReadableStream<Uint8Array>) : (source as Response).body;
    if (body === null) throw new Error(`The response has no body (status ${(source as Response).status})`);
    this.response = isStream ? undefined : (source as Response);
    this.#reader = body.getReader();
    this.#waitMs = options.waitMs ?? WAIT_MS;
    this.#hangUp = options.hangUp;
    this.#read = this.#reader.read();
    this.#read.catch(() => {}); // A cancel before it is taken is no failure.
  }

  /** Fetches `url` and reads its body; `cancel()` hangs up. */
  static async fetch(url: string, init: RequestInit = {}, options: EventReaderOptions = {}): Promise<EventReader> {
    const hangUp = new AbortController();
    const response = await fetch(url, { ...init, signal: hangUp.signal });
    return new EventReader(response, { ...options, hangUp });
  }

  /** Reads one chunk (or the end). */
  async readOnce(): Promise<void> {
    const read = this.#read ?? this.#reader.read();
    this.#read = undefined;
    this.#take(await read);
  }

  /**
   * Reads until `enough()` holds.
   *
   * @throws {Error} naming `what` and showing the text, when the stream ends first or `waitMs` passes
   */
  async waitFor(enough: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.#waitMs;
    while (!enough()) {
      if (this.done) throw new Error(`The stream ended before ${what} arrived; it sent ${shown(this.text)}`);
      const read = (this.#read ??= this.#reader.read());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">(
        (resolve) => (timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()))),
      );
      const step = await Promise.race([read, late]).finally(() => clearTimeout(timer));
      if (step === "late")
        throw new Error(`Timed out after ${this.#waitMs} ms waiting for ${what}; the stream sent ${shown(this.text)}`);
      this.#read = undefined;
      this.#take(step);
    }
  }

  /** Waits for the first bytes: once they are here, the stream has started (a channel's subscriber has joined). */
  async started(): Promise<void> {
    await this.waitFor(() => this.chunks.length > 0, "the first bytes");
  }

  /** Reads until at least `count` events have arrived in all; returns them all. */
  async until(count: number): Promise<ReadEvent[]> {
    await this.waitFor(() => this.events.length >= count, `${count} events (${this.events.length} so far)`);
    return this.events;
  }

  /** The next `count` events that `next` has not handed out yet. */
  async next(count: number): Promise<ReadEvent[]> {
    const end = this.#taken + count;
    await this.waitFor(
      () => this.events.length >= end,
      `${count} more events (${this.events.length - this.#taken} so far)`,
    );
    this.#taken = end;
    return this.events.slice(end - count, end);
  }

  /** Reads to the end of the stream; returns every event. */
  async rest(): Promise<ReadEvent[]> {
    await this.waitFor(() => this.done, "the end of the stream");
    return this.events;
  }

  /** Hangs up, as a client that goes away. */
  async cancel(): Promise<void> {
    this.#hangUp?.abort();
    await this.#reader.cancel().catch(() => {});
  }

  #take({ done, value }: ReadResult): void {
    if (done) {
      this.done = true;
      return;
    }
    this.chunks.push(value);
    const text = this.#decoder.decode(value, { stream: true });
    this.text += text;
    this.#parser.feed(text);
  }
}

/**
 * Fetches `url` and reads until `count` events have arrived or the stream ends, then hangs up.
 *
 * @returns what arrived, and the response (its headers)
 */
export async function readEvents(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<{ parsed: Parsed; response: Response }> {
  const reader = await EventReader.fetch(url, { headers });
  try {
    await reader.waitFor(() => reader.events.length >= count || reader.done, `${count} events`);
  } finally {
    await reader.cancel();
  }
  const { events, retries, comments } = reader;
  return { parsed: { events, retries, comments }, response: reader.response! };
}

/** The ids of events, for comparing sequences. */
export const ids = (events: readonly ReadEvent[]): Array<string | undefined> => events.map((event) => event.id);
/** The data of events. */
export const datas = (events: readonly ReadEvent[]): string[] => events.map((event) => event.data);
