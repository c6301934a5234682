/**
 * Workload G's client process (Node, driven by g-run.mjs over IPC): holds its share of the
 * connections as raw TCP sockets (net.connect from its own loopback address, `GET /events`), decodes
 * each response (status line, headers, chunked or plain body) and parses the body with
 * eventsource-parser, socket by socket. Messages from the driver:
 *   { type: "connect", port, count, localAddress, concurrency }  → { type: "connected", open, failed, detail }
 *   { type: "expect", data }   the next event's data: each socket records when it arrives
 *                              → { type: "armed" } at once, then { type: "arrived", times, missing }
 *                              once every socket has it (or after 60 s)
 *   { type: "check", events, lastData } → { type: "checked", bad, detail }
 *   { type: "close" }          destroys every socket and exits
 * Arrival times are on the clock `performance.timeOrigin + performance.now()`, taken when the chunk
 * that completes the event is read (before it is parsed).
 */
import { connect } from "node:net";
import { createParser } from "eventsource-parser";
import { chunkedDecoder } from "./chunked.mjs";

const now = () => performance.timeOrigin + performance.now();
const send = (message) => process.send(message);
const sockets = [];
let expecting;

/** One connection: HTTP response decoding, then the SSE parser; `events`, `lastData`, `arrival`. */
function openOne(port, localAddress) {
  return new Promise((resolve) => {
    const state = { events: 0, lastData: undefined, arrival: undefined, open: false, ended: false, error: undefined };
    let head = Buffer.alloc(0);
    let inBody = false;
    let chunkTime = 0;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent(event) {
        state.events++;
        state.lastData = event.data;
        if (expecting !== undefined && event.data === expecting.data && state.arrival === undefined) {
          state.arrival = chunkTime;
          if (--expecting.pending === 0) expecting.done();
        }
      },
    });
    const feed = (bytes) => {
      if (bytes.length === 0) return;
      parser.feed(decoder.decode(bytes, { stream: true }));
      if (!state.open) {
        state.open = true;
        resolve(state);
      }
    };
    let body = feed;
    const socket = connect({ port, host: "127.0.0.1", localAddress });
    socket.setNoDelay(true);
    socket.on("connect", () =>
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`),
    );
    socket.on("data", (data) => {
      chunkTime = now();
      if (inBody) return body(data);
      head = Buffer.concat([head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      const text = head.toString("latin1", 0, end);
      if (!/^HTTP\/1\.[01] 200/.test(text)) {
        state.error = `status line ${JSON.stringify(text.split("\r\n")[0])}`;
        socket.destroy();
        return resolve(state);
      }
      if (/\r\ntransfer-encoding:\s*chunked/i.test(text))
        body = chunkedDecoder(feed, () => {
          state.ended = true;
        });
      inBody = true;
      const rest = head.subarray(end + 4);
      head = undefined;
      body(rest);
    });
    socket.on("error", (error) => {
      state.error ??= error.code ?? error.message;
      resolve(state);
    });
    socket.on("close", () => {
      state.ended = true;
      resolve(state);
    });
    state.socket = socket;
    sockets.push(state);
  });
}

async function connectAll({ port, count, localAddress, concurrency }) {
  let next = 0;
  let failed = 0;
  let detail;
  const lane = async () => {
    while (next < count) {
      next++;
      const state = await openOne(port, localAddress);
      if (!state.open) {
        failed++;
        detail ??= state.error ?? "closed before its first bytes";
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { open: sockets.filter((s) => s.open && !s.ended).length, failed, detail };
}

function expect({ data, timeoutMs = 60_000 }) {
  const live = sockets.filter((s) => s.open && !s.ended);
  for (const s of live) s.arrival = undefined;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      expecting = undefined;
      resolve({
        times: live.map((s) => s.arrival ?? null),
        missing: live.filter((s) => s.arrival === undefined).length,
      });
    };
    const timer = setTimeout(finish, timeoutMs);
    expecting = { data, pending: live.length, done: finish };
    send({ type: "armed" });
    if (live.length === 0) finish();
  });
}

function check({ events, lastData }) {
  let bad = 0;
  let detail;
  sockets.forEach((s, i) => {
    const why =
      s.error ??
      (s.ended
        ? "ended"
        : s.events !== events
          ? `${s.events} events, expected ${events}`
          : s.lastData !== lastData
            ? `last data ${JSON.stringify(s.lastData).slice(0, 80)}`
            : undefined);
    if (why !== undefined) {
      bad++;
      detail ??= `socket ${i + 1}: ${why}`;
    }
  });
  return { bad, detail };
}

process.on("message", async (message) => {
  if (message.type === "connect") send({ type: "connected", ...(await connectAll(message)) });
  else if (message.type === "expect") send({ type: "arrived", ...(await expect(message)) });
  else if (message.type === "check") send({ type: "checked", ...check(message) });
  else if (message.type === "close") {
    for (const s of sockets) s.socket.destroy();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
setTimeout(() => process.exit(3), 600_000).unref();
