/**
 * A way for a server bridge in the same process (edge-sse/node) to take an event stream's bytes
 * straight from its engine, without reading its `ReadableStream`: the bridge hands the engine a sink
 * with the controller's shape (through the stream's own `start`) and then calls the stream's `pull`
 * itself, as the stream would. Nothing else changes: the engine writes, closes and errors the sink
 * exactly as it would the stream's controller, and `cancel` is the stream's cancel. Every other
 * consumer reads the `ReadableStream` as ever.
 */

/** What the engine writes to: the part of `ReadableStreamDefaultController` it uses. */
export interface ChunkSink {
  enqueue(chunk: Uint8Array): void;
  close(): void;
  error(reason: unknown): void;
  /** Below 0 while a chunk written waits to be taken (the consumer is stalled). */
  readonly desiredSize: number | null;
}

/** The underlying source of an event stream: what its `ReadableStream` was made from. */
export interface TappableSource {
  start(controller: ReadableStreamDefaultController<Uint8Array>): void;
  pull(): Promise<void> | void;
  cancel(reason: unknown): Promise<void>;
}

const sources = new WeakMap<ReadableStream<Uint8Array>, TappableSource>();

/** Lets `tapBody` take `stream`'s source (one WeakMap entry per stream, nothing more). */
export function offerTap(stream: ReadableStream<Uint8Array>, source: TappableSource): void {
  sources.set(stream, source);
}

/**
 * Takes `stream`'s source for `sink`, when `stream` is an event stream's body that nothing has
 * locked; the caller must know that nothing has read it either (a `Response`'s `bodyUsed`). The
 * stream is then locked, so that nobody else reads it, and its source writes to `sink` from now on.
 * `undefined` when `stream` is no such body.
 */
export function tapBody(stream: unknown, sink: ChunkSink): TappableSource | undefined {
  const body = stream as ReadableStream<Uint8Array>;
  const source = sources.get(body);
  if (source === undefined || body.locked) return undefined;
  sources.delete(body);
  body.getReader();
  source.start(sink as ReadableStreamDefaultController<Uint8Array>);
  return source;
}
