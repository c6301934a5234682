import { expect, test } from "vitest";
import { authorize, signToken, type AuthorizeOptions, type TokenGrant } from "edge-sse/tokens";
import { KEY, NOW, OTHER_KEY } from "./oracle.ts";

const BASE: AuthorizeOptions = { keys: KEY, channel: "room:1", now: NOW };

async function tokenFor(grant: Partial<TokenGrant> = {}, key = KEY): Promise<string> {
  return signToken({ channels: ["room:1"], expiresAt: NOW + 60_000, ...grant }, key, { now: NOW });
}

function request(headers: Record<string, string> = {}, url = "http://localhost/room:1", method = "GET"): Request {
  return new Request(url, { method, headers, ...(method === "POST" ? { body: "x" } : {}) });
}

test("authorize takes a Bearer token from the Authorization header and hands back its claims, validUntil and source", async () => {
  const token = await tokenFor({ subject: "ada" });
  const auth = await authorize(request({ authorization: `Bearer ${token}` }), BASE);
  expect(auth).toEqual({
    ok: true,
    claims: { channels: ["room:1"], expiresAt: NOW + 60_000, issuedAt: NOW, subject: "ada", publish: false },
    keyIndex: 0,
    validUntil: NOW + 60_000,
    source: "header",
  });
  for (const header of [`bearer ${token}`, `BEARER   ${token}  `, `\tBearer\t${token}`]) {
    expect((await authorize(request({ authorization: header }), BASE)).ok, header).toBe(true);
  }
});

test("authorize answers a bare 401 without detail for a missing, malformed, tampered, expired or wrongly signed token", async () => {
  const token = await tokenFor();
  const cases: Array<[string, Request, AuthorizeOptions]> = [
    ["missing", request(), BASE],
    ["malformed", request({ authorization: "Bearer not-a-token" }), BASE],
    ["malformed", request({ authorization: "Bearer" }), BASE],
    ["signature", request({ authorization: `Bearer ${token.slice(0, -2)}AA` }), BASE],
    ["signature", request({ authorization: `Bearer ${await tokenFor({}, OTHER_KEY)}` }), BASE],
    ["expired", request({ authorization: `Bearer ${token}` }), { ...BASE, now: NOW + 60_000 }],
    ["not-yet-valid", request({ authorization: `Bearer ${await tokenFor({ notBefore: NOW + 1 })}` }), BASE],
    ["lifetime", request({ authorization: `Bearer ${token}` }), { ...BASE, maxLifetime: 1_000 }],
    ["too-long", request({ authorization: `Bearer ${"A".repeat(5_000)}` }), BASE],
    ["version", request({ authorization: `Bearer v9.${token.slice(3)}` }), BASE],
  ];
  for (const [reason, incoming, options] of cases) {
    const auth = await authorize(incoming, options);
    expect(auth.ok, reason).toBe(false);
    if (auth.ok) continue;
    expect(auth.reason).toBe(reason);
    expect(auth.status).toBe(401);
    expect(auth.response.status).toBe(401);
    expect(Object.fromEntries(auth.response.headers)).toEqual({
      "cache-control": "no-store",
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": "Bearer",
    });
    expect(await auth.response.text()).toBe("Unauthorized\n");
  }
});

test("authorize answers a bare 403 to a valid token for another channel, and keeps its claims for the logs", async () => {
  const token = await tokenFor({ channels: ["room:1", "doc:*"], subject: "ada" });
  for (const channel of ["room:10", "room:", "room:1:x", "doc:", "", "ROOM:1"]) {
    const auth = await authorize(request({ authorization: `Bearer ${token}` }), { ...BASE, channel });
    expect(auth.ok, channel).toBe(false);
    if (auth.ok) continue;
    expect({ reason: auth.reason, status: auth.status, subject: auth.claims?.subject, source: auth.source }).toEqual({
      reason: "channel",
      status: 403,
      subject: "ada",
      source: "header",
    });
    expect(auth.response.status).toBe(403);
    expect(auth.response.headers.get("www-authenticate")).toBeNull();
    expect(await auth.response.text()).toBe("Forbidden\n");
  }
  expect((await authorize(request({ authorization: `Bearer ${token}` }), { ...BASE, channel: "doc:9" })).ok).toBe(true);
});

test("authorize needs every channel of a list to be covered", async () => {
  const token = await tokenFor({ channels: ["room:1", "room:2"] });
  const headers = { authorization: `Bearer ${token}` };
  expect((await authorize(request(headers), { ...BASE, channel: ["room:1", "room:2"] })).ok).toBe(true);
  const partial = await authorize(request(headers), { ...BASE, channel: ["room:1", "room:3"] });
  expect(!partial.ok && partial.reason).toBe("channel");
});

test("publish: authorize asks for publishing on methods other than GET and HEAD unless told", async () => {
  const reader = { authorization: `Bearer ${await tokenFor()}` };
  const writer = { authorization: `Bearer ${await tokenFor({ publish: true })}` };
  const post = await authorize(request(reader, undefined, "POST"), BASE);
  expect(!post.ok && [post.reason, post.status]).toEqual(["publish", 403]);
  expect((await authorize(request(writer, undefined, "POST"), BASE)).ok).toBe(true);
  expect((await authorize(request(reader, undefined, "HEAD"), BASE)).ok).toBe(true);
  expect((await authorize(request(reader, undefined, "DELETE"), BASE)).ok).toBe(false);
  expect((await authorize(request(reader, undefined, "POST"), { ...BASE, publish: false })).ok).toBe(true);
  const asked = await authorize(request(reader), { ...BASE, publish: true });
  expect(!asked.ok && asked.reason).toBe("publish");
});

test("cookie: authorize reads the named cookie only, unquoted, from a list joined with ; or ,", async () => {
  const token = await tokenFor();
  const options = { ...BASE, cookie: "sse-token" };
  const cookieTokens = [
    `sse-token=${token}`,
    `a=1; sse-token=${token}; b=2`,
    `a=1;sse-token="${token}"`,
    `a=1, sse-token=${token}`,
    `xsse-token=bad; sse-token=${token}`,
  ];
  for (const cookie of cookieTokens) {
    const auth = await authorize(request({ cookie }), options);
    expect(auth.ok && auth.source, cookie).toBe("cookie");
  }
  const unnamed = await authorize(request({ cookie: `sse-token=${token}` }), BASE);
  expect(!unnamed.ok && unnamed.reason).toBe("missing");
  const other = await authorize(request({ cookie: `token=${token}` }), options);
  expect(!other.ok && other.reason).toBe("missing");
});

test("query: authorize reads the token from the URL only when the parameter is named", async () => {
  const token = await tokenFor();
  const url = `http://localhost/room:1?token=${token}&lastEventId=5`;
  const refused = await authorize(request({}, url), BASE);
  expect(!refused.ok && refused.reason).toBe("missing");
  const auth = await authorize(request({}, url), { ...BASE, query: "token" });
  expect(auth.ok && auth.source).toBe("query");
});

test("authorize looks at the header, then the query, then the cookie, and the first token found decides", async () => {
  const good = await tokenFor();
  const options = { ...BASE, cookie: "t", query: "t" };
  const url = `http://localhost/room:1?t=${good}`;
  const fromQuery = await authorize(request({ cookie: "t=bad" }, url), options);
  expect(fromQuery.ok && fromQuery.source).toBe("query");
  const fromCookie = await authorize(request({ cookie: `t=${good}` }), options);
  expect(fromCookie.ok && fromCookie.source).toBe("cookie");
  const badHeader = await authorize(request({ authorization: "Bearer bad", cookie: `t=${good}` }, url), options);
  expect(!badHeader.ok && [badHeader.reason, badHeader.source]).toEqual(["malformed", "header"]);
  const badQuery = await authorize(request({ cookie: `t=${good}` }, "http://localhost/room:1?t=bad"), options);
  expect(!badQuery.ok && [badQuery.reason, badQuery.source]).toEqual(["malformed", "query"]);
  // Another scheme in Authorization (a proxy's Basic credentials) is left alone.
  const basic = await authorize(request({ authorization: "Basic YTpi", cookie: `t=${good}` }), options);
  expect(basic.ok && basic.source).toBe("cookie");
});

test("authorize takes a token signed with an older key while keys rotate", async () => {
  const old = await tokenFor({}, OTHER_KEY);
  const auth = await authorize(request({ authorization: `Bearer ${old}` }), { ...BASE, keys: [KEY, OTHER_KEY] });
  expect(auth.ok && auth.keyIndex).toBe(1);
});

test("authorize rejects a bad request or bad options with a TypeError that names them, even when no token came", async () => {
  await expect(authorize({} as Request, BASE)).rejects.toThrow(
    new TypeError("Cannot authorize: `request` must be a Request (got an object)"),
  );
  await expect(authorize(request(), undefined as never)).rejects.toThrow(
    new TypeError("Cannot authorize: `options` must be an object (got undefined)"),
  );
  await expect(authorize(request(), { channel: "a" } as never)).rejects.toThrow(
    new TypeError("Cannot authorize: `keys` must be a string, a Uint8Array or a CryptoKey (got undefined)"),
  );
  await expect(authorize(request(), { keys: "short", channel: "a" })).rejects.toThrow(
    "Cannot authorize: `keys` must be a secret of at least 32 bytes",
  );
  await expect(authorize(request(), { keys: KEY } as never)).rejects.toThrow(
    new TypeError("Cannot authorize: `channel` must be a channel name or a non-empty array of them (got undefined)"),
  );
  await expect(authorize(request(), { keys: KEY, channel: [] })).rejects.toThrow(
    "`channel` must be a channel name or a non-empty array of them (got an array)",
  );
  await expect(authorize(request(), { keys: KEY, channel: ["a", 1 as unknown as string] })).rejects.toThrow(
    "`channel` must be a channel name",
  );
  await expect(authorize(request(), { ...BASE, publish: "yes" as never })).rejects.toThrow(
    new TypeError('Cannot authorize: `publish` must be a boolean (got "yes")'),
  );
  await expect(authorize(request(), { ...BASE, cookie: "a b" })).rejects.toThrow(
    new TypeError('Cannot authorize: `cookie` must be a cookie name: letters, digits and !#$%&\'*+-.^_`|~ (got "a b")'),
  );
  await expect(authorize(request(), { ...BASE, query: "" })).rejects.toThrow(
    new TypeError('Cannot authorize: `query` must be a non-empty parameter name (got "")'),
  );
  await expect(authorize(request(), { ...BASE, Cookie: "x" } as never)).rejects.toThrow(
    new TypeError("Cannot authorize: unknown option `Cookie` (did you mean `cookie`?)"),
  );
});
