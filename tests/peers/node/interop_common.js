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

// TLS from the flags (client: --use_tls=true --ca_file [--server_host_override]
// [--client_cert_file --client_key_file]; server: --use_tls=true --cert_file --key_file
// [--client_ca_file]); insecure without --use_tls=true.
const fs = require('fs');

function tlsClient() {
  if (flag('use_tls', 'false') !== 'true') {
    return { creds: grpc.credentials.createInsecure(), options: {} };
  }
  const ca = flag('ca_file');
  if (!ca) throw new Error("--use_tls needs --ca_file (grpc's test CA is not bundled)");
  const cert = flag('client_cert_file');
  const key = flag('client_key_file');
  const creds = grpc.credentials.createSsl(
    fs.readFileSync(ca),
    key ? fs.readFileSync(key) : null,
    cert ? fs.readFileSync(cert) : null,
  );
  const options = {};
  const override = flag('server_host_override');
  if (override) {
    options['grpc.ssl_target_name_override'] = override;
    options['grpc.default_authority'] = override;
  }
  return { creds, options };
}

function tlsServer() {
  if (flag('use_tls', 'false') !== 'true') return grpc.ServerCredentials.createInsecure();
  const cert = flag('cert_file');
  const key = flag('key_file');
  if (!cert || !key) throw new Error('--use_tls needs --cert_file and --key_file');
  const clientCa = flag('client_ca_file');
  return grpc.ServerCredentials.createSsl(
    clientCa ? fs.readFileSync(clientCa) : null,
    [{ private_key: fs.readFileSync(key), cert_chain: fs.readFileSync(cert) }],
    Boolean(clientCa),
  );
}

module.exports = {
  grpc,
  load,
  flag,
  tlsClient,
  tlsServer,
  LARGE_REQ: 271828,
  LARGE_RESP: 314159,
  INPUT_SIZES: [27182, 8, 1828, 45904],
  OUTPUT_SIZES: [31415, 9, 2653, 58979],
  SPECIAL_MESSAGE: '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n',
  ECHO_INITIAL: 'x-grpc-test-echo-initial',
  ECHO_TRAILING: 'x-grpc-test-echo-trailing-bin',
};
