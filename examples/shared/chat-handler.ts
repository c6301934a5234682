import { CHAT_PAGE } from "./chat-page.ts";
import { readChatPost } from "./chat-post.ts";
import type { ChatRoom } from "./chat-room.ts";
import { readBodyText } from "./read-body.ts";

/** The largest request body `POST /chat/messages` reads, in bytes: a 500-character message with a 40-character name fits. */
export const MAX_BODY_BYTES = 4_096;

/**
 * Serves a chat room as a web-standard fetch handler:
 * - `GET /chat`: the page;
 * - `GET /chat/events`: the room's event stream (it resumes after the Last-Event-ID header);
 * - `POST /chat/messages`: JSON `{ name, text }` → `201 { id }`, or a 4xx with `{ error }` saying what is wrong
 *   (413 past `MAX_BODY_BYTES`, which is all of a body that is ever read).
 *
 * @example
 * ```ts
 * const room = new ChatRoom();
 * Deno.serve((request) => handleChat(request, room));
 * ```
 */
export async function handleChat(request: Request, room: ChatRoom): Promise<Response> {
  const { pathname } = new URL(request.url);
  switch (pathname) {
    case "/chat":
      return (
        onlyMethod("GET", request) ??
        new Response(CHAT_PAGE, { headers: { "content-type": "text/html; charset=utf-8" } })
      );
    case "/chat/events":
      return onlyMethod("GET", request) ?? room.connect(request);
    case "/chat/messages":
      return onlyMethod("POST", request) ?? postMessage(request, room);
    default:
      return new Response("Not found", { status: 404 });
  }
}

async function postMessage(request: Request, room: ChatRoom): Promise<Response> {
  if (!/^application\/json\s*(;|$)/i.test(request.headers.get("content-type") ?? "")) {
    return jsonResponse(415, { error: "Send the message as application/json" });
  }
  const body = await readBodyText(request, MAX_BODY_BYTES);
  if (body === undefined) return jsonResponse(413, { error: `The body must be at most ${MAX_BODY_BYTES} bytes` });

  let post: ReturnType<typeof readChatPost>;
  try {
    post = readChatPost(JSON.parse(body));
  } catch (error) {
    if (error instanceof SyntaxError) return jsonResponse(400, { error: "The body is not valid JSON" });
    if (error instanceof TypeError) return jsonResponse(400, { error: error.message });
    throw error;
  }
  return jsonResponse(201, { id: await room.post(post) });
}

/** A 405 response when the request's method is not `method`, else `undefined`. */
function onlyMethod(method: string, request: Request): Response | undefined {
  if (request.method === method) return undefined;
  return jsonResponse(405, { error: `Use ${method}` }, { allow: method });
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
