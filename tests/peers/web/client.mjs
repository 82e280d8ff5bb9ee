// @connectrpc/connect-node against Courier's web-test-server (cargo xtask web): every
// protocol connect-node speaks (Connect with JSON and binary, gRPC-Web, gRPC), over HTTP/1.1
// and HTTP/2, every kind of call it supports, errors with details, deadlines, compression.
//
// usage: node client.mjs PORT
// Prints one line per client and case: `RESULT <client> <case> pass|fail|n/a <detail>`.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { EchoRequestSchema, WebTest } from "./gen/courier/webtest/v1/webtest_pb.js";

const port = process.argv[2];
const baseUrl = `http://127.0.0.1:${port}`;


const clients = [
  { name: "connect-json/h1", protocol: "connect", http: "1.1", binary: false },
  { name: "connect-json/h2", protocol: "connect", http: "2", binary: false },
  { name: "connect-proto/h1", protocol: "connect", http: "1.1", binary: true },
  { name: "connect-proto/h2", protocol: "connect", http: "2", binary: true },
  { name: "grpc-web/h1", protocol: "grpc-web", http: "1.1", binary: true },
  { name: "grpc-web/h2", protocol: "grpc-web", http: "2", binary: true },
  { name: "grpc-web-json/h2", protocol: "grpc-web", http: "2", binary: false },
  { name: "grpc/h2", protocol: "grpc", http: "2", binary: true },
];

function transport(c, extra = {}) {
  const opts = {
    baseUrl,
    httpVersion: c.http,
    useBinaryFormat: c.binary,
    ...extra,
  };
  switch (c.protocol) {
    case "connect":
      return createConnectTransport(opts);
    case "grpc-web":
      return createGrpcWebTransport(opts);
    default:
      return createGrpcTransport(opts);
  }
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

/** JSON with object keys sorted (map fields have no order). */
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

async function* messages(words, gapMs = 0) {
  for (const w of words) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    yield create(EchoRequestSchema, { message: w });
  }
}

/** What the server saw: the protocol and HTTP version of the call. */
function seen(c, get = false) {
  const p = c.protocol === "connect" && get ? "connect-get" : c.protocol;
  return `${p}/${c.http === "2" ? "h2" : "h1"}`;
}

/** Each case: (client config) => Promise<void>, or a string saying why it does not apply. */
const cases = {
  async unary(c) {
    const client = createClient(WebTest, transport(c));
    let header;
    let trailer;
    const r = await client.unary(
      {
        message: "héllo",
        payload: new Uint8Array([0, 1, 255]),
        labels: { a: "1", b: "2" },
        big: 9007199254740993n,
      },
      {
        headers: { "x-echo": "e1", "x-other": "o" },
        onHeader: (h) => (header = h),
        onTrailer: (t) => (trailer = t),
      },
    );
    eq(r.protocol, seen(c), "protocol and HTTP version at the server");
    eq(r.message, "héllo", "message");
    eq(Array.from(r.payload), [0, 1, 255], "bytes");
    eq(r.labels, { a: "1", b: "2" }, "map");
    eq(r.big.toString(), "9007199254740993", "int64");
    eq(r.metadata["x-other"], "o", "request metadata seen by the handler");
    eq(header.get("x-echo"), "e1", "response header metadata");
    eq(trailer.get("x-trailer"), "e1", "trailer metadata");
  },

  async get(c) {
    if (c.protocol !== "connect") return "GET is Connect's";
    const client = createClient(WebTest, transport(c, { useHttpGet: true }));
    const r = await client.unary({ message: "by get", labels: { k: "v" } });
    eq(r.protocol, seen(c, true), "a GET at the server (the method is side-effect free)");
    eq(r.message, "by get", "message");
    eq(r.labels, { k: "v" }, "map");
    // A method with side effects goes by POST even so.
    const p = await client.post({ message: "p" });
    eq(p.protocol, seen(c), "a POST at the server (the method has side effects)");
  },

  async serverStream(c) {
    const client = createClient(WebTest, transport(c));
    let trailer;
    const got = [];
    for await (const r of client.serverStream(
      { message: "s", count: 3 },
      { onTrailer: (t) => (trailer = t) },
    )) {
      got.push([r.index, r.message]);
    }
    eq(got, [[0, "s 0"], [1, "s 1"], [2, "s 2"]], "messages");
    eq(trailer.get("x-count"), "3", "trailers");
  },

  async clientStream(c) {
    const client = createClient(WebTest, transport(c));
    const r = await client.clientStream(messages(["a", "b", "c"]));
    eq([r.message, r.index], ["a,b,c", 3], "joined");
  },

  async bidi(c) {
    const client = createClient(WebTest, transport(c));
    if (c.http === "1.1" && c.protocol === "connect") {
      // Connect: "Bidirectional streaming requires HTTP/2": the server refuses (505).
      try {
        for await (const r of client.bidi(messages(["x"]))) void r;
        throw new Error("no error");
      } catch (e) {
        const err = ConnectError.from(e);
        eq(err.code, Code.Unknown, "code");
        check(err.rawMessage.includes("505"), `message: ${err.rawMessage}`);
      }
      return;
    }
    const got = [];
    for await (const r of client.bidi(messages(["x", "y", "z"], 20))) {
      got.push([r.index, r.message]);
    }
    eq(got, [[0, "X"], [1, "Y"], [2, "Z"]], "answers");
  },

  async errorDetails(c) {
    const client = createClient(WebTest, transport(c));
    try {
      await client.unary({ message: "boom", failCode: Code.NotFound });
      throw new Error("no error");
    } catch (e) {
      const err = ConnectError.from(e);
      eq(err.code, Code.NotFound, "code");
      eq(err.rawMessage, "failed as asked: boom", "message");
      const details = err.findDetails(EchoRequestSchema);
      eq(details.length, 1, "details");
      eq(details[0].message, "boom", "detail content");
      eq(err.metadata.get("x-failed"), "yes", "error metadata");
    }
  },

  async streamError(c) {
    const client = createClient(WebTest, transport(c));
    const got = [];
    try {
      for await (const r of client.serverStream({ message: "e", count: 2, failCode: Code.Unavailable })) {
        got.push(r.message);
      }
      throw new Error("no error");
    } catch (e) {
      const err = ConnectError.from(e);
      eq(err.code, Code.Unavailable, "code");
      eq(got, ["e 0", "e 1"], "messages before the error");
    }
  },

  async deadline(c) {
    const client = createClient(WebTest, transport(c));
    const t = Date.now();
    try {
      await client.unary({ message: "slow", delayMs: 3000 }, { timeoutMs: 200 });
      throw new Error("no error");
    } catch (e) {
      eq(ConnectError.from(e).code, Code.DeadlineExceeded, "code");
      check(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    }
    // The handler sees the deadline.
    const r = await client.unary({ message: "d" }, { timeoutMs: 5000 });
    eq(r.hasDeadline, true, "deadline at the server");
  },

  async compression(c) {
    const client = createClient(
      WebTest,
      transport(c, {
        sendCompression: compressionGzip,
        acceptCompression: [compressionGzip],
        compressMinBytes: 0,
      }),
    );
    let header;
    const r = await client.unary({ message: "z".repeat(64) }, { onHeader: (h) => (header = h) });
    eq(r.compressed, true, "request arrived compressed");
    const enc = header.get("grpc-encoding") ?? header.get("content-encoding");
    eq(enc, "gzip", "response encoding");
    // Streams: each message compressed both ways.
    const got = [];
    for await (const m of client.serverStream({ message: "zz", count: 2 })) got.push(m.message);
    eq(got, ["zz 0", "zz 1"], "compressed stream");
  },
};

let failed = 0;
for (const c of clients) {
  for (const [name, run] of Object.entries(cases)) {
    try {
      const r = await run(c);
      if (typeof r === "string") {
        console.log(`RESULT node:${c.name} ${name} n/a ${r}`);
      } else {
        console.log(`RESULT node:${c.name} ${name} pass`);
      }
    } catch (e) {
      failed++;
      const why = (e && e.stack ? e.stack : String(e)).split("\n").slice(0, 3).join(" | ");
      console.log(`RESULT node:${c.name} ${name} fail ${why}`);
    }
  }
}
process.exit(0);
