import { describeValue } from "./describe-value.ts";
import { isThenable } from "./check.ts";

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

/** Tells whether `value` is a source read by pulling: a `ReadableStream`, an async iterable or an iterable object. */
export function isPullSource(
  value: unknown,
): value is ReadableStream<unknown> | AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { getReader?: unknown; [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown };
  return (
    typeof candidate.getReader === "function" ||
    typeof candidate[Symbol.asyncIterator] === "function" ||
    typeof candidate[Symbol.iterator] === "function"
  );
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
    throw new TypeError(
      `${context}: the source is a string, which would be sent one character at a time; wrap it: [${describeValue(source)}]`,
    );
  }
  if (!isPullSource(source)) return undefined;
  const candidate = source as Partial<ReadableStream<unknown> & AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof candidate.getReader === "function") return fromReader(candidate.getReader());
  const asyncFactory = candidate[Symbol.asyncIterator];
  if (typeof asyncFactory === "function") return fromAsyncIterator(asyncFactory.call(source));
  return fromSyncIterator((source as Iterable<unknown>)[Symbol.iterator]());
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
