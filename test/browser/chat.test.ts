/**
 * The chat demo in Chromium, Firefox and WebKit (see driver/engines.ts): real pages, real
 * EventSources, posting through the page's form. A message sent in one page shows in another; a page
 * whose connection the server cuts reconnects with Last-Event-ID and shows exactly the messages it
 * missed, once each, in order; a page that missed more than the room holds shows the gap notice.
 *
 * Every page reaches the room through a listener of its own (a "door": another port, so another
 * origin, with its own storage), so the server can tell whose /chat/events connection to cut.
 * Reconnections that carry a Last-Event-ID can be held at the server until the test has posted what
 * the page should miss, so no step depends on timing.
 */
import { afterAll, describe, expect, test } from "vitest";
import type { Socket } from "node:net";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { handleChat } from "../../examples/shared/chat-handler.ts";
import { ChatRoom } from "../../examples/shared/chat-room.ts";
import { serveNode, until, type TestServer } from "../helpers/serve-node.ts";
import { deferred, type Deferred } from "../helpers/deferred.ts";
import type { FetchHandler } from "edge-sse/node";
import { ENGINES, suiteOptions, useBrowser, WAIT_MS, type Browser, type BrowserPage } from "./driver/engines.ts";

/** A reconnection as the server saw it: whose door, the Last-Event-ID it sent, and where the replay started. */
interface Resume {
  readonly door: string;
  readonly lastEventId: string;
  readonly replayedFrom: string | null;
}

/** A message posted through a door, and the answer it got. */
interface Post {
  readonly door: string;
  readonly status: number;
  readonly id: string | undefined;
}

/** A chat room served through one listener per page, recording reconnections and posts; it can hold reconnections. */
interface ChatServer {
  readonly resumes: Resume[];
  readonly posts: Post[];
  /** Opens a listener of its own for the page called `door` and returns its URL. */
  door(door: string): Promise<string>;
  /** Cuts every /chat/events connection that came through `door`. */
  cut(door: string): void;
  /** From now on, reconnections with a Last-Event-ID wait at the server until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

function serveChat(handler: FetchHandler): ChatServer {
  const listeners: TestServer[] = [];
  const streams = new Map<string, Socket[]>();
  const resumes: Resume[] = [];
  const posts: Post[] = [];
  let gate: Deferred<void> | undefined;
  const serveDoor =
    (door: string): FetchHandler =>
    async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/chat/messages") {
        const response = await handler(request);
        const answer = (await response
          .clone()
          .json()
          .catch(() => ({}))) as { id?: string };
        posts.push({ door, status: response.status, id: answer.id });
        return response;
      }
      const lastEventId = request.headers.get("last-event-id");
      if (pathname !== "/chat/events" || lastEventId === null) return handler(request);
      await gate?.promise;
      const response = await handler(request);
      resumes.push({ door, lastEventId, replayedFrom: response.headers.get("last-event-id") });
      return response;
    };
  return {
    resumes,
    posts,
    async door(door) {
      const listener = await serveNode(serveDoor(door));
      listener.server.on("request", (req) => {
        if (req.url?.startsWith("/chat/events")) streams.set(door, [...(streams.get(door) ?? []), req.socket]);
      });
      listeners.push(listener);
      return listener.url;
    },
    cut(door) {
      const open = streams.get(door) ?? [];
      if (open.length === 0) throw new Error(`No /chat/events connection through ${door} to cut`);
      for (const socket of open) socket.destroy();
      streams.delete(door);
    },
    hold() {
      gate = deferred();
    },
    release() {
      gate?.resolve();
      gate = undefined;
    },
    async close() {
      gate?.resolve();
      await Promise.all(listeners.map((listener) => listener.close()));
    },
  };
}

declare global {
  interface Window {
    /** Errors the chat page raised since the test started watching (see openChat). */
    chatErrors: string[];
  }
}

/** A chat page, by the name of the door it came through (also the name it posts under). */
interface ChatPage {
  readonly page: BrowserPage;
  readonly name: string;
}

/** Opens `/chat` as `name` through a door of its own and waits until its EventSource is connected. */
async function openChat(browser: Browser, server: ChatServer, name: string, pages: BrowserPage[]): Promise<ChatPage> {
  const page = await browser.open(`${await server.door(name)}/chat`);
  pages.push(page);
  await page.evaluate((n) => {
    window.chatErrors = [];
    window.addEventListener("error", (event) => window.chatErrors.push(String(event.message)));
    window.addEventListener("unhandledrejection", (event) => window.chatErrors.push(String(event.reason)));
    const input = document.querySelector<HTMLInputElement>("#name")!;
    input.value = n;
    input.dispatchEvent(new Event("change"));
  }, name);
  await waitForText(page, "#state", "connected");
  return { page, name };
}

/** Sends `text` with the page's form and returns the id the server gave it. */
async function send(server: ChatServer, { page, name }: ChatPage, text: string): Promise<string> {
  const before = server.posts.length;
  await page.evaluate((t) => {
    document.querySelector<HTMLInputElement>("#text")!.value = t;
    document.querySelector<HTMLFormElement>("#post")!.requestSubmit();
  }, text);
  await until(() => server.posts.length > before, `the post of ${JSON.stringify(text)} through ${name}`, WAIT_MS);
  const post = server.posts[before]!;
  expect(post).toMatchObject({ door: name, status: 201 });
  return post.id!;
}

/** Posts a message straight to the room, as another client would. */
async function post(url: string, name: string, text: string): Promise<void> {
  const response = await fetch(`${url}/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, text }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  expect(response.status).toBe(201);
}

/** The message list as the page shows it: each line's text, with gap notices as "(gap)". */
function linesOf(page: BrowserPage): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("#messages li")].map((line) =>
      line.classList.contains("gap") ? "(gap)" : (line.querySelector(".text")?.textContent ?? "(no text)"),
    ),
  );
}

/** Waits until the message list is exactly `expected`; on timeout, fails showing what the page shows. */
async function waitForLines({ page }: ChatPage, expected: readonly string[], what: string): Promise<void> {
  try {
    await page.waitFor(
      (want) => {
        const lines = [...document.querySelectorAll("#messages li")].map((line) =>
          line.classList.contains("gap") ? "(gap)" : (line.querySelector(".text")?.textContent ?? "(no text)"),
        );
        return JSON.stringify(lines) === JSON.stringify(want);
      },
      expected,
      what,
    );
  } catch (error) {
    const shown = await linesOf(page).catch(() => "(page gone)");
    throw new Error(`${String(error)}: wanted ${JSON.stringify(expected)}, the page shows ${JSON.stringify(shown)}`, {
      cause: error,
    });
  }
}

/** Waits until the element `selector` shows exactly `text`. */
async function waitForText(page: BrowserPage, selector: string, text: string): Promise<void> {
  try {
    await page.waitFor(
      ([s, t]) => document.querySelector(s)?.textContent === t,
      [selector, text] as const,
      `${selector} to show ${JSON.stringify(text)}`,
    );
  } catch (error) {
    const shown = await page
      .evaluate((s) => document.querySelector(s)?.textContent ?? null, selector)
      .catch(() => "(page gone)");
    throw new Error(`${String(error)}; it shows ${JSON.stringify(shown)}`, { cause: error });
  }
}

const servers: ChatServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** The demo's room is one for the whole process: the engines take turns with it. */
let demoRoomTurn: Promise<unknown> = Promise.resolve();
function inDemoRoomTurn(body: () => Promise<void>): Promise<void> {
  const turn = demoRoomTurn.then(body);
  demoRoomTurn = turn.catch(() => undefined);
  return turn;
}

// Engines run side by side, and so do the tests of one engine, each with a server of its own.
for (const engine of ENGINES) {
  describe.concurrent(engine.name, suiteOptions(engine), () => {
    const browser = useBrowser(engine);

    test("A message sent in one page shows in the other; a cut page reconnects and shows exactly what it missed", () =>
      inDemoRoomTurn(async () => {
        const server = serveChat(handleDemo);
        servers.push(server);
        const pages: BrowserPage[] = [];
        try {
          const alice = await openChat(browser(), server, "alice", pages);
          const bob = await openChat(browser(), server, "bob", pages);
          await waitForText(alice.page, "#online", "2 online");
          await waitForText(bob.page, "#online", "2 online");

          const markup = '<img src="x" onerror="window.injected = true"><b>bold?</b>';
          const before = ["hello from alice", markup];
          await send(server, alice, before[0]!);
          const lastSeenByBob = await send(server, alice, markup);
          await waitForLines(bob, before, "alice's messages in bob's page");
          expect(await bob.page.evaluate(() => document.querySelectorAll("#messages img, #messages b").length)).toBe(0);
          expect(await bob.page.evaluate(() => "injected" in window)).toBe(false);

          server.hold();
          server.cut(bob.name);
          await waitForText(bob.page, "#state", "reconnecting…");
          await waitForText(alice.page, "#online", "1 online");
          const missed = ["missed 1", "missed 2 ✓ ünïcödé", "missed 3"];
          for (const text of missed) await send(server, alice, text);
          await waitForLines(alice, [...before, ...missed], "alice's own messages in her page");
          server.release();

          await waitForLines(bob, [...before, ...missed], "the missed messages in bob's page after reconnecting");
          await waitForText(bob.page, "#state", "connected");
          await waitForText(alice.page, "#online", "2 online");
          expect(server.resumes).toEqual([{ door: bob.name, lastEventId: lastSeenByBob, replayedFrom: lastSeenByBob }]);

          // Events arrive in order, so once a later message shows, no duplicate of an earlier one can still come.
          await send(server, bob, "back again");
          const all = [...before, ...missed, "back again"];
          await waitForLines(bob, all, "bob's message in his page");
          await waitForLines(alice, all, "bob's message in alice's page");
          expect(await alice.page.evaluate(() => window.chatErrors)).toEqual([]);
          expect(await bob.page.evaluate(() => window.chatErrors)).toEqual([]);
        } finally {
          server.release();
          await Promise.all(pages.map((page) => page.close()));
        }
      }));

    test("A page that missed more than the room holds shows the gap notice, then what the room still has", async () => {
      const room = new ChatRoom({ maxMessages: 3 });
      const server = serveChat((request) => handleChat(request, room));
      servers.push(server);
      const pages: BrowserPage[] = [];
      try {
        const carol = await openChat(browser(), server, "carol", pages);
        const dave = await server.door("dave");
        await post(dave, "dave", "seen");
        await waitForLines(carol, ["seen"], "the first message");

        server.hold();
        server.cut(carol.name);
        await waitForText(carol.page, "#state", "reconnecting…");
        const missed = ["m1", "m2", "m3", "m4", "m5", "m6"];
        for (const text of missed) await post(dave, "dave", text);
        server.release();
        await waitForText(carol.page, "#state", "connected");

        // The room holds the last 3 messages (presence takes no room in it).
        await post(dave, "dave", "after");
        await waitForLines(
          carol,
          ["seen", "(gap)", "m4", "m5", "m6", "after"],
          "the gap notice, the messages the room holds, then a live one",
        );
        expect(server.resumes).toMatchObject([{ door: carol.name, replayedFrom: "earliest" }]);
        expect(await carol.page.evaluate(() => window.chatErrors)).toEqual([]);
      } finally {
        server.release();
        await Promise.all(pages.map((page) => page.close()));
        await room.close();
      }
    });
  });
}
