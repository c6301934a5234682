// When the shared blocking read is woken for a key added while it blocks: a CLIENT ID that failed with its
// connection (closed by the last unsubscribe, or lost) must not stop the wake-ups for good; one that Redis
// refuses does. On fake connections, so that each reply comes exactly when the test gives it.
import { afterEach, expect, test } from "vitest";
import type { RedisConnection } from "../../src/redis/connection.ts";
import { StreamReader, type Follower } from "../../src/redis/stream-reader.ts";
import { waitFor } from "./wait.ts";

/** A command sent and not answered yet. */
interface Pending {
  readonly args: readonly string[];
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/** A connection whose commands wait until the test answers them; closing it fails those left. */
class FakeConnection implements RedisConnection {
  readonly sent: string[] = [];
  readonly pending: Pending[] = [];

  send(args: readonly string[]): Promise<unknown> {
    this.sent.push(args.join(" "));
    return new Promise((resolve, reject) => this.pending.push({ args, resolve, reject }));
  }

  connecting(): boolean {
    return false;
  }

  duplicate(): Promise<RedisConnection> {
    return Promise.reject(new Error("not used"));
  }

  async close(): Promise<void> {
    this.fail(new Error("Disconnects client"));
  }

  /** Answers the oldest pending command named `name` (`"CLIENT"`, `"XREAD"`), once it has been sent. */
  async answer(name: string, reply: unknown): Promise<void> {
    const command = await this.#take(name);
    command.resolve(reply);
  }

  /** Fails the oldest pending command named `name`, once it has been sent. */
  async refuse(name: string, error: Error): Promise<void> {
    const command = await this.#take(name);
    command.reject(error);
  }

  /** Fails every pending command, as a lost connection does. */
  fail(error: Error): void {
    for (const command of this.pending.splice(0)) command.reject(error);
  }

  async #take(name: string): Promise<Pending> {
    await waitFor(() => this.pending.some((command) => command.args[0] === name), `a pending ${name}`);
    const index = this.pending.findIndex((command) => command.args[0] === name);
    return this.pending.splice(index, 1)[0]!;
  }
}

const errors: unknown[] = [];
const readers: StreamReader[] = [];

afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.release();
});

/** A reader on fake blocking connections (a new one each time it opens), and the broker's own connection. */
function fakeReader(): { reader: StreamReader; opened: FakeConnection[]; waker: FakeConnection } {
  const opened: FakeConnection[] = [];
  const reader = new StreamReader(async () => {
    const connection = new FakeConnection();
    opened.push(connection);
    return connection;
  }, true);
  return { reader, opened, waker: new FakeConnection() };
}

/** Starts a feed of `key` on `reader` (its use is given back at the test's end). */
async function follow(reader: StreamReader, waker: FakeConnection, key: string): Promise<Follower> {
  await reader.acquire((error) => errors.push(error));
  readers.push(reader);
  const follower: Follower = {
    key,
    lastId: "0-0",
    listener: () => {},
    report: (error) => errors.push(error),
    waker,
  };
  reader.follow(follower);
  return follower;
}

test("a CLIENT ID that failed because the last feed closed the connection leaves the next reads wakeable", async () => {
  const { reader, opened, waker } = fakeReader();
  const first = await follow(reader, waker, "a");
  await waitFor(() => opened[0]?.sent.length === 2, "CLIENT ID and XREAD sent");
  // The last feed stops before Redis answered CLIENT ID: closing the connection fails it.
  reader.unfollow(first);
  readers.splice(0);
  await reader.release();
  expect(opened[0]!.sent).toEqual(["CLIENT ID", "XREAD COUNT 100 BLOCK 5000 STREAMS a 0-0"]);

  await follow(reader, waker, "b");
  await opened[1]!.answer("CLIENT", 7);
  await follow(reader, waker, "c"); // Added while the read of "b" blocks: it is woken.
  await waitFor(() => waker.sent.includes("CLIENT UNBLOCK 7 TIMEOUT"), "the wake-up of the blocked read");
  await opened[1]!.answer("XREAD", null);
  await waitFor(() => opened[1]!.sent.length === 4, "the next read");
  expect(opened[1]!.sent.slice(2)).toEqual(["CLIENT ID", "XREAD COUNT 100 BLOCK 5000 STREAMS b c 0-0 0-0"]);
  expect(errors).toEqual([]);
});

test("a CLIENT ID that failed with its connection in an outage leaves the reads after it wakeable", async () => {
  const { reader, opened, waker } = fakeReader();
  await follow(reader, waker, "a");
  await waitFor(() => opened[0]?.sent.length === 2, "CLIENT ID and XREAD sent");
  opened[0]!.fail(new Error("Socket closed unexpectedly"));
  await waitFor(() => errors.length === 1, "the failed read reported");
  expect(String(errors.splice(0))).toMatch(/Cannot read the Redis stream "a": the read failed; resuming after 0-0/);

  await opened[0]!.answer("CLIENT", 8); // Asked again once the feed has backed off.
  await follow(reader, waker, "b");
  await waitFor(() => waker.sent.includes("CLIENT UNBLOCK 8 TIMEOUT"), "the wake-up of the blocked read");
  expect(errors).toEqual([]);
});

test("a CLIENT ID that Redis refuses while the read works is not asked again, and reads are not woken", async () => {
  const { reader, opened, waker } = fakeReader();
  await follow(reader, waker, "a");
  await opened[0]!.refuse("CLIENT", new Error("NOPERM User has no permissions to run the 'client|id' command"));
  await opened[0]!.answer("XREAD", null); // The read ends by its BLOCK timeout.
  await waitFor(() => opened[0]!.sent.length === 3, "the next read");
  await follow(reader, waker, "b");
  await opened[0]!.answer("XREAD", null);
  await waitFor(() => opened[0]!.sent.length === 4, "the read after it");
  expect(opened[0]!.sent).toEqual([
    "CLIENT ID",
    "XREAD COUNT 100 BLOCK 5000 STREAMS a 0-0",
    "XREAD COUNT 100 BLOCK 5000 STREAMS a 0-0",
    "XREAD COUNT 100 BLOCK 5000 STREAMS a b 0-0 0-0",
  ]);
  expect(waker.sent).toEqual([]);
  expect(errors).toEqual([]);
});
