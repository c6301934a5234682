/**
 * Chromium's own EventSource, which cannot set headers, with signed subscriptions: the token in an
 * HttpOnly SameSite cookie set by the server, and in the query string where a route allows it. The
 * server is node:http through edge-sse/node with `authorize` in front of a Channel's response and
 * its stream ending at the token's expiry. Chromium is `/usr/bin/chromium`, or the binary named by `CHROMIUM`.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { chromium, type BrowserContext } from "playwright-core";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel } from "edge-sse/channel";
import { authorize, EXPIRED_EVENT, signToken, type TokenRefusal } from "edge-sse/tokens";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";
import { KEY } from "./oracle.ts";

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";

interface FlowResult {
  readonly seen: string[];
  readonly end: string;
}

/**
 * The page. `cookieFlow(ms, refresh)` logs in (the server sets a cookie holding a token valid for
 * `ms`), opens an EventSource on /events/room:1 and, at the expired event, logs in again when
 * `refresh`; it ends at the event "done" or when the browser gives up. `queryFlow()` gets a token as
 * JSON and opens /q/events/room:2?token=….
 */
const PAGE = `<!doctype html><meta charset="utf-8"><script>
function follow(url, onExpired) {
  const seen = [];
  return new Promise((resolve) => {
    const source = new EventSource(url);
    const finish = (end) => { source.close(); clearTimeout(timer); resolve({ seen, end }); };
    const timer = setTimeout(() => finish("timed out after 20 s"), 20000);
    source.onmessage = (event) => { seen.push(event.data); if (event.data === "done") finish("done"); };
    source.addEventListener(${JSON.stringify(EXPIRED_EVENT)}, () => { seen.push("(expired)"); onExpired(); });
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) finish("the browser gave up"); };
  });
}
window.cookieFlow = async (ms, refresh) => {
  await fetch("/login?ms=" + ms, { method: "POST" });
  return follow("/events/room:1", () => { if (refresh) fetch("/login?ms=60000", { method: "POST" }); });
};
window.queryFlow = async () => {
  const { token } = await (await fetch("/token", { method: "POST" })).json();
  return follow("/q/events/room:2?token=" + encodeURIComponent(token), () => {});
};
window.noToken = () => follow("/events/room:1", () => {});
</script>`;

let server: TestServer | undefined;
let browser: BrowserContext | undefined;
let launchError: Error | undefined;
let profileDir: string | undefined;
const refusals: TokenRefusal[] = [];
const logins: number[] = [];
let joins = 0;
let leaves = 0;
const channels = new Map<string, Channel>();

function channelNamed(name: string): Channel {
  let channel = channels.get(name);
  if (channel === undefined) {
    // retry: 1 s, so that the page's new login lands before the browser reconnects.
    channel = new Channel({ keepAlive: false, retry: 1_000, onJoin: () => void joins++, onLeave: () => void leaves++ });
    channels.set(name, channel);
  }
  return channel;
}

beforeAll(async () => {
  server = await serveNode(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/") return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    if (url.pathname === "/login" && request.method === "POST") {
      const ms = Number(url.searchParams.get("ms"));
      logins.push(ms);
      const token = await signToken({ channels: ["room:1"], expiresIn: ms, subject: "ada" }, KEY);
      return new Response(null, {
        status: 204,
        headers: { "set-cookie": `sse-token=${token}; Path=/; HttpOnly; SameSite=Strict` },
      });
    }
    if (url.pathname === "/token" && request.method === "POST") {
      return Response.json({ token: await signToken({ channels: ["room:2"], expiresIn: 30_000 }, KEY) });
    }
    const match = /^(\/q)?\/events\/(.+)$/.exec(url.pathname);
    if (match === null) return new Response("Not found", { status: 404 });
    const name = decodeURIComponent(match[2]!);
    const auth = await authorize(request, {
      keys: KEY,
      channel: name,
      cookie: "sse-token",
      ...(match[1] ? { query: "token" } : {}),
    });
    if (!auth.ok) {
      refusals.push(auth.reason);
      return auth.response;
    }
    return channelNamed(name).response({ request, expiresAt: auth.validUntil });
  });
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(
      `Chromium not found at ${CHROMIUM}: run \`npm run setup\` (or set CHROMIUM to a Chromium binary)`,
    );
    return;
  }
  profileDir = await mkdtemp(join(tmpdir(), "edge-sse-tokens-"));
  try {
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    launchError = new Error(`Could not launch Chromium at ${CHROMIUM}: run \`npm run setup\` (${detail})`, {
      cause: error,
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([...channels.values()].map((channel) => channel.close()));
  await server?.close();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
});

type Flow = "cookieFlow" | "queryFlow" | "noToken";

async function runFlow(
  flow: Flow,
  ...args: unknown[]
): Promise<{ result: Promise<FlowResult>; close: () => Promise<void> }> {
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  const page = await browser.newPage();
  await page.goto(`${server!.url}/`);
  const result = page.evaluate(
    ([name, rest]) =>
      (window as unknown as Record<string, (...a: unknown[]) => Promise<FlowResult>>)[name as string]!(
        ...(rest as unknown[]),
      ),
    [flow, args] as const,
  );
  return { result, close: () => page.close() };
}

test("Chromium's EventSource sends the HttpOnly cookie, gets the expired event, and with a new cookie reconnects and resumes without a gap", async () => {
  const room = channelNamed("room:1");
  const [joined, left] = [joins, leaves];
  const { result, close } = await runFlow("cookieFlow", 1_500, true);
  try {
    await until(() => joins === joined + 1, "the page to subscribe", 15_000);
    await room.publish("before expiry");
    await until(() => leaves === left + 1 && logins.at(-1) === 60_000, "the expiry and the page's new login", 15_000);
    await room.publish("while away");
    await until(() => joins === joined + 2, "the browser to reconnect with the new cookie", 15_000);
    await room.publish("done");
    expect(await result).toEqual({ seen: ["before expiry", "(expired)", "while away", "done"], end: "done" });
  } finally {
    await close();
  }
}, 60_000);

test("Chromium's EventSource gives up after the expiry when the page gets no new token: the reconnect gets a 401", async () => {
  refusals.length = 0;
  const { result, close } = await runFlow("cookieFlow", 800, false);
  try {
    expect(await result).toEqual({ seen: ["(expired)"], end: "the browser gave up" });
    expect(refusals).toEqual(["expired"]);
  } finally {
    await close();
  }
}, 60_000);

test("Chromium's EventSource opens a route that allows the query parameter with the token in its URL", async () => {
  const room = channelNamed("room:2");
  const { result, close } = await runFlow("queryFlow");
  try {
    await until(() => room.subscriberCount === 1, "the page to subscribe", 15_000);
    await room.publish("done");
    expect(await result).toEqual({ seen: ["done"], end: "done" });
  } finally {
    await close();
  }
}, 60_000);

test("Chromium's EventSource without a token gets a 401 and gives up", async () => {
  refusals.length = 0;
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  await browser.clearCookies();
  const { result, close } = await runFlow("noToken");
  try {
    expect(await result).toEqual({ seen: [], end: "the browser gave up" });
    expect(refusals).toEqual(["missing"]);
  } finally {
    await close();
  }
}, 60_000);
