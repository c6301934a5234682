// Reads an event stream as it arrives, with eventsource-parser, and never waits without a bound.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export type ReadEvent = Pick<EventSourceMessage, "id" | "event" | "data">;

/** How long any one wait may take before the test fails with what arrived so far. */
export const WAIT_MS = 5_000;

export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #events: ReadEvent[] = [];
  readonly #parser = createParser({ onEvent: ({ id, event, data }) => void this.#events.push({ id, event, data }) });
  #text = "";
  #done = false;

  constructor(response: Response) {
    if (response.body === null) throw new Error(`The response has no body (status ${response.status})`);
    this.#reader = response.body.getReader();
  }

  /** Waits for the first bytes: once they are here, the subscriber has joined the channel. */
  async started(): Promise<void> {
    await this.#readUntil(() => this.#text.length > 0, "the first bytes");
  }

  /** The next `count` events (those already parsed first). */
  async next(count: number): Promise<ReadEvent[]> {
    await this.#readUntil(() => this.#events.length >= count, `${count} event(s)`);
    return this.#events.splice(0, count);
  }

  /** Hangs up. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }

  async #readUntil(enough: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!enough()) {
      if (this.#done) throw new Error(`The stream ended before ${what} arrived; it sent ${JSON.stringify(this.#text)}`);
      const left = deadline - Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(left, 0))));
      const step = await Promise.race([this.#reader.read(), timeout]);
      clearTimeout(timer);
      if (step === "timeout") {
        throw new Error(`Timed out after ${WAIT_MS} ms waiting for ${what}; the stream sent ${JSON.stringify(this.#text)}`);
      }
      if (step.done) {
        this.#done = true;
        continue;
      }
      const text = this.#decoder.decode(step.value, { stream: true });
      this.#text += text;
      this.#parser.feed(text);
    }
  }
}
