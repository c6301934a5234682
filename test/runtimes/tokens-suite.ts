/**
 * The runtime suite's signed-subscription cases: tokens signed on this runtime's WebCrypto (here,
 * the client side) are taken by `authorize` on the server side, over real HTTP, and a fixed grant
 * signs to the same token as node:crypto's HMAC gives (test/tokens/sign-token.test.ts). On Node 18
 * both sides pass node:crypto's `webcrypto` as the `crypto` option; elsewhere the global one is used.
 */
import assert from "node:assert/strict";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { createEventIdCodec, EXPIRED_EVENT, signToken, verifyToken, type TokenGrant } from "edge-sse/tokens";
import type { SuiteCase } from "./suite.ts";
import { cryptoOption, SUITE_TOKEN_KEY } from "./tokens-app.ts";

/** The fixed vector of test/tokens/sign-token.test.ts: its key, time, grant and token. */
const VECTOR = {
  key: "edge-sse test key, 32 bytes long",
  now: 1_700_000_000_000,
  grant: { channels: ["user:42", "doc:*"], expiresAt: 1_700_000_060_000, subject: "42" } satisfies TokenGrant,
  token:
    "v1.eyJjaCI6WyJ1c2VyOjQyIiwiZG9jOioiXSwiZXhwIjoxNzAwMDAwMDYwMDAwLCJpYXQiOjE3MDAwMDAwMDAwMDAsInN1YiI6IjQyIn0.4rZliJEojNe7tO80bfeqeLMAq-Jj712QCpH9brzEkfQ",
};

function events(text: string): Array<Pick<EventSourceMessage, "data" | "event">> {
  const found: Array<Pick<EventSourceMessage, "data" | "event">> = [];
  const parser = createParser({ onEvent: ({ data, event }) => found.push({ data, event }) });
  parser.feed(text);
  return found;
}

async function token(grant: Partial<TokenGrant> = {}): Promise<string> {
  return signToken({ channels: ["room:1"], expiresIn: 60_000, ...grant }, SUITE_TOKEN_KEY, await cryptoOption());
}

export const tokenCases: readonly SuiteCase[] = [
  {
    name: "signed subscriptions: a fixed grant signs to the fixed token on this runtime's WebCrypto, which verifies it",
    timeoutMs: 10_000,
    async run() {
      const crypto = await cryptoOption();
      assert.equal(await signToken(VECTOR.grant, VECTOR.key, { now: VECTOR.now, ...crypto }), VECTOR.token);
      const verified = await verifyToken(VECTOR.token, ["another key of at least 32 bytes!", VECTOR.key], {
        now: VECTOR.now,
        ...crypto,
      });
      assert.deepEqual(verified.ok && [verified.keyIndex, verified.claims.subject], [1, "42"]);
      const tampered = await verifyToken(`${VECTOR.token.slice(0, 10)}x${VECTOR.token.slice(11)}`, VECTOR.key, {
        now: VECTOR.now,
        ...crypto,
      });
      assert.deepEqual(tampered, { ok: false, reason: "signature" });
    },
  },
  {
    name: "signed subscriptions: authorize answers 401, 403 or the channel's stream (token in a header, a cookie or the URL)",
    timeoutMs: 20_000,
    async run(target) {
      const room = await token({ channels: ["room:1", "doc:*"] });
      const answer = async (path: string, init: RequestInit = {}): Promise<[number, string]> => {
        const response = await target.fetch(path, init);
        return [response.status, await response.text()];
      };
      assert.deepEqual(await answer("/tokens/events?channel=room:1"), [401, "Unauthorized\n"]);
      assert.deepEqual(
        await answer("/tokens/events?channel=room:1", { headers: { authorization: `Bearer ${room.slice(0, -1)}` } }),
        [401, "Unauthorized\n"],
      );
      assert.deepEqual(
        await answer("/tokens/events?channel=room:10", { headers: { authorization: `Bearer ${room}` } }),
        [403, "Forbidden\n"],
      );
      assert.deepEqual(await answer(`/tokens/events?channel=room:1&token=${room}`), [401, "Unauthorized\n"]);
      for (const [path, headers] of [
        ["/tokens/events?channel=room:1", { authorization: `Bearer ${room}` }],
        ["/tokens/events?channel=doc:7", { cookie: `a=b; sse-token=${room}` }],
        [`/tokens/q/events?channel=room:1&token=${room}`, {}],
      ] as const) {
        const [status, text] = await answer(path, { headers });
        assert.equal(status, 200, path);
        assert.deepEqual(
          events(text).map((event) => event.data),
          ["one", "two"],
          path,
        );
      }
      const post = (bearer: string): Promise<[number, string]> =>
        answer("/tokens/events?channel=room:1", {
          method: "POST",
          body: "x",
          headers: { authorization: `Bearer ${bearer}` },
        });
      assert.deepEqual(await post(room), [403, "Forbidden\n"]);
      assert.deepEqual(await post(await token({ publish: true, subject: "ada" })), [201, '{"subject":"ada"}']);
    },
  },
  {
    name: "signed subscriptions: a stream ends at its token's expiry with the edge-sse-expired event",
    timeoutMs: 20_000,
    async run(target) {
      const shortLived = await token({ expiresIn: 1_500 });
      const response = await target.fetch("/tokens/events?channel=room:1&open", {
        headers: { authorization: `Bearer ${shortLived}` },
      });
      assert.equal(response.status, 200);
      const text = await response.text(); // the server ends it at the expiry
      assert.deepEqual(
        events(text).map(({ event, data }) => event ?? data),
        ["one", "two", EXPIRED_EVENT],
      );
    },
  },
  {
    name: "signed subscriptions: opaque event ids made by the server decode here, and are the same as made here",
    timeoutMs: 10_000,
    async run(target) {
      const ids = createEventIdCodec(SUITE_TOKEN_KEY, { scope: "suite", ...(await cryptoOption()) });
      for (const id of ["lz3k9a-12", "1700000000000-0", "日本 😀", "x".repeat(700)]) {
        const { opaque, back } = (await (await target.fetch(`/tokens/opaque?id=${encodeURIComponent(id)}`)).json()) as {
          opaque: string;
          back: string;
        };
        assert.equal(back, id);
        assert.equal(opaque, await ids.encode(id));
        assert.equal(await ids.decode(opaque), id);
      }
    },
  },
  {
    name: "signed subscriptions: a channel with opaque ids replays exactly after the opaque id sent back, and shows no plain id",
    timeoutMs: 10_000,
    async run(target) {
      const ids = createEventIdCodec(SUITE_TOKEN_KEY, { scope: "suite", ...(await cryptoOption()) });
      const response = await target.fetch("/tokens/opaque/events", {
        headers: { "last-event-id": await ids.encode("e1") },
      });
      assert.equal(response.status, 200);
      const text = await response.text(); // the channel closes after the replay
      const found: Array<[string, string | undefined]> = [];
      createParser({ onEvent: ({ data, id }) => void found.push([data, id]) }).feed(text);
      assert.deepEqual(found, [
        ["data of e2", await ids.encode("e2")],
        ["data of e3", await ids.encode("e3")],
      ]);
      assert.ok(!/^id: e/m.test(text), text);
    },
  },
  {
    name: "signed subscriptions: authorize in front of a channel route (a Durable Object on Workers): POST needs publish, GET ends at expiry",
    timeoutMs: 20_000,
    async run(target) {
      const key = `tokens-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const channel = `room:${key}`;
      const reader = await token({ channels: [channel], expiresIn: 2_000 });
      const writer = await token({ channels: ["room:*"], publish: true });
      const path = (route: string, extra = ""): string =>
        `/tokens/channel/${route}?channel=${encodeURIComponent(channel)}&key=${key}${extra}`;
      const auth = (bearer: string): RequestInit => ({ headers: { authorization: `Bearer ${bearer}` } });
      const stream = await target.fetch(path("events"), auth(reader));
      assert.equal(stream.status, 200);
      const body = stream.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.startsWith(":\n\n")) text += decoder.decode((await body.read()).value, { stream: true }); // subscribed
      const refused = await target.fetch(path("publish", "&data=no"), { method: "POST", ...auth(reader) });
      assert.deepEqual([refused.status, await refused.text()], [403, "Forbidden\n"]);
      const published = await target.fetch(path("publish", "&data=hello"), { method: "POST", ...auth(writer) });
      assert.equal(published.status, 200);
      await published.body?.cancel();
      for (let chunk = await body.read(); !chunk.done; chunk = await body.read())
        text += decoder.decode(chunk.value, { stream: true });
      assert.deepEqual(
        events(text).map(({ event, data }) => event ?? data),
        ["hello", EXPIRED_EVENT],
      );
    },
  },
];
