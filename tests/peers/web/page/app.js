// A real browser's side of cargo xtask web: @connectrpc/connect-web (fetch) calls the Courier
// server that served this page, with Connect (JSON and binary) and gRPC-Web, on this origin and
// on another one (`?cors=<origin>`, a second port of the same server, which allows this
// origin with CORS). Results go into the page as
// <li data-client data-case data-result="pass|fail|n/a">; the harness reads them back with
// chromium --dump-dom. Bundled by esbuild with the code protoc-gen-es generated.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { EchoRequestSchema, WebTest } from "../gen/courier/webtest/v1/webtest_pb.js";

const params = new URLSearchParams(location.search);
// A second port of this server, which lets this page's origin call it (CORS).
const other = params.get("cors");
// A server that lets no other origin call it: the browser must refuse to hand over its
// answers.
const plain = params.get("plain");

// Keep one request pending while the checks run: headless Chromium's virtual time (which
// --virtual-time-budget counts) does not advance while a fetch is pending, so the DOM is
// dumped after the results are in (see the server's /hold and /release).
const holdId = String(Math.random()).slice(2);
const held = fetch(`/hold?${holdId}`).catch(() => {});

const clients = [
  { name: "connect-json", protocol: "connect", binary: false, base: location.origin },
  { name: "connect-proto", protocol: "connect", binary: true, base: location.origin },
  { name: "grpc-web", protocol: "grpc-web", binary: true, base: location.origin },
];
if (other) {
  clients.push(
    { name: "connect-json-cors", protocol: "connect", binary: false, base: other },
    { name: "grpc-web-cors", protocol: "grpc-web", binary: true, base: other },
  );
}

function transport(c, extra = {}) {
  const opts = { baseUrl: c.base, useBinaryFormat: c.binary, ...extra };
  return c.protocol === "connect" ? createConnectTransport(opts) : createGrpcWebTransport(opts);
}

function canonical(v) {
  return JSON.stringify(v, (_, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function eq(got, want, what) {
  const g = canonical(got);
  const w = canonical(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

const cases = {
  async unary(c) {
    const client = createClient(WebTest, transport(c));
    let header;
    let trailer;
    const r = await client.unary(
      { message: "from the browser", labels: { a: "1" }, big: 12345678901234567n },
      { headers: { "x-echo": "b1" }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    eq(r.protocol, `${c.protocol}/h1`, "protocol at the server");
    eq([r.message, r.labels, r.big.toString()], ["from the browser", { a: "1" }, "12345678901234567"], "echo");
    eq(header.get("x-echo"), "b1", "header metadata");
    eq(trailer.get("x-trailer"), "b1", "trailer metadata");
  },

  async get(c) {
    if (c.protocol !== "connect") return "GET is Connect's";
    const client = createClient(WebTest, transport(c, { useHttpGet: true }));
    const r = await client.unary({ message: "got" });
    eq([r.protocol, r.message], ["connect-get/h1", "got"], "a GET at the server");
  },

  async serverStream(c) {
    const client = createClient(WebTest, transport(c));
    const got = [];
    for await (const r of client.serverStream({ message: "s", count: 3, delayMs: 20 })) {
      got.push([r.index, r.message]);
    }
    eq(got, [[0, "s 0"], [1, "s 1"], [2, "s 2"]], "messages");
  },

  async errorDetails(c) {
    const client = createClient(WebTest, transport(c));
    try {
      await client.unary({ message: "boom", failCode: Code.PermissionDenied });
      throw new Error("no error");
    } catch (e) {
      const err = ConnectError.from(e);
      eq([err.code, err.rawMessage], [Code.PermissionDenied, "failed as asked: boom"], "error");
      const d = err.findDetails(EchoRequestSchema);
      eq(d.map((x) => x.message), ["boom"], "details");
    }
  },
};

/** A call to a server whose CORS does not allow this origin fails in the browser. */
async function corsDenied() {
  const client = createClient(WebTest, transport({ protocol: "connect", binary: false, base: plain }));
  try {
    await client.unary({ message: "not allowed" });
    throw new Error("the browser handed over a response CORS does not allow");
  } catch (e) {
    if (e.message === "the browser handed over a response CORS does not allow") throw e;
    // fetch() rejects: a network error to the page, whatever the server answered.
    eq(ConnectError.from(e).code, Code.Unknown, "code");
  }
}

const list = document.getElementById("results");
function report(client, name, result, detail) {
  const li = document.createElement("li");
  li.dataset.client = client;
  li.dataset.case = name;
  li.dataset.result = result;
  li.textContent = `${client} ${name} ${result}${detail ? ": " + detail : ""}`;
  list.appendChild(li);
}

for (const c of clients) {
  for (const [name, run] of Object.entries(cases)) {
    try {
      const r = await run(c);
      if (typeof r === "string") report(c.name, name, "n/a", r);
      else report(c.name, name, "pass", "");
    } catch (e) {
      report(c.name, name, "fail", String(e && e.message ? e.message : e));
    }
  }
}
if (plain) {
  try {
    await corsDenied();
    report("connect-json-cors-denied", "corsDenied", "pass", "");
  } catch (e) {
    report("connect-json-cors-denied", "corsDenied", "fail", String(e && e.message ? e.message : e));
  }
}
document.getElementById("status").textContent = "done";
await fetch(`/release?${holdId}`, { method: "POST" });
await held;
