// routeToChannels checks its options as severalChannelsResponse and channel.response() do: each bad one
// is a TypeError that names it and shows the value, before any object is asked for anything.
import { expect, test } from "vitest";
import { routeToChannels, type DurableObjectNamespaceLike, type RoutesOptions } from "edge-sse/durable-object";

test.each([
  [{ keepAlive: -1 }, /^Cannot route to channels: `keepAlive` .*\(got number -1\)/],
  [{ retry: "soon" }, /^Cannot route to channels: `retry` .*\(got "soon"\)/],
  [{ headers: { connection: "close" } }, /^Cannot route to channels: header `connection` in `headers` is not allowed/],
  [{ headers: 5 }, /^Cannot route to channels: `headers` must be a Headers.*\(got number 5\)$/],
  [{ onError: "log" }, /^Cannot route to channels: `onError` .*\(got "log"\)/],
  [{ expiresAt: "tomorrow" }, /^Cannot route to channels: `expiresAt` .*\(got "tomorrow"\)/],
  [{ lastEventId: "7" }, /^Cannot route to channels: unknown option `lastEventId`/],
])("routeToChannels refuses %o with a TypeError naming it, and asks no object", (options, message) => {
  const asked: string[] = [];
  const namespace: DurableObjectNamespaceLike<string> = {
    idFromName: (name) => {
      asked.push(name);
      return name;
    },
    get: () => ({ fetch: async () => new Response(null, { status: 500 }) }),
  };
  const request = new Request("http://localhost/events");
  const call = () => routeToChannels(request, namespace, { a: "room-a" }, options as unknown as RoutesOptions);
  expect(call).toThrow(TypeError);
  expect(call).toThrow(message);
  expect(asked).toEqual([]);
});
