// The Express example on Node: `npm run example:express`, then open http://127.0.0.1:8787 (and /chat).
import { app } from "./app.ts";

const port = Number(process.env["PORT"] ?? 8787);

const server = app.listen(port, "127.0.0.1", () => {
  console.log(`edge-sse + Express on Node: open http://127.0.0.1:${port} (Ctrl+C to stop)`);
});
// Express 5's listen() reports a failed bind through the server's "error" event.
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
