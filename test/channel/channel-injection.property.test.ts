import { expect, test } from "vitest";
import fc from "fast-check";
import { Message } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { EventReader } from "../helpers/event-reader.ts";

const text = fc.string({
  unit: fc.constantFrom("a", " ", ":", "\n", "\r", "\r\n", "data: x", "id: 9", "event: e", "é", "\0"),
});

test("property: whatever a publisher sends, every subscriber and every replay gets exactly that event", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ data: text, comment: fc.option(text, { nil: undefined }) }), { minLength: 1, maxLength: 5 }),
      async (items) => {
        const channel = new Channel();
        const live = new EventReader((await channel.stream({ keepAlive: false })).toReadableStream());
        await live.started();
        const ids: string[] = [];
        for (const { data, comment } of items) {
          ids.push(await channel.publish(comment === undefined ? data : new Message({ data, comment })));
        }
        const expected = items.map(({ data }, n) => ({
          id: ids[n],
          event: undefined,
          data: data.replace(/\r\n?/g, "\n"),
        }));
        expect(await live.until(items.length)).toEqual(expected);
        const replayed = new EventReader(
          (await channel.stream({ keepAlive: false, lastEventId: ids[0]! })).toReadableStream(),
        );
        expect(await replayed.until(items.length - 1)).toEqual(expected.slice(1));
        await channel.close();
        expect(await live.rest()).toHaveLength(items.length);
      },
    ),
    { numRuns: 300 },
  );
});
