//! The `courier` tool end to end against Courier's own server (grpc.testing.TestService with
//! reflection v1 and v1alpha): list, describe, the four kinds of call, an interactive bidi
//! session, metadata both ways, deadlines, compression, status details, plain TCP, TLS,
//! mTLS, Unix sockets, the error cases (unknown service or method, bad JSON, no
//! reflection), descriptors from `--proto` and `--protoset`, completions and short benches.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use courier::Code;
use support::*;

const SVC: &str = "grpc.testing.TestService";

fn m(name: &str) -> String {
    format!("{SVC}/{name}")
}

#[test]
fn list_services_and_methods() {
    let s = courier_server(Security::Plain);
    let r = courier(&["list", &s.address]).expect(0);
    // Reflection lists the services of the files it was given, sorted.
    let services: Vec<&str> = r.stdout.lines().collect();
    for s in [
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        SVC,
    ] {
        assert!(services.contains(&s), "{services:?}");
    }
    assert!(services.is_sorted(), "{services:?}");
    let r = courier(&["list", &s.address, SVC]).expect(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines.contains(&"grpc.testing.TestService/UnaryCall(grpc.testing.SimpleRequest) returns (grpc.testing.SimpleResponse)"), "{lines:?}");
    assert!(lines.contains(&"grpc.testing.TestService/FullDuplexCall(stream grpc.testing.StreamingOutputCallRequest) returns (stream grpc.testing.StreamingOutputCallResponse)"), "{lines:?}");
    assert!(lines.contains(&"grpc.testing.TestService/StreamingInputCall(stream grpc.testing.StreamingInputCallRequest) returns (grpc.testing.StreamingInputCallResponse)"), "{lines:?}");
    assert_eq!(lines.len(), 8, "{lines:?}");
}

#[test]
fn describe_symbols() {
    let s = courier_server(Security::Plain);
    let r = courier(&["describe", &s.address, SVC]).expect(0);
    assert!(r.stdout.starts_with("// grpc.testing.TestService: service, from grpc/testing/test.proto\nservice TestService {\n"), "{}", r.stdout);
    assert!(r.stdout.contains("  rpc FullDuplexCall(stream grpc.testing.StreamingOutputCallRequest) returns (stream grpc.testing.StreamingOutputCallResponse);\n"), "{}", r.stdout);

    let r = courier(&["describe", &s.address, "grpc.testing.SimpleRequest"]).expect(0);
    assert!(
        r.stdout.contains("message SimpleRequest {\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  grpc.testing.PayloadType response_type = 1;\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  grpc.testing.EchoStatus response_status = 7;\n"),
        "{}",
        r.stdout
    );

    let r = courier(&["describe", &s.address, "grpc.testing.PayloadType"]).expect(0);
    assert!(
        r.stdout
            .contains("enum PayloadType {\n  COMPRESSABLE = 0;\n}\n"),
        "{}",
        r.stdout
    );

    // A method: the rpc line, then its request and response messages.
    let r = courier(&["describe", &s.address, "grpc.testing.TestService.UnaryCall"]).expect(0);
    assert!(
        r.stdout.contains(
            "rpc UnaryCall(grpc.testing.SimpleRequest) returns (grpc.testing.SimpleResponse);"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("message SimpleResponse {"),
        "{}",
        r.stdout
    );

    // A template of the request, which `call` takes back.
    let r = courier(&["describe", &s.address, &m("UnaryCall"), "--template"]).expect(0);
    let t = &r.json()[0];
    assert_eq!(t["responseType"], "COMPRESSABLE");
    assert!(t["payload"].is_object(), "{t}");
    courier(&["call", &s.address, &m("UnaryCall"), "-d", &r.stdout]).expect(0);

    // A file, by its name.
    let r = courier(&["describe", &s.address, "grpc/testing/empty.proto"]).expect(0);
    assert!(r.stdout.contains("package grpc.testing;\n"), "{}", r.stdout);
    assert!(r.stdout.contains("message Empty {\n}\n"), "{}", r.stdout);

    // Every service at once.
    let r = courier(&["describe", &s.address]).expect(0);
    // Courier's reflection lists itself without describing itself.
    assert!(
        r.stdout
            .contains("// grpc.reflection.v1.ServerReflection: service, listed but not described"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("service TestService {"), "{}", r.stdout);

    // An unknown symbol: what there is nearby.
    let r = courier(&["describe", &s.address, "grpc.testing.SimpleRequst"]).expect(1);
    assert!(
        r.stderr
            .contains("`grpc.testing.SimpleRequst` is not defined"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("did you mean grpc.testing.SimpleRequest?"),
        "{}",
        r.stderr
    );
}

#[test]
fn unary_call() {
    let s = courier_server(Security::Plain);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 3}"#,
    ])
    .expect(0);
    let out = r.json();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["payload"]["body"], "AAAA");
    // Indented by default, one line with --compact; options of ProtoJSON as flags.
    assert!(r.stdout.contains("\n  \"payload\": {\n"), "{}", r.stdout);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"response_size": 0}"#,
        "--compact",
        "--emit-defaults",
        "--proto-names",
        "--enums-as-ints",
    ])
    .expect(0);
    assert_eq!(
        r.stdout,
        "{\"payload\":{\"type\":0,\"body\":\"\"},\"username\":\"\",\"oauth_scope\":\"\",\
         \"server_id\":\"\",\"grpclb_route_type\":0,\"hostname\":\"\"}\n"
    );
    // No -d: the empty request.
    let r = courier(&["call", &s.address, &m("EmptyCall")]).expect(0);
    assert_eq!(r.stdout.trim(), "{}");
    // The method may be given as /pkg.Svc/Method or pkg.Svc.Method too.
    courier(&["call", &s.address, "/grpc.testing.TestService/EmptyCall"]).expect(0);
    courier(&["call", &s.address, "grpc.testing.TestService.EmptyCall"]).expect(0);
}

#[test]
fn server_client_and_bidi_streaming_calls() {
    let s = courier_server(Security::Plain);
    // Server streaming: one JSON object per response.
    let r = courier(&[
        "call",
        &s.address,
        &m("StreamingOutputCall"),
        "--compact",
        "-d",
        r#"{"responseParameters": [{"size": 1}, {"size": 2}, {"size": 3}]}"#,
    ])
    .expect(0);
    assert_eq!(
        r.stdout,
        "{\"payload\":{\"body\":\"AA==\"}}\n{\"payload\":{\"body\":\"AAA=\"}}\n{\"payload\":{\"body\":\"AAAA\"}}\n"
    );

    // Client streaming from a file: a sequence of objects.
    let dir = temp_dir("client-streaming");
    let file = dir.join("in.json");
    std::fs::write(
        &file,
        "{\"payload\": {\"body\": \"AAAA\"}}\n{\"payload\": {\"body\": \"AAAAAA==\"}}\n{}\n",
    )
    .unwrap();
    let r = courier(&[
        "call",
        &s.address,
        &m("StreamingInputCall"),
        "-d",
        &format!("@{}", file.display()),
    ])
    .expect(0);
    assert_eq!(r.json()[0]["aggregatedPayloadSize"], 7);

    // Bidi streaming from standard input.
    let input = "{\"responseParameters\": [{\"size\": 1}]}\n{\"responseParameters\": [{\"size\": 2}, {\"size\": 3}]}\n";
    let r = courier_in(
        &[
            "call",
            &s.address,
            &m("FullDuplexCall"),
            "-d",
            "@-",
            "--compact",
        ],
        input,
    )
    .expect(0);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);

    // A unary method given two messages is told so, before any call.
    let r = courier(&["call", &s.address, &m("UnaryCall"), "-d", "{} {}"]).expect(1);
    assert!(
        r.stderr
            .contains("it takes one request message, but the data holds 2"),
        "{}",
        r.stderr
    );
}

/// An interactive bidi session: each request goes out as soon as its object is complete, and
/// its responses come back before the next request is typed.
#[test]
fn interactive_bidi_session() {
    let s = courier_server(Security::Plain);
    let mut child = Command::new(bin())
        .args([
            "call",
            &s.address,
            &m("FullDuplexCall"),
            "-d",
            "@-",
            "--compact",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let wait = std::time::Duration::from_secs(20);
    // The object is split over two writes; nothing may go out before it closes.
    stdin.write_all(b"{\"responseParameters\":\n").unwrap();
    stdin.flush().unwrap();
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(300))
            .is_err()
    );
    stdin.write_all(b" [{\"size\": 2}]}\n").unwrap();
    stdin.flush().unwrap();
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        "{\"payload\":{\"body\":\"AAA=\"}}"
    );
    stdin
        .write_all(b"{\"responseParameters\": [{\"size\": 1}, {\"size\": 1}]}")
        .unwrap();
    stdin.flush().unwrap();
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        "{\"payload\":{\"body\":\"AA==\"}}"
    );
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        "{\"payload\":{\"body\":\"AA==\"}}"
    );
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn metadata_both_ways() {
    let s = courier_server(Security::Plain);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-v",
        "-H",
        "x-grpc-test-echo-initial: hello there",
        "-H",
        "X-Grpc-Test-Echo-Trailing-Bin: AAEC/w==",
    ])
    .expect(0);
    let err = &r.stderr;
    let headers = err.find("< response headers:").expect(err);
    let trailers = err.find("< response trailers:").expect(err);
    let initial = err
        .find("<   x-grpc-test-echo-initial: hello there")
        .expect(err);
    let trailing = err
        .find("<   x-grpc-test-echo-trailing-bin: AAEC/w==")
        .expect(err);
    assert!(
        headers < initial && initial < trailers && trailers < trailing,
        "{err}"
    );
    assert!(err.contains("> request metadata:"), "{err}");
    assert!(err.contains("status OK"), "{err}");
    assert!(err.contains("sent 1 request, received 1 response"), "{err}");
    // A -bin value that is not base64, a malformed header: usage errors.
    let r = courier(&["call", &s.address, &m("EmptyCall"), "-H", "x-bin: ***"]).expect(2);
    assert!(r.stderr.contains("must be base64"), "{}", r.stderr);
    courier(&["call", &s.address, &m("EmptyCall"), "-H", "nocolon"]).expect(2);
}

#[test]
fn deadlines() {
    let s = courier_server(Security::Plain);
    let started = std::time::Instant::now();
    let r = courier(&[
        "call",
        &s.address,
        &m("StreamingOutputCall"),
        "--deadline",
        "300ms",
        "--compact",
        "-d",
        r#"{"responseParameters": [{"size": 1}, {"size": 1, "intervalUs": 5000000}]}"#,
    ])
    .expect(exit_of(Code::DEADLINE_EXCEEDED));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the deadline cut the call short"
    );
    // The first response came before the deadline.
    assert_eq!(r.stdout, "{\"payload\":{\"body\":\"AA==\"}}\n");
    assert!(r.stderr.contains("DEADLINE_EXCEEDED (4)"), "{}", r.stderr);
    assert!(
        r.stderr.contains("give more time with --deadline"),
        "{}",
        r.stderr
    );
    // Within the deadline: fine.
    courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "--deadline",
        "5s",
        "-H",
        "x-sleep-ms: 50",
    ])
    .expect(0);
}

#[test]
fn statuses_exit_codes_and_details() {
    let s = courier_server(Security::Plain);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-H",
        "x-with-details: 1",
        "-d",
        r#"{"responseStatus": {"code": 9, "message": "no size 50 left"}}"#,
    ])
    .expect(exit_of(Code::FAILED_PRECONDITION));
    assert_eq!(r.stdout, "");
    let e = &r.stderr;
    assert!(
        e.contains("error: the call ended with FAILED_PRECONDITION (9): no size 50 left"),
        "{e}"
    );
    assert!(e.contains("google.rpc.ErrorInfo {\"reason\":\"OUT_OF_STOCK\",\"domain\":\"courier.test\",\"metadata\":{\"item\":\"boot\"}}"), "{e}");
    assert!(e.contains("google.rpc.BadRequest {\"fieldViolations\":[{\"field\":\"size\",\"description\":\"no size 50\"}]}"), "{e}");
    // Every status code exits 64 + code.
    for code in [1, 2, 5, 7, 13, 14, 16] {
        let d = format!(r#"{{"responseStatus": {{"code": {code}, "message": "x"}}}}"#);
        courier(&["call", &s.address, &m("UnaryCall"), "-d", &d]).expect(64 + code);
    }
    // A method the server does not implement.
    courier(&["call", &s.address, &m("UnimplementedCall")]).expect(exit_of(Code::UNIMPLEMENTED));
}

#[test]
fn unknown_services_and_methods_say_what_there_is() {
    let s = courier_server(Security::Plain);
    let r = courier(&["call", &s.address, &m("UnaryCal")]).expect(1);
    assert!(
        r.stderr
            .contains("service `grpc.testing.TestService` has no method `UnaryCal`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("did you mean grpc.testing.TestService/UnaryCall?"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("its methods are:"), "{}", r.stderr);
    assert!(r.stderr.contains("grpc.testing.TestService/HalfDuplexCall(stream grpc.testing.StreamingOutputCallRequest)"), "{}", r.stderr);

    let r = courier(&["call", &s.address, "grpc.testing.TestServic/UnaryCall"]).expect(1);
    assert!(
        r.stderr
            .contains("there is no service `grpc.testing.TestServic`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean grpc.testing.TestService?"),
        "{}",
        r.stderr
    );

    let r = courier(&["list", &s.address, "nope.Nothing"]).expect(1);
    assert!(r.stderr.contains("the services are:"), "{}", r.stderr);
    let r = courier(&["call", &s.address, "UnaryCall"]).expect(2);
    assert!(r.stderr.contains("not a method name"), "{}", r.stderr);
}

#[test]
fn bad_json_is_located() {
    let s = courier_server(Security::Plain);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        "{\"responseSize\": 1,\n \"payload\": {\"body\": 12}}",
    ])
    .expect(1);
    let e = &r.stderr;
    assert!(
        e.contains("request 1 is not a valid grpc.testing.SimpleRequest: $.payload.body:"),
        "{e}"
    );
    assert!(e.contains("(line 2, column 22 of -d)"), "{e}");
    assert!(e.contains(" \"payload\": {\"body\": 12}}\n"), "{e}");
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        "{\"respons_size\": 1}",
    ])
    .expect(1);
    assert!(
        r.stderr.contains("has no field named \"respons_size\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("responseSize (or response_size)"),
        "{}",
        r.stderr
    );
    courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        "{\"respons_size\": 1}",
        "--allow-unknown-fields",
    ])
    .expect(0);
    // Malformed JSON in a stream: the position in the input.
    let r = courier_in(
        &["call", &s.address, &m("StreamingInputCall"), "-d", "@-"],
        "{}\n{}\n{\"payload\": ]",
    )
    .expect(1);
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
}

#[test]
fn without_reflection_the_tool_asks_for_proto_files() {
    let s = courier_server_with(Security::Plain, false, false);
    let r = courier(&["list", &s.address]).expect(1);
    assert!(
        r.stderr.contains("does not support server reflection"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--proto"), "{}", r.stderr);
    let r = courier(&["call", &s.address, &m("EmptyCall")]).expect(1);
    assert!(r.stderr.contains("--proto FILE.proto"), "{}", r.stderr);

    // --proto with -I: compiled by Courier.
    let proto = root().join("proto");
    let inc = proto.to_str().unwrap();
    let file = proto.join("grpc/testing/test.proto");
    let file = file.to_str().unwrap();
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "--proto",
        file,
        "-I",
        inc,
        "-d",
        r#"{"responseSize": 1}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AA==");
    // list and describe from the files alone, no server.
    let r = courier(&["list", "--proto", file, "-I", inc, SVC]).expect(0);
    assert_eq!(r.stdout.lines().count(), 8);
    courier(&[
        "describe",
        "--proto",
        file,
        "-I",
        inc,
        "grpc.testing.Payload",
    ])
    .expect(0);

    // --protoset written by `courier compile`.
    let dir = temp_dir("protoset");
    let set = dir.join("testing.pb");
    let set = set.to_str().unwrap();
    courier(&["compile", "-I", inc, file, "-o", set, "--include_imports"]).expect(0);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "--protoset",
        set,
        "-d",
        r#"{"responseSize": 2}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AAA=");
    // A set without its imports does not link, and says how to make one that does.
    courier(&["compile", "-I", inc, file, "-o", set]).expect(0);
    let r = courier(&["list", "--protoset", set]).expect(1);
    assert!(r.stderr.contains("--include_imports"), "{}", r.stderr);
}

#[test]
fn compression() {
    let s = courier_server(Security::Plain);
    // The interop server checks that a request it was told to expect compressed was.
    let d = r#"{"expectCompressed": {"value": true}, "responseSize": 1}"#;
    courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "--compress",
        "gzip",
        "-d",
        d,
    ])
    .expect(0);
    courier(&["call", &s.address, &m("UnaryCall"), "-d", d])
        .expect(exit_of(Code::INVALID_ARGUMENT));
}

#[test]
fn tls_and_mtls() {
    let s = courier_server(Security::Tls);
    let certs = s.certs.clone().unwrap();
    let ca = certs.join("ca.pem");
    let ca = ca.to_str().unwrap();
    // The server's CA given: verified, and the name checked.
    courier(&["call", "--cacert", ca, &s.address, &m("EmptyCall")]).expect(0);
    courier(&["list", "--cacert", ca, &s.address]).expect(0);
    let port = s.address.rsplit(':').next().unwrap();
    courier(&[
        "call",
        "--cacert",
        ca,
        &format!("localhost:{port}"),
        &m("EmptyCall"),
    ])
    .expect(0);
    // A name the certificate is not for.
    let r = courier(&[
        "call",
        "--cacert",
        ca,
        "--servername",
        "other.test",
        &s.address,
        &m("EmptyCall"),
    ])
    .expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("--servername"), "{}", r.stderr);
    // A CA we do not know: the system roots do not have it.
    let r =
        courier(&["call", "--tls", &s.address, &m("EmptyCall")]).expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("--cacert"), "{}", r.stderr);
    // --insecure skips the check.
    courier(&["call", "--insecure", &s.address, &m("EmptyCall")]).expect(0);
    // Plaintext against a TLS server: a hint to use TLS.
    let r = courier(&["call", &s.address, &m("EmptyCall")]).expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("--tls"), "{}", r.stderr);

    let s = courier_server(Security::Mtls);
    let certs = s.certs.clone().unwrap();
    let path = |f: &str| certs.join(f).to_str().unwrap().to_owned();
    let (ca, cert, key) = (path("ca.pem"), path("client.pem"), path("client.key"));
    let r = courier(&[
        "call",
        "--cacert",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 1}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AA==");
    // --insecure with a client certificate works too.
    courier(&[
        "call",
        "--insecure",
        "--cert",
        &cert,
        "--key",
        &key,
        &s.address,
        &m("EmptyCall"),
    ])
    .expect(0);
    // No client certificate: refused, with a hint.
    let r = courier(&["call", "--cacert", &ca, &s.address, &m("EmptyCall")])
        .expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("--cert"), "{}", r.stderr);
    // --cert without --key is a usage error.
    courier(&[
        "call",
        "--cacert",
        &ca,
        "--cert",
        &cert,
        &s.address,
        &m("EmptyCall"),
    ])
    .expect(2);
}

#[test]
fn authority_names_the_server_to_verify() {
    // A server whose certificate is for courier.test only, reached at 127.0.0.1.
    let pki = courier::tls::dev::DevPki::generate(&["courier.test"]).unwrap();
    let dir = temp_dir("authority");
    std::fs::write(dir.join("ca.pem"), pki.ca_cert_pem()).unwrap();
    let ca = dir.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = courier::Server::builder()
        .add_service(
            courier_interop::pb::grpc::testing::test_service_rpc::TestServiceServer::new(
                courier_interop::server::TestServer,
            ),
        )
        .acceptor(courier::tls::TlsAcceptor::new(
            courier::tls::ServerTls::builder()
                .identity(pki.server_identity())
                .build()
                .unwrap(),
        ))
        .build();
    rt.spawn(server.serve(listener));
    let proto = root().join("proto");
    let (inc, file) = (proto.to_str().unwrap(), "grpc/testing/test.proto");
    courier(&[
        "call",
        "--cacert",
        ca,
        &addr,
        &m("EmptyCall"),
        "--proto",
        file,
        "-I",
        inc,
    ])
    .expect(exit_of(Code::UNAVAILABLE));
    courier(&[
        "call",
        "--cacert",
        ca,
        "--authority",
        "courier.test",
        &addr,
        &m("EmptyCall"),
        "--proto",
        file,
        "-I",
        inc,
    ])
    .expect(0);
}

#[test]
fn unix_sockets() {
    let s = courier_server_with(Security::Plain, true, true);
    assert!(s.address.starts_with("unix:"));
    let r = courier(&["list", &s.address]).expect(0);
    assert!(r.stdout.contains(SVC), "{}", r.stdout);
    let r = courier(&[
        "call",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 2}"#,
    ])
    .expect(0);
    assert_eq!(r.json()[0]["payload"]["body"], "AAA=");
}

#[test]
fn nothing_listening() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = courier(&[
        "list",
        &format!("127.0.0.1:{port}"),
        "--connect-timeout",
        "5s",
    ])
    .expect(exit_of(Code::UNAVAILABLE));
    assert!(r.stderr.contains("nothing is listening"), "{}", r.stderr);
}

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish"] {
        let r = courier(&["completions", shell]).expect(0);
        assert!(r.stdout.contains("courier"), "{shell}");
        assert!(r.stdout.contains("describe"), "{shell}");
    }
    let r = courier(&["--help"]).expect(0);
    assert!(r.stdout.contains("Talk to a server:"), "{}", r.stdout);
    let r = courier(&["call"]).expect(2);
    assert!(r.stderr.contains("<ADDR>"), "{}", r.stderr);
    let r = courier(&["nonsense"]).expect(2);
    assert!(r.stderr.contains("unrecognized subcommand"), "{}", r.stderr);
    // No colour when the output is not a terminal.
    let r = courier(&["call", "127.0.0.1:1", "x"]).expect(2);
    assert!(!r.stderr.contains('\x1b'), "{}", r.stderr);
}

#[test]
fn a_short_bench() {
    let s = courier_server(Security::Plain);
    let r = courier(&[
        "bench",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseSize": 10}"#,
        "--total",
        "300",
        "-c",
        "8",
        "--connections",
        "2",
        "--format",
        "json",
    ])
    .expect(0);
    let j = &r.json()[0];
    assert_eq!(j["calls"], 300);
    assert_eq!(j["ok"], 300);
    assert_eq!(j["status_codes"]["OK"], 300);
    assert_eq!(j["connections"], 2);
    let l = &j["latency_ms"];
    assert!(l["min"].as_f64().unwrap() <= l["p50"].as_f64().unwrap());
    assert!(l["p50"].as_f64().unwrap() <= l["p99"].as_f64().unwrap());
    assert!(l["p99"].as_f64().unwrap() <= l["max"].as_f64().unwrap());
    assert!(j["rps"].as_f64().unwrap() > 0.0);
    let hist: u64 = j["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(hist, 300);

    // Text, with failures counted per code and per message.
    let r = courier(&[
        "bench",
        &s.address,
        &m("UnaryCall"),
        "-d",
        r#"{"responseStatus": {"code": 8, "message": "busy"}}"#,
        "--total",
        "20",
        "-c",
        "2",
    ])
    .expect(1);
    assert!(r.stdout.contains("RESOURCE_EXHAUSTED (8)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("RESOURCE_EXHAUSTED: busy"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("no call succeeded"), "{}", r.stderr);

    // Streaming methods, by duration.
    let r = courier(&[
        "bench",
        &s.address,
        &m("StreamingOutputCall"),
        "-d",
        r#"{"responseParameters": [{"size": 1}, {"size": 1}]}"#,
        "--duration",
        "300ms",
        "-c",
        "4",
        "--format",
        "json",
    ])
    .expect(0);
    let j = &r.json()[0];
    assert_eq!(
        j["response_messages"].as_u64().unwrap(),
        2 * j["calls"].as_u64().unwrap()
    );
}

#[test]
fn bench_at_a_fixed_rate() {
    let s = courier_server(Security::Plain);
    // 50 calls at 100 per second: call i starts at i / 100 s, so the last one at 0.49 s,
    // where without --rps the 50 calls take a few milliseconds.
    let r = courier(&[
        "bench",
        &s.address,
        &m("EmptyCall"),
        "--rps",
        "100",
        "--total",
        "50",
        "-c",
        "4",
        "--format",
        "json",
    ])
    .expect(0);
    let j = &r.json()[0];
    assert_eq!(j["calls"], 50);
    assert_eq!(j["ok"], 50);
    let secs = j["duration_s"].as_f64().unwrap();
    assert!((0.49..5.0).contains(&secs), "{}", r.stdout);
    assert!(j["rps"].as_f64().unwrap() <= 50.0 / 0.49, "{}", r.stdout);
    // By duration: the calls whose start falls inside it, at most 100 in 0.5 s (50 callers,
    // so that the rate holds even when a loaded machine makes each call take 100 ms or more).
    let r = courier(&[
        "bench",
        &s.address,
        &m("EmptyCall"),
        "--rps",
        "200",
        "--duration",
        "500ms",
        "-c",
        "50",
        "--format",
        "json",
    ])
    .expect(0);
    let calls = r.json()[0]["calls"].as_u64().unwrap();
    assert!((50..=100).contains(&calls), "{}", r.stdout);
    // A rate that is no rate: a usage error.
    courier(&["bench", &s.address, &m("EmptyCall"), "--rps", "0"]).expect(2);
}
