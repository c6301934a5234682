import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Tracks a Node server's open sockets, to tell whether it still holds the connection from a client's port. */
export function trackSockets(server: Server): (port: number) => boolean {
  const open = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  return (port) => [...open].some((socket) => socket.remotePort === port);
}
