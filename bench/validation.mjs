/**
 * The cost of typed events: events per second of building shape b's messages (a ~150-byte JSON
 * object, an event name and an id) with `Message.json(value).event(name).id(id)`, and with the
 * builders of a `defineEvents` map whose schema is written in zod, valibot or arktype (and one that
 * accepts everything, for what the builders cost besides validation).
 *
 * One process; the contenders run interleaved in rounds (the order rotates each round), and each
 * round's time is divided by the unvalidated builder's time in the same round, so the ratios hold
 * up under other load. Before any timing, every contender's frames are checked to be the same bytes.
 *
 * A second table measures whole streams: a `DataStream` read to its end, whose items are
 * `Message.json(value).event(name).id(id)` (no validation), or `{ event, data, id }` objects checked
 * by a map given as `events` (zod, valibot, and the pass-through schema), timed in CPU time.
 *
 *   node validation.mjs            (after `npm run build` at the root, and `npm ci` here)
 *   node validation.mjs --quick    (fewer rounds and events)
 */
import { loadavg } from "node:os";
import { type } from "arktype";
import * as v from "valibot";
import * as z from "zod";
import { POOL_B, POOL_SIZE } from "./fixtures.mjs";

const { DataStream, defineEvents, Message } = await import(new URL("../dist/index.js", import.meta.url).href);

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 5 : 25;
const EVENTS = quick ? 10_000 : 40_000;

const zodQuote = z.object({
  symbol: z.string().min(1),
  price: z.number().nonnegative(),
  size: z.number().int().positive(),
  side: z.enum(["buy", "sell"]),
  venue: z.string(),
  ts: z.number().int(),
  open: z.boolean(),
  note: z.string(),
});
const valibotQuote = v.object({
  symbol: v.pipe(v.string(), v.minLength(1)),
  price: v.pipe(v.number(), v.minValue(0)),
  size: v.pipe(v.number(), v.integer(), v.minValue(1)),
  side: v.picklist(["buy", "sell"]),
  venue: v.string(),
  ts: v.pipe(v.number(), v.integer()),
  open: v.boolean(),
  note: v.string(),
});
const arktypeQuote = type({
  symbol: "string > 0",
  price: "number >= 0",
  size: "number.integer > 0",
  side: "'buy' | 'sell'",
  venue: "string",
  ts: "number.integer",
  open: "boolean",
  note: "string",
});

/** A schema that accepts everything as it is: what the builders cost besides validation. */
const passThrough = { "~standard": { version: 1, vendor: "none", validate: (value) => ({ value }) } };

/** The three event names of shape b, all with the same data. */
const mapOf = (schema) => defineEvents({ quote: schema, trade: schema, status: schema });
const maps = {
  "a pass-through schema": mapOf(passThrough),
  zod: mapOf(zodQuote),
  valibot: mapOf(valibotQuote),
  arktype: mapOf(arktypeQuote),
};

/** Event i's message, by each contender. */
const contenders = {
  "Message.json (no validation)": (i) => {
    const { event, value } = POOL_B[i % POOL_SIZE];
    return Message.json(value)
      .event(event)
      .id(String(i + 1));
  },
  ...Object.fromEntries(
    Object.entries(maps).map(([vendor, events]) => [
      `defineEvents + ${vendor}`,
      (i) => {
        const { event, value } = POOL_B[i % POOL_SIZE];
        return events[event](value, { id: String(i + 1) });
      },
    ]),
  ),
};
const names = Object.keys(contenders);
const baseline = names[0];

// Same bytes from everyone, or no figures.
for (let i = 0; i < POOL_SIZE; i++) {
  const expected = contenders[baseline](i).toString();
  for (const name of names) {
    const frame = contenders[name](i).toString();
    if (frame !== expected)
      throw new Error(`${name} differs at event ${i}: ${JSON.stringify(frame)} != ${JSON.stringify(expected)}`);
  }
}

let sink = 0;
function run(name, count) {
  const make = contenders[name];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink += make(i).fields.data.length;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

for (const name of names) run(name, EVENTS / 4); // warm-up

const seconds = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    seconds[name].push(run(name, EVENTS));
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ratios = (name) => seconds[name].map((time, round) => time / seconds[baseline][round]);

console.log(
  `Building shape b's messages (~150-byte JSON, event name, id): ${ROUNDS} rounds of ${EVENTS.toLocaleString("en")} events each`,
);
console.log(
  `Node ${process.version}; zod, valibot and arktype from bench/package.json; load average ${loadavg()
    .map((load) => load.toFixed(1))
    .join(", ")}\n`,
);
console.log("| contender | events/s (median) | time × no validation (median, min–max over rounds) |");
console.log("|---|---:|---:|");
for (const name of names) {
  const perSecond = Math.round(EVENTS / median(seconds[name])).toLocaleString("en");
  const spread = ratios(name);
  const ratio = `${median(spread).toFixed(2)} (${Math.min(...spread).toFixed(2)}–${Math.max(...spread).toFixed(2)})`;
  console.log(`| ${name} | ${perSecond} | ${ratio} |`);
}
if (sink === 0) console.log("(nothing was built)");

// --- Through a DataStream with `events` ------------------------------------------------------------

const STREAM_EVENTS = quick ? 5_000 : 20_000;
const STREAM_ROUNDS = quick ? 3 : 15;

/** Reads a stream to its end and returns its byte count. */
async function drain(stream) {
  const reader = stream.toReadableStream().getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

function* plainMessages(count) {
  for (let i = 0; i < count; i++) {
    const { event, value } = POOL_B[i % POOL_SIZE];
    yield Message.json(value)
      .event(event)
      .id(String(i + 1));
  }
}

function* eventItems(count) {
  for (let i = 0; i < count; i++) {
    const { event, value } = POOL_B[i % POOL_SIZE];
    yield { event, data: value, id: String(i + 1) };
  }
}

const streams = {
  "DataStream of Message.json (no validation)": (count) => new DataStream(plainMessages(count), { keepAlive: false }),
  ...Object.fromEntries(
    ["a pass-through schema", "zod", "valibot"].map((vendor) => [
      `DataStream with events (${vendor})`,
      (count) => new DataStream(eventItems(count), { events: maps[vendor], keepAlive: false }),
    ]),
  ),
};
const streamNames = Object.keys(streams);

// Same bytes from every stream, or no figures.
const expectedBytes = await drain(streams[streamNames[0]](POOL_SIZE));
for (const name of streamNames) {
  const bytes = await drain(streams[name](POOL_SIZE));
  if (bytes !== expectedBytes) throw new Error(`${name} wrote ${bytes} bytes, not ${expectedBytes}`);
}

/** CPU seconds of this process (user + system) to read one stream: steadier than wall time when other processes load the machine. */
async function runStream(name, count) {
  const start = process.cpuUsage();
  sink += await drain(streams[name](count));
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

for (const name of streamNames) await runStream(name, STREAM_EVENTS / 4); // warm-up
const streamSeconds = Object.fromEntries(streamNames.map((name) => [name, []]));
for (let round = 0; round < STREAM_ROUNDS; round++) {
  for (let k = 0; k < streamNames.length; k++) {
    const name = streamNames[(round + k) % streamNames.length];
    streamSeconds[name].push(await runStream(name, STREAM_EVENTS));
  }
}

console.log(
  `\nWhole streams: a DataStream of shape b's events read to its end, ${STREAM_ROUNDS} rounds of ${STREAM_EVENTS.toLocaleString("en")} events each, ` +
    `timed in this process's CPU time\n`,
);
console.log("| stream | events per CPU second (median) | CPU time × no validation (median, min–max over rounds) |");
console.log("|---|---:|---:|");
const streamBaseline = streamNames[0];
for (const name of streamNames) {
  const perSecond = Math.round(STREAM_EVENTS / median(streamSeconds[name])).toLocaleString("en");
  const spread = streamSeconds[name].map((time, round) => time / streamSeconds[streamBaseline][round]);
  const ratio = `${median(spread).toFixed(2)} (${Math.min(...spread).toFixed(2)}–${Math.max(...spread).toFixed(2)})`;
  console.log(`| ${name} | ${perSecond} | ${ratio} |`);
}
