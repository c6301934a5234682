// The Elysia example on Bun: `npm run example:elysia`, then open http://127.0.0.1:8787 (and /chat).
// Bun maps "edge-sse" to the repo's src/ through tsconfig.json `paths`; Elysia comes from this folder's
// own install (scripts/install-examples.sh).
import { buildApp } from "./app.ts";

const port = Number(Bun.env["PORT"] ?? 8787);

// Bun.serve's idleTimeout (10 s) cuts a connection that sends nothing for that long; edge-sse's keep-alive
// pings every 5 s by default, so streams stay open.
buildApp().listen({ hostname: "127.0.0.1", port }, (server) => {
  console.log(`edge-sse + Elysia on Bun: open ${server.url.href} (Ctrl+C to stop)`);
});
