// The benchmarks' fast stream server: Node's `ws`, which sends faster than any reader measured here.
//
// `node bench/fast_stream_server.js COUNT SIZE [RATE]` streams COUNT copies of the same JSON message as
// bench/stream_server.py (SIZE bytes, `{"seq":0,"type":"tick","pad":"xx…"}`) to each client on
// 127.0.0.1, then closes with 1000. With RATE it paces them at RATE messages per second instead of
// as fast as the socket takes them. A client whose path holds `/socket.io/` gets Engine.IO's open
// packet, and once it connects the root namespace (`40`) the same stream as Socket.IO events of SIZE
// bytes (`42["tick",{…}]`). Prints its ephemeral port; exits when its stdin closes.
// `ws` comes from NODE_PATH (the Makefile installs it into .venv/node).
"use strict";

const { WebSocketServer } = require("ws");

const count = Number(process.argv[2]);
const size = Number(process.argv[3]);
const rate = process.argv[4] ? Number(process.argv[4]) : 0;

function message(index, size) {
  const base = { seq: index, type: "tick", pad: "" };
  base.pad = "x".repeat(Math.max(0, size - JSON.stringify(base).length));
  return JSON.stringify(base);
}

function socketioEvent(size) {
  const base = { seq: 0, type: "tick", pad: "" };
  const frame = (value) => '42["tick",' + JSON.stringify(value) + "]";
  base.pad = "x".repeat(Math.max(0, size - frame(base).length));
  return frame(base);
}

const OPEN = '0{"sid":"fast","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
const plainTemplate = Buffer.from(message(0, size));
const socketioTemplate = Buffer.from(socketioEvent(size));
const TEXT = { binary: false };
const HIGH_WATER = 4 * 1024 * 1024; // bytes queued before waiting for the socket to drain
const PACE_MS = 10;
const BATCH = 256; // frames per write

// As fast as the socket takes them: queue until the high-water mark, resume on drain.
function flood(ws, template) {
  let sent = 0;
  const socket = ws._socket;
  const pump = () => {
    while (sent < count) {
      // Corked, a batch of frames leaves in one write instead of a system call each.
      socket.cork();
      const batch = Math.min(count, sent + BATCH);
      while (sent < batch) {
        ws.send(template, TEXT);
        sent += 1;
      }
      socket.uncork();
      if (ws.bufferedAmount > HIGH_WATER) {
        socket.once("drain", pump);
        return;
      }
    }
    ws.close(1000);
  };
  pump();
}

// A steady RATE: every PACE_MS, send what the schedule says is due by now.
function paced(ws, template) {
  let sent = 0;
  const started = process.hrtime.bigint();
  const timer = setInterval(() => {
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const due = Math.min(count, Math.floor(elapsed * rate) + 1);
    ws._socket.cork();
    while (sent < due) {
      ws.send(template, TEXT);
      sent += 1;
    }
    ws._socket.uncork();
    if (sent >= count) {
      clearInterval(timer);
      ws.close(1000);
    }
  }, PACE_MS);
  ws.on("close", () => clearInterval(timer));
}

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
function stream(ws, template) {
  if (rate > 0) paced(ws, template);
  else flood(ws, template);
}

server.on("connection", (ws, request) => {
  ws.on("error", () => ws.terminate());
  if (!request.url.includes("/socket.io/")) {
    stream(ws, plainTemplate);
    return;
  }
  ws.send(OPEN);
  ws.once("message", (data) => {
    if (data.toString() !== "40") {
      ws.close(1002, "expected the root namespace connect");
      return;
    }
    ws.send('40{"sid":"fast-socket"}');
    stream(ws, socketioTemplate);
  });
});
server.on("listening", () => console.log(server.address().port));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
