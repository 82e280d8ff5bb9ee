'use strict';
// grpc.testing.TestService interop server on @grpc/grpc-js (Courier's Node interop peer).
//
// Usage: node interop_server.js --port=PORT
//
// Implements EmptyCall, UnaryCall, StreamingInputCall, StreamingOutputCall, FullDuplexCall,
// CompressedRequest, Echo Status and Echo Metadata. UnimplementedCall is left out (grpc-js
// answers UNIMPLEMENTED) and UnimplementedService is not registered. Prints `listening PORT`
// once it serves.
//
// Not supported by grpc-js: compressed responses (it never sets the compressed flag), so
// CompressedResponse is not implemented and the harness skips server_compressed_* here.
//
// CompressedRequest needs the per-message compressed flag, which grpc-js does not show a
// handler. The pinned grpc-js version decompresses every request message through
// BaseServerInterceptingCall.decompressMessage(framedMessage, encoding); we wrap it to tag the
// bytes it returns with the frame's flag, and wrap each request deserializer to carry the tag
// onto the decoded message (`__compressed`).

const c = require('./interop_common');
const { grpc } = c;
const interceptors = require('@grpc/grpc-js/build/src/server-interceptors');

const COMPRESSED = Symbol('compressed');
const base = interceptors.BaseServerInterceptingCall.prototype;
if (typeof base.decompressMessage !== 'function') {
  throw new Error('grpc-js changed: BaseServerInterceptingCall.decompressMessage is gone');
}
const decompress = base.decompressMessage;
base.decompressMessage = function (message, encoding) {
  const compressed = message.readUInt8(0) === 1;
  const tag = (bytes) => {
    bytes[COMPRESSED] = compressed;
    return bytes;
  };
  const out = decompress.call(this, message, encoding);
  return out instanceof Promise ? out.then(tag) : tag(out);
};

const testing = c.load();
const service = {};
for (const [name, method] of Object.entries(testing.TestService.service)) {
  const deserialize = method.requestDeserialize;
  service[name] = Object.assign({}, method, {
    requestDeserialize: (bytes) => {
      const msg = deserialize(bytes);
      msg.__compressed = bytes[COMPRESSED] === true;
      return msg;
    },
  });
}

const zeros = (n) => ({ body: Buffer.alloc(n) });

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

// CompressedRequest: INVALID_ARGUMENT when the client promised compression and did not.
function compressionError(req) {
  if (req.expect_compressed && req.expect_compressed.value && !req.__compressed) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'expected a compressed request' };
  }
  return null;
}

// Echo Status.
function statusError(req, trailer) {
  if (req.response_status && req.response_status.code) {
    return {
      code: req.response_status.code,
      details: req.response_status.message || '',
      metadata: trailer,
    };
  }
  return null;
}

const sleep = (us) => new Promise((r) => setTimeout(r, us / 1000));

async function writeResponses(call, req) {
  for (const p of req.response_parameters || []) {
    if (p.interval_us > 0) await sleep(p.interval_us);
    if (call.cancelled) return;
    await new Promise((resolve) => call.write({ payload: zeros(p.size || 0) }, resolve));
  }
}

const handlers = {
  EmptyCall(call, callback) {
    const trailer = echoMetadata(call);
    callback(null, {}, trailer);
  },
  UnaryCall(call, callback) {
    const trailer = echoMetadata(call);
    const req = call.request;
    const err = compressionError(req) || statusError(req, trailer);
    if (err) return callback(err);
    callback(null, { payload: zeros(req.response_size || 0) }, trailer);
  },
  StreamingInputCall(call, callback) {
    const trailer = echoMetadata(call);
    let total = 0;
    let failed = false;
    call.on('data', (req) => {
      if (failed) return;
      const err = compressionError(req);
      if (err) {
        failed = true;
        return callback(err);
      }
      total += req.payload && req.payload.body ? req.payload.body.length : 0;
    });
    call.on('end', () => {
      if (!failed) callback(null, { aggregated_payload_size: total }, trailer);
    });
  },
  async StreamingOutputCall(call) {
    const trailer = echoMetadata(call);
    const err = statusError(call.request, trailer);
    if (err) return call.emit('error', err);
    await writeResponses(call, call.request);
    call.end(trailer);
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

const server = new grpc.Server({
  'grpc.max_receive_message_length': 16 << 20,
  'grpc.max_send_message_length': 16 << 20,
});
server.addService(service, handlers);
const port = c.flag('port', '0');
server.bindAsync(`127.0.0.1:${port}`, c.tlsServer(), (err, bound) => {
  if (err) {
    console.error(`interop_server.js: ${err.message}`);
    process.exit(1);
  }
  console.log(`listening ${bound}`);
});
