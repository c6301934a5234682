import { afterAll, beforeAll } from "vitest";
import { startRedis, type RedisServer } from "../runtimes/redis-server.ts";
import { adminClient } from "./clients.ts";

/** The redis-server of a test file, and a plain connection to it for what the tests check by hand. */
export interface RedisFixture {
  readonly server: RedisServer;
  readonly admin: Awaited<ReturnType<typeof adminClient>>;
}

/**
 * Starts a redis-server (127.0.0.1, a free port) and an admin connection before the file's tests, and
 * stops both after them. Its fields are set once `beforeAll` has run.
 */
export function useRedisServer(): RedisFixture {
  const fixture: { server?: RedisServer; admin?: RedisFixture["admin"] } = {};
  beforeAll(async () => {
    fixture.server = await startRedis();
    fixture.admin = await adminClient(fixture.server.url);
  });
  afterAll(async () => {
    await fixture.admin?.close();
    await fixture.server?.stop();
  });
  return fixture as RedisFixture;
}
