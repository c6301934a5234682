// The bindings of "cloudflare:test" and "cloudflare:workers" these tests use, typed without
// @cloudflare/workers-types (not installed): the plugin's own declarations (@cloudflare/vitest-plugin/types)
// need the full Workers runtime types.
declare module "cloudflare:test" {
  /** The Worker of the project's `main`, as a service binding. */
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
  /** Runs `callback` inside the Durable Object `stub` points to, with its instance and state. */
  export function runInDurableObject<R>(
    stub: import("edge-sse/durable-object").DurableObjectStubLike,
    callback: (instance: unknown, state: import("edge-sse/durable-object").DurableObjectStateLike) => R | Promise<R>,
  ): Promise<R>;
  /**
   * Tears down the running instance of the Durable Object `stub` points to; its storage stays, and its
   * hibernatable WebSockets hibernate (or close, with `webSockets: "close"`).
   */
  export function evictDurableObject(
    stub: import("edge-sse/durable-object").DurableObjectStubLike,
    options?: { webSockets?: "close" | "hibernate" },
  ): Promise<void>;
}

declare module "cloudflare:workers" {
  /** The bindings of the project's Worker. */
  export const env: unknown;
}
