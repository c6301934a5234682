import { createParser, type EventSourceMessage } from "eventsource-parser";

/**
 * Reads an event stream as a client would, parsing it with eventsource-parser (an independent
 * parser), and keeps every chunk it got so that tests can check which bytes were shared. Like a
 * real client it reads at once: a stream starts (a channel's subscriber joins) at its first read.
 */
export class EventReader {
  readonly events: EventSourceMessage[] = [];
  readonly chunks: Uint8Array[] = [];
  done = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({ onEvent: (event) => this.events.push(event) });
  #first: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** Settles once the first bytes arrived: the stream has started (a subscriber has joined). */
  readonly opened: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
    this.#first = this.#reader.read();
    this.opened = this.#first.then(() => {}, () => {});
  }

  /** Reads until at least `count` events have arrived in all; fails after `turns` reads without them. */
  async until(count: number, turns = 1000): Promise<EventSourceMessage[]> {
    for (let i = 0; this.events.length < count; i++) {
      if (this.done || i >= turns) throw new Error(`stream gave ${this.events.length} events, expected ${count}`);
      await this.readOnce();
    }
    return this.events;
  }

  /** Reads to the end of the stream. */
  async rest(): Promise<EventSourceMessage[]> {
    while (!this.done) await this.readOnce();
    return this.events;
  }

  async readOnce(): Promise<void> {
    const read = this.#first ?? this.#reader.read();
    this.#first = undefined;
    const { done, value } = await read;
    if (done) {
      this.done = true;
      return;
    }
    this.chunks.push(value);
    this.#parser.feed(this.#decoder.decode(value, { stream: true }));
  }

  /** Hangs up, as a client that goes away. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

/** The ids of events, for comparing sequences. */
export const ids = (events: readonly EventSourceMessage[]): Array<string | undefined> => events.map((event) => event.id);
/** The data of events. */
export const datas = (events: readonly EventSourceMessage[]): string[] => events.map((event) => event.data);
