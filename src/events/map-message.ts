import { Message, type MessageInit } from "../core/message.ts";

/**
 * A fresh subclass of `Message` for the messages of one event map, so that the map knows its own
 * messages by `instanceof`. Setting `id`, `retry` or `comment` keeps a message the map's; setting
 * `data` or `event` makes a plain `Message`, whose data the map has not checked.
 */
export function mapMessageClass(): new (init: MessageInit) => Message {
  return class EventMessage extends Message {
    override id(id: string): Message {
      return new EventMessage(super.id(id).fields);
    }

    override retry(ms: number): Message {
      return new EventMessage(super.retry(ms).fields);
    }

    override comment(text: string): Message {
      return new EventMessage(super.comment(text).fields);
    }
  };
}
