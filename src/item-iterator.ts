import { describeValue } from "./describe-value.ts";

/** One step of a source: an item, the end, or a failure. */
export type Step = { readonly done: false; readonly value: unknown } | { readonly done: true };

/**
 * The one shape every pull source is read through. `next()` returns a `Step` at once when the source
 * is synchronous, or a promise of one; `return()` stops the source and resolves once its cleanup
 * (a generator's `finally`, a stream's cancel) has run.
 */
export interface ItemIterator {
  next(): Step | Promise<Step>;
  return(reason: unknown): Promise<void>;
}

/** Tells whether a value is an object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Makes an `ItemIterator` from a `ReadableStream`, an async iterable or an iterable, or returns
 * `undefined` when `source` is none of them. A string is refused, since iterating it would send one
 * event per character.
 *
 * @throws {TypeError} when `source` is a string
 */
export function toItemIterator(source: unknown, context: string): ItemIterator | undefined {
  if (typeof source === "string") {
    throw new TypeError(`${context}: the source is a string, which would be sent one character at a time; wrap it: [${describeValue(source)}]`);
  }
  if (typeof source !== "object" || source === null) return undefined;
  if (typeof (source as { getReader?: unknown }).getReader === "function") {
    return fromReader((source as ReadableStream<unknown>).getReader());
  }
  const asyncFactory = (source as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof asyncFactory === "function") return fromAsyncIterator(asyncFactory.call(source) as AsyncIterator<unknown>);
  const syncFactory = (source as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof syncFactory === "function") return fromSyncIterator(syncFactory.call(source) as Iterator<unknown>);
  return undefined;
}

function fromReader(reader: ReadableStreamDefaultReader<unknown>): ItemIterator {
  return {
    next: () => reader.read() as Promise<Step>,
    return: async (reason) => {
      await reader.cancel(reason);
    },
  };
}

function fromAsyncIterator(iterator: AsyncIterator<unknown>): ItemIterator {
  return {
    next: () => iterator.next() as Promise<Step>,
    return: async () => {
      await iterator.return?.();
    },
  };
}

/** Like `for await`, an item that is a promise is awaited before it is sent. */
function fromSyncIterator(iterator: Iterator<unknown>): ItemIterator {
  return {
    next: () => {
      const step = iterator.next();
      if (step.done !== true && isThenable(step.value)) {
        return Promise.resolve(step.value).then((value): Step => ({ done: false, value }));
      }
      return step as Step;
    },
    return: async () => {
      iterator.return?.();
    },
  };
}
