import type { ChannelOptions, DrainOptions } from "../channel/types.ts";
import type { SocketSubscribers } from "./socket-subscribers.ts";
import { Channel, DEFAULT_DRAIN_RETRY_MS, DEFAULT_DRAIN_TIMEOUT_MS } from "../channel/channel.ts";

/**
 * The channel of a `ChannelObject`: a `Channel` whose `drain()` and `close()` reach the subscribers
 * that hold sockets too, as they reach the streams the object holds. A drain sends every socket the
 * retry hint, closes each within the timeout, and closes the channel once both kinds are done.
 */
export class ObjectChannel extends Channel {
  readonly #sockets: SocketSubscribers;

  constructor(options: ChannelOptions, sockets: SocketSubscribers) {
    super(options);
    this.#sockets = sockets;
  }

  override drain(options: DrainOptions = {}): Promise<void> {
    const draining = super.drain(options); // checks the options; the first call decides
    void this.#sockets.drain(options.retry ?? DEFAULT_DRAIN_RETRY_MS, options.timeout ?? DEFAULT_DRAIN_TIMEOUT_MS);
    return draining;
  }

  override close(options: { readonly end?: boolean } = {}): Promise<void> {
    // A drain closes the channel when its streams have ended: its sockets may have more time left.
    const pending = this.#sockets.pendingDrain;
    if (pending !== undefined) return pending.then(() => this.close(options));
    const closing = super.close(options); // checks the options
    this.#sockets.close(options.end === true);
    return closing;
  }
}
