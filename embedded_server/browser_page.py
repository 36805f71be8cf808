r"""The browser test page served at `GET /`: the guide's JavaScript client, made tolerant and truthful.

It connects to any endpoint of this server, sends JSON, and shows every reply as
received: never re-serialised through `JSON.parse`/`JSON.stringify`, which would
round 12345678901234567890, drop duplicate keys and turn 2.50 into 2.5. *Indent*
re-indents JSON replies by changing whitespace only (`reindent`, walking the text
token by token). Pressing Connect again closes the previous connection first.

Scripted checks: `?connect=PATH` connects on load (repeat it to press Connect again
with each path in turn, once the previous one is open), `&send=TEXT` sends once the
last is open, `&indent=1` ticks *Indent*, and `&token=T` is passed on to the
WebSocket URL for a server that requires a token.
"""

BROWSER_PAGE = r"""<!doctype html>
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
  <span id="state">not connected</span>
  <label><input type="checkbox" id="indent"> Indent JSON replies</label></p>
<textarea id="payload" aria-label="payload">{"text": "hello from the browser"}</textarea>
<p><button id="send">Send JSON</button></p>
<div id="log" role="log" aria-live="polite"></div>
<script>
// Indent JSON text by changing whitespace only: every other character (long numbers, duplicate
// keys, 2.50, escapes) stays exactly as received. Outside strings, whitespace is dropped and
// put back after { [ , and before } ]; empty containers stay on one line.
function reindent(text, unit = "  ") {
  const blank = (c) => c === " " || c === "\t" || c === "\n" || c === "\r";
  let out = "", depth = 0, inString = false, escaped = false;
  const newline = () => "\n" + unit.repeat(Math.max(depth, 0));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    } else if (blank(c)) {
      continue;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "{" || c === "[") {
      let next = i + 1;
      while (next < text.length && blank(text[next])) next++;
      if (text[next] === (c === "{" ? "}" : "]")) {
        out += c + text[next];
        i = next;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
    } else if (c === ",") {
      out += c + newline();
    } else if (c === ":") {
      out += ": ";
    } else {
      out += c;
    }
  }
  return out;
}

let socket = null;
const params = new URLSearchParams(location.search);
const log = (cls, text) => {
  const line = document.createElement("div");
  line.className = cls;
  line.textContent = new Date().toISOString().slice(11, 23) + "  " + text;
  document.getElementById("log").appendChild(line);
};
const isJson = (text) => { try { JSON.parse(text); return true; } catch (error) { return false; } };
const endpointUrl = (path) => {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const token = params.get("token");
  const query = token ? (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : "";
  return scheme + location.host + path + query;
};
document.getElementById("connect").onclick = () => {
  if (socket && socket.readyState <= WebSocket.OPEN) {  // connecting or open: close it first
    const previous = socket;
    previous.onopen = previous.onmessage = previous.onerror = null;
    previous.onclose = (event) => log("note", "previous connection closed " + event.code);
    previous.close(1000, "reconnecting");
  }
  const path = document.getElementById("path").value;
  const ws = new WebSocket(endpointUrl(path));
  ws.binaryType = "arraybuffer";
  socket = ws;
  ws.onopen = () => { document.getElementById("state").textContent = "open"; log("note", "connected to " + path); };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") { log("text", "\u2193 (binary, " + event.data.byteLength + " bytes)"); return; }
    if (!isJson(event.data)) { log("text", "\u2193 (not JSON) " + event.data); return; }
    const indent = document.getElementById("indent").checked;
    log("in", "\u2193 " + (indent ? reindent(event.data) : event.data));
  };
  ws.onclose = (event) => {
    document.getElementById("state").textContent = "closed";
    log("note", "closed " + event.code + (event.reason ? " " + event.reason : "") + (event.wasClean ? "" : " (not clean)"));
  };
  ws.onerror = () => log("note", "error");
};
document.getElementById("disconnect").onclick = () => socket && socket.close(1000, "bye from the browser");
document.getElementById("send").onclick = () => {
  const text = document.getElementById("payload").value;
  try { JSON.parse(text); } catch (error) { log("note", "not sent: " + error.message); return; }
  if (!socket || socket.readyState !== WebSocket.OPEN) { log("note", "not sent: not connected"); return; }
  socket.send(text);
  log("out", "\u2191 " + text);
};
// Scripted checks (see the module's docstring): connect to each path in turn, then send.
document.getElementById("indent").checked = params.get("indent") === "1";
const paths = params.getAll("connect");
const connectNext = () => {
  if (!paths.length) {
    if (params.get("send")) document.getElementById("send").onclick();
    return;
  }
  document.getElementById("path").value = paths.shift();
  document.getElementById("connect").onclick();
  socket.addEventListener("open", connectNext);
};
if (params.get("send")) document.getElementById("payload").value = params.get("send");
if (paths.length) connectNext();
</script>
</body>
</html>
"""
