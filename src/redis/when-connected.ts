import type { RedisConnection } from "./connection.ts";

/** How often a wait for a reconnecting client looks again, in milliseconds. */
const POLL_MS = 20;

/**
 * Waits until `connection` is connected, for at most `ms` milliseconds, so that a command goes to
 * a live connection instead of waiting in the client's offline queue (node-redis would send it
 * whenever Redis comes back, long after the caller was told anything).
 *
 * @throws {Error} (as a rejection) starting with `context` once `ms` have passed and the client is still reconnecting; nothing was sent
 */
export async function whenConnected(connection: RedisConnection, ms: number, context: string): Promise<void> {
  if (!connection.connecting()) return;
  const deadline = Date.now() + ms;
  while (connection.connecting()) {
    if (Date.now() >= deadline) {
      throw new Error(
        `${context}: Redis is not connected (the client has been reconnecting for ${ms} ms), so nothing was sent`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
