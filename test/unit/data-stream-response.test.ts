import { expect, test } from "vitest";
import { DataStream, DEFAULT_HEADERS } from "edge-sse";

test("toResponse returns status 200 with the event-stream headers and no hop-by-hop header", () => {
  const response = new DataStream(["x"]).toResponse();
  expect(response.status).toBe(200);
  expect(Object.fromEntries(response.headers)).toEqual({
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
  });
  expect(DEFAULT_HEADERS["content-type"]).toBe("text/event-stream; charset=utf-8");
  void response.body?.cancel();
});

test("toResponse merges options.headers, then init.headers, over the defaults", () => {
  const response = new DataStream(["x"], { headers: { "x-a": "1", "cache-control": "no-store" } }).toResponse({
    status: 201,
    statusText: "Made",
    headers: [
      ["x-a", "2"],
      ["x-b", "3"],
    ],
  });
  expect(response.status).toBe(201);
  expect(response.statusText).toBe("Made");
  expect(response.headers.get("x-a")).toBe("2");
  expect(response.headers.get("x-b")).toBe("3");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  void response.body?.cancel();
});

test("toResponse refuses hop-by-hop headers, which break HTTP/2", () => {
  expect(() => new DataStream(["x"]).toResponse({ headers: { Connection: "keep-alive" } })).toThrow(
    new TypeError(
      'Cannot make a Response: header `connection` in `init.headers` is not allowed (got "keep-alive"); hop-by-hop headers break HTTP/2 and HTTP/3',
    ),
  );
  expect(() => new DataStream(["x"], { headers: { "transfer-encoding": "chunked" } })).toThrow(
    new TypeError(
      'Cannot create DataStream: header `transfer-encoding` in `headers` is not allowed (got "chunked"); hop-by-hop headers break HTTP/2 and HTTP/3',
    ),
  );
});

test("DataStream throws when it is turned into a body twice", () => {
  const message = "Cannot read DataStream twice: it is already a body; make a new DataStream per response";
  const stream = new DataStream(["x"]);
  void stream.toResponse().body?.cancel();
  expect(() => stream.toResponse()).toThrow(new TypeError(message));
  expect(() => stream.toReadableStream()).toThrow(new TypeError(message));
  const other = new DataStream(["x"]);
  void other.toReadableStream().cancel();
  expect(() => other.toResponse()).toThrow(new TypeError(message));
});

test("DataStream.from is the constructor", async () => {
  const text = await DataStream.from(["a"], { keepAlive: false }).toResponse().text();
  expect(text).toBe(":\n\ndata: a\n\n");
});
