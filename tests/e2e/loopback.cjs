// Preload for the Microsoft 365 Agents Playground (node --require ./loopback.cjs ...).
// Forces every TCP listen() in the process onto 127.0.0.1 so the emulator is
// never reachable from other hosts. Unix-socket / pipe / handle listens are left alone.
"use strict";
const net = require("net");

const HOST = "127.0.0.1";
const originalListen = net.Server.prototype.listen;

function isPortLike(v) {
  return typeof v === "number" || (typeof v === "string" && v !== "" && /^\d+$/.test(v));
}

net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  if (first !== null && typeof first === "object" && !Array.isArray(first)) {
    // listen(options[, cb]) - leave handle/fd/path listens untouched.
    if (!("path" in first) && !("handle" in first) && !("_handle" in first) && !("fd" in first)) {
      args[0] = { ...first, host: HOST, ipv6Only: false };
    }
  } else if (args.length === 0 || typeof first === "function" || first === undefined || first === null) {
    // listen() / listen(cb): random port on all interfaces -> loopback.
    const rest = args.length === 0 ? [] : args.slice(first === undefined || first === null ? 1 : 0);
    args = [0, HOST, ...rest];
  } else if (isPortLike(first)) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] === "string") {
      args[1] = HOST;
    } else {
      args.splice(1, 0, HOST);
    }
  }
  return originalListen.apply(this, args);
};

// Outbound: only loopback. Anything else (telemetry, token endpoints, a mistyped bot URL) fails
// at once with ECONNREFUSED instead of reaching - or waiting on - the network.
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;
const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function patchedConnect(...args) {
  const normalized = Array.isArray(args[0]) ? args[0] : args;
  const first = normalized[0];
  let options;
  if (first !== null && typeof first === "object") {
    options = first;
  } else if (typeof first === "string" && !isPortLike(first)) {
    options = { path: first };
  } else {
    options = { port: first, host: typeof normalized[1] === "string" ? normalized[1] : undefined };
  }
  if (!options.path) {
    const host = options.host === undefined || options.host === null || options.host === "" ? "localhost" : String(options.host);
    if (!LOOPBACK.test(host)) {
      const error = new Error(`loopback.cjs: refused outbound connection to ${host}:${options.port}`);
      error.code = "ECONNREFUSED";
      process.nextTick(() => this.destroy(error));
      return this;
    }
  }
  return originalConnect.apply(this, args);
};
