import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { MemoryBroker } from "edge-sse/channel";

describe("MemoryBroker history", () => {
  test("property: replay after any held id gives exactly the later events, across drops and compaction", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.nat(),
        (maxEvents, published, pick) => {
          const broker = new MemoryBroker({ history: { maxEvents } });
          const all: string[] = [];
          for (let n = 0; n < published; n++) all.push(broker.publish({ data: String(n) }));
          const held = all.slice(-maxEvents);
          expect(broker.events.map((event) => event.id)).toEqual(held);
          const index = pick % held.length;
          expect(broker.replay(held[index]!)).toEqual({ found: true, events: broker.events.slice(index + 1) });
          if (published > maxEvents) expect(broker.replay(all[published - maxEvents - 1]!).found).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a repeated publisher id is refused while the history holds it; replay after it stays exact", () => {
    const broker = new MemoryBroker();
    broker.publish({ id: "same", data: "1" });
    broker.publish({ data: "2" });
    expect(() => broker.publish({ id: "same", data: "3" })).toThrow(/`id` must be unique/);
    broker.publish({ data: "4" });
    expect(broker.replay("same").events.map((event) => event.data)).toEqual(["2", "4"]);
  });

  test.each([
    ["a repeated id", [{ id: "same", data: "1" }, { id: "x" }, { id: "same", data: "3" }], 2, /`id` must be unique/],
    ["an empty id", [{ id: "", data: "x" }], 0, /`id` must not be empty in a channel \(got ""\)/],
    ["an id with a line break", [{ id: "b\nevent: evil", data: "y" }], 0, /`id` must not contain a line break/],
    ["an id with NUL", [{ id: "a\0", data: "y" }], 0, /`id` must not contain NUL/],
    ["an event name with CR", [{ id: "c", event: "e\rx", data: "z" }], 0, /`event` must not contain a line break/],
    ["data that is not text", [{ id: "d", data: 42 }], 0, /`data` must be a string \(got number 42\)/],
    ["a comment that is not text", [{ id: "d", comment: {} }], 0, /`comment` must be a string \(got an object\)/],
    ["a retry that is not an integer", [{ id: "r", retry: 1.5 }], 0, /`retry` must be a non-negative integer/],
    ["the end event's name", [{ id: "a" }, { id: "e", event: "edge-sse-end" }], 1, /the name of the end event/],
    ["the gap marker's name", [{ id: "g", event: "edge-sse-gap" }], 0, /the name of the gap marker/],
  ])("a saved history with %s is refused as publish would refuse it, naming its position", (_name, events, at, why) => {
    const restore = (): MemoryBroker => new MemoryBroker({ events: events as never });
    expect(restore).toThrow(TypeError);
    expect(restore).toThrow(new RegExp(`^Cannot create MemoryBroker: saved event \`events\\[${at}\\]\`: `));
    expect(restore).toThrow(why);
  });

  test("a saved history keeps line breaks in data and ids of the broker's own form, as a broker wrote them", () => {
    const saved = [
      { id: "mx3fumlf0k0cjwl-1", data: "two\nlines" },
      { id: "mx3fumlf0k0cjwl-2", event: "tick", data: "", comment: "c", retry: 0 },
    ];
    expect(new MemoryBroker({ events: saved }).replay("mx3fumlf0k0cjwl-1").events).toEqual([saved[1]]);
  });

  test("a saved history is restored, oldest first, and replays as before", () => {
    const saved = [
      { id: "1", data: "a" },
      { id: "2", data: "b" },
      { id: "3", data: "c" },
    ];
    const broker = new MemoryBroker({ events: saved, history: { maxEvents: 2 } });
    expect(broker.events).toEqual(saved.slice(1));
    expect(broker.replay("2").events).toEqual([saved[2]]);
    expect(() => new MemoryBroker({ events: [{ data: "no id" }] as never })).toThrow(
      /`events\[0\]` must be an event with a string `id`/,
    );
    expect(() => new MemoryBroker({ events: "x" as never })).toThrow(/`events` must be an array/);
    expect(() => new MemoryBroker({ size: 3 } as never)).toThrow(/unknown option `size`/);
  });

  test("history.maxBytes counts the UTF-8 bytes of an event's fields, not its UTF-16 code units", () => {
    const broker = new MemoryBroker({ history: { maxBytes: 14 } });
    broker.publish({ id: "a", data: "éééé" }); // 1 + 8 bytes (5 code units)
    broker.publish({ id: "b", data: "é😀" }); // 1 + 2 + 4 bytes (4 code units): 16 bytes together, 9 code units
    expect(broker.events.map((event) => event.id)).toEqual(["b"]);
    expect(() => broker.publish({ id: "c", data: "日本語日本", event: "x" })).toThrow(
      new TypeError(
        "Cannot publish: the event is 17 bytes, more than `history.maxBytes` (14): the history could not hold it",
      ),
    );
    // A lone surrogate counts as the U+FFFD it is sent as: 3 bytes.
    broker.publish({ id: "d", data: "\ud800".repeat(4) });
    expect(broker.events.map((event) => event.id)).toEqual(["d"]);
    expect(() => broker.publish({ id: "e", comment: "\ud800".repeat(5) })).toThrow(/the event is 16 bytes/);
  });

  test("live listeners get each event inside publish, until they unsubscribe", () => {
    const broker = new MemoryBroker();
    const got: string[] = [];
    const stop = broker.subscribe((event) => got.push(event.data ?? ""));
    broker.publish({ data: "a" });
    expect(got).toEqual(["a"]);
    stop();
    broker.publish({ data: "b" });
    expect(got).toEqual(["a"]);
  });
});
