// The demo on Deno: `npm run example:deno` (or `deno run --allow-net=127.0.0.1 --allow-env=PORT examples/deno/server.ts`
// from the repo root: deno.json maps "edge-sse" to src/), then open http://127.0.0.1:8787
// Deno notices a client that leaves as soon as the connection closes: request.signal aborts and the stream ends.
import { handleDemo } from "../shared/demo-handler.ts";

const port = Number(Deno.env.get("PORT") ?? 8787);

Deno.serve(
  {
    hostname: "127.0.0.1",
    port,
    onListen: ({ hostname, port }) =>
      console.log(`edge-sse demo on Deno: open http://${hostname}:${port} (Ctrl+C to stop)`),
  },
  handleDemo,
);
