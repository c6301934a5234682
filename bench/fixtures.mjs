/**
 * The benchmark's inputs: three event shapes made by a fixed-seed generator, so every contender,
 * every round and every machine sends the same bytes.
 *
 *   a: data "hello world"                     (no event name, no id)
 *   b: a ~150-byte JSON object, an event name and an id (the id is the event's 1-based number)
 *   c: a 5-line text                          (no event name, no id)
 *
 * Each shape has a pool of POOL_SIZE entries made from the seed; event i uses entry i % POOL_SIZE,
 * so the generator's own cost is one array index (the same for every contender) and no contender
 * can win by caching one repeated value.
 */

export const SEED = 0x5e5e_2024;
export const POOL_SIZE = 1024;
export const SHAPES = ["a", "b", "c"];

/** xorshift32 (Marsaglia 2003): a tiny deterministic generator of floats in [0, 1). */
export function makeRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

const WORDS = [
  "alpha",
  "bravo",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "gamma",
  "harbor",
  "indigo",
  "juniper",
  "kestrel",
  "lumen",
  "meadow",
  "nimbus",
  "orbit",
  "prairie",
  "quartz",
  "river",
  "sierra",
  "tundra",
  "umber",
  "vertex",
  "willow",
  "xenon",
  "yonder",
  "zephyr",
  "stream",
  "event",
  "signal",
  "packet",
  "buffer",
  "socket",
];
const SYMBOLS = ["ACME", "BOLT", "CRUX", "DYNA", "EPIC", "FLUX", "GRID", "HALO"];
const EVENTS = ["quote", "trade", "status"];
const VENUES = ["XNAS", "XNYS", "BATS", "ARCX"];
const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");

function pick(random, list) {
  return list[Math.floor(random() * list.length)];
}

function words(random, min, max) {
  const count = min + Math.floor(random() * (max - min + 1));
  const out = [];
  for (let i = 0; i < count; i++) out.push(pick(random, WORDS));
  return out.join(" ");
}

function makePoolB(random) {
  const pool = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const value = {
      symbol: pick(random, SYMBOLS),
      price: Math.round(random() * 1_000_000) / 100,
      size: 1 + Math.floor(random() * 5000),
      side: random() < 0.5 ? "buy" : "sell",
      venue: pick(random, VENUES),
      ts: 1_700_000_000_000 + Math.floor(random() * 1e9),
      open: random() < 0.9,
      note: "",
    };
    // Size the note so that the JSON text is 145..155 bytes.
    const target = 145 + Math.floor(random() * 11);
    const room = target - JSON.stringify(value).length;
    let note = words(random, 1, 3);
    while (note.length < room) note += pick(random, LETTERS);
    value.note = note.slice(0, Math.max(0, room));
    pool.push({ event: pick(random, EVENTS), value });
  }
  return pool;
}

function makePoolC(random) {
  const pool = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const lines = [];
    for (let l = 0; l < 5; l++) lines.push(words(random, 2, 5));
    pool.push(lines.join("\n"));
  }
  return pool;
}

/** Both pools from one seed: b's `{ event, value }` entries, then c's 5-line texts. */
export function buildPools(seed) {
  const random = makeRandom(seed);
  const b = makePoolB(random);
  const c = makePoolC(random);
  return { b, c };
}

const POOLS = buildPools(SEED);
/** Shape b's pool: `{ event, value }`, value being a plain JSON object. */
export const POOL_B = POOLS.b;
/** Shape c's pool: 5-line texts (LF between lines, ASCII only). */
export const POOL_C = POOLS.c;
const HELLO = "hello world";

/**
 * Event i (0-based) of a shape in the neutral form every contender adapts from:
 * `{ data, event?, id? }` where data is a string (a, c) or a JSON-able object (b).
 */
export function fixtureEvent(shape, i) {
  if (shape === "a") return { data: HELLO };
  if (shape === "b") {
    const entry = POOL_B[i % POOL_SIZE];
    return { data: entry.value, event: entry.event, id: String(i + 1) };
  }
  if (shape === "c") return { data: POOL_C[i % POOL_SIZE] };
  throw new TypeError(`unknown shape ${shape}`);
}

/**
 * Makes the per-event item function of a contender: `adapt(shape)` returns `(i) => item`.
 * These are written per shape (not one generic function) so that each contender runs the code a
 * user would write for that kind of event.
 */
export const itemMakers = {
  /** `{ data: string, event?, id? }`: what Hono's writeSSE, h3's push and eventsource-encoder take. */
  fields(shape) {
    if (shape === "a") return () => ({ data: HELLO });
    if (shape === "b") {
      return (i) => {
        const entry = POOL_B[i % POOL_SIZE];
        return { data: JSON.stringify(entry.value), event: entry.event, id: String(i + 1) };
      };
    }
    return (i) => ({ data: POOL_C[i % POOL_SIZE] });
  },
};

/**
 * What a browser's EventSource would dispatch for event i: `{ type, data, lastEventId }`.
 * `lastEventId` is the last id seen so far on the stream ("" before any), as `MessageEvent.lastEventId`.
 */
export function expectedEvent(shape, i) {
  const event = fixtureEvent(shape, i);
  return {
    type: event.event ?? "message",
    data: typeof event.data === "string" ? event.data : JSON.stringify(event.data),
    lastEventId: event.id ?? "",
  };
}

export function expectedEvents(shape, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(expectedEvent(shape, i));
  return out;
}

/**
 * The async generator every contender reads from: yields `item(i)` for i in [0, n).
 * `waitMs` delays the first event (workload D); `idle` keeps the generator open after the last
 * event until `idle` (a promise) settles (workload C).
 */
export async function* source(n, item, { waitMs = 0, idle } = {}) {
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  for (let i = 0; i < n; i++) yield item(i);
  if (idle !== undefined) await idle;
}
