'use strict';
// grpc.testing.TestService on @grpc/grpc-js with @grpc/reflection (v1 and v1alpha), for the
// `courier` tool's tests (crates/courier/tests/cli_peers.rs).
//
// Usage: node cli_server.js [--port=PORT | --unix=PATH] [TLS flags of interop_common.tlsServer]
//
// EmptyCall, UnaryCall, StreamingInputCall, StreamingOutputCall (ResponseParameters with
// interval_us) and FullDuplexCall, with Echo Metadata and Echo Status as the interop server
// has them. Prints `listening PORT` (or `listening unix:PATH`) once it serves.

const path = require('path');
const protoLoader = require('@grpc/proto-loader');
const { ReflectionService } = require('@grpc/reflection');
const c = require('./interop_common');
const { grpc } = c;

const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');
const definition = protoLoader.loadSync('grpc/testing/test.proto', {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;

const zeros = (n) => ({ body: Buffer.alloc(n) });
const sleep = (us) => new Promise((r) => setTimeout(r, us / 1000));

// Echo Metadata: the initial key back at once, the trailing one in the trailers.
function echoMetadata(call) {
  const initial = call.metadata.get(c.ECHO_INITIAL);
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    md.set(c.ECHO_INITIAL, initial[0]);
    call.sendMetadata(md);
  }
  const trailer = new grpc.Metadata();
  const trailing = call.metadata.get(c.ECHO_TRAILING);
  if (trailing.length > 0) trailer.set(c.ECHO_TRAILING, trailing[0]);
  return trailer;
}

// Echo Status.
function statusError(req, trailer) {
  if (req.response_status && req.response_status.code) {
    return { code: req.response_status.code, details: req.response_status.message || '', metadata: trailer };
  }
  return null;
}

async function writeResponses(call, req) {
  for (const p of req.response_parameters || []) {
    if (p.interval_us > 0) await sleep(p.interval_us);
    if (call.cancelled) return;
    await new Promise((resolve) => call.write({ payload: zeros(p.size || 0) }, resolve));
  }
}

const handlers = {
  EmptyCall(call, callback) {
    callback(null, {}, echoMetadata(call));
  },
  UnaryCall(call, callback) {
    const trailer = echoMetadata(call);
    const err = statusError(call.request, trailer);
    if (err) return callback(err);
    callback(null, { payload: zeros(call.request.response_size || 0) }, trailer);
  },
  StreamingInputCall(call, callback) {
    const trailer = echoMetadata(call);
    let total = 0;
    call.on('data', (req) => {
      total += req.payload && req.payload.body ? req.payload.body.length : 0;
    });
    call.on('end', () => callback(null, { aggregated_payload_size: total }, trailer));
  },
  async StreamingOutputCall(call) {
    const trailer = echoMetadata(call);
    const err = statusError(call.request, trailer);
    if (err) return call.emit('error', err);
    await writeResponses(call, call.request);
    if (!call.cancelled) call.end(trailer);
  },
  FullDuplexCall(call) {
    const trailer = echoMetadata(call);
    let chain = Promise.resolve();
    let done = false;
    call.on('data', (req) => {
      chain = chain.then(async () => {
        if (done) return;
        const err = statusError(req, trailer);
        if (err) {
          done = true;
          return call.emit('error', err);
        }
        await writeResponses(call, req);
      });
    });
    call.on('end', () => {
      chain = chain.then(() => {
        if (!done) {
          done = true;
          call.end(trailer);
        }
      });
    });
  },
};

const server = new grpc.Server();
server.addService(testing.TestService.service, handlers);
new ReflectionService(definition).addToServer(server);
const unix = c.flag('unix');
const address = unix ? `unix:${unix}` : `127.0.0.1:${c.flag('port', '0')}`;
server.bindAsync(address, c.tlsServer(), (err, bound) => {
  if (err) {
    console.error(`cli_server.js: ${err.message}`);
    process.exit(1);
  }
  console.log(`listening ${unix ? address : bound}`);
});
