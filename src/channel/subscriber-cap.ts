/** Ends one admitted subscriber's place; calling it again does nothing. */
export type EndPlace = () => void;

/** Frees the places of streams that were dropped unread: their subscriber objects were collected. */
const dropped = new FinalizationRegistry<EndPlace>((end) => end());

/**
 * A bound on the subscribers admitted at once (`maxSubscribers`): a place is taken when `stream()`
 * is called and freed when the stream ends, is not made, or is dropped unread and collected.
 */
export class SubscriberCap {
  readonly max: number;
  /** Says who is full, for the refusal: "the channel has", "the channels have". */
  readonly whoHas: string;
  readonly #option: string;
  #taken = 0;
  /** Subscribers held elsewhere that count against the same bound (a Durable Object's sockets). */
  #others: () => number = () => 0;

  constructor(max: number, whoHas: string, option: string) {
    this.max = max;
    this.whoHas = whoHas;
    this.#option = option;
  }

  /** Why no one else may subscribe now; `undefined` when there is room. */
  get refusal(): string | undefined {
    if (this.#taken + this.#others() < this.max) return undefined;
    return `${this.whoHas} ${this.max} subscribers already, its \`${this.#option}\``;
  }

  /** Counts `others()` subscribers besides the places taken here, from now on. */
  countAlso(others: () => number): void {
    this.#others = others;
  }

  /** Takes a place; the function returned frees it (once). */
  take(): EndPlace {
    this.#taken++;
    let taken = true;
    return () => {
      if (!taken) return;
      taken = false;
      this.#taken--;
    };
  }
}

/**
 * Takes a place in each of `caps`; `undefined` when there are none (nothing to count, nothing to
 * free). The function returned frees them all, once.
 */
export function takePlaces(caps: readonly SubscriberCap[]): EndPlace | undefined {
  if (caps.length === 0) return undefined;
  const places = caps.map((cap) => cap.take());
  const end: EndPlace = () => {
    dropped.unregister(end);
    for (const free of places) free();
  };
  return end;
}

/** Frees `end`'s places when `owner` is collected (a stream dropped unread never ends by itself). */
export function freeWhenCollected(owner: object, end: EndPlace): void {
  dropped.register(owner, end, end);
}
