/**
 * The demo's page: an EventSource that shows every kind of event the demo stream sends, and resumes after
 * a reload from the last id it kept in sessionStorage (sent as `?lastEventId=`, which `ctx.lastEventId` reads).
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-sse demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .state { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; background: #eee; font-size: .9rem; }
  .state.open { background: #d5f5dd; } .state.closed { background: #f9d6d6; }
  .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; margin: 1.5rem 0; }
  .card { border: 1px solid #dde1ea; border-radius: .6rem; padding: .8rem 1rem; }
  .card b { display: block; font-size: 2rem; font-variant-numeric: tabular-nums; }
  .card small { color: #5b6477; }
  ul { list-style: none; padding: 0; font-family: ui-monospace, monospace; font-size: .9rem; }
  code { background: #f2f4f8; padding: 0 .3rem; border-radius: .3rem; }
</style>
</head>
<body>
<h1>edge-sse live demo</h1>
<p>Connection: <span id="state" class="state">connecting…</span> · last event id: <code id="last-id">none</code> · <a href="/chat">open the chat room</a></p>
<div class="grid">
  <div class="card"><small>counter (message events)</small><b id="counter">–</b></div>
  <div class="card"><small>price (JSON "price" events)</small><b id="price">–</b></div>
  <div class="card"><small>clock ("clock" events)</small><b id="clock">–</b></div>
</div>
<p>Latest events, newest first. Stop and restart the server, or reload the page: the counter goes on. When the
connection drops, the browser's <code>EventSource</code> reconnects and sends the last id it saw as the
<code>Last-Event-ID</code> header. A reload makes a new <code>EventSource</code>, which has no id to send, so this
page keeps the last id in <code>sessionStorage</code> and asks for <code>/events?lastEventId=&lt;id&gt;</code>. A new tab
starts again at 1.</p>
<ul id="log"></ul>
<script>
  const $ = (id) => document.getElementById(id);
  const log = (type, data) => {
    const item = document.createElement("li");
    item.textContent = type + ": " + data;
    $("log").prepend(item);
    while ($("log").children.length > 12) $("log").lastChild.remove();
  };
  // A reload loses the EventSource and its last id: keep the id for this tab, and ask for what follows it.
  const kept = sessionStorage.getItem("edge-sse-demo-last-id");
  if (kept) $("last-id").textContent = kept;
  const source = kept ? new EventSource("/events?lastEventId=" + encodeURIComponent(kept)) : new EventSource("/events");
  source.onopen = () => { $("state").textContent = "open"; $("state").className = "state open"; };
  source.onerror = () => { $("state").textContent = "reconnecting…"; $("state").className = "state closed"; };
  source.onmessage = (event) => {
    $("counter").textContent = event.data;
    $("last-id").textContent = event.lastEventId;
    sessionStorage.setItem("edge-sse-demo-last-id", event.lastEventId);
    log("message", event.data);
  };
  source.addEventListener("price", (event) => {
    const { symbol, price } = JSON.parse(event.data);
    $("price").textContent = price.toFixed(2);
    log("price", symbol + " " + price.toFixed(2));
  });
  source.addEventListener("clock", (event) => { $("clock").textContent = event.data; log("clock", event.data); });
</script>
</body>
</html>
`;
