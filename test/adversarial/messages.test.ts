// A Message is validated once, when it is made, and trusted from then on; so nothing that was not made
// by its constructor or a builder may pass for one. Objects that only claim to be Messages (made with
// Object.create(Message.prototype), with fields set after the fact, or of another copy of the library)
// are checked again wherever they are sent: as items, as what onError returns, in a channel, in a
// typed-event map's parse.
import { expect, test } from "vitest";
import { DataStream, defineEvents, encodeMessage, Message, type StandardSchemaV1 } from "edge-sse";
import { Channel } from "edge-sse/channel";
import { collectText } from "../helpers/collect.ts";

const INJECTION = "x\ndata: injected\n\nevent: evil";
const allFields = (init: Record<string, unknown>) => ({
  data: undefined,
  event: undefined,
  id: undefined,
  retry: undefined,
  comment: undefined,
  ...init,
});

/** An object with Message.prototype and its own `fields`, never checked. */
function lookAlike(fields: Record<string, unknown>): Message {
  return Object.defineProperty(Object.create(Message.prototype) as Message, "fields", {
    value: Object.freeze(allFields(fields)),
  });
}

test("Message fields cannot be reassigned, and a fields property put over the getter changes nothing sent", () => {
  const message = Message.data("real").event("tick");
  expect(() => {
    (message as { fields: unknown }).fields = allFields({ event: INJECTION });
  }).toThrow(TypeError);
  expect(Object.isFrozen(message.fields)).toBe(true);
  Object.defineProperty(message, "fields", { value: allFields({ event: INJECTION, data: "y" }) });
  expect(encodeMessage(message)).toBe("event: tick\ndata: real\n\n");
  expect(message.toString()).toBe("event: tick\ndata: real\n\n");
});

test("encodeMessage checks again an object made with Object.create(Message.prototype), and refuses its bad fields", () => {
  const forged = lookAlike({ event: INJECTION, data: "y" });
  expect(forged instanceof Message).toBe(true);
  expect(() => encodeMessage(forged)).toThrow(
    new TypeError(
      'Cannot create message: `event` must not contain a line break (got "x\\ndata: injected\\n\\nevent: evil")',
    ),
  );
  expect(encodeMessage(lookAlike({ event: "fine", data: "y" }))).toBe("event: fine\ndata: y\n\n");
  // Without fields of its own, it has none at all: refused, not sent.
  expect(() => encodeMessage(Object.create(Message.prototype))).toThrow(TypeError);
});

test("DataStream sends nothing of a look-alike Message among its items or returned by onError, and reports each", async () => {
  const errors: unknown[] = [];
  const text = await collectText(
    new DataStream([lookAlike({ id: "1\r\nid: 2", data: "x" })], {
      keepAlive: false,
      onError: (error) => {
        errors.push(error);
        return errors.length === 1 ? lookAlike({ event: INJECTION, data: "y" }) : undefined;
      },
    }).toReadableStream(),
  );
  expect(text).toBe(":\n\n");
  expect(errors).toHaveLength(2);
  expect(String(errors[0])).toMatch(/^TypeError: Cannot create message: `id` must not contain a line break/);
  expect(String(errors[1])).toMatch(/^TypeError: Cannot create message: `event` must not contain a line break/);
});

test("Channel publish checks a look-alike Message again, and rejects it with the Message's error", async () => {
  const channel = new Channel();
  await expect(channel.publish(lookAlike({ event: INJECTION, data: "y" }))).rejects.toThrow(
    /`event` must not contain a line break/,
  );
  await channel.close();
});

test("Message.isMessage recognises a message of another copy of the library, which is sent once checked again", () => {
  const other = {
    get [Symbol.for("edge-sse.Message")]() {
      return true;
    },
    fields: allFields({ event: "other", data: "copy" }),
  };
  expect(Message.isMessage(other)).toBe(true);
  expect(encodeMessage(other)).toBe("event: other\ndata: copy\n\n");
  expect(() => encodeMessage({ ...other, fields: allFields({ event: INJECTION }) })).toThrow(TypeError);
});

test("defineEvents parse refuses a look-alike of the map's own messages, whose data it never checked", () => {
  const text: StandardSchemaV1<string> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => (typeof value === "string" ? { value } : { issues: [{ message: "not text" }] }),
    },
  };
  const events = defineEvents({ note: { schema: text, encoding: "text" } });
  const made = events.note("checked");
  expect(events.parse(made)).toBe(made);
  const forged = Object.defineProperty(Object.create(Object.getPrototypeOf(made) as object) as Message, "fields", {
    value: Object.freeze(allFields({ event: "note", data: 42 })),
  });
  expect(() => events.parse(forged)).toThrow(/this Message was not made by a builder of this event map/);
});
