// The Hono example on Node with @hono/node-server: `npm run example:hono`, then open http://127.0.0.1:8787
// (/events is edge-sse's DataStream, /hono-sse is Hono's streamSSE).
import { serve } from "@hono/node-server";
import { app } from "./app.ts";

const port = Number(process.env["PORT"] ?? 8787);

serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, ({ port }) => {
  console.log(`edge-sse + Hono on Node: open http://127.0.0.1:${port} (Ctrl+C to stop)`);
});
