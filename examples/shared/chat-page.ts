import { GAP_EVENT } from "edge-sse/channel";
import { CHAT_LIMITS } from "./chat-post.ts";

/**
 * The chat page: an EventSource on `/chat/events` fills the message list (`chat` events) and the
 * online count (`presence` events), and marks where messages were lost (the channel's gap event);
 * the form posts JSON to `/chat/messages`. User text only ever reaches the page through `textContent`.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-sse chat</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 1.5rem auto; max-width: 40rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
  .state { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; background: #eee; font-size: .9rem; }
  .state.open { background: #d5f5dd; } .state.closed { background: #f9d6d6; }
  #messages { list-style: none; margin: 1rem 0; padding: .5rem; height: 22rem; overflow-y: auto;
    border: 1px solid #dde1ea; border-radius: .6rem; }
  #messages li { padding: .15rem .3rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  #messages li.mine { background: #eef4ff; border-radius: .3rem; }
  #messages time { color: #5b6477; font-size: .8rem; font-variant-numeric: tabular-nums; margin-right: .4rem; }
  #messages .name { font-weight: 600; margin-right: .4rem; }
  #messages li.gap { background: #fff4d6; border: 1px solid #f0d38a; border-radius: .3rem; font-size: .9rem; margin: .3rem 0; }
  form { display: flex; gap: .5rem; }
  input, button { font: inherit; padding: .35rem .6rem; border: 1px solid #c5cbd8; border-radius: .4rem; }
  #name { width: 8rem; } #text { flex: 1; }
  button { background: #1d2330; color: #fff; cursor: pointer; }
  #error { color: #a3261b; min-height: 1.5rem; margin: .3rem 0; }
  a { color: #2456c9; }
</style>
</head>
<body>
<h1>edge-sse chat</h1>
<p>Connection: <span id="state" class="state">connecting…</span> · <span id="online">– online</span> · <a href="/">back to the demo</a></p>
<ul id="messages" aria-live="polite"></ul>
<form id="post">
  <input id="name" aria-label="Your name" maxlength="${CHAT_LIMITS.name}" required>
  <input id="text" aria-label="Message" placeholder="Say something…" maxlength="${CHAT_LIMITS.text}" required autocomplete="off">
  <button id="send">Send</button>
</form>
<p id="error" role="alert"></p>
<p>Open this page in two windows. When one loses its connection, its browser reconnects with the last event id
it saw and the room replays exactly what it missed; if the room no longer holds all of it (say the server
restarted), a notice marks the gap.</p>
<script>
  const $ = (id) => document.getElementById(id);
  const list = $("messages");

  // The name is kept for the next visit where storage is allowed (it throws in some embedded frames).
  const stored = (write) => { try { return write ? localStorage.setItem("chat-name", write) : localStorage.getItem("chat-name"); } catch {} };
  $("name").value = stored() || "guest-" + Math.floor(1000 + Math.random() * 9000);
  $("name").addEventListener("change", () => stored($("name").value));

  /** Adds one line to the message list, built with textContent only, and scrolls to it. */
  const addLine = (className, parts) => {
    const item = document.createElement("li");
    item.className = className;
    for (const [tag, partClass, text] of parts) {
      const part = document.createElement(tag);
      part.className = partClass;
      part.textContent = text;
      item.append(part);
    }
    list.append(item);
    list.scrollTop = list.scrollHeight;
  };

  const source = new EventSource("/chat/events");
  source.onopen = () => { $("state").textContent = "connected"; $("state").className = "state open"; };
  source.onerror = () => { $("state").textContent = "reconnecting…"; $("state").className = "state closed"; };
  source.addEventListener("chat", (event) => {
    const { name, text, at } = JSON.parse(event.data);
    const time = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    addLine(name === $("name").value ? "mine" : "", [["time", "", time], ["span", "name", name], ["span", "text", text]]);
  });
  source.addEventListener("presence", (event) => {
    $("online").textContent = JSON.parse(event.data).online + " online";
  });
  source.addEventListener(${JSON.stringify(GAP_EVENT)}, () => {
    addLine("gap", [["span", "", "Some messages were lost while you were away: the room no longer holds them. What it still has follows."]]);
  });

  $("post").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("send").disabled = true;
    try {
      const response = await fetch("/chat/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: $("name").value, text: $("text").value }),
      });
      const answer = await response.json().catch(() => ({}));
      $("error").textContent = response.ok ? "" : answer.error || "The server refused the message (" + response.status + ")";
      if (response.ok) $("text").value = "";
    } catch {
      $("error").textContent = "Could not send: the server is unreachable";
    } finally {
      $("send").disabled = false;
      $("text").focus();
    }
  });
</script>
</body>
</html>
`;
