import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import { handleDemo } from "../../examples/shared/demo-handler.ts";
import { serveNode, type TestServer } from "../helpers/serve-node.ts";
import { readEvents } from "../helpers/event-reader.ts";

let server: TestServer;
beforeAll(async () => {
  server = await serveNode(handleDemo);
});
afterAll(() => server.close());

test("The demo serves its page with an EventSource on /events, or on /events?lastEventId= with the id it kept", async () => {
  const response = await fetch(`${server.url}/`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const page = await response.text();
  expect(page).toContain('new EventSource("/events")');
  expect(page).toContain('new EventSource("/events?lastEventId=" + encodeURIComponent(kept))');
  expect(page).toContain('sessionStorage.setItem("edge-sse-demo-last-id", event.lastEventId)');
});

test("The demo stream sends retry, numbered counter events and JSON price events", async () => {
  const { parsed } = await readEvents(`${server.url}/events`, 2);
  expect(parsed.retries).toEqual([2000]);
  expect(parsed.events[0]).toMatchObject({ id: "1", data: "1" });
  expect(parsed.events[1]?.event).toBe("price");
  expect(JSON.parse(parsed.events[1]!.data)).toMatchObject({ symbol: "EDGE", price: expect.any(Number) });
});

test("The demo resumes its counter after the Last-Event-ID a reconnecting client sends", async () => {
  const { parsed } = await readEvents(`${server.url}/events`, 1, { "last-event-id": "41" });
  expect(parsed.events[0]).toMatchObject({ id: "42", data: "42" });
});

test("The demo resumes its counter after the ?lastEventId= of a reloaded page, and after the header when both come", async () => {
  const byQuery = await readEvents(`${server.url}/events?lastEventId=41`, 1);
  expect(byQuery.parsed.events[0]).toMatchObject({ id: "42", data: "42" });
  const both = await readEvents(`${server.url}/events?lastEventId=41`, 1, { "last-event-id": "57" });
  expect(both.parsed.events[0]).toMatchObject({ id: "58", data: "58" });
});

test("The demo answers 404 for other paths", async () => {
  expect((await fetch(`${server.url}/nope`)).status).toBe(404);
});

test("The demo's page links to the chat room, whose page opens an EventSource on /chat/events", async () => {
  expect(await (await fetch(`${server.url}/`)).text()).toContain('href="/chat"');
  const response = await fetch(`${server.url}/chat`);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const page = await response.text();
  expect(page).toContain('new EventSource("/chat/events")');
  expect(page).toContain('addEventListener("edge-sse-gap"');
  expect(page).not.toContain("innerHTML");
});

/** Posts `body` (JSON-encoded unless it is a string) to the chat and returns the status and answer. */
async function postChat(body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) {
  const response = await fetch(`${server.url}/chat/messages`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, answer: (await response.json()) as { id?: string; error?: string } };
}

test.each([
  ["not JSON", "{name:", /not valid JSON/],
  ["an array", ["ada", "hi"], /JSON object \{ name, text \} \(got an array\)/],
  ["null", null, /JSON object \{ name, text \} \(got null\)/],
  ["a name that is a number", { name: 7, text: "hi" }, /`name` must be a string \(got number\)/],
  ["a missing text", { name: "ada" }, /`text` must be a string \(got undefined\)/],
  ["a blank text", { name: "ada", text: "  \n " }, /`text` must be 1 to 500 characters \(got 0\)/],
  [
    "a text over 500 characters",
    { name: "ada", text: "x".repeat(501) },
    /`text` must be 1 to 500 characters \(got 501\)/,
  ],
  ["a name over 40 characters", { name: "n".repeat(41), text: "hi" }, /`name` must be 1 to 40 characters \(got 41\)/],
  ["a name with a line break", { name: "a\nb", text: "hi" }, /`name` must be one line/],
  ["an unknown field", { name: "ada", text: "hi", admin: true }, /Unknown field `admin`/],
])("POST /chat/messages answers 400 with a message for %s", async (_, body, error) => {
  const { status, answer } = await postChat(body);
  expect(status).toBe(400);
  expect(answer.error).toMatch(error);
});

test("POST /chat/messages refuses other content types, bodies over 4096 bytes and other methods", async () => {
  expect((await postChat({ name: "ada", text: "hi" }, { "content-type": "text/plain" })).status).toBe(415);
  expect((await postChat({ name: "ada", text: "x".repeat(5_000) })).status).toBe(413);
  const get = await fetch(`${server.url}/chat/messages`);
  expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  expect((await fetch(`${server.url}/chat/events`, { method: "POST" })).status).toBe(405);
  expect((await fetch(`${server.url}/chat/nope`)).status).toBe(404);
});

test("POST /chat/messages answers 413 over HTTP to a chunked body of 48 MB, once 4096 bytes are passed", async () => {
  // Sent as fast as the server takes it, until the answer comes: the client sees 413, not a reset, and
  // has sent what the sockets' buffers hold by then, not the whole body.
  const total = 48 * 1024 * 1024;
  const { status, answer, sentBeforeAnswer } = await new Promise<{
    status: number;
    answer: string;
    sentBeforeAnswer: number;
  }>((resolve, reject) => {
    const post = httpRequest(`${server.url}/chat/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    const chunk = Buffer.alloc(65_536, 0x20);
    let sent = 0;
    let answered = false;
    const pump = (): void => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!post.write(chunk)) return void post.once("drain", pump);
      }
      post.end();
    };
    post.on("response", (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      let text = "";
      response.on("data", (data: Buffer) => (text += data.toString()));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, answer: text, sentBeforeAnswer });
        post.destroy();
      });
    });
    post.on("error", reject);
    post.setTimeout(20_000, () => post.destroy(new Error("no answer within 20 s")));
    pump();
  });
  expect(status).toBe(413);
  expect(JSON.parse(answer)).toEqual({ error: "The body must be at most 4096 bytes" });
  expect(sentBeforeAnswer).toBeLessThan(total / 2);
});

test("Chat messages are chat events with JSON { name, text, at }; a client resuming after one gets the rest", async () => {
  const first = await postChat({ name: " ada ", text: "first" });
  const second = await postChat({ name: "bo", text: 'line one\nline two <b>"quoted"</b>' });
  const third = await postChat({ name: "ada", text: "third" });
  expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);

  const { parsed, response } = await readEvents(`${server.url}/chat/events`, 2, { "last-event-id": first.answer.id! });
  expect(response.headers.get("last-event-id")).toBe(first.answer.id);
  expect(parsed.retries).toEqual([1000]);
  // Replay comes first; the client's own join (a live presence event) may follow in the same read.
  const chat = parsed.events.filter((event) => event.event === "chat");
  expect(chat.map((event) => event.id)).toEqual([second.answer.id, third.answer.id]);
  expect(parsed.events.slice(0, 2)).toEqual(chat);
  expect(JSON.parse(chat[0]!.data)).toEqual({
    name: "bo",
    text: 'line one\nline two <b>"quoted"</b>',
    at: expect.any(Number),
  });
  expect(JSON.parse(chat[1]!.data)).toMatchObject({ name: "ada", text: "third" });
});

test("A chat client resuming after an id the room no longer holds gets the gap marker first", async () => {
  const { parsed, response } = await readEvents(`${server.url}/chat/events`, 2, { "last-event-id": "no-such-id" });
  expect(response.headers.get("last-event-id")).toBe("earliest");
  expect(parsed.events[0]?.event).toBe("edge-sse-gap");
  expect(JSON.parse(parsed.events[0]!.data)).toMatchObject({ lastEventId: "no-such-id" });
});
