/**
 * The chat demo in headless Chromium (playwright-core): real pages, real EventSources, posting through
 * the page's form. A message typed in one page shows in another; a page whose connection the server
 * cuts reconnects with Last-Event-ID and shows exactly the messages it missed, once each, in order;
 * a page that missed more than the room holds shows the gap notice.
 *
 * Each page runs in its own browser context with its own user agent, so the server can tell whose
 * /chat/events connection to cut. Reconnections that carry a Last-Event-ID can be held at the server
 * until the test has posted what the page should miss, so no step depends on timing.
 *
 * Chromium is `/usr/bin/chromium`, or the binary named by the `CHROMIUM` environment variable.
 */
import { test, expect, beforeAll, afterAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { handleChat } from "../../examples/shared/chat-handler.ts";
import { ChatRoom } from "../../examples/shared/chat-room.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { deferred, type Deferred } from "../helpers/deferred.ts";
import type { FetchHandler } from "../../src/node.ts";

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
const WAIT_MS = 10_000;

/** A reconnection as the server saw it: who, the Last-Event-ID it sent, and where the replay started. */
interface Resume {
  readonly agent: string;
  readonly lastEventId: string;
  readonly replayedFrom: string | null;
}

/** A chat server that records each page's event-stream sockets and can hold reconnections. */
interface ChatServer {
  readonly url: string;
  readonly resumes: Resume[];
  /** Cuts every /chat/events connection the page with user agent `agent` has open. */
  cut(agent: string): void;
  /** From now on, reconnections with a Last-Event-ID wait at the server until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function serveChat(handler: FetchHandler): Promise<ChatServer> {
  const sockets = new Map<string, Socket[]>();
  const resumes: Resume[] = [];
  let gate: Deferred<void> | undefined;
  const server: TestServer = await serveNode(async (request) => {
    const lastEventId = request.headers.get("last-event-id");
    if (new URL(request.url).pathname !== "/chat/events" || lastEventId === null) return handler(request);
    await gate?.promise;
    const response = await handler(request);
    const agent = request.headers.get("user-agent") ?? "";
    resumes.push({ agent, lastEventId, replayedFrom: response.headers.get("last-event-id") });
    return response;
  });
  server.server.on("request", (req) => {
    if (!req.url?.startsWith("/chat/events")) return;
    const agent = req.headers["user-agent"] ?? "";
    sockets.set(agent, [...(sockets.get(agent) ?? []), req.socket]);
  });
  return {
    url: server.url,
    resumes,
    cut: (agent) => {
      const open = sockets.get(agent) ?? [];
      if (open.length === 0) throw new Error(`No /chat/events connection from ${agent} to cut`);
      for (const socket of open) socket.destroy();
      sockets.delete(agent);
    },
    hold: () => {
      gate = deferred();
    },
    release: () => {
      gate?.resolve();
      gate = undefined;
    },
    close: async () => {
      gate?.resolve();
      await server.close();
    },
  };
}

let browser: Browser | undefined;
let launchError: Error | undefined;
const servers: ChatServer[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(`Chromium not found at ${CHROMIUM}: run \`npm run setup\` (or set CHROMIUM to a Chromium binary)`);
    return;
  }
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    launchError = new Error(`Could not launch Chromium at ${CHROMIUM}: run \`npm run setup\` (${detail})`, { cause: error });
  }
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
});

/** One chat page in its own browser context (its own connections), with its user agent and errors. */
interface ChatPage {
  readonly page: Page;
  readonly agent: string;
  readonly errors: Error[];
}

/** Opens `/chat` as `name` in a new context and waits until its EventSource is connected. */
async function openChat(server: ChatServer, name: string, contexts: BrowserContext[]): Promise<ChatPage> {
  if (browser === undefined) throw launchError ?? new Error("Chromium did not start: run `npm run setup`");
  const agent = `edge-sse-chat-test-${name}`;
  const context = await browser.newContext({ userAgent: agent });
  contexts.push(context);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on("pageerror", (error) => errors.push(error));
  await page.goto(`${server.url}/chat`, { timeout: WAIT_MS });
  await page.fill("#name", name, { timeout: WAIT_MS });
  await waitForText(page, "#state", "connected");
  return { page, agent, errors };
}

/** Types `text` in the page's message box, sends it with Enter, and returns the id the server gave it. */
async function send({ page }: ChatPage, text: string): Promise<string> {
  await page.fill("#text", text, { timeout: WAIT_MS });
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/chat/messages", { timeout: WAIT_MS }),
    page.press("#text", "Enter", { timeout: WAIT_MS }),
  ]);
  const answer: unknown = await response.json();
  expect(response.status(), JSON.stringify(answer)).toBe(201);
  return (answer as { id: string }).id;
}

/** Posts a message straight to the server, as another client would. */
async function post(server: ChatServer, name: string, text: string): Promise<void> {
  const response = await fetch(`${server.url}/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, text }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  expect(response.status).toBe(201);
}

/** The message list as the page shows it: each line's text, with gap notices as "(gap)". */
function linesOf(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("#messages li")].map((line) =>
      line.classList.contains("gap") ? "(gap)" : line.querySelector(".text")?.textContent ?? "(no text)"
    )
  );
}

/** Waits until the message list is exactly `expected`; on timeout, fails showing what the page shows. */
async function waitForLines({ page }: ChatPage, expected: readonly string[], what: string): Promise<void> {
  try {
    await page.waitForFunction((want) => {
      const lines = [...document.querySelectorAll("#messages li")].map((line) =>
        line.classList.contains("gap") ? "(gap)" : line.querySelector(".text")?.textContent ?? "(no text)"
      );
      return JSON.stringify(lines) === JSON.stringify(want);
    }, expected, { timeout: WAIT_MS });
  } catch (error) {
    const shown = await linesOf(page).catch(() => "(page gone)");
    throw new Error(`Timed out waiting for ${what}: wanted ${JSON.stringify(expected)}, the page shows ${JSON.stringify(shown)}`, { cause: error });
  }
}

/** Waits until the element `selector` shows exactly `text`. */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, t]) => document.querySelector(s)?.textContent === t,
      [selector, text] as const,
      { timeout: WAIT_MS },
    );
  } catch (error) {
    const shown = await page.textContent(selector, { timeout: 1_000 }).catch(() => "(page gone)");
    throw new Error(`Timed out waiting for ${selector} to show ${JSON.stringify(text)}; it shows ${JSON.stringify(shown)}`, { cause: error });
  }
}

test("A message sent in one page shows in the other; a cut page reconnects and shows exactly what it missed", async () => {
  const server = await serveChat(handleDemo);
  servers.push(server);
  const contexts: BrowserContext[] = [];
  try {
    const alice = await openChat(server, "alice", contexts);
    const bob = await openChat(server, "bob", contexts);
    await waitForText(alice.page, "#online", "2 online");
    await waitForText(bob.page, "#online", "2 online");

    const markup = '<img src="x" onerror="window.injected = true"><b>bold?</b>';
    const before = ["hello from alice", markup];
    await send(alice, before[0]!);
    const lastSeenByBob = await send(alice, markup);
    await waitForLines(bob, before, "alice's messages in bob's page");
    expect(await bob.page.locator("#messages img, #messages b").count()).toBe(0);
    expect(await bob.page.evaluate(() => "injected" in window)).toBe(false);

    server.hold();
    server.cut(bob.agent);
    await waitForText(bob.page, "#state", "reconnecting…");
    await waitForText(alice.page, "#online", "1 online");
    const missed = ["missed 1", "missed 2 ✓ ünïcödé", "missed 3"];
    for (const text of missed) await send(alice, text);
    await waitForLines(alice, [...before, ...missed], "alice's own messages in her page");
    server.release();

    await waitForLines(bob, [...before, ...missed], "the missed messages in bob's page after reconnecting");
    await waitForText(bob.page, "#state", "connected");
    await waitForText(alice.page, "#online", "2 online");
    expect(server.resumes).toEqual([{ agent: bob.agent, lastEventId: lastSeenByBob, replayedFrom: lastSeenByBob }]);

    // Events arrive in order, so once a later message shows, no duplicate of an earlier one can still come.
    await send(bob, "back again");
    const all = [...before, ...missed, "back again"];
    await waitForLines(bob, all, "bob's message in his page");
    await waitForLines(alice, all, "bob's message in alice's page");
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  } finally {
    server.release();
    await Promise.all(contexts.map((context) => context.close()));
  }
});

test("A page that missed more than the room holds shows the gap notice, then what the room still has", async () => {
  const room = new ChatRoom({ maxMessages: 3 });
  const server = await serveChat((request) => handleChat(request, room));
  servers.push(server);
  const contexts: BrowserContext[] = [];
  try {
    const carol = await openChat(server, "carol", contexts);
    await post(server, "dave", "seen");
    await waitForLines(carol, ["seen"], "the first message");

    server.hold();
    server.cut(carol.agent);
    await waitForText(carol.page, "#state", "reconnecting…");
    const missed = ["m1", "m2", "m3", "m4", "m5", "m6"];
    for (const text of missed) await post(server, "dave", text);
    server.release();
    await waitForText(carol.page, "#state", "connected");

    // The room holds the last 3 messages (presence takes no room in it).
    await post(server, "dave", "after");
    await waitForLines(carol, ["seen", "(gap)", "m4", "m5", "m6", "after"], "the gap notice, the messages the room holds, then a live one");
    expect(server.resumes).toMatchObject([{ agent: carol.agent, replayedFrom: "earliest" }]);
    expect(carol.errors).toEqual([]);
  } finally {
    server.release();
    await Promise.all(contexts.map((context) => context.close()));
    await room.close();
  }
});
