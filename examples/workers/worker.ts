// The demo as a Cloudflare Worker: `npx wrangler dev` (wrangler.toml points here).
import { handleDemo } from "../shared/demo-handler.ts";

export default {
  fetch(request: Request): Response | Promise<Response> {
    return handleDemo(request);
  },
};
