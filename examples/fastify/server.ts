// The Fastify example on Node: `npm run example:fastify`, then open http://127.0.0.1:8787 (and /chat).
import { buildApp } from "./app.ts";

const port = Number(process.env["PORT"] ?? 8787);

const app = buildApp();
app.listen({ host: "127.0.0.1", port }).then(
  () => console.log(`edge-sse + Fastify on Node: open http://127.0.0.1:${port} (Ctrl+C to stop)`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
