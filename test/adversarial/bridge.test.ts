/**
 * Everything tried against the Node bridge (`toNodeListener` from edge-sse/node), in one place: real
 * node:http and node:http2 (h2c) servers on 127.0.0.1, real clients (Node's own, and raw TCP sockets
 * for request targets Node's client will not send), and a watch on this process for unhandled
 * rejections and uncaught exceptions, each of which would end a Node process with default settings.
 * The last tests serve the same failures from child processes that run with default settings, on
 * this Node and, when scripts/install-runtimes.sh was sourced, on Node 18 and 22 too.
 *
 * 1. Failures before the headers (500) and after them (a cut-off response): bridge-cases.ts.
 * 2. `onError` that throws or rejects; `writeHead` that throws after setting some headers; headers
 *    already sent by code before the bridge.
 * 3. Connection-specific headers in a handler's Response (dropped over HTTP/2, with a report).
 * 4. HEAD; a client that leaves while the handler is still working.
 * 5. Request targets and authorities: origin-form starting with `//`, absolute-form, asterisk-form,
 *    authority-form, missing, repeated and malformed Host / :authority; methods fetch refuses.
 * 6. Connection-specific request headers are not passed to the handler.
 */
import { execFileSync, spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { DataStream, type StreamClosedError } from "edge-sse";
import { toNodeListener, type FetchHandler, type NodeListener } from "edge-sse/node";
import { requestUrl, type RequestHead } from "../../src/node/request-url.ts";
import {
  exchange,
  PROTOCOLS,
  serveOver,
  type BridgeServer,
  type Exchange,
  type Protocol,
} from "../helpers/bridge-exchange.ts";
import { deferred } from "../helpers/deferred.ts";
import { ProcessFaults } from "../helpers/process-faults.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { until } from "../helpers/serve-node.ts";
import { kill } from "../runtimes/redis-server.ts";
import { FAILURE_CASES, LEAK_HEADER, type FailureCase } from "./bridge-cases.ts";

const faults = new ProcessFaults();
beforeAll(() => faults.install());
afterAll(() => faults.uninstall());

/** Fails when this process saw an unhandled rejection or an uncaught exception. */
async function expectNoProcessFault(): Promise<void> {
  expect(await faults.take()).toEqual([]);
}

/** Serves `handler` over `protocol` with an `onError` that records, runs `body`, then closes. */
async function withServer(
  protocol: Protocol,
  handler: FetchHandler | { listener: NodeListener },
  body: (server: BridgeServer) => Promise<void>,
): Promise<void> {
  const server = await serveOver(protocol, handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** A listener whose reports land in `reports`. */
function recording(handler: FetchHandler): { listener: NodeListener; reports: unknown[] } {
  const reports: unknown[] = [];
  return { listener: toNodeListener(handler, { onError: (error) => void reports.push(error) }), reports };
}

function expectReport(reports: unknown[], expected: Error | RegExp): void {
  expect(reports).toHaveLength(1);
  if (expected instanceof RegExp) {
    expect(reports[0]).toBeInstanceOf(TypeError);
    expect((reports[0] as Error).message).toMatch(expected);
  } else {
    expect(reports[0]).toBe(expected);
  }
}

function expectAnswer(got: Exchange, failure: Pick<FailureCase, "answer">): void {
  if (failure.answer === 500) {
    expect(got).toMatchObject({ status: 500, body: "", outcome: "complete" });
    expect(got.headers["content-length"]).toBe("0");
    expect(got.headers).not.toHaveProperty(LEAK_HEADER);
  } else {
    expect(got.outcome).toBe("cut");
  }
}

// --- 0. Construction ----------------------------------------------------------------------------

test("toNodeListener throws a TypeError naming `handler` when it is not a function", () => {
  for (const [handler, got] of [
    [null, "null"],
    [undefined, "undefined"],
    ["handler", '"handler"'],
    [{}, "an object"],
  ] as const) {
    expect(() => toNodeListener(handler as unknown as FetchHandler)).toThrow(
      new TypeError(`Cannot make a Node listener: \`handler\` must be a function (got ${got})`),
    );
  }
});

test("toNodeListener throws a TypeError when onError is not a function or an option is unknown", () => {
  const handler = (): Response => new Response();
  expect(() => toNodeListener(handler, { onError: "log" as unknown as () => void })).toThrow(
    new TypeError('Cannot make a Node listener: `onError` must be a function (got "log")'),
  );
  expect(() => toNodeListener(handler, { onerror: () => {} } as never)).toThrow(
    new TypeError("Cannot make a Node listener: unknown option `onerror` (did you mean `onError`?)"),
  );
  expect(() => toNodeListener(handler, null as never)).toThrow(
    new TypeError("Cannot make a Node listener: `options` must be an object (got null)"),
  );
});

// --- 1. Failures before and after the headers ---------------------------------------------------

for (const protocol of PROTOCOLS) {
  for (const failure of FAILURE_CASES) {
    const answer = failure.answer === 500 ? "answers 500" : "cuts the response off";
    test(`Node bridge over ${protocol} ${answer} and reports once when ${failure.name}`, async () => {
      const { listener, reports } = recording(failure.handler);
      await withServer(protocol, { listener }, async (server) => {
        expectAnswer(await exchange(server, { path: "/fails" }), failure);
        await until(() => reports.length > 0, "onError");
        // The server still answers on the same footing afterwards.
        expectAnswer(await exchange(server, { path: "/fails-again" }), failure);
      });
      expect(reports).toHaveLength(2);
      expectReport(reports.slice(1), failure.reported);
      await expectNoProcessFault();
    });
  }
}

// --- 2. onError, writeHead and headers sent before the bridge -----------------------------------

for (const protocol of PROTOCOLS) {
  test(`Node bridge over ${protocol} still answers 500 and logs both errors when onError throws`, async () => {
    const failure = new Error("handler failed");
    const onErrorFailure = new Error("onError failed too");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const listener = toNodeListener(() => Promise.reject(failure), {
        onError: () => {
          throw onErrorFailure;
        },
      });
      await withServer(protocol, { listener }, async (server) => {
        expectAnswer(await exchange(server), { answer: 500 });
      });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0]).toContain(failure);
      expect(logged.mock.calls[0]).toContain(onErrorFailure);
    } finally {
      logged.mockRestore();
    }
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} still answers 500 and logs both errors when an async onError rejects`, async () => {
    const failure = new Error("handler failed");
    const onErrorFailure = new Error("async onError failed");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const listener = toNodeListener(() => Promise.reject(failure), { onError: () => Promise.reject(onErrorFailure) });
      await withServer(protocol, { listener }, async (server) => {
        expectAnswer(await exchange(server), { answer: 500 });
      });
      await until(() => logged.mock.calls.length > 0, "the rejection of onError to be logged");
      expect(logged.mock.calls[0]).toContain(failure);
      expect(logged.mock.calls[0]).toContain(onErrorFailure);
    } finally {
      logged.mockRestore();
    }
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} answers 500 without the headers set when writeHead throws after setting some`, async () => {
    // Node's HTTP/2 writeHead sets each header on the response before it refuses one (as it does for
    // connection-specific ones): the 500 must not go out with them, nor throw on them again.
    const refusal = new TypeError("writeHead refused a header");
    const { listener: bridge, reports } = recording(() => new Response("never sent", { headers: { "x-fine": "yes" } }));
    const listener: NodeListener = (req, res) => {
      const patched = res as unknown as {
        writeHead: (...args: unknown[]) => unknown;
        setHeader(name: string, value: string): unknown;
      };
      const writeHead = patched.writeHead;
      let calls = 0;
      patched.writeHead = function (this: unknown, ...args: unknown[]) {
        if (calls++ === 0) {
          patched.setHeader(LEAK_HEADER, "yes");
          patched.setHeader("x-fine", "yes");
          throw refusal;
        }
        return writeHead.apply(this, args);
      };
      bridge(req, res);
    };
    await withServer(protocol, { listener }, async (server) => {
      const got = await exchange(server);
      expectAnswer(got, { answer: 500 });
      expect(got.headers).not.toHaveProperty("x-fine");
    });
    expectReport(reports, refusal);
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} cuts the response off and reports when code before it already sent the headers`, async () => {
    const { listener: bridge, reports } = recording(() => new Response("from the handler"));
    const listener: NodeListener = (req, res) => {
      (res as ServerResponse & Http2ServerResponse).writeHead(200, { "content-type": "text/plain" });
      (res as ServerResponse & Http2ServerResponse).write("from the code before");
      bridge(req, res);
    };
    await withServer(protocol, { listener }, async (server) => {
      const got = await exchange(server);
      expect(got.status).toBe(200);
      expect(got.outcome).toBe("cut");
      expect(got.body).not.toContain("from the handler");
    });
    expect(reports).toHaveLength(1);
    expect((reports[0] as { code?: unknown }).code).toBe(
      protocol === "HTTP/1.1" ? "ERR_HTTP_HEADERS_SENT" : "ERR_HTTP2_HEADERS_SENT",
    );
    await expectNoProcessFault();
  });
}

// --- 3. Connection-specific headers in a Response -----------------------------------------------

const CONNECTION_HEADERS: Readonly<Record<string, string>> = {
  connection: "keep-alive",
  "keep-alive": "timeout=5",
  "proxy-connection": "keep-alive",
  "transfer-encoding": "chunked",
  upgrade: "h2c",
  te: "trailers",
  "http2-settings": "AAMAAABkAAQAoAAAAAIAAAAA",
};

/** A handler passing on a Response with the headers an HTTP/1.1 upstream's fetch Response carries. */
function proxyLike(): Response {
  return new Response("the body", { headers: { ...CONNECTION_HEADERS, "x-kept": "yes" } });
}

test("Node bridge over HTTP/2 drops and reports each header when a Response carries connection-specific ones", async () => {
  const { listener, reports } = recording(proxyLike);
  await withServer("HTTP/2", { listener }, async (server) => {
    const got = await exchange(server);
    expect(got).toMatchObject({ status: 200, body: "the body", outcome: "complete" });
    expect(got.headers["x-kept"]).toBe("yes");
    for (const name of Object.keys(CONNECTION_HEADERS)) expect(got.headers, name).not.toHaveProperty(name);
  });
  // In the order Headers lists them: sorted by name.
  expect(reports.map((error) => (error as Error).message)).toEqual(
    Object.entries(CONNECTION_HEADERS)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([name, value]) =>
          `Cannot send header \`${name}\` over HTTP/2, which forbids connection-specific headers (got ` +
          `${JSON.stringify(value)}); the response was sent without it`,
      ),
  );
  expect(reports.every((error) => error instanceof TypeError)).toBe(true);
  await expectNoProcessFault();
});

test("Node bridge over HTTP/1.1 passes them on to Node unreported when a Response carries connection-specific headers", async () => {
  const { listener, reports } = recording(
    () => new Response("the body", { headers: { "keep-alive": "timeout=5", "x-kept": "yes" } }),
  );
  await withServer("HTTP/1.1", { listener }, async (server) => {
    const got = await exchange(server);
    expect(got).toMatchObject({ status: 200, body: "the body", outcome: "complete" });
    expect(got.headers["keep-alive"]).toBe("timeout=5");
    expect(got.headers["x-kept"]).toBe("yes");
  });
  expect(reports).toEqual([]);
  await expectNoProcessFault();
});

// --- 4. HEAD, and a client that leaves while the handler works ----------------------------------

for (const protocol of PROTOCOLS) {
  test(`Node bridge over ${protocol} sends only the status and headers and cancels the body when the request is HEAD`, async () => {
    const closes: StreamClosedError[] = [];
    const { listener, reports } = recording((request) =>
      new DataStream(
        async function* ({ sleep }) {
          for (;;) {
            yield "tick";
            await sleep(10);
          }
        },
        { request, keepAlive: false, onClose: (reason) => void closes.push(reason) },
      ).toResponse(),
    );
    await withServer(protocol, { listener }, async (server) => {
      const got = await exchange(server, { method: "HEAD" });
      expect(got).toMatchObject({ status: 200, body: "", outcome: "complete" });
      expect(got.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      await until(() => closes.length > 0, "the DataStream to be closed");
      expect(closes.map((reason) => reason.type)).toEqual(["client-gone"]);
    });
    expect(reports).toEqual([]);
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} answers HEAD with 500 as GET when the Response's body is locked`, async () => {
    const locked = FAILURE_CASES.find((failure) => failure.name.includes("locked"))!;
    const { listener, reports } = recording(locked.handler);
    await withServer(protocol, { listener }, async (server) => {
      expectAnswer(await exchange(server, { method: "HEAD" }), { answer: 500 });
      expectAnswer(await exchange(server, { method: "GET" }), { answer: 500 });
    });
    expect(reports).toHaveLength(2);
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} cancels the late Response's body when the client left while the handler awaited`, async () => {
    const entered = deferred();
    const release = deferred();
    const cancelled = deferred<unknown>();
    let signal: AbortSignal | undefined;
    let pulled = 0;
    const { listener, reports } = recording(async (request) => {
      signal = request.signal;
      entered.resolve();
      await release.promise;
      return new Response(
        new ReadableStream({
          pull: (controller) => void controller.enqueue(new Uint8Array([++pulled])),
          cancel: (reason) => cancelled.resolve(reason),
        }),
      );
    });
    await withServer(protocol, { listener }, async (server) => {
      const got = exchange(server, { onSent: (hangUp) => void entered.promise.then(hangUp) });
      expect((await got).outcome).toBe("cut");
      await until(() => signal?.aborted === true, "the request's signal to abort");
      release.resolve();
      const reason = await cancelled.promise;
      expect(reason).toBe(signal!.reason);
      expect(reason).toEqual(new Error("The client closed the connection"));
    });
    expect(pulled).toBeLessThanOrEqual(1); // at most what the stream pulls by itself
    expect(reports).toEqual([]);
    await expectNoProcessFault();
  });

  test(`Node bridge over ${protocol} reports a handler's rejection after the client left unless it is the signal's reason`, async () => {
    const entered = deferred();
    const release = deferred();
    const own = new Error("the database went away");
    let requests = 0;
    const { listener, reports } = recording(async (request) => {
      const mine = requests++;
      entered.resolve();
      await release.promise;
      throw mine === 0 ? request.signal.reason : own;
    });
    await withServer(protocol, { listener }, async (server) => {
      const first = exchange(server, { onSent: (hangUp) => void entered.promise.then(hangUp) });
      expect((await first).outcome).toBe("cut");
      const second = exchange(server, {
        onSent: (hangUp) => void until(() => requests === 2, "the second request").then(hangUp),
      });
      expect((await second).outcome).toBe("cut");
      release.resolve();
      await until(() => reports.length > 0, "onError");
    });
    expect(reports).toEqual([own]);
    await expectNoProcessFault();
  });
}

// --- 5. Request targets and authorities ---------------------------------------------------------

/** A handler that answers with the URL and headers of the Request it got. */
function echo(): { handler: FetchHandler; calls: () => number } {
  let calls = 0;
  return {
    handler: (request) => {
      calls++;
      return Response.json({ url: request.url, headers: Object.fromEntries(request.headers) });
    },
    calls: () => calls,
  };
}

interface TargetCase {
  /** The request head, without its final blank line; `Connection: close` is added. */
  readonly head: string;
  readonly status: number | undefined;
  /** The URL the handler sees, with PORT for the server's port. */
  readonly url?: string;
  /** Node refuses the request before any listener sees it. */
  readonly byNode?: true;
}

const RAW_TARGETS: readonly TargetCase[] = [
  {
    head: "GET //evil.example/x HTTP/1.1\r\nHost: good.example",
    status: 200,
    url: "http://good.example//evil.example/x",
  },
  { head: "GET //evil.example HTTP/1.1\r\nHost: good.example", status: 200, url: "http://good.example//evil.example" },
  { head: "GET /a/../b?q=1 HTTP/1.1\r\nHost: Good.Example:80", status: 200, url: "http://good.example/b?q=1" },
  { head: "GET /x HTTP/1.1\r\nHost: [::1]:8080", status: 200, url: "http://[::1]:8080/x" },
  { head: "GET http://good.example/x?q HTTP/1.1\r\nHost: good.example", status: 200, url: "http://good.example/x?q" },
  { head: "GET http://GOOD.example:80 HTTP/1.1\r\nHost: good.example", status: 200, url: "http://good.example/" },
  { head: "GET http://other.example/x HTTP/1.1\r\nHost: good.example", status: 400 },
  { head: "GET http://user@good.example/x HTTP/1.1\r\nHost: good.example", status: 400 },
  { head: "GET http://good.example/x HTTP/1.1", status: 400 },
  { head: "GET http://good.example/x HTTP/1.0", status: 200, url: "http://good.example/x" },
  { head: "OPTIONS * HTTP/1.1\r\nHost: good.example", status: 400 },
  { head: "GET * HTTP/1.1\r\nHost: good.example", status: 400 },
  { head: "GET good.example:443 HTTP/1.1\r\nHost: good.example", status: 400, byNode: true }, // Node's parser refuses it
  { head: "CONNECT good.example:443 HTTP/1.1\r\nHost: good.example", status: undefined, byNode: true }, // with no "connect" listener
  { head: "GET /x HTTP/1.1", status: 400 },
  { head: "GET /x HTTP/1.0", status: 200, url: "http://127.0.0.1:PORT/x" },
  { head: "GET /x HTTP/1.1\r\nHost: ", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: evil.example/x", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: user@evil.example", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: good.example:99999", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: good.example:80:80", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: [::1", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: good example", status: 400 },
  { head: "GET /x HTTP/1.1\r\nHost: good.example\r\nHost: evil.example", status: 400 },
  { head: "TRACE /x HTTP/1.1\r\nHost: good.example", status: 501 },
  { head: "TRACK /x HTTP/1.1\r\nHost: good.example", status: 400, byNode: true }, // not a method Node's parser knows
];

test("Node bridge over raw HTTP/1.x sockets builds the URL from Host, and answers 400 or 501 when the target or Host is bad", async () => {
  const { handler, calls } = echo();
  // Node 20+ answers a missing Host itself unless told not to; the bridge must not depend on it (Node 18).
  const server = await serveOver("HTTP/1.1", handler, {}, { requireHostHeader: false });
  const port = new URL(server.url).port;
  try {
    for (const target of RAW_TARGETS) {
      const before = calls();
      const got = await rawRequest(Number(port), `${target.head}\r\nConnection: close\r\n\r\n`);
      const what = JSON.stringify(target.head);
      expect(got.status, what).toBe(target.status);
      if (target.url !== undefined) {
        expect((JSON.parse(got.body) as { url: string }).url, what).toBe(target.url.replace("PORT", port));
      } else {
        expect(calls(), `${what} must not reach the handler`).toBe(before);
      }
      if (target.url === undefined && target.byNode === undefined) {
        expect(got.headers["content-type"], what).toBe("text/plain; charset=utf-8");
        expect(got.body, what).toMatch(/^the .+\n$/);
      }
    }
  } finally {
    await server.close();
  }
  await expectNoProcessFault();
});

test("Node bridge over HTTP/1.1 answers 400 when a lenient parser lets a header value with NUL through", async () => {
  const { handler, calls } = echo();
  const server = await serveOver("HTTP/1.1", handler, {}, { insecureHTTPParser: true });
  try {
    const got = await rawRequest(
      Number(new URL(server.url).port),
      "GET /x HTTP/1.1\r\nHost: good.example\r\nX-Bad: a\x00b\r\nConnection: close\r\n\r\n",
    );
    expect(got).toMatchObject({ status: 400, body: "a request header has a value a fetch Request refuses\n" });
  } finally {
    await server.close();
  }
  expect(calls()).toBe(0);
  await expectNoProcessFault();
});

test("Node bridge over HTTP/1.1 answers 400 when Host is missing, with Node's default server options too", async () => {
  const { handler, calls } = echo();
  await withServer("HTTP/1.1", handler, async (server) => {
    const got = await rawRequest(Number(new URL(server.url).port), "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(got.status).toBe(400);
  });
  expect(calls()).toBe(0);
  await expectNoProcessFault();
});

interface Http2TargetCase {
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  readonly url?: string;
}

const HTTP2_TARGETS: readonly Http2TargetCase[] = [
  {
    headers: { ":path": "//evil.example/x", ":authority": "good.example" },
    status: 200,
    url: "http://good.example//evil.example/x",
  },
  {
    headers: { ":path": "/x", ":authority": "good.example", host: "good.example" },
    status: 200,
    url: "http://good.example/x",
  },
  { headers: { ":path": "/x", host: "good.example" }, status: 200, url: "http://good.example/x" }, // no :authority
  {
    headers: { ":path": "/x", ":authority": "good.example", ":scheme": "https" },
    status: 200,
    url: "http://good.example/x",
  },
  { headers: { ":path": "/x", ":authority": "good.example", host: "evil.example" }, status: 400 },
  { headers: { ":path": "/x", ":authority": "user@evil.example" }, status: 400 },
  { headers: { ":method": "HEAD", ":path": "/x", ":authority": "user@evil.example" }, status: 400 },
  { headers: { ":path": "/x", ":authority": "good.example:99999" }, status: 400 },
  { headers: { ":method": "OPTIONS", ":path": "*", ":authority": "good.example" }, status: 400 },
  { headers: { ":method": "TRACE", ":path": "/x", ":authority": "good.example" }, status: 501 },
];

test("Node bridge over HTTP/2 builds the URL from :authority, and answers 400 or 501 when the target or authority is bad", async () => {
  const { handler, calls } = echo();
  await withServer("HTTP/2", handler, async (server) => {
    for (const target of HTTP2_TARGETS) {
      const before = calls();
      const { [":method"]: method, [":path"]: path, ...headers } = target.headers;
      const got = await exchange(server, { ...(method === undefined ? {} : { method }), path: path ?? "/", headers });
      const what = JSON.stringify(target.headers);
      expect(got.status, what).toBe(target.status);
      if (target.url !== undefined) expect((JSON.parse(got.body) as { url: string }).url, what).toBe(target.url);
      else expect(calls(), `${what} must not reach the handler`).toBe(before);
    }
  });
  await expectNoProcessFault();
});

/** A request head as Node would hand it over, for targets and sockets no client here can produce. */
function head(overrides: Partial<RequestHead>): RequestHead {
  return {
    url: "/x",
    headers: { host: "good.example" },
    rawHeaders: ["Host", "good.example"],
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    socket: { localAddress: "127.0.0.1", localPort: 8080 },
    ...overrides,
  };
}

test("requestUrl answers 400 for an authority-form target and for an HTTP/2 request naming no authority", () => {
  expect(requestUrl(head({ url: "good.example:443" }))).toEqual({
    status: 400,
    reason: "the request target must be a path or an absolute http(s) URL",
  });
  expect(requestUrl(head({ headers: {}, rawHeaders: [], httpVersionMajor: 2, httpVersionMinor: 0 }))).toEqual({
    status: 400,
    reason: "the :authority and Host headers are missing",
  });
});

test("requestUrl takes the scheme from the connection and an HTTP/1.0 request's authority from its address", () => {
  const tls = requestUrl(head({ headers: { host: "good.example:443" }, socket: { encrypted: true } }));
  expect(String(tls)).toBe("https://good.example/x");
  const ipv6 = requestUrl(
    head({ headers: {}, rawHeaders: [], httpVersionMinor: 0, socket: { localAddress: "::1", localPort: 8080 } }),
  );
  expect(String(ipv6)).toBe("http://[::1]:8080/x");
});

// --- 6. Connection-specific request headers -----------------------------------------------------

test("Node bridge leaves a header out of the Request when it is connection-specific, te among them", async () => {
  const { handler } = echo();
  const server = await serveOver("HTTP/1.1", handler);
  try {
    const got = await rawRequest(
      Number(new URL(server.url).port),
      "GET /x HTTP/1.1\r\nHost: good.example\r\nTE: trailers\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n" +
        "Upgrade: websocket\r\nHTTP2-Settings: AAMAAABk\r\nX-Kept: yes\r\nConnection: close, TE\r\n\r\n",
    );
    expect(got.status).toBe(200);
    expect((JSON.parse(got.body) as { headers: Record<string, string> }).headers).toEqual({
      host: "good.example",
      "x-kept": "yes",
    });
  } finally {
    await server.close();
  }
  await withServer("HTTP/2", handler, async (h2) => {
    const got = await exchange(h2, { headers: { te: "trailers", "x-kept": "yes" } });
    expect((JSON.parse(got.body) as { headers: Record<string, string> }).headers).toEqual({ "x-kept": "yes" });
  });
  await expectNoProcessFault();
});

// --- 7. A process with Node's default settings --------------------------------------------------

/** This Node, and Node 18 and 22 when scripts/install-runtimes.sh was sourced (RT_NODE18, RT_NODE22). */
const NODES = [...new Set([process.execPath, process.env["RT_NODE18"], process.env["RT_NODE22"]])]
  .filter((path): path is string => path !== undefined && path !== "")
  .map((path) => ({ path, version: execFileSync(path, ["--version"], { encoding: "utf8" }).trim() }));

for (const node of NODES) {
  test(`Node bridge in a Node ${node.version} process with default settings survives every failure and bad target`, async () => {
    const script = fileURLToPath(new URL("./bridge-server.ts", import.meta.url));
    const child = spawn(node.path, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(
        () => /^READY \d+ \d+$/m.test(output) || child.exitCode !== null,
        "the bridge server to start",
        20_000,
      );
      const [, http1Port, http2Port] = /^READY (\d+) (\d+)$/m.exec(output) ?? [];
      expect(http1Port, output).toBeDefined();
      const servers: Record<Protocol, BridgeServer> = {
        "HTTP/1.1": { protocol: "HTTP/1.1", url: `http://127.0.0.1:${http1Port}`, close: async () => {} },
        "HTTP/2": { protocol: "HTTP/2", url: `http://127.0.0.1:${http2Port}`, close: async () => {} },
      };
      for (const protocol of PROTOCOLS) {
        for (const [index, failure] of FAILURE_CASES.entries()) {
          for (const prefix of ["", "/throwing-on-error"]) {
            const got = await exchange(servers[protocol], { path: `${prefix}/case/${index}` });
            expect(child.exitCode, `${protocol} ${prefix} ${failure.name}:\n${output}`).toBeNull();
            expectAnswer(got, failure);
          }
        }
      }
      for (const target of RAW_TARGETS) {
        await rawRequest(Number(http1Port), `${target.head}\r\nConnection: close\r\n\r\n`);
        expect(child.exitCode, `${JSON.stringify(target.head)}:\n${output}`).toBeNull();
      }
      for (const protocol of PROTOCOLS) {
        expect(await exchange(servers[protocol], { path: "/ok" })).toMatchObject({
          status: 200,
          body: "ok",
          outcome: "complete",
        });
      }
      expect(output).not.toMatch(/unhandled|uncaught/i);
      expect(child.exitCode).toBeNull();
    } finally {
      await kill(child);
    }
  }, 90_000); // about 130 exchanges and a tsx start-up, on a loaded machine
}
