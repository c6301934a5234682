/** What is kept with each subscriber's socket (`serializeAttachment`), so that it survives hibernation. */
export interface SubscriberAttachment {
  /** The event names the subscriber gets, or `null` for every event. */
  readonly filter: readonly string[] | null;
  /** `SubscriberInfo.lastEventId`, for `onLeave`; `null` without one, or when longer than `MAX_KEPT_ID_LENGTH`. */
  readonly lastEventId?: string | null;
  /** `SubscriberInfo.replayedFrom`, for `onLeave`, under the same rule. */
  readonly replayedFrom?: string | null;
}

/**
 * The longest `Last-Event-ID` kept in an attachment for `onLeave`, in UTF-16 code units: an
 * attachment holds at most 2 KiB, and the filter takes up to half of that.
 */
export const MAX_KEPT_ID_LENGTH = 256;

/** What to keep with a new subscriber's socket: ids longer than `MAX_KEPT_ID_LENGTH` are not kept. */
export function subscriberAttachment(
  filter: readonly string[] | null,
  lastEventId: string | undefined,
  replayedFrom: string | undefined,
): SubscriberAttachment {
  const kept = lastEventId !== undefined && lastEventId.length <= MAX_KEPT_ID_LENGTH;
  return { filter, lastEventId: kept ? lastEventId : null, replayedFrom: kept ? (replayedFrom ?? null) : null };
}
