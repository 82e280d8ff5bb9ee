// The WebTest service served by @connectrpc/connect-node (cargo xtask web): the server that
// Courier's own web client (courier_rpc::web::WebChannel, the web-test-client binary) is
// checked against, so that it is known to reach a Connect / gRPC-Web server that is not
// Courier's. It answers as tests/web/src/lib.rs does (`protocol` says "connect-node").
//
// usage: node server.mjs
// Serves HTTP/1.1 and HTTP/2 (cleartext, prior knowledge) on two free ports of 127.0.0.1,
// prints `listening h1=P h2=Q` once ready, and runs until killed.

import http from "node:http";
import http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import {
  EchoRequestSchema,
  EchoResponseSchema,
  WebTest,
} from "./gen/courier/webtest/v1/webtest_pb.js";

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });
}

function fail(req) {
  if (req.failCode === 0) return;
  throw new ConnectError(
    `failed as asked: ${req.message}`,
    req.failCode,
    { "x-failed": "yes" },
    [{ desc: EchoRequestSchema, value: req }],
  );
}

function echo(req, ctx, index) {
  const metadata = {};
  ctx.requestHeader.forEach((v, k) => {
    if (k.startsWith("x-") && !k.endsWith("-bin")) metadata[k] = v;
  });
  return create(EchoResponseSchema, {
    message: req.message,
    index,
    payload: req.payload,
    labels: req.labels,
    big: req.big,
    metadata,
    hasDeadline: ctx.timeoutMs() !== undefined,
    protocol: "connect-node",
  });
}

async function unaryCall(req, ctx) {
  if (req.delayMs) await sleep(req.delayMs, ctx.signal);
  fail(req);
  const v = ctx.requestHeader.get("x-echo");
  if (v !== null) {
    ctx.responseHeader.set("x-echo", v);
    ctx.responseTrailer.set("x-trailer", v);
  }
  return echo(req, ctx, 0);
}

const routes = (router) =>
  router.service(WebTest, {
    unary: unaryCall,
    post: unaryCall,
    async *serverStream(req, ctx) {
      ctx.responseTrailer.set("x-count", String(Math.max(req.count, 0)));
      for (let i = 0; i < req.count; i++) {
        if (req.delayMs) await sleep(req.delayMs, ctx.signal);
        const r = echo(req, ctx, i);
        r.message = `${req.message} ${i}`;
        yield r;
      }
      fail(req);
    },
    async clientStream(reqs) {
      const all = [];
      for await (const m of reqs) {
        fail(m);
        all.push(m.message);
      }
      return create(EchoResponseSchema, { message: all.join(","), index: all.length });
    },
    async *bidi(reqs) {
      let i = 0;
      for await (const m of reqs) {
        fail(m);
        yield create(EchoResponseSchema, { message: m.message.toUpperCase(), index: i++ });
      }
    },
  });

const handler = connectNodeAdapter({
  routes,
  acceptCompression: [compressionGzip],
  compressMinBytes: 0,
});

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

const h1 = await listen(http.createServer(handler));
const h2 = await listen(http2.createServer(handler));
console.log(`listening h1=${h1} h2=${h2}`);
