'use strict';
// Shared by Courier's Node interop peers (interop_server.js, interop_client.js): loads
// grpc.testing.TestService from the repository's proto/ directory with @grpc/proto-loader.
// The packages come from .peers/node/node_modules (`cargo xtask peers`), found through NODE_PATH.

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');

function load() {
  const definition = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}

function flag(name, fallback) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return fallback;
}

module.exports = {
  grpc,
  load,
  flag,
  LARGE_REQ: 271828,
  LARGE_RESP: 314159,
  INPUT_SIZES: [27182, 8, 1828, 45904],
  OUTPUT_SIZES: [31415, 9, 2653, 58979],
  SPECIAL_MESSAGE: '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n',
  ECHO_INITIAL: 'x-grpc-test-echo-initial',
  ECHO_TRAILING: 'x-grpc-test-echo-trailing-bin',
};
