/**
 * The ids a `MemoryBroker` gives: `<prefix>-<n>`. The prefix is the time the broker was made (8
 * base-36 digits) and 32 random bits (7 base-36 digits), so that no two brokers share ids, not even
 * two made in the same millisecond (workers behind one load balancer): a client that resumes on
 * another process gets a gap, never another process's events under the ids it saw.
 */

/** The form of the ids brokers give: 15 or more lowercase letters and digits, a dash, a number. */
const OWN_FORM = /^[0-9a-z]{15,}-[0-9]+$/;

/** Whether `id` has the form of the ids memory brokers give (a publisher may not choose such an id). */
export function hasOwnIdForm(id: string): boolean {
  return OWN_FORM.test(id);
}

/** A new prefix for a broker's ids. */
export function newIdPrefix(): string {
  return Date.now().toString(36) + randomUint32().toString(36).padStart(7, "0");
}

/** 32 random bits: from WebCrypto when there is one (Node 18 has no global `crypto`), else `Math.random`. */
function randomUint32(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint32Array) => Uint32Array } }).crypto;
  if (typeof crypto?.getRandomValues === "function") return crypto.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 2 ** 32);
}
