// GET /: the demo page, whose EventSource reads /events.
import { DEMO_PAGE } from "../../shared/demo-page.ts";

export function GET(): Response {
  return new Response(DEMO_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
}
