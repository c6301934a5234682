/** `authorize` in front of a stream of several channels: the token must cover each one, else 403. */
import { expect, test } from "vitest";
import { Channels } from "edge-sse/channel";
import { authorize, createEventIdCodec, EXPIRED_EVENT, signToken } from "edge-sse/tokens";
import { EventReader } from "../helpers/event-reader.ts";
import { KEY } from "./oracle.ts";

/** The channels a request asks for: `?room=<name>&user=<name>`, keyed as the cursor names them. */
function asked(request: Request): Record<string, string> {
  const params = new URL(request.url).searchParams;
  return { room: `room:${params.get("room")}`, me: `user:${params.get("user")}` };
}

function server(registry: Channels): (request: Request) => Promise<Response> {
  return async (request) => {
    const names = asked(request);
    const auth = await authorize(request, { keys: KEY, channel: Object.values(names), query: "token" });
    if (!auth.ok) return auth.response;
    return registry.responseMany(names, { request, expiresAt: auth.validUntil, keepAlive: false });
  };
}

test("authorize with several channels: a token must cover every channel of the stream, else 403; the stream expires with it", async () => {
  const registry = new Channels({ eventIds: createEventIdCodec(KEY, { scope: "several" }) });
  const handle = server(registry);
  const url = (token: string): string => `http://localhost/events?room=1&user=42&token=${token}`;
  const roomOnly = await signToken({ channels: ["room:*"], expiresIn: 60_000 }, KEY);
  const refused = await handle(new Request(url(roomOnly)));
  expect(refused.status).toBe(403);
  expect(registry.size).toBe(0);

  const both = await signToken({ channels: ["room:*", "user:42"], expiresIn: 1_500 }, KEY);
  const reader = new EventReader(await handle(new Request(url(both))));
  await reader.started();
  await registry.publish("user:42", "for you");
  const [event] = await reader.until(1);
  expect(event!.data).toBe("for you");
  // Opaque ids fit in the cursor, under the limit of a position.
  expect(event!.id).toMatch(/^1;room=;me=[\w\-.!~*'()%]+$/);
  const events = await reader.rest();
  expect(events.at(-1)!.event).toBe(EXPIRED_EVENT);
  const other = await signToken({ channels: ["room:*", "user:7"], expiresIn: 60_000 }, KEY);
  expect((await handle(new Request(url(other)))).status).toBe(403);
  await registry.close();
});
