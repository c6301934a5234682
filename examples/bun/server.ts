// The demo on Bun: `npm run example:bun` (or `bun examples/bun/server.ts` from the repo root: Bun reads the
// tsconfig.json `paths` that map "edge-sse" to src/), then open http://127.0.0.1:8787
import { handleDemo } from "../shared/demo-handler.ts";

const port = Number(Bun.env["PORT"] ?? 8787);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  // Bun.serve cuts a connection that sends nothing for `idleTimeout` seconds (default 10). The demo is
  // safe: it sends every second, and edge-sse's keep-alive pings every 5 s by default, under the 10 s.
  // A stream with `keepAlive: false`, or a keep-alive of 10 s or more, needs a larger idleTimeout
  // (at most 255), or `server.timeout(request, 0)` for that one request.
  idleTimeout: 10,
  fetch: handleDemo,
});
console.log(`edge-sse demo on Bun: open ${server.url.href} (Ctrl+C to stop)`);
