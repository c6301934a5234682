/**
 * Workload F, fan-out: the contenders, named as in run.mjs's F_CONTENDERS. Each is
 * `async (counters, dist) => hub` (`dist`: the copy of edge-sse's build), a hub being one channel with many subscribers in this process:
 *
 *   hub.open(request)      a new subscriber: resolves to the ReadableStream<Uint8Array> it reads
 *   hub.count              how many subscribers the library counts as live
 *   hub.publish(value, i)  sends event i (its data: `value`, JSON-encoded); resolves to the event's id
 *   hub.close(abortAll)    ends every subscriber's stream (`abortAll()` aborts every subscriber's
 *                          request, for a library that has no other way)
 *
 * `counters.serialize` counts the calls of the serializer each library is given, so the harness can
 * tell how often one published value was turned into text. This module is imported only for
 * workload F, since `edge-sse/channel` does not exist in builds older than the Channel.
 */
import { encode } from "eventsource-encoder";
import { Channel as BetterChannel, createResponse } from "better-sse";
import { distUrl } from "./edge-dist.mjs";

const encoder = new TextEncoder();

/** A counting `JSON.stringify` that passes strings through (better-sse JSON-encodes strings by default). */
function countingSerializer(counters) {
  return (value) => {
    counters.serialize++;
    return typeof value === "string" ? value : JSON.stringify(value);
  };
}

export const HUBS = {
  /**
   * edge-sse: `new Channel({ serialize, keepAlive: false })`, one `await channel.stream({ request })`
   * per subscriber, read through `toReadableStream()`; `await channel.publish(value)`. The channel
   * keeps its default in-memory history (1,000 events) and gives the ids.
   */
  "edge-sse": async (counters, dist) => {
    const { Channel } = await import(distUrl(dist, "channel.js"));
    const channel = new Channel({ serialize: countingSerializer(counters), keepAlive: false });
    await channel.ready;
    return {
      async open(request) {
        return (await channel.stream({ request })).toReadableStream();
      },
      get count() {
        return channel.subscriberCount;
      },
      publish(value) {
        return channel.publish(value);
      },
      close() {
        return channel.close();
      },
    };
  },

  /**
   * better-sse: one `Channel`; per subscriber, Fetch mode `createResponse(request, options, (session)
   * => channel.register(session))` and the response's body; `channel.broadcast(value, "message",
   * { eventId })`. It has no history, and no `close()` on a channel or a Fetch session: a session ends
   * when its request's signal aborts, so `close()` aborts every subscriber's request.
   */
  "better-sse": async (counters) => {
    const channel = new BetterChannel();
    const options = { serializer: countingSerializer(counters), keepAlive: null };
    return {
      async open(request) {
        return createResponse(request, options, (session) => channel.register(session)).body;
      },
      get count() {
        return channel.sessionCount;
      },
      publish(value, i) {
        const eventId = String(i + 1);
        channel.broadcast(value, "message", { eventId });
        return eventId;
      },
      async close(abortRequests) {
        abortRequests();
      },
    };
  },

  /**
   * The floor: no library. One `ReadableStream` per subscriber whose controller is kept; a publish
   * encodes the event once (eventsource-encoder, TextEncoder) and enqueues that one Uint8Array into
   * every stream. What any fan-out in one process pays at least for N readers.
   */
  "floor: one Uint8Array to every stream": async (counters) => {
    /**
     * Each live subscriber's controller and its request's signal. The signal is kept here: a listener
     * on the signal of a Request nobody holds stops hearing the abort once the Request is collected
     * (Node drops the link between the signal given to the Request and the Request's own), so a floor
     * that did not keep it would never close its streams, and would be cheaper for that reason only.
     */
    const controllers = new Map();
    const serialize = countingSerializer(counters);
    return {
      async open(request) {
        let own;
        const signal = request.signal ?? undefined;
        const stream = new ReadableStream({
          start(controller) {
            own = controller;
            controllers.set(controller, signal);
          },
          cancel() {
            controllers.delete(own);
          },
        });
        signal?.addEventListener(
          "abort",
          () => {
            if (controllers.delete(own)) own.close();
          },
          { once: true },
        );
        return stream;
      },
      get count() {
        return controllers.size;
      },
      publish(value, i) {
        const id = String(i + 1);
        const bytes = encoder.encode(encode({ data: serialize(value), id }));
        for (const controller of controllers.keys()) controller.enqueue(bytes);
        return id;
      },
      async close() {
        for (const controller of controllers.keys()) controller.close();
        controllers.clear();
      },
    };
  },
};
