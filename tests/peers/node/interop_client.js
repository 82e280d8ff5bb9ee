'use strict';
// grpc.testing.TestService interop client on @grpc/grpc-js (Courier's Node interop peer).
//
// Usage: node interop_client.js --server_host=HOST --server_port=PORT --test_case=CASE
//
// Runs one test case of the gRPC interop test descriptions; exits 0 when every assertion holds,
// 1 (reason on stderr) when one fails. `--test_case=list` prints the supported cases.
//
// grpc-js does not show a client the per-message compressed flag, so server_compressed_* check
// the payloads only. Compression is a channel option in grpc-js (gzip for a whole call); the
// uncompressed message of client_compressed_streaming is written with the NoCompress flag.

const c = require('./interop_common');
const { grpc } = c;

const testing = c.load();
const host = c.flag('server_host', '127.0.0.1');
const port = c.flag('server_port', '');
const address = `${host}:${port}`;
const tls = c.tlsClient();
const creds = tls.creds;
const options = Object.assign({ 'grpc.max_receive_message_length': 16 << 20 }, tls.options);
const GZIP = 2; // compressionAlgorithms.gzip
const NO_COMPRESS = 2; // WriteFlags.NoCompress

const client = new testing.TestService(address, creds, options);
const gzipClient = new testing.TestService(
  address,
  creds,
  Object.assign({}, options, { 'grpc.default_compression_algorithm': GZIP }),
);

class Failure extends Error {}
function check(cond, what) {
  if (!cond) throw new Failure(what);
}
const zerosOf = (n) => ({ body: Buffer.alloc(n) });
function zeros(payload, size, what) {
  const body = payload && payload.body ? payload.body : Buffer.alloc(0);
  check(body.length === size, `${what}: payload body is ${body.length} bytes, expected ${size}`);
  check(body.equals(Buffer.alloc(size)), `${what}: payload body is not all zeros`);
}
function expectCode(err, code, what) {
  check(err, `${what}: the call succeeded, expected status ${code}`);
  check(err.code === code, `${what}: status ${err.code} (${err.details}), expected ${code}`);
}
const unary = (cl, method, req, md) =>
  new Promise((resolve) => {
    const call = cl[method](req, md || new grpc.Metadata(), (err, resp) =>
      resolve({ err, resp, call }),
    );
  });
const largeRequest = (extra) =>
  Object.assign({ response_size: c.LARGE_RESP, payload: zerosOf(c.LARGE_REQ) }, extra || {});

// Collects a streaming call's responses and its final status.
function collect(call) {
  return new Promise((resolve) => {
    const got = [];
    let err = null;
    call.on('data', (m) => got.push(m));
    call.on('error', (e) => {
      err = e;
    });
    call.on('status', (status) => resolve({ got, err, status }));
  });
}
function clientStreaming(cl, reqs, flagsFor) {
  return new Promise((resolve) => {
    const call = cl.StreamingInputCall((err, resp) => resolve({ err, resp }));
    reqs.forEach((r, i) => call.write(r, flagsFor ? flagsFor(i) : undefined));
    call.end();
  });
}

const CASES = {
  async empty_unary() {
    const { err, resp } = await unary(client, 'EmptyCall', {});
    check(!err, `empty_unary: ${err && err.message}`);
    check(Object.keys(resp).length === 0, 'empty_unary: response is not empty');
  },
  async large_unary() {
    const { err, resp } = await unary(client, 'UnaryCall', largeRequest());
    check(!err, `large_unary: ${err && err.message}`);
    zeros(resp.payload, c.LARGE_RESP, 'large_unary');
  },
  async client_compressed_unary() {
    const probe = largeRequest({ expect_compressed: { value: true } });
    const first = await unary(client, 'UnaryCall', probe);
    expectCode(first.err, grpc.status.INVALID_ARGUMENT, 'client_compressed_unary probe');
    const second = await unary(gzipClient, 'UnaryCall', probe);
    check(!second.err, `client_compressed_unary compressed: ${second.err && second.err.message}`);
    zeros(second.resp.payload, c.LARGE_RESP, 'client_compressed_unary compressed');
    const plain = largeRequest({ expect_compressed: { value: false } });
    const third = await unary(client, 'UnaryCall', plain);
    check(!third.err, `client_compressed_unary uncompressed: ${third.err && third.err.message}`);
    zeros(third.resp.payload, c.LARGE_RESP, 'client_compressed_unary uncompressed');
  },
  async server_compressed_unary() {
    for (const value of [true, false]) {
      const req = largeRequest({ response_compressed: { value } });
      const { err, resp } = await unary(client, 'UnaryCall', req);
      check(!err, `server_compressed_unary(${value}): ${err && err.message}`);
      zeros(resp.payload, c.LARGE_RESP, `server_compressed_unary(${value})`);
    }
  },
  async client_streaming() {
    const reqs = c.INPUT_SIZES.map((n) => ({ payload: zerosOf(n) }));
    const { err, resp } = await clientStreaming(client, reqs);
    check(!err, `client_streaming: ${err && err.message}`);
    check(resp.aggregated_payload_size === 74922,
      `client_streaming: aggregated ${resp.aggregated_payload_size}, expected 74922`);
  },
  async client_compressed_streaming() {
    const probe = { payload: zerosOf(27182), expect_compressed: { value: true } };
    const first = await clientStreaming(client, [probe]);
    expectCode(first.err, grpc.status.INVALID_ARGUMENT, 'client_compressed_streaming probe');
    const second = { payload: zerosOf(45904), expect_compressed: { value: false } };
    const { err, resp } = await clientStreaming(gzipClient, [probe, second], (i) =>
      i === 1 ? NO_COMPRESS : undefined,
    );
    check(!err, `client_compressed_streaming: ${err && err.message}`);
    check(resp.aggregated_payload_size === 73086,
      `client_compressed_streaming: aggregated ${resp.aggregated_payload_size}, expected 73086`);
  },
  async server_streaming() {
    const req = { response_parameters: c.OUTPUT_SIZES.map((size) => ({ size })) };
    const { got, err } = await collect(client.StreamingOutputCall(req));
    check(!err, `server_streaming: ${err && err.message}`);
    check(got.length === 4, `server_streaming: ${got.length} responses, expected 4`);
    got.forEach((r, i) => zeros(r.payload, c.OUTPUT_SIZES[i], 'server_streaming'));
  },
  async server_compressed_streaming() {
    const req = {
      response_parameters: [
        { size: 31415, compressed: { value: true } },
        { size: 92653, compressed: { value: false } },
      ],
    };
    const { got, err } = await collect(client.StreamingOutputCall(req));
    check(!err, `server_compressed_streaming: ${err && err.message}`);
    check(got.length === 2, `server_compressed_streaming: ${got.length} responses, expected 2`);
    zeros(got[0].payload, 31415, 'server_compressed_streaming');
    zeros(got[1].payload, 92653, 'server_compressed_streaming');
  },
  async ping_pong() {
    const call = client.FullDuplexCall();
    const queue = [];
    const waiters = [];
    call.on('data', (m) => (waiters.length ? waiters.shift()(m) : queue.push(m)));
    const done = collectStatus(call);
    const next = () => new Promise((r) => (queue.length ? r(queue.shift()) : waiters.push(r)));
    for (let i = 0; i < 4; i++) {
      call.write({
        response_parameters: [{ size: c.INPUT_SIZES[i] }],
        payload: zerosOf(c.OUTPUT_SIZES[i]),
      });
      zeros((await next()).payload, c.INPUT_SIZES[i], 'ping_pong');
    }
    call.end();
    const { err } = await done;
    check(!err, `ping_pong: ${err && err.message}`);
    check(queue.length === 0, `ping_pong: ${queue.length} responses after half-close`);
  },
  async empty_stream() {
    const call = client.FullDuplexCall();
    const result = collect(call);
    call.end();
    const { got, err } = await result;
    check(!err, `empty_stream: ${err && err.message}`);
    check(got.length === 0, `empty_stream: ${got.length} responses, expected none`);
  },
  async custom_metadata() {
    const md = new grpc.Metadata();
    md.set(c.ECHO_INITIAL, 'test_initial_metadata_value');
    md.set(c.ECHO_TRAILING, Buffer.from([0xab, 0xab, 0xab]));
    const checkMd = (initial, trailing, what) => {
      const i = initial.get(c.ECHO_INITIAL);
      check(i.length === 1 && i[0] === 'test_initial_metadata_value',
        `custom_metadata ${what}: initial metadata ${JSON.stringify(i)}`);
      const t = trailing.get(c.ECHO_TRAILING);
      check(t.length === 1 && Buffer.isBuffer(t[0]) && t[0].equals(Buffer.from([0xab, 0xab, 0xab])),
        `custom_metadata ${what}: trailing metadata ${JSON.stringify(t)}`);
    };
    // Unary.
    const result = await new Promise((resolve) => {
      let initial = null;
      let status = null;
      let out = null;
      const finish = () => initial && status && out && resolve({ initial, status, out });
      const call = client.UnaryCall(largeRequest(), md, (err, resp) => {
        out = { err, resp };
        finish();
      });
      call.on('metadata', (m) => {
        initial = m;
        finish();
      });
      call.on('status', (s) => {
        status = s;
        finish();
      });
    });
    check(!result.out.err, `custom_metadata unary: ${result.out.err && result.out.err.message}`);
    zeros(result.out.resp.payload, c.LARGE_RESP, 'custom_metadata unary');
    checkMd(result.initial, result.status.metadata, 'unary');
    // Full duplex.
    const call = client.FullDuplexCall(md);
    let initial = null;
    call.on('metadata', (m) => {
      initial = m;
    });
    const all = collect(call);
    call.write({ response_parameters: [{ size: c.LARGE_RESP }], payload: zerosOf(c.LARGE_REQ) });
    call.end();
    const { got, err, status } = await all;
    check(!err, `custom_metadata full duplex: ${err && err.message}`);
    check(got.length === 1, `custom_metadata full duplex: ${got.length} responses`);
    zeros(got[0].payload, c.LARGE_RESP, 'custom_metadata full duplex');
    check(initial, 'custom_metadata full duplex: no initial metadata');
    checkMd(initial, status.metadata, 'full duplex');
  },
  async status_code_and_message() {
    await statusCase('test status message', 'status_code_and_message', true);
  },
  async special_status_message() {
    await statusCase(c.SPECIAL_MESSAGE, 'special_status_message', false);
  },
  async unimplemented_method() {
    const { err } = await unary(client, 'UnimplementedCall', {});
    expectCode(err, grpc.status.UNIMPLEMENTED, 'unimplemented_method');
  },
  async unimplemented_service() {
    const other = new testing.UnimplementedService(address, creds, options);
    const { err } = await unary(other, 'UnimplementedCall', {});
    expectCode(err, grpc.status.UNIMPLEMENTED, 'unimplemented_service');
  },
  async cancel_after_begin() {
    const result = await new Promise((resolve) => {
      const call = client.StreamingInputCall((err) => resolve(err));
      call.cancel();
    });
    expectCode(result, grpc.status.CANCELLED, 'cancel_after_begin');
  },
  async cancel_after_first_response() {
    const call = client.FullDuplexCall();
    const done = collectStatus(call);
    const first = new Promise((r) => call.once('data', r));
    call.write({ response_parameters: [{ size: 31415 }], payload: zerosOf(27182) });
    zeros((await first).payload, 31415, 'cancel_after_first_response');
    call.cancel();
    const { err } = await done;
    expectCode(err, grpc.status.CANCELLED, 'cancel_after_first_response');
  },
  async timeout_on_sleeping_server() {
    const call = client.FullDuplexCall({ deadline: Date.now() + 1 });
    const all = collect(call);
    call.write({ payload: zerosOf(27182) });
    const { got, err } = await all;
    check(got.length === 0, 'timeout_on_sleeping_server: a response arrived');
    expectCode(err, grpc.status.DEADLINE_EXCEEDED, 'timeout_on_sleeping_server');
  },
  async concurrent_large_unary() {
    const n = Number(c.flag('num_calls', '1000'));
    const req = largeRequest();
    const results = await Promise.all(
      Array.from({ length: n }, () => unary(client, 'UnaryCall', req)),
    );
    for (const { err, resp } of results) {
      check(!err, `concurrent_large_unary: ${err && err.message}`);
      zeros(resp.payload, c.LARGE_RESP, 'concurrent_large_unary');
    }
  },
};

// The final status of a streaming call whose data is consumed elsewhere.
function collectStatus(call) {
  return new Promise((resolve) => {
    let err = null;
    call.on('error', (e) => {
      err = e;
    });
    call.on('status', (status) => resolve({ err, status }));
  });
}

async function statusCase(message, what, duplex) {
  const response_status = { code: 2, message };
  const { err } = await unary(client, 'UnaryCall', { response_status });
  expectCode(err, grpc.status.UNKNOWN, `${what} unary`);
  check(err.details === message, `${what} unary: message ${JSON.stringify(err.details)}`);
  if (duplex) {
    const call = client.FullDuplexCall();
    const all = collect(call);
    call.write({ response_status });
    call.end();
    const r = await all;
    expectCode(r.err, grpc.status.UNKNOWN, `${what} full duplex`);
    check(r.err.details === message, `${what} full duplex: message ${JSON.stringify(r.err.details)}`);
  }
}

async function main() {
  const name = c.flag('test_case', '');
  if (name === 'list') {
    console.log(Object.keys(CASES).join('\n'));
    return 0;
  }
  if (!(name in CASES)) {
    console.error(`interop_client.js: unknown --test_case ${JSON.stringify(name)}`);
    return 2;
  }
  try {
    await CASES[name]();
  } catch (e) {
    console.error(e instanceof Failure ? `FAIL ${e.message}` : `FAIL ${name}: ${e.stack}`);
    return 1;
  }
  console.log(`PASS ${name}`);
  return 0;
}

main().then((code) => {
  client.close();
  gzipClient.close();
  process.exit(code);
});
