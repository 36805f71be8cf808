// A bare Node `ws` client, a peer in the benchmarks: `node bench/node_reader.js URL COUNT` reads the stream
// and prints `<messages received> <messages/s>`, the clock running from the first message to the last
// (as it does for the bare `websockets` client). `ws` comes from NODE_PATH.
"use strict";

const WebSocket = require("ws");

const url = process.argv[2];
const count = Number(process.argv[3]);
let received = 0;
let started = 0n;
let finished = 0n;

const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 });
ws.on("message", () => {
  received += 1;
  if (received === 1) started = process.hrtime.bigint();
  if (received === count) finished = process.hrtime.bigint();
});
ws.on("close", () => {
  const seconds = Number(finished - started) / 1e9;
  console.log(`${received} ${received === count && seconds > 0 ? (count - 1) / seconds : 0}`);
  process.exit(received === count ? 0 : 1);
});
ws.on("error", (error) => {
  console.error(String(error));
  process.exit(2);
});
