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

/** Whether `value` is a string or a `String` object (iterable, one character at a time). */
export function isText(value: unknown): boolean {
  return typeof value === "string" || (typeof value === "object" && value instanceof String);
}

/**
 * Makes an `ItemIterator` from a `ReadableStream`, an async iterable or an iterable, or returns
 * `undefined` when `source` is none of them. A string (or a `String` object) is refused, since
 * iterating it would send one event per character.
 *
 * @throws {TypeError} when `source` is a string or a `String` object
 */
export function toItemIterator(source: unknown, context: string): ItemIterator | undefined {
  if (isText(source)) {
    throw new TypeError(
      `${context}: the source is a string, which would be sent one character at a time; wrap it: [${describeValue(String(source))}]`,
    );
  }
  if (!isPullSource(source)) return undefined;
  const candidate = source as Partial<ReadableStream<unknown> & AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof candidate.getReader === "function") return new ReaderItems(candidate.getReader());
  const asyncFactory = candidate[Symbol.asyncIterator];
  if (typeof asyncFactory === "function") return new AsyncItems(asyncFactory.call(source));
  return new SyncItems((source as Iterable<unknown>)[Symbol.iterator]());
}

/** Reads a `ReadableStream`. A class, not an object of closures: an idle stream holds one small object. */
class ReaderItems implements ItemIterator {
  readonly reader: ReadableStreamDefaultReader<unknown>;
  constructor(reader: ReadableStreamDefaultReader<unknown>) {
    this.reader = reader;
  }
  next(): Promise<Step> {
    return this.reader.read() as Promise<Step>;
  }
  async return(reason: unknown): Promise<void> {
    await this.reader.cancel(reason);
  }
}

/** Reads an async iterator. */
class AsyncItems implements ItemIterator {
  readonly iterator: AsyncIterator<unknown>;
  constructor(iterator: AsyncIterator<unknown>) {
    this.iterator = iterator;
  }
  next(): Promise<Step> {
    return this.iterator.next() as Promise<Step>;
  }
  async return(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** Reads an iterator; like `for await`, an item that is a promise is awaited before it is sent. */
class SyncItems implements ItemIterator {
  readonly iterator: Iterator<unknown>;
  constructor(iterator: Iterator<unknown>) {
    this.iterator = iterator;
  }
  next(): Step | Promise<Step> {
    const step = this.iterator.next();
    // A result that is not an object is the reader's to refuse, with the error `for await` would give.
    if (typeof step !== "object" || step === null) return step;
    if (!step.done && isThenable(step.value)) {
      return Promise.resolve(step.value).then((value): Step => ({ done: false, value }));
    }
    return step as Step;
  }
  async return(): Promise<void> {
    this.iterator.return?.();
  }
}
