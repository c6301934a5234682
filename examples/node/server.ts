// The demo on Node: `npm run demo`, then open http://127.0.0.1:8787 (and /chat for the chat room)
import { createServer } from "node:http";
import { toNodeListener } from "edge-sse/node";
import { handleDemo } from "../shared/demo-handler.ts";

const port = Number(process.env["PORT"] ?? 8787);
const server = createServer(toNodeListener(handleDemo));
server.listen(port, "127.0.0.1", () => {
  console.log(`edge-sse demo: open http://127.0.0.1:${port} (the chat room is at /chat; Ctrl+C to stop)`);
});
