/**
 * edge-sse/node writes an edge-sse event stream straight from its engine (no read of its
 * `ReadableStream`), and reads every other body as before: what the client gets is the same.
 */
import { expect, test } from "vitest";
import { DataStream } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { serveNode } from "../helpers/serve-node.ts";

test("toNodeListener sends a DataStream's events without reading its body when nothing read it first", async () => {
  const responses: Response[] = [];
  const server = await serveNode((request) => {
    const response = new DataStream(["a", "b"], { request, keepAlive: false }).toResponse();
    responses.push(response);
    return response;
  });
  try {
    const text = await (await fetch(`${server.url}/events`)).text();
    expect(text).toBe(":\n\ndata: a\n\ndata: b\n\n");
    expect(responses).toHaveLength(1);
    // Taken from the engine: the body was locked for nobody else, and never read.
    expect(responses[0]!.body!.locked).toBe(true);
    expect(responses[0]!.bodyUsed).toBe(false);
  } finally {
    await server.close();
  }
});

test("toNodeListener reads a DataStream's body on from where its handler stopped reading it", async () => {
  const server = await serveNode(async (request) => {
    const response = new DataStream(["a", "b"], { request, keepAlive: false }).toResponse();
    const reader = response.body!.getReader();
    await reader.read(); // the first bytes, read by the handler itself
    reader.releaseLock();
    return response;
  });
  try {
    const text = await (await fetch(`${server.url}/events`)).text();
    expect(text).toBe("data: a\n\ndata: b\n\n");
  } finally {
    await server.close();
  }
});

test("toNodeListener sends a channel's events to each subscriber and ends every stream when the channel closes", async () => {
  const channel = new Channel({ keepAlive: false });
  const server = await serveNode((request) => channel.response({ request }));
  try {
    const responses = await Promise.all([1, 2, 3].map(() => fetch(`${server.url}/events`)));
    const readers = responses.map((response) => response.body!.pipeThrough(new TextDecoderStream()).getReader());
    for (const reader of readers) expect((await reader.read()).value).toBe(":\n\n");
    const id = await channel.publish("hello");
    for (const reader of readers) expect((await reader.read()).value).toBe(`id: ${id}\ndata: hello\n\n`);
    await channel.close();
    for (const reader of readers) expect((await reader.read()).done).toBe(true);
  } finally {
    await server.close();
  }
});
