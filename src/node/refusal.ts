/**
 * What the Node bridge answers in place of the handler when a request cannot be turned into a
 * `Request`: remote input gets an HTTP status, never an exception.
 */
export interface Refusal {
  /** 400 for a request target or authority no sane URL can be made of, 501 for a method fetch refuses. */
  readonly status: 400 | 501;
  /** Sent as the plain-text body: says what is wrong without echoing the request. */
  readonly reason: string;
}
