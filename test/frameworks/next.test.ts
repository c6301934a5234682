// The Next.js example (examples/next) started the way `npm run example:next` starts it (next build, then
// next start on a free port on 127.0.0.1), checked over real HTTP: the page, the event stream's frames and
// headers, Last-Event-ID, a client that hangs up (read from the server's log, which the example writes), and
// the chat room through the eventsource client. Needs the example's install (scripts/install-examples.sh);
// run by scripts/runtimes/frameworks.sh:   node --import tsx --test test/frameworks/next.test.ts
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { EventSource } from "eventsource";
import { parseWire } from "../helpers/event-reader.ts";
import { RawGet, headerPairs, until, within } from "../examples/raw-get.ts";
import { serverHoldsConnection } from "../examples/tcp-state.ts";

/** How long `next build` and `next start` may take on a loaded 2-core machine. */
const START_MS = 600_000;

let server: ChildProcess;
let port = 0;
let base = "";
let log = "";

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The lines the server logged after the one that contains `marker`. */
function linesAfter(marker: string): string[] {
  const lines = log.split("\n");
  const at = lines.findIndex((line) => line.includes(marker));
  return at < 0 ? [] : lines.slice(at + 1);
}

before(
  async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Its own process group, so that the build's and the server's processes stop with it.
    server = spawn("bash", ["scripts/run-example.sh", "next"], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    server.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    let exited = false;
    server.once("exit", () => (exited = true));
    const deadline = Date.now() + START_MS;
    for (;;) {
      if (exited) throw new Error(`npm run example:next stopped before it served:\n${log}`);
      if (
        await fetch(`${base}/`).then(
          (response) => response.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`npm run example:next did not serve within ${START_MS} ms:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  },
  { timeout: START_MS + 10_000 },
);

after(async () => {
  if (server.exitCode === null && server.pid !== undefined) {
    process.kill(-server.pid, "SIGTERM");
    await within(new Promise((resolve) => server.once("exit", resolve)), "next start to stop", 10_000).catch(() => {
      process.kill(-server.pid!, "SIGKILL");
    });
  }
});

test("The Next.js example serves the demo page from a route handler", async () => {
  const response = await fetch(`${base}/`);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(await response.text(), /new EventSource\("\/events"\)/);
});

test("The Next.js example's /events sends uncompressed event-stream frames with no length, resuming after Last-Event-ID", async () => {
  const get = await RawGet.open(`${base}/events`, {
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Last-Event-ID": "41",
  });
  try {
    await get.waitFor(() => parseWire(get.body()).events.length >= 2, "two events");
    const pairs = headerPairs(get.head()!);
    const values = (name: string): string[] => pairs.filter(([n]) => n === name).map(([, value]) => value);
    assert.match(get.head()![0]!, /^HTTP\/1\.1 200 /);
    assert.deepEqual(values("content-type"), ["text/event-stream; charset=utf-8"]);
    assert.deepEqual(values("cache-control"), ["no-cache, no-transform"]);
    assert.deepEqual(values("x-accel-buffering"), ["no"]);
    // next start compresses responses by default; it leaves a `no-transform` response alone.
    assert.deepEqual(values("content-encoding"), []);
    assert.deepEqual(values("content-length"), []);
    assert.deepEqual(values("transfer-encoding"), ["chunked"]);
    for (const value of values("connection")) assert.match(value, /^keep-alive$/i);
    const parsed = parseWire(get.body());
    assert.deepEqual(parsed.retries, [2000]);
    assert.deepEqual(parsed.events[0], { id: "42", event: undefined, data: "42" });
    assert.equal(parsed.events[1]?.event, "price");
  } finally {
    get.socket.destroy();
  }
  await until(
    () => linesAfter("(Last-Event-ID: 41)").some((line) => line.includes("the stream closed")),
    "the stream to close",
  );
});

test("The Next.js example's stream ends when the client hangs up: the producer stops, onClose says client-gone, request.signal aborted", async () => {
  const get = await RawGet.open(`${base}/events`, { "Last-Event-ID": "7000" });
  const clientPort = get.socket.localPort!;
  await get.waitFor(() => parseWire(get.body()).events.length >= 2, "two events");
  assert.equal(serverHoldsConnection(port, clientPort), true, "the server holds the open stream's connection");
  get.socket.destroy();
  await until(
    () => linesAfter("(Last-Event-ID: 7000)").some((line) => line.includes("the stream closed")),
    "the stream to close",
  );
  const lines = linesAfter("(Last-Event-ID: 7000)").filter((line) => line.startsWith("GET /events:"));
  assert.deepEqual(lines.slice(0, 2), [
    "GET /events: the producer stopped",
    "GET /events: the stream closed (client-gone; request.signal aborted: true)",
  ]);
  await until(() => !serverHoldsConnection(port, clientPort), "the server to let go of the connection");
});

test("The Next.js example's chat room delivers a posted message to the eventsource client", async () => {
  const source = new EventSource(`${base}/chat/events`);
  const chats: string[] = [];
  source.addEventListener("chat", (event: MessageEvent<string>) => chats.push(event.data));
  const opened = new Promise<void>((resolve) => source.addEventListener("open", () => resolve(), { once: true }));
  try {
    await within(opened, "the EventSource to open");
    const posted = await fetch(`${base}/chat/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ada", text: "hello from Next.js" }),
    });
    assert.equal(posted.status, 201);
    await until(() => chats.length > 0, "the chat event");
  } finally {
    source.close();
  }
  assert.deepEqual(JSON.parse(chats[0]!), { name: "ada", text: "hello from Next.js", at: JSON.parse(chats[0]!).at });
  assert.equal((await fetch(`${base}/chat`)).headers.get("content-type"), "text/html; charset=utf-8");
});
