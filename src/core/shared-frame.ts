const encoder = new TextEncoder();

/**
 * One event-stream frame, encoded once and shared by every stream it is sent to (a channel's
 * fan-out). A stream sends `bytes` itself when this frame is alone in a chunk, and its text when
 * the frame leaves together with others.
 */
export class SharedFrame {
  readonly text: string;
  #bytes: Uint8Array | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The frame as UTF-8, encoded on first use. Readers must not write to it. */
  get bytes(): Uint8Array {
    return (this.#bytes ??= encoder.encode(this.text));
  }
}
