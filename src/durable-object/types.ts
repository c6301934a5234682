/**
 * The parts of the Cloudflare Durable Objects API that `edge-sse/durable-object` uses, as small
 * structural types: the library does not depend on the Workers runtime types, and the real
 * `DurableObjectState`, `DurableObjectStorage` and `DurableObjectNamespace` fit these.
 */

/** The storage calls a `StorageBroker` makes (a `DurableObjectStorage` has them all). */
export interface DurableObjectStorageLike {
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** The entries whose keys start with `prefix`, in key order. */
  list(options: { readonly prefix: string }): Promise<Map<string, unknown>>;
  /** Writes several entries at once (at most 128). */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Deletes several keys at once (at most 128); resolves to how many existed. */
  delete(keys: string[]): Promise<number>;
}

/** What a Durable Object's constructor gets as its first argument (`ctx` or `state`). */
export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike;
  /** Holds back every other event of the object until `callback`'s promise settles. */
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** A stub of one Durable Object: its `fetch` reaches the object's `fetch`. */
export interface DurableObjectStubLike {
  fetch(request: Request): Promise<Response>;
}

/** A Durable Object namespace binding (`env.CHANNELS`), as `routeToChannel` uses it. */
export interface DurableObjectNamespaceLike<Id = unknown> {
  /** The id of the object named `name`: the same name always gives the same object. */
  idFromName(name: string): Id;
  /** A stub of the object with that id. */
  get(id: Id): DurableObjectStubLike;
}
