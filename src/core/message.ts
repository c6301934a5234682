import { assertEventId, assertEventName, assertRetry, assertText } from "./fields.ts";
import { formatFrame, type EventFields } from "./frame.ts";
import { describeError, describeValue } from "./describe-value.ts";

/** The fields a `Message` is made from. Every field is optional, but a message needs at least one. */
export type MessageInit = EventFields;

/** The fields of a made `Message`: all five keys, `undefined` where a field is absent. */
export type MessageFields = { readonly [Field in keyof Required<EventFields>]: EventFields[Field] | undefined };

const MESSAGE_BRAND: unique symbol = Symbol.for("edge-sse.Message") as never;
/** How the errors of `new Message()` and its builders start. */
export const CREATE_MESSAGE = "Cannot create message";
const CONTEXT = CREATE_MESSAGE;
const FIELD_NAMES: ReadonlySet<string> = new Set(["data", "event", "id", "retry", "comment"]);

/** Fields `made` has checked, handed to the one `new Message()` it calls: only it sets them. */
let checked: MessageFields | undefined;
/** The fields of a message this class made, or `undefined` for anything else (see `ownFields`). */
let fieldsOf: (value: object) => MessageFields | undefined;

/**
 * One complete server-sent event. A `Message` is immutable and validated when it is made, so an
 * invalid field throws here, never later on the wire. Only the constructor and the builders set its
 * fields: an object that only looks like a `Message` (another copy of the library's, or one made
 * with `Object.create(Message.prototype)`) has its fields checked again wherever it is sent.
 *
 * @example Build a named JSON event with an id
 * ```ts
 * import { Message } from "edge-sse";
 *
 * const message = Message.json({ price: 42 }).event("tick").id("7");
 * console.assert(message.toString() === 'event: tick\nid: 7\ndata: {"price":42}\n\n');
 * ```
 */
export class Message {
  readonly #fields: MessageFields;

  static {
    fieldsOf = (value) => (#fields in value ? Object.freeze(value.#fields) : undefined);
  }

  /** The brand `isMessage` looks for, on the prototype so every copy carries it. */
  get [MESSAGE_BRAND](): true {
    return true;
  }

  /**
   * Makes a message from its fields.
   *
   * @param init - the fields; at least one must be given
   * @throws {TypeError} when a field has the wrong type or a value the event-stream format cannot carry
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * const message = new Message({ event: "done", data: "" });
   * console.assert(message.toString() === "event: done\ndata: \n\n");
   * ```
   */
  constructor(init: MessageInit) {
    if (checked !== undefined) {
      this.#fields = checked;
      checked = undefined;
      return;
    }
    if (typeof init !== "object" || init === null) {
      throw new TypeError(`${CONTEXT}: expected an object of fields (got ${describeValue(init)})`);
    }
    // Read each field once: a getter must not hand validation one value and the wire another.
    const { data, event, id, retry, comment } = init;
    for (const key of Object.keys(init)) {
      if (!FIELD_NAMES.has(key)) {
        throw new TypeError(`${CONTEXT}: unknown field \`${key}\` (expected data, event, id, retry or comment)`);
      }
    }
    if (data === undefined && event === undefined && id === undefined && retry === undefined && comment === undefined) {
      throw new TypeError(`${CONTEXT}: it has no field (give data, event, id, retry or comment)`);
    }
    if (data !== undefined) assertText("data", data, CONTEXT);
    if (event !== undefined) assertEventName(event, CONTEXT);
    if (id !== undefined) assertEventId(id, CONTEXT);
    if (retry !== undefined) assertRetry(retry, CONTEXT);
    if (comment !== undefined) assertText("comment", comment, CONTEXT);
    this.#fields = frozen({ data, event, id, retry, comment });
  }

  /** The validated fields of this message (frozen); an absent field is `undefined`. */
  get fields(): MessageFields {
    return Object.freeze(this.#fields);
  }

  /**
   * Starts a message whose data is `text`.
   *
   * @param text - the data; line breaks split it into `data:` lines
   * @throws {TypeError} when `text` is not a string
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.data("a\nb").toString() === "data: a\ndata: b\n\n");
   * ```
   */
  static data(text: string): Message {
    assertText("data", text, CONTEXT);
    return made(text, undefined, undefined, undefined, undefined);
  }

  /**
   * Starts a message whose data is `JSON.stringify(value)`.
   *
   * @param value - a JSON-serializable value
   * @throws {TypeError} when the value has no JSON form (undefined, a function, a symbol) or cannot be serialized (a BigInt, a cycle)
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.json([1, 2]).toString() === "data: [1,2]\n\n");
   * ```
   */
  static json(value: unknown): Message {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new TypeError(`${CONTEXT}: \`data\` is not JSON-serializable (${describeError(error)})`, { cause: error });
    }
    if (typeof text !== "string") {
      throw new TypeError(`${CONTEXT}: \`data\` has no JSON form (got ${describeValue(value)})`);
    }
    return made(text, undefined, undefined, undefined, undefined);
  }

  /** Tells whether `value` is a `Message`, also one made by another copy of this library. */
  static isMessage(value: unknown): value is Message {
    return (
      typeof value === "object" && value !== null && (value as { [MESSAGE_BRAND]?: unknown })[MESSAGE_BRAND] === true
    );
  }

  /**
   * Returns a copy with `data` set.
   *
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(new Message({ id: "1" }).data("x").toString() === "id: 1\ndata: x\n\n");
   * ```
   */
  data(text: string): Message {
    assertText("data", text, CONTEXT);
    const { event, id, retry, comment } = this.#fields;
    return made(text, event, id, retry, comment);
  }

  /**
   * Returns a copy with the event type set.
   *
   * @throws {TypeError} when `name` contains a line break
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.data("hi").event("greeting").toString() === "event: greeting\ndata: hi\n\n");
   * ```
   */
  event(name: string): Message {
    assertEventName(name, CONTEXT);
    const { data, id, retry, comment } = this.#fields;
    return made(data, name, id, retry, comment);
  }

  /**
   * Returns a copy with the event id set; `""` resets the client's last event id.
   *
   * @throws {TypeError} when `id` would not come back intact as `Last-Event-ID`: a control character,
   *   whitespace at either end, a lone surrogate, or more than `MAX_EVENT_ID_BYTES` bytes of UTF-8
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.data("hi").id("42").toString() === "id: 42\ndata: hi\n\n");
   * ```
   */
  id(id: string): Message {
    assertEventId(id, CONTEXT);
    const { data, event, retry, comment } = this.#fields;
    return made(data, event, id, retry, comment);
  }

  /**
   * Returns a copy that sets the client's reconnection delay.
   *
   * @throws {TypeError} when `ms` is not a non-negative integer
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.data("hi").retry(5000).toString() === "retry: 5000\ndata: hi\n\n");
   * ```
   */
  retry(ms: number): Message {
    assertRetry(ms, CONTEXT);
    const { data, event, id, comment } = this.#fields;
    return made(data, event, id, ms, comment);
  }

  /**
   * Returns a copy with a comment; each of its lines is sent as a `: ` line.
   *
   * @example
   * ```ts
   * import { Message } from "edge-sse";
   *
   * console.assert(Message.data("hi").comment("note").toString() === ": note\ndata: hi\n\n");
   * ```
   */
  comment(text: string): Message {
    assertText("comment", text, CONTEXT);
    const { data, event, id, retry } = this.#fields;
    return made(data, event, id, retry, text);
  }

  /** The frame text of this message, ending with the empty line that dispatches it. */
  toString(): string {
    return formatFrame(this.#fields);
  }
}

/** The fields in one fixed key order, frozen: every message's fields share one shape. */
function frozen({ data, event, id, retry, comment }: EventFields): MessageFields {
  return Object.freeze({ data, event, id, retry, comment });
}

/**
 * A message from fields the caller has checked: no init to walk, one object shape for all. Frozen when
 * handed out (`fields`, `ownFields`), not here: a builder chain makes a message per step, and only the
 * last is read.
 */
function made(
  data: string | undefined,
  event: string | undefined,
  id: string | undefined,
  retry: number | undefined,
  comment: string | undefined,
): Message {
  checked = { data, event, id, retry, comment };
  return new Message(checked);
}

/**
 * The fields of a message made by this copy's `Message` (its constructor or a builder), which are
 * checked; `undefined` for anything else, even an object with `Message.prototype` or one whose own
 * `fields` property hides the getter.
 */
export function ownFields(value: unknown): MessageFields | undefined {
  return typeof value === "object" && value !== null ? fieldsOf(value) : undefined;
}
