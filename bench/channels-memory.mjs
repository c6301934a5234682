/**
 * Memory per idle channel: 10,000 channels of a `Channels` registry (a MemoryBroker each), one
 * subscriber each, every stream started and then left idle (no keep-alive, no event). Prints the
 * heap and the heap per channel (channel, broker, subscriber and its stream), after full collections,
 * for the median of the rounds. Run from the repository root after `npm run build`:
 *
 *   node --expose-gc bench/channels-memory.mjs [channels] [rounds]
 */
const { Channels } = await import(new URL("../dist/channel.js", import.meta.url).href);

const channels = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function round() {
  const registry = new Channels({ keepAlive: false });
  const before = await settledHeap();
  const readers = [];
  for (let n = 0; n < channels; n++) {
    const reader = (await registry.stream(`user-${n}`)).toReadableStream().getReader();
    await reader.read(); // The first bytes: the subscriber has joined.
    readers.push(reader);
  }
  if (registry.size !== channels) throw new Error(`${registry.size} channels in use, not ${channels}`);
  const perChannel = ((await settledHeap()) - before) / channels;
  for (const reader of readers) await reader.cancel();
  if (registry.size !== 0) throw new Error(`${registry.size} channels left after every subscriber left`);
  await registry.close();
  return perChannel;
}

const results = [];
for (let n = 0; n < rounds; n++) results.push(await round());
results.sort((a, b) => a - b);
const median = results[Math.floor(results.length / 2)];
console.log(
  `${channels} channels x 1 idle subscriber (MemoryBroker each), Node ${process.version}: ` +
    `${(median / 1024).toFixed(2)} KiB per channel (median of ${rounds}; rounds: ${results.map((r) => (r / 1024).toFixed(2)).join(", ")} KiB)`,
);
