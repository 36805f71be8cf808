"""The browser test page served at `GET /`: the guide's JavaScript client, made tolerant.

It connects to any endpoint of this server, sends JSON, and shows every reply,
parsed when it is JSON and as plain text when it is not.
"""

BROWSER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SocketScope test page</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; }
  input, textarea, button { font: 13px ui-monospace, monospace; }
  #path { width: 12rem; } #payload { width: 100%; height: 5rem; }
  #log { border: 1px solid #ccc; height: 22rem; overflow: auto; padding: .5rem; white-space: pre-wrap;
         font: 12px ui-monospace, monospace; }
  .in { color: #1a7f37; } .out { color: #1f6feb; } .note { color: #8250df; } .text { color: #9a6700; }
</style>
</head>
<body>
<h1>SocketScope test page</h1>
<p>Endpoint <input id="path" value="/ws/chat" aria-label="endpoint path">
  <button id="connect">Connect</button> <button id="disconnect">Disconnect</button>
  <span id="state">not connected</span></p>
<textarea id="payload" aria-label="payload">{"text": "hello from the browser"}</textarea>
<p><button id="send">Send JSON</button></p>
<div id="log" role="log" aria-live="polite"></div>
<script>
let socket = null;
const log = (cls, text) => {
  const line = document.createElement("div");
  line.className = cls;
  line.textContent = new Date().toISOString().slice(11, 23) + "  " + text;
  document.getElementById("log").appendChild(line);
};
document.getElementById("connect").onclick = () => {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + document.getElementById("path").value);
  socket.onopen = () => { document.getElementById("state").textContent = "open"; log("note", "connected"); };
  socket.onmessage = (event) => {
    try { log("in", "\\u2193 " + JSON.stringify(JSON.parse(event.data))); }
    catch (error) { log("text", "\\u2193 (not JSON) " + event.data); }
  };
  socket.onclose = (event) => {
    document.getElementById("state").textContent = "closed";
    log("note", "closed " + event.code + (event.reason ? " " + event.reason : "") + (event.wasClean ? "" : " (not clean)"));
  };
  socket.onerror = () => log("note", "error");
};
// ?connect=/ws/chat&send={...}: connect (and send once open) on load, for scripted checks.
const params = new URLSearchParams(location.search);
if (params.get("connect")) {
  document.getElementById("path").value = params.get("connect");
  if (params.get("send")) document.getElementById("payload").value = params.get("send");
  document.getElementById("connect").onclick();
  socket.addEventListener("open", () => { if (params.get("send")) document.getElementById("send").onclick(); });
}
document.getElementById("disconnect").onclick = () => socket && socket.close(1000, "bye from the browser");
document.getElementById("send").onclick = () => {
  const text = document.getElementById("payload").value;
  try { JSON.parse(text); } catch (error) { log("note", "not sent: " + error.message); return; }
  if (!socket || socket.readyState !== WebSocket.OPEN) { log("note", "not sent: not connected"); return; }
  socket.send(text);
  log("out", "\\u2191 " + text);
};
</script>
</body>
</html>
"""
