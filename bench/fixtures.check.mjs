/**
 * Checks the benchmark's inputs: `node fixtures.check.mjs` (or `npm run check` in bench/).
 * The fixtures must be the same on every run, have the sizes the workloads promise, and encode
 * (eventsource-encoder) and parse (eventsource-parser) back to the events the checks expect.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encode } from "eventsource-encoder";
import {
  buildPools,
  expectedEvents,
  fixtureEvent,
  itemMakers,
  POOL_B,
  POOL_C,
  POOL_SIZE,
  SEED,
  SHAPES,
  source,
} from "./fixtures.mjs";
import { chunkedDecoder } from "./chunked.mjs";
import { summarizeH } from "./h-report.mjs";
import { REGISTRIES } from "./h-registries.mjs";
import { compareEvents, endsWithBlankLine, parseEvents, streamChecker } from "./verify.mjs";

/** The digest of the pools made from SEED; change it only when changing the fixtures on purpose. */
const POOLS_SHA256 = "5be4df8a74f6c9f88f883e1bf59d909c2aac25c2caaa032858aa79f33ffe38b1";
const encoder = new TextEncoder();

test("the pools are the same on every run (fixed seed)", () => {
  const again = buildPools(SEED);
  assert.deepEqual(again.b, POOL_B);
  assert.deepEqual(again.c, POOL_C);
  const digest = createHash("sha256").update(JSON.stringify(again)).digest("hex");
  assert.equal(digest, POOLS_SHA256);
  assert.notDeepEqual(buildPools(SEED + 1).b, POOL_B, "another seed makes other events");
});

test('shape a is data "hello world" with no event and no id', () => {
  for (const i of [0, 1, 99_999]) assert.deepEqual(fixtureEvent("a", i), { data: "hello world" });
});

test("shape b is a ~150-byte JSON object with an event name and its 1-based id", () => {
  assert.equal(POOL_B.length, POOL_SIZE);
  const sizes = POOL_B.map((entry) => JSON.stringify(entry.value).length);
  assert.ok(
    Math.min(...sizes) >= 145 && Math.max(...sizes) <= 155,
    `JSON sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`,
  );
  assert.ok(new Set(POOL_B.map((e) => JSON.stringify(e.value))).size > POOL_SIZE * 0.99, "entries differ");
  for (const i of [0, 1, POOL_SIZE, 123_456]) {
    const event = fixtureEvent("b", i);
    assert.equal(event.id, String(i + 1));
    assert.match(event.event, /^[a-z]+$/);
    assert.equal(typeof event.data, "object");
  }
});

test("shape c is a 5-line ASCII text", () => {
  assert.equal(POOL_C.length, POOL_SIZE);
  for (const text of POOL_C) {
    const lines = text.split("\n");
    assert.equal(lines.length, 5);
    assert.ok(lines.every((line) => line.length > 0));
    assert.match(text, /^[\x20-\x7e\n]+$/);
  }
});

for (const shape of SHAPES) {
  test(`shape ${shape}: encoded with eventsource-encoder, parsed back with eventsource-parser`, () => {
    const n = 3 * POOL_SIZE;
    const item = itemMakers.fields(shape);
    // One chunk per event, and the same bytes split at awkward places: both must parse the same.
    const chunks = [];
    for (let i = 0; i < n; i++) chunks.push(encoder.encode(encode(item(i))));
    const expected = expectedEvents(shape, n);
    assert.deepEqual(compareEvents(parseEvents(chunks), expected), { ok: true, detail: `${n} events match` });
    const whole = Buffer.concat(chunks);
    const split = [];
    for (let at = 0; at < whole.length; at += 7) split.push(whole.subarray(at, at + 7));
    assert.equal(compareEvents(parseEvents(split), expected).ok, true);
  });
}

test("the checker catches a wrong stream", () => {
  const expected = expectedEvents("c", 2);
  const broken = [encoder.encode(`data:${fixtureEvent("c", 0).data}\n\n`)];
  assert.equal(compareEvents(parseEvents(broken), expected).ok, false);
  const missingId = [
    encoder.encode(`event: ${fixtureEvent("b", 0).event}\ndata: ${JSON.stringify(fixtureEvent("b", 0).data)}\n\n`),
  ];
  assert.match(compareEvents(parseEvents(missingId), expectedEvents("b", 1)).detail, /lastEventId/);
});

test("fan-out (F): a subscriber's stream is checked publish by publish, and a wrong one is caught", () => {
  const expected = (i, id) => [{ type: "message", data: JSON.stringify(fixtureEvent("b", i).data), lastEventId: id }];
  const frame = (i, id) =>
    encoder.encode(`event: message\nid: ${id}\ndata: ${JSON.stringify(fixtureEvent("b", i).data)}\n\n`);
  const good = streamChecker();
  assert.equal(
    good.check([encoder.encode("retry: 2000\n\n"), encoder.encode(":\n\n")], []).ok,
    true,
    "first bytes: no events",
  );
  assert.equal(good.check([frame(0, "x-1")], expected(0, "x-1")).ok, true);
  const whole = frame(1, "x-2");
  assert.equal(
    good.check([whole.subarray(0, 9), whole.subarray(9)], expected(1, "x-2")).ok,
    true,
    "split across chunks",
  );
  // An event without an id keeps the last id, as a browser does.
  assert.equal(
    good.check([encoder.encode(`data: ${JSON.stringify(fixtureEvent("b", 2).data)}\n\n`)], expected(2, "x-2")).ok,
    true,
  );

  const missed = streamChecker();
  assert.match(missed.check([], expected(0, "1")).detail, /0 events parsed, expected 1/);
  const twice = streamChecker();
  assert.match(twice.check([frame(0, "1"), frame(0, "1")], expected(0, "1")).detail, /2 events parsed/);
  const wrongId = streamChecker();
  assert.match(wrongId.check([frame(0, "2")], expected(0, "1")).detail, /lastEventId/);
  const other = streamChecker();
  assert.match(other.check([frame(1, "1")], expected(0, "1")).detail, /data/);
  const cut = streamChecker();
  assert.match(cut.check([whole.subarray(0, whole.length - 1)], expected(1, "x-2")).detail, /0 events parsed/);

  // The clock stops at a chunk that ends an event, not inside one.
  assert.equal(endsWithBlankLine(whole), true);
  assert.equal(endsWithBlankLine(whole.subarray(0, whole.length - 1)), false);
  assert.equal(endsWithBlankLine(encoder.encode("\n")), false);
  assert.equal(endsWithBlankLine(encoder.encode("data: a\r\n\r\n")), false);
});

test("source() yields n items, waits before the first and stays open when asked", async () => {
  const items = [];
  for await (const x of source(5, (i) => i * 2)) items.push(x);
  assert.deepEqual(items, [0, 2, 4, 6, 8]);

  const start = performance.now();
  const waiting = source(1, (i) => i, { waitMs: 50 });
  await waiting.next();
  assert.ok(performance.now() - start >= 45);

  let release;
  const idle = new Promise((resolve) => {
    release = resolve;
  });
  const open = source(1, (i) => i, { idle });
  assert.deepEqual(await open.next(), { done: false, value: 0 });
  let finished = false;
  const last = open.next().then((step) => {
    finished = step.done;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(finished, false, "still open");
  release();
  await last;
  assert.equal(finished, true);
});

test("G's clients decode a chunked body split anywhere, and stop at the last chunk", () => {
  const frames = [
    ":\n\n",
    ...Array.from({ length: 3 }, (_, i) => `id: ${i + 1}\ndata: ${JSON.stringify(fixtureEvent("b", i).data)}\n\n`),
  ];
  const wire = encoder.encode(
    `${frames.map((f) => `${encoder.encode(f).length.toString(16)}\r\n${f}\r\n`).join("")}0\r\n\r\n`,
  );
  for (const step of [1, 2, 7, 64, wire.length]) {
    const pieces = [];
    let ends = 0;
    const feed = chunkedDecoder(
      (bytes) => pieces.push(Buffer.from(bytes)),
      () => ends++,
    );
    for (let at = 0; at < wire.length; at += step) feed(wire.subarray(at, at + step));
    assert.equal(Buffer.concat(pieces).toString(), frames.join(""), `pieces of ${step} bytes`);
    assert.equal(ends, 1);
  }
  const events = parseEvents([encoder.encode(frames.join(""))]);
  assert.deepEqual(
    events.map((e) => e.lastEventId),
    ["1", "2", "3"],
  );
  assert.throws(() => chunkedDecoder(() => {})(encoder.encode("zz\r\n")), /bad chunk size/);
});

test("channels at scale (H): a publish reaches its channel's subscribers only, and a stray event is caught", async () => {
  const registry = await REGISTRIES["floor: a Set of streams per name"]({});
  const open = async (name) => {
    const abort = new AbortController();
    const reader = (await registry.open(name, new Request("http://127.0.0.1/", { signal: abort.signal }))).getReader();
    const first = (await reader.read()).value;
    assert.equal(parseEvents([first]).length, 0, "the first bytes dispatch nothing");
    return { reader, abort, checker: streamChecker() };
  };
  const a = [await open("a"), await open("a")];
  const b = await open("b");
  const value = POOL_B[0].value;
  const { ids } = await registry.publish(["a"], [value], 0);
  const expected = [{ type: "message", data: JSON.stringify(value), lastEventId: ids[0] }];
  for (const s of a)
    assert.deepEqual(s.checker.check([(await s.reader.read()).value], expected), {
      ok: true,
      detail: "1 events match",
    });
  // The other channel's subscriber reads only its own channel's next event.
  const other = POOL_B[1].value;
  const second = await registry.publish(["b"], [other], 1);
  const mine = [{ type: "message", data: JSON.stringify(other), lastEventId: second.ids[0] }];
  assert.deepEqual(b.checker.check([(await b.reader.read()).value], mine), { ok: true, detail: "1 events match" });
  // And a stray event of another channel fails the check.
  const stray = streamChecker().check([encoder.encode(`id: ${ids[0]}\ndata: ${JSON.stringify(value)}\n\n`)], mine);
  assert.match(stray.detail, /data/);
  for (const s of [...a, b]) s.abort.abort();
  assert.equal((await b.reader.read()).done, true, "a stream ends when its request aborts");
});

test("channels at scale (H): a channel alone and a subscriber alone are recovered from the two layouts", () => {
  // Memory made of 3,000 B per channel and 10,000 B per subscriber, the same subscribers in both layouts.
  const run = (channels, perChannel, round) => ({
    ok: true,
    round,
    channels,
    perChannel,
    subscribers: channels * perChannel,
    heapDelta: channels * 3_000 + channels * perChannel * 10_000,
    rssDelta: channels * 6_000 + channels * perChannel * 20_000,
    single: { p50: 1, p99: 2 },
    burst: { p50: 10, p99: 20, last: 21, cpuMs: 5 },
  });
  const summary = summarizeH({
    "1000x1": { x: [run(1_000, 1, 0), run(1_000, 1, 1)] },
    "10x100": { x: [run(10, 100, 0), run(10, 100, 1)] },
  });
  assert.equal(summary.many, "1000x1");
  const [x] = summary.split;
  assert.equal(Math.round(x.heapChannel), 3_000);
  assert.equal(Math.round(x.heapSubscriber), 10_000);
  assert.equal(Math.round(x.rssChannel), 6_000);
  assert.equal(Math.round(x.rssSubscriber), 20_000);
  const layout = summary.layouts.find((l) => l.key === "10x100").rows[0];
  assert.equal(layout.heapPerChannel, 3_000 + 100 * 10_000);
  assert.equal(layout.state, "ok");
});
