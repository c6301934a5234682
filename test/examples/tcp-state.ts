/**
 * What the kernel says of the server's end of one TCP connection (Linux's /proc/net/tcp), for servers whose
 * sockets a test cannot see: another process (next start), or a runtime that shows only counts (Bun).
 */
import { readFileSync } from "node:fs";

/** The states in which the server still holds the connection open: ESTABLISHED, or CLOSE_WAIT (the client
 * has hung up, the server has not closed its end). */
const HELD = new Set(["01", "08"]);

/** Whether the server listening on `serverPort` still holds the connection from the client's `clientPort`. */
export function serverHoldsConnection(serverPort: number, clientPort: number): boolean {
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const local = parseInt(fields[1]!.split(":")[1]!, 16);
    const remote = parseInt(fields[2]!.split(":")[1]!, 16);
    if (local === serverPort && remote === clientPort && HELD.has(fields[3]!)) return true;
  }
  return false;
}
