// The runtime suite's server inside workerd: the shared handler as a Worker's default export.
// Served by @cloudflare/vitest-plugin (vitest.config.ts, SELF.fetch) and by `wrangler dev` (wrangler.toml).
import { handleSuite } from "../app.ts";

export default {
  fetch(request: Request): Response | Promise<Response> {
    return handleSuite(request);
  },
};
