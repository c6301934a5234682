import type { ChannelBroker, ChannelEvent, ReplayResult } from "./types.ts";
import type { EventIdCodec } from "../tokens/event-id-codec.ts";
import { isThenable } from "../core/check.ts";

/**
 * An id no broker holds (`publish` refuses an empty id): replaying after it gives `found: false` and
 * every event held, which is what a `Last-Event-ID` that does not decode must get.
 */
const UNKNOWN_ID = "";

/**
 * A channel's opaque ids (`ChannelOptions.eventIds`): each event's opaque id, made once per event
 * object before the event reaches a subscriber, and the decoding of the ids clients send back.
 * Inside, everything keeps the broker's ids; only the wire sees these.
 */
export class OpaqueIds {
  readonly #codec: EventIdCodec;
  readonly #report: (error: unknown) => void;
  readonly #opaque = new WeakMap<ChannelEvent, string>();
  /** Live events are delivered in the broker's order, each once its id is encoded. */
  #delivered: Promise<void> = Promise.resolve();

  constructor(codec: EventIdCodec, report: (error: unknown) => void) {
    this.#codec = codec;
    this.#report = report;
  }

  /** The opaque id of an event that went through `encode`; `undefined` (reported there) when it could not be encoded. */
  wireId(event: ChannelEvent): string | undefined {
    return this.#opaque.get(event);
  }

  /** Encodes the ids of `events`; an id the codec refuses is reported, and its event is not sent. */
  async encode(events: readonly ChannelEvent[]): Promise<void> {
    await Promise.all(
      events.map(async (event) => {
        if (this.#opaque.has(event)) return;
        try {
          this.#opaque.set(event, await this.#codec.encode(event.id));
        } catch (error) {
          this.#report(error);
        }
      }),
    );
  }

  /** Hands a live event to `deliver` once its id is encoded, after the events that came before it. */
  deliverEncoded(event: ChannelEvent, deliver: (event: ChannelEvent) => void): void {
    const encoded = this.encode([event]);
    this.#delivered = this.#delivered
      .then(() => encoded)
      .then(() => deliver(event))
      .catch(this.#report);
  }

  /**
   * The broker's id behind the id a client resumes after, or an id no broker holds when it does not
   * decode. It first waits for the live events already received to be delivered: the client may have
   * seen one in another stream's replay, and one still waiting for its id would reach the new
   * subscriber after a replay that starts past it, a second time.
   */
  async resumeAfter(sentId: string): Promise<string> {
    const [decoded] = await Promise.all([this.#codec.decode(sentId), this.#delivered]);
    return decoded ?? UNKNOWN_ID;
  }

  /** `broker`, with the ids of every replayed event encoded before the replay is answered. */
  replaying(broker: ChannelBroker): ChannelBroker {
    const encoded = async (result: ReplayResult): Promise<ReplayResult> => {
      await this.encode(result.events);
      return result;
    };
    const compare = broker.compare;
    return {
      publish: (event) => broker.publish(event),
      subscribe: (listener) => broker.subscribe(listener),
      replay: (afterId) => {
        const result = broker.replay(afterId);
        return isThenable(result) ? Promise.resolve(result).then(encoded) : encoded(result);
      },
      ...(compare === undefined ? {} : { compare: (a: string, b: string) => compare.call(broker, a, b) }),
    };
  }
}
