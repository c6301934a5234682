// The one binding of "cloudflare:test" this suite uses, typed without @cloudflare/workers-types (not installed):
// the plugin's own declarations (@cloudflare/vitest-plugin/types) need the full Workers runtime types.
declare module "cloudflare:test" {
  /** The Worker of vitest.config.ts `main` (worker.ts), as a service binding. */
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
}
