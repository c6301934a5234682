/**
 * Workload H, channels at scale: one job in a process of its own, printing one JSON line.
 *
 *   node --expose-gc h-worker.mjs '{"contender":"edge-sse (memory)","channels":10000,"perChannel":1,
 *     "publishes":200,"bursts":3,"dist":"…","redisUrl":"redis://127.0.0.1:…"}'
 *
 * `channels` channels of `perChannel` subscribers each (h-registries.mjs), each subscriber a reader
 * loop on its stream in this process, with a `Request` and an `AbortSignal` of its own as a server
 * makes one per connection. Measured, after a warm-up:
 * - memory: `heapUsed` (after full collections), `arrayBuffers` and RSS with every subscriber live
 *   and idle (its first bytes read), minus the same before the first;
 * - one channel at a time: `publishes` events, each on one channel (spread over all of them), one
 *   after another; the time from the publish call until the last subscriber of that channel has read
 *   the chunk that ends the event (p50, p99);
 * - every channel at once: `bursts` times, one event on every channel, all published together; the
 *   time from the first publish call until each subscriber has it (p50, p99, the last one);
 * - with Redis: the connections this process opened to it (`CLIENT LIST`, ids new since before the
 *   registry's client connected: the client and the live feeds' shared blocking connection), and
 *   the publisher process's.
 * Every subscriber's bytes are parsed (eventsource-parser) after every publish, off the clock, and
 * must dispatch exactly the events published to its channel with the ids given; a stray event on
 * another channel fails the check. At the end every subscriber's request aborts: every stream must
 * end, and the channels the library still holds then are counted.
 */
import { fork } from "node:child_process";
import { createClient } from "redis";
import { POOL_B, POOL_SIZE } from "./fixtures.mjs";
import { clock, REGISTRIES } from "./h-registries.mjs";
import { endsWithBlankLine, parseEvents, streamChecker } from "./verify.mjs";

const job = JSON.parse(process.argv[2]);
const { contender, channels, perChannel, publishes, bursts, dist, redisUrl } = job;
const WARM_CHANNELS = 20;
const PUBLISH_LIMIT_MS = 60_000;
const BASE = "http://127.0.0.1/events";
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `q`-quantile of `values` by nearest rank (p99 of 200 values: the 198th smallest). */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

async function settledMemory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, arrayBuffers, rss };
}

/** The publisher process of the Redis broker (h-publisher.mjs), with `ask(message, replyType)`. */
async function startPublisher() {
  const child = fork("h-publisher.mjs", [JSON.stringify({ dist, redisUrl })], {
    cwd: new URL(".", import.meta.url).pathname,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  const waiting = new Map();
  child.on("message", (message) => {
    const resolve = waiting.get(message.type);
    waiting.delete(message.type);
    resolve?.(message);
  });
  const reply = (type, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`publisher: no ${type} within ${timeoutMs / 1000} s ${stderr}`)),
        timeoutMs,
      );
      waiting.set(type, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`publisher: ${message.error}`));
        else resolve(message);
      });
    });
  await reply("ready", 20_000);
  return {
    ask(message, type) {
      const answer = reply(type, PUBLISH_LIMIT_MS);
      child.send(message);
      return answer;
    },
    /** Ends it (its IPC channel closes) and waits for it to exit (at most 5 s, then SIGKILL by PID). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The ids of the connections Redis has now. */
async function connectionIds(admin) {
  const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
  return new Set([...list.matchAll(/^id=(\d+) /gm)].map((match) => match[1]));
}
const added = (now, before) => [...now].filter((id) => !before.has(id)).length;

async function run() {
  const redis = contender.includes("Redis");
  let admin;
  let publisher;
  const connections = {};
  if (redis) {
    admin = createClient({ url: redisUrl });
    admin.on("error", () => {});
    await admin.connect();
    const start = await connectionIds(admin);
    publisher = await startPublisher();
    connections.publisher = added(await connectionIds(admin), start);
  }
  const beforeRegistry = redis ? await connectionIds(admin) : undefined;
  const registry = await REGISTRIES[contender]({ dist, redisUrl, publisher });

  /** Subscribers armed for the current publish count down `pending`; each notes when its event arrived. */
  const window = { pending: 0, resolve: () => {} };
  function follow(stream, abort, name) {
    const sub = { name, abort, reader: stream.getReader(), chunks: [], armed: false, at: 0, ended: false };
    (async () => {
      for (;;) {
        const { done, value } = await sub.reader.read();
        if (done) break;
        sub.chunks.push(value);
        if (sub.armed && endsWithBlankLine(value)) {
          sub.armed = false;
          sub.at = clock();
          if (--window.pending === 0) window.resolve();
        }
      }
    })().then(
      () => {
        sub.ended = true;
      },
      (error) => {
        sub.ended = true;
        sub.error = error;
      },
    );
    return sub;
  }
  async function open(name) {
    const abort = new AbortController();
    const request = new Request(`${BASE}?channel=${name}`, { signal: abort.signal });
    const sub = follow(await registry.open(name, request), abort, name);
    // Held as a server holds each connection's request: a Request nothing holds may be collected, and
    // with it the signal that follows `abort` (a library that keeps only a listener would never hear it).
    sub.request = request;
    return sub;
  }
  /** Opens `perChannel` subscribers on each name, 100 at a time; waits until each has its first bytes. */
  async function openAll(names) {
    const subs = [];
    const wanted = names.flatMap((name) => Array.from({ length: perChannel }, () => name));
    for (let k = 0; k < wanted.length; k += 100) subs.push(...(await Promise.all(wanted.slice(k, k + 100).map(open))));
    const deadline = performance.now() + 60_000;
    while (subs.some((s) => s.chunks.length === 0 && !s.ended)) {
      if (performance.now() > deadline) throw new Error("subscribers without their first bytes after 60 s");
      await sleep(10);
    }
    let wrong;
    for (const [k, s] of subs.entries()) {
      const last = s.chunks.at(-1);
      if (s.ended || parseEvents(s.chunks).length > 0 || !endsWithBlankLine(last))
        wrong ??= `subscriber ${k + 1}: its first bytes are not whole frames without events (or it ended)`;
      s.chunks = [];
    }
    return { subs, wrong };
  }
  /** Publishes one event on each channel of `targets` (name → its subscribers); resolves to the arrival times. */
  let next = 0;
  async function publish(targets) {
    const names = [...targets.keys()];
    const values = names.map((_, k) => POOL_B[(next + k) % POOL_SIZE].value);
    const first = next;
    next += names.length;
    const armed = [...targets.values()].flat();
    for (const s of armed) s.armed = true;
    window.pending = armed.length;
    const arrived = new Promise((resolve) => {
      window.resolve = resolve;
    });
    let limit;
    const late = new Promise((resolve) => {
      limit = setTimeout(resolve, PUBLISH_LIMIT_MS, "late");
    });
    const cpu = process.cpuUsage();
    const outcome = await Promise.race([Promise.all([registry.publish(names, values, first), arrived]), late]);
    const { user, system } = process.cpuUsage(cpu);
    clearTimeout(limit);
    if (outcome === "late") {
      throw new Error(`${armed.length - window.pending} of ${armed.length} subscribers had the event after 60 s`);
    }
    const { ids, at } = outcome[0];
    let wrong;
    names.forEach((name, k) => {
      const expected = [{ type: "message", data: JSON.stringify(values[k]), lastEventId: String(ids[k]) }];
      for (const s of targets.get(name)) {
        const result = s.checker.check(s.chunks, expected);
        s.chunks = [];
        if (!result.ok) wrong ??= `channel ${name}: ${result.detail}`;
      }
    });
    return { ms: armed.map((s) => s.at - at), cpuMs: (user + system) / 1000, wrong };
  }
  const byName = (subs) => {
    const map = new Map();
    for (const s of subs) map.set(s.name, [...(map.get(s.name) ?? []), s]);
    return map;
  };
  /** The subscribers' clients go away; waits (at most 5 s) for every stream to end. */
  async function leave(subs) {
    for (const s of subs) s.abort.abort();
    const deadline = performance.now() + 5_000;
    while (subs.some((s) => !s.ended) && performance.now() < deadline) await sleep(10);
    for (const s of subs) if (!s.ended) s.reader.cancel().catch(() => {});
  }

  // Warm-up: a few channels get a subscriber and one event each, then the subscribers leave.
  const warm = await openAll(Array.from({ length: WARM_CHANNELS }, (_, k) => `warm-${k}`));
  for (const s of warm.subs) s.checker = streamChecker();
  const warmRun = await publish(byName(warm.subs));
  await leave(warm.subs);
  let wrong = warm.wrong ?? warmRun.wrong;
  await sleep(50);

  // Memory: every subscriber live and idle, its first bytes read.
  const before = await settledMemory();
  const channelsBefore = registry.channels;
  const names = Array.from({ length: channels }, (_, k) => `ch-${k}`);
  const joinStart = performance.now();
  const opened = await openAll(names);
  const joinSeconds = (performance.now() - joinStart) / 1000;
  const subs = opened.subs;
  wrong ??= opened.wrong;
  await sleep(50);
  const after = await settledMemory();
  const subscribers = subs.length;
  const held = registry.channels - channelsBefore;
  if (held !== channels) wrong ??= `the library holds ${held} channels, not ${channels}`;
  if (redis) connections.subscriber = added(await connectionIds(admin), beforeRegistry);
  const targets = byName(subs);
  for (const s of subs) s.checker = streamChecker(); // After the memory: the check's parsers are no subscriber's cost.

  // One channel at a time, spread over all of them (a stride prime to the channel count).
  const single = [];
  const stride = [7919, 7907, 7901].find((p) => channels % p !== 0) ?? 1;
  for (let p = 0; p < publishes; p++) {
    const name = names[(p * stride) % channels];
    const r = await publish(new Map([[name, targets.get(name)]]));
    wrong ??= r.wrong;
    single.push(Math.max(...r.ms));
  }

  // Every channel at once: one event on each, published together; gc() first, off the clock.
  const burstRuns = [];
  for (let b = 0; b < bursts; b++) {
    await settledMemory();
    const r = await publish(targets);
    wrong ??= r.wrong;
    burstRuns.push({ p50: quantile(r.ms, 0.5), p99: quantile(r.ms, 0.99), last: Math.max(...r.ms), cpuMs: r.cpuMs });
  }
  // Nothing arrived that was not published to its channel.
  await sleep(100);
  for (const s of subs) {
    const result = s.checker.check(s.chunks, []);
    if (!result.ok) wrong ??= `channel ${s.name}, after the last publish: ${result.detail}`;
  }

  // Every client goes away (its request aborts): every stream must end; what the library still holds is noted.
  await leave(subs);
  const ended = subs.filter((s) => s.ended).length;
  if (ended !== subscribers) wrong ??= `${subscribers - ended} streams did not end when their requests aborted`;
  await sleep(50);
  const channelsLeft = registry.channels - channelsBefore;
  await registry.close(() => {});
  const errors = subs.filter((s) => s.error !== undefined).length + (registry.errors?.length ?? 0);
  if (errors > 0) wrong ??= `${errors} errors: ${registry.errors?.[0] ?? subs.find((s) => s.error)?.error}`;
  await publisher?.stop();
  await admin?.destroy();

  const median = (values) => quantile(values, 0.5);
  const mid = [...burstRuns].sort((x, y) => x.last - y.last)[(burstRuns.length - 1) >> 1];
  return {
    ok: wrong === undefined,
    detail:
      wrong ?? `${subscribers} subscribers × ${publishes + bursts * channels} events on ${channels} channels match`,
    channels,
    perChannel,
    subscribers,
    joinSeconds,
    heapDelta: after.heapUsed - before.heapUsed,
    arrayBuffersDelta: after.arrayBuffers - before.arrayBuffers,
    rssDelta: after.rss - before.rss,
    single: { count: publishes, p50: median(single), p99: quantile(single, 0.99), max: Math.max(...single) },
    burst: { count: bursts, ...mid },
    connections: redis ? connections : undefined,
    /** Channels the library still holds once every subscriber has left (edge-sse releases them). */
    channelsLeft,
  };
}

const timer = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, failed: true, detail: "job time limit" }));
  process.exit(3);
}, job.timeLimitMs ?? 300_000);
timer.unref();
try {
  const result = await run();
  result.runtime = process.version;
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ ok: false, failed: true, detail: `failed: ${error?.stack ?? error}` }));
  process.exit(1);
}
