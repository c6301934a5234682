/** Ends one hold on a channel; calling it again does nothing. */
export type EndHold = () => void;

/** Ends the holds of streams that were dropped unread: their subscriber objects were collected. */
const dropped = new FinalizationRegistry<EndHold>((end) => end());

/**
 * What keeps a channel in use: each subscriber's stream, from the call of `stream()` until the
 * stream ends (its replay included), and each publish until the broker has answered. Once nothing
 * holds it, `onIdle` (set by a `Channels` registry, which then releases the channel) is called.
 * A channel made on its own has no `onIdle`, and counting changes nothing for it.
 */
export class ChannelUse {
  #holds = 0;
  /** Called each time the last hold ends. */
  onIdle: (() => void) | undefined;

  /** Whether nothing holds the channel. */
  get idle(): boolean {
    return this.#holds === 0;
  }

  /** Starts a hold. */
  hold(): EndHold {
    this.#holds++;
    let held = true;
    const end: EndHold = () => {
      if (!held) return;
      held = false;
      dropped.unregister(end);
      if (--this.#holds === 0) this.onIdle?.();
    };
    return end;
  }

  /**
   * Starts a hold that also ends when `owner` is garbage collected: a stream made and dropped
   * unread never ends by itself, and must not hold its channel for good. Where nothing watches the
   * holds (no `onIdle`), the function returned is shared, and its owner must call it once.
   */
  holdWhileReachable(owner: object): EndHold {
    if (this.onIdle === undefined) {
      // Nothing watches this channel's holds: no function of its own per hold, whose owner must end it once.
      this.#holds++;
      return (this.#endOnce ??= () => {
        if (--this.#holds === 0) this.onIdle?.();
      });
    }
    const end = this.hold();
    dropped.register(owner, end, end);
    return end;
  }

  /** Ends one hold of a channel that nothing watches; shared by those holds, each calls it once. */
  #endOnce: EndHold | undefined;
}
