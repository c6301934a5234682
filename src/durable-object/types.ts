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
  /**
   * Takes the server end of a WebSocket as hibernatable: the object may leave memory while it stays
   * open, and its events reach the object's `webSocketMessage` and `webSocketClose` handlers.
   */
  acceptWebSocket?(socket: HibernatableWebSocketLike, tags?: string[]): void;
  /** The hibernatable WebSockets the object has accepted and that are still open, after a wake-up too. */
  getWebSockets?(tag?: string): HibernatableWebSocketLike[];
}

/**
 * The server end of a hibernatable WebSocket, as a `ChannelObject` uses it (a Workers `WebSocket` has
 * it all): the object's `webSocketMessage`, `webSocketClose` and `webSocketError` get one.
 *
 * @example What survives hibernation is the attachment: here, a stand-in that keeps a copy
 * ```ts
 * import type { HibernatableWebSocketLike } from "edge-sse/durable-object";
 *
 * let kept: unknown = null;
 * const socket: HibernatableWebSocketLike = {
 *   send: () => {},
 *   close: () => {},
 *   serializeAttachment: (value) => void (kept = structuredClone(value)),
 *   deserializeAttachment: () => kept,
 * };
 * socket.serializeAttachment({ filter: ["chat"] });
 * console.assert(JSON.stringify(socket.deserializeAttachment()) === '{"filter":["chat"]}');
 * ```
 */
export interface HibernatableWebSocketLike {
  send(message: string): void;
  close(code?: number, reason?: string): void;
  /** Keeps a structured-cloneable value with the socket, through hibernation. */
  serializeAttachment(value: unknown): void;
  /** The value kept with `serializeAttachment`, or `null`. */
  deserializeAttachment(): unknown;
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
