/**
 * What every framework example must get right, as cases over real HTTP on 127.0.0.1 against a `StreamProbe`
 * route the test adds to the framework's app: frames exactly as sent, first bytes before the first item, the
 * response headers, Last-Event-ID into `ctx.lastEventId` (by hand and by the `eventsource` client's
 * reconnection), and a client that hangs up mid-stream. Portable: vitest (Node) and bun test run it.
 */
import assert from "node:assert/strict";
import { EventSource } from "eventsource";
import { parseWire } from "../helpers/event-reader.ts";
import { PROBE_FRAMES, type StreamProbe } from "./stream-probe.ts";
import { RawGet, headerPairs, until, within } from "./raw-get.ts";

/** A framework's app, listening on 127.0.0.1, with the probe's route at `probePath`. */
export interface FrameworkTarget {
  readonly base: string;
  readonly probePath: string;
  readonly probe: StreamProbe;
  /** Whether the server still holds a connection from the client's local `port`. */
  holdsConnectionFrom(port: number): boolean;
}

export interface FrameworkCase {
  readonly name: string;
  run(target: FrameworkTarget): Promise<void>;
}

let keys = 0;
/** A fresh probe key, so that no two requests of a run share records. */
function newKey(what: string): string {
  return `${what}-${++keys}`;
}

function probeUrl(target: FrameworkTarget, query: string): string {
  return `${target.base}${target.probePath}?${query}`;
}

export const frameworkCases: readonly FrameworkCase[] = [
  {
    name: "sends the probe's events exactly as sent (checked with eventsource-parser)",
    async run(target) {
      const key = newKey("frames");
      const response = await fetch(probeUrl(target, `key=${key}&mode=frames`));
      assert.equal(response.status, 200);
      const parsed = parseWire(await response.text());
      assert.deepEqual(
        parsed.events,
        PROBE_FRAMES.map((message) => ({
          id: message.fields.id,
          event: message.fields.event,
          data: message.fields.data,
        })),
      );
      assert.deepEqual(parsed.comments, [""]);
      const [connection] = target.probe.connections(key);
      assert.equal(await within(connection!.closed, "onClose"), "done");
    },
  },
  {
    name: "sends the first bytes before the producer's first item (no buffering)",
    async run(target) {
      const key = newKey("gated");
      const abort = new AbortController();
      const response = await within(
        fetch(probeUrl(target, `key=${key}&mode=gated`), { signal: abort.signal }),
        "the headers",
      );
      const reader = response.body!.getReader();
      try {
        // The producer is held at its gate: what arrives now is the stream's opening comment alone.
        const first = await within(reader.read(), "the first bytes while the producer waits");
        assert.equal(new TextDecoder().decode(first.value), ":\n\n");
        target.probe.open(key);
        let text = "";
        while (parseWire(text).events.length === 0) {
          const { done, value } = await within(reader.read(), "the first event after the gate opened");
          if (done) throw new Error(`The stream ended before its first event; got ${JSON.stringify(text)}`);
          text += new TextDecoder().decode(value);
        }
        assert.deepEqual(parseWire(text).events, [{ id: "1", event: undefined, data: "after the gate" }]);
      } finally {
        abort.abort();
      }
      assert.equal(await within(target.probe.connections(key)[0]!.closed, "onClose after the abort"), "client-gone");
    },
  },
  {
    name: "sends the event-stream headers uncompressed, with no length and no hop-by-hop header of its own",
    async run(target) {
      const key = newKey("headers");
      const get = await RawGet.open(probeUrl(target, `key=${key}`), { "Accept-Encoding": "gzip, deflate, br, zstd" });
      try {
        await get.waitFor(() => get.head() !== undefined, "the response headers");
        const head = get.head()!;
        assert.match(head[0]!, /^HTTP\/1\.1 200 /);
        const pairs = headerPairs(head);
        const values = (name: string): string[] => pairs.filter(([n]) => n === name).map(([, value]) => value);
        assert.deepEqual(values("content-type"), ["text/event-stream; charset=utf-8"]);
        assert.deepEqual(values("cache-control"), ["no-cache, no-transform"]);
        assert.deepEqual(values("x-accel-buffering"), ["no"]);
        assert.deepEqual(values("content-encoding"), [], "the stream must not be compressed");
        assert.deepEqual(values("content-length"), [], "a stream has no length");
        // HTTP/1.1 framing is the server's: one chunked transfer coding, and at most a keep-alive connection.
        assert.deepEqual(values("transfer-encoding"), ["chunked"]);
        for (const value of values("connection")) assert.match(value, /^keep-alive$/i);
        for (const name of ["upgrade", "proxy-connection", "te", "trailer"]) assert.deepEqual(values(name), [], name);
        await get.waitFor(() => parseWire(get.body()).events.length >= 2, "two events, uncompressed");
      } finally {
        get.socket.destroy();
      }
    },
  },
  {
    name: "passes the Last-Event-ID header to ctx.lastEventId",
    async run(target) {
      const key = newKey("last-event-id");
      const abort = new AbortController();
      const response = await fetch(probeUrl(target, `key=${key}`), {
        headers: { "last-event-id": "41" },
        signal: abort.signal,
      });
      const reader = response.body!.getReader();
      let text = "";
      try {
        while (parseWire(text).events.length < 2) {
          const { done, value } = await within(reader.read(), "two events");
          if (done) break;
          text += new TextDecoder().decode(value, { stream: true });
        }
      } finally {
        abort.abort();
      }
      assert.deepEqual(
        parseWire(text)
          .events.slice(0, 2)
          .map((event) => event.id),
        ["42", "43"],
      );
      assert.equal(target.probe.connections(key)[0]?.lastEventId, "41");
    },
  },
  {
    name: "lets the eventsource client reconnect with the Last-Event-ID it saw",
    async run(target) {
      const key = newKey("reconnect");
      const source = new EventSource(probeUrl(target, `key=${key}&end=2`));
      const seen: string[] = [];
      source.onmessage = (event: MessageEvent<string>) => seen.push(`${event.lastEventId}:${event.data}`);
      try {
        await until(() => seen.length >= 3, "three events over two connections");
      } finally {
        source.close();
      }
      assert.deepEqual(seen.slice(0, 3), ["1:tick 1", "2:tick 2", "3:tick 3"]);
      const connections = target.probe.connections(key);
      assert.deepEqual(
        connections.slice(0, 2).map((connection) => connection.lastEventId),
        [undefined, "2"],
      );
      assert.equal(await within(connections[0]!.closed, "the first stream's onClose"), "done");
    },
  },
  {
    name: "ends the stream when the client hangs up mid-stream: finally runs, onClose says client-gone, no socket stays",
    async run(target) {
      const key = newKey("hang-up");
      const get = await RawGet.open(probeUrl(target, `key=${key}`));
      const clientPort = get.socket.localPort!;
      await get.waitFor(() => parseWire(get.body()).events.length >= 3, "three events");
      await within(target.probe.arrived(key), "the producer");
      assert.equal(target.holdsConnectionFrom(clientPort), true, "the server holds the open stream's connection");
      get.socket.destroy();
      const [connection] = target.probe.connections(key);
      assert.equal(await within(connection!.closed, "onClose after the hang-up"), "client-gone");
      assert.equal(connection!.finallyRan, true);
      assert.equal(connection!.signalAbortedInFinally, true);
      await until(() => !target.holdsConnectionFrom(clientPort), "the server to let go of the connection");
    },
  },
];
