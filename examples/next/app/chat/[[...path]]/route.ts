// /chat, /chat/events and POST /chat/messages: the demo's chat room (a Channel), served by the shared
// fetch handler. One module holds the room, so every request of this server process shares it.
import { handleChat } from "../../../../shared/chat-handler.ts";
import { ChatRoom } from "../../../../shared/chat-room.ts";

export const dynamic = "force-dynamic";

const room = new ChatRoom();

export function GET(request: Request): Promise<Response> {
  return handleChat(request, room);
}

export function POST(request: Request): Promise<Response> {
  return handleChat(request, room);
}
