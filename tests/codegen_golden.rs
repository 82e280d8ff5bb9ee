//! Golden tests for courier-codegen: the generated code for a fixture set of protos, for the
//! conformance testee's protos, for courier-rpc's test service and for the codec and json
//! benches' messages is checked in; regenerating it must change nothing. Run with `COURIER_BLESS=1` (or
//! `cargo xtask codegen`) to rewrite the checked-in files after an intended change.
//!
//! The fixture code is also compiled here and exercised: presence, proto2 defaults, closed
//! enums, groups, editions features, maps, oneofs and unknown fields.

use std::path::Path;

use courier_codegen::{Config, GeneratedFile};
use courier_tests::repo_root;

/// One golden set: protos under `include`, generated into `out` with `config`.
struct Case {
    include: &'static [&'static str],
    files: &'static [&'static str],
    out: &'static str,
    config: fn() -> Config,
    /// Whether `out` also holds a `mod.rs` module tree of the generated files.
    module_tree: bool,
}

fn fixtures_config() -> Config {
    let mut c = Config::new();
    c.compile_well_known_types()
        .json(true)
        .serde(true)
        .text_format(true)
        .btree_map([".courier.features.p3.Scalars.children"])
        .type_attribute(".courier.features.p3.Color", "#[doc(alias = \"Colour\")]");
    c
}

/// Messages only, no services. The well-known types are courier-types' own (the default extern
/// path), so the conformance suite exercises the types users get.
fn messages_config() -> Config {
    let mut c = Config::new();
    c.services(false);
    c
}

/// [`messages_config`] with ProtoJSON (the json bench's messages).
fn json_only_config() -> Config {
    let mut c = messages_config();
    c.json(true);
    c
}

/// [`messages_config`] with ProtoJSON, serde and the text format (the conformance testee's
/// messages).
fn json_messages_config() -> Config {
    let mut c = messages_config();
    c.json(true).serde(true).text_format(true);
    c
}

const CASES: &[Case] = &[
    Case {
        include: &["tests/data/protos"],
        files: &[
            "courier/features/proto2_all.proto",
            "courier/features/proto3_all.proto",
            "courier/features/editions_all.proto",
            "courier/wire_test.proto",
            "courier/comments.proto",
            "google/protobuf/any.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/descriptor.proto",
        ],
        out: "tests/codegen/golden",
        config: fixtures_config,
        module_tree: true,
    },
    Case {
        include: &["tests/conformance/protos"],
        files: &[
            "conformance/conformance.proto",
            "google/protobuf/test_messages_proto2.proto",
            "google/protobuf/test_messages_proto3.proto",
            "google/protobuf/test_messages_edition2023.proto",
            "google/protobuf/test_messages_proto2_editions.proto",
            "google/protobuf/test_messages_proto3_editions.proto",
        ],
        out: "tests/conformance/generated",
        config: json_messages_config,
        module_tree: true,
    },
    // courier-rpc's e2e and lb tests include this file by path.
    Case {
        include: &["crates/courier-rpc/tests/protos"],
        files: &["echo.proto"],
        out: "crates/courier-rpc/tests/gen",
        config: Config::new,
        module_tree: false,
    },
    // The codec bench's Courier side (benches/benches/codec.rs).
    Case {
        include: &["benches/protos/codec"],
        files: &[
            "message1_proto2.proto",
            "message1_proto3.proto",
            "hello.proto",
            "log.proto",
            "blob.proto",
        ],
        out: "benches/benches/codec/courier",
        config: messages_config,
        module_tree: true,
    },
    // The json bench's Courier side (benches/benches/json.rs): the codec bench's messages and
    // two of its own, with ProtoJSON.
    Case {
        include: &["benches/protos/codec", "benches/protos/json"],
        files: &[
            "message1_proto2.proto",
            "message1_proto3.proto",
            "hello.proto",
            "log.proto",
            "blob.proto",
            "maps.proto",
            "wkt.proto",
        ],
        out: "benches/benches/json/courier",
        config: json_only_config,
        module_tree: true,
    },
];

fn generate(case: &Case) -> Vec<GeneratedFile> {
    let root = repo_root();
    let mut c = courier_idl::Compiler::new();
    c.include_source_info(true);
    for dir in case.include {
        c.include(root.join(dir));
    }
    let compiled = c
        .compile(case.files)
        .unwrap_or_else(|e| panic!("{}: {e}", case.out));
    let mut files = (case.config)()
        .generate(compiled.files(), case.files)
        .unwrap_or_else(|e| panic!("{}: {e}", case.out));
    if case.module_tree {
        let tree = courier_codegen::module_tree(&files, false);
        files.push(GeneratedFile {
            name: "mod.rs".into(),
            package: String::new(),
            content: tree,
        });
    }
    files
}

#[test]
fn generated_code_matches_golden_files() {
    let bless = std::env::var_os("COURIER_BLESS").is_some_and(|v| v == "1");
    let root = repo_root();
    let mut stale = Vec::new();
    for case in CASES {
        let dir = root.join(case.out);
        for f in generate(case) {
            let path = dir.join(&f.name);
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            if old != f.content {
                if bless {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, &f.content).unwrap();
                } else {
                    stale.push(
                        path.strip_prefix(&root)
                            .unwrap_or(&path)
                            .display()
                            .to_string(),
                    );
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from the golden files (rerun with COURIER_BLESS=1 if intended): {}",
        stale.join(", ")
    );
}

#[test]
fn generation_is_deterministic() {
    for case in CASES {
        assert_eq!(generate(case), generate(case), "{}", case.out);
    }
}

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod golden {
    include!("codegen/golden/mod.rs");
}

use bytes::Bytes;
use courier_wire::{Message, UnknownValue};
use golden::courier::features::{ed, p2, p3};

#[test]
fn proto3_implicit_presence_and_unknown_fields() {
    let m = p3::Scalars {
        i32: 0,
        s: "x".into(),
        maybe: Some(0),
        many: vec![1, 2],
        unpacked: vec![3],
        color: p3::Color::COLOR_BLUE.0,
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    // s = "x"; maybe = 0 (explicit presence writes the default); many packed; unpacked not.
    assert_eq!(
        bytes,
        [
            0x4a, 1, b'x', 0x80, 1, 0, 0x92, 1, 2, 1, 2, 0x98, 1, 3, 0xc8, 1, 2
        ]
    );
    assert_eq!(m.encoded_len(), bytes.len());
    let mut with_unknown = bytes.clone();
    with_unknown.extend_from_slice(&[0xb8, 0x3e, 0x07]); // field 999 varint 7
    let back = p3::Scalars::decode(&with_unknown[..]).unwrap();
    assert_eq!(back.color(), p3::Color::COLOR_BLUE);
    let unknown: Vec<_> = back.unknown_fields.iter().collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].number(), 999);
    assert_eq!(unknown[0].value(), UnknownValue::Varint(7));
    assert_eq!(back.encode_to_vec(), with_unknown);
}

#[test]
fn proto3_open_enum_keeps_unknown_values() {
    let back = p3::Scalars::decode(&[0xc8, 1, 0x2a][..]).unwrap();
    assert_eq!(back.color, 42);
    assert_eq!(back.color().name(), None);
    assert!(back.unknown_fields.is_empty());
}

#[test]
fn proto3_oneof_and_btree_map() {
    let mut m = p3::Scalars::default();
    m.children.insert(
        2,
        p3::Scalars {
            i32: 5,
            ..Default::default()
        },
    );
    m.which = Some(p3::scalars::Which::C(Box::new(p3::Scalars {
        s: "in".into(),
        ..Default::default()
    })));
    let back = p3::Scalars::decode(&m.encode_to_vec()[..]).unwrap();
    assert_eq!(back, m);
    // A second record for the same message member of a oneof merges into it.
    let mut twice = m.encode_to_vec();
    twice.extend(
        p3::Scalars {
            which: Some(p3::scalars::Which::C(Box::new(p3::Scalars {
                i32: 9,
                ..Default::default()
            }))),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let merged = p3::Scalars::decode(&twice[..]).unwrap();
    let Some(p3::scalars::Which::C(c)) = merged.which else {
        panic!("oneof lost")
    };
    assert_eq!((c.s.as_str(), c.i32), ("in", 9));
}

#[test]
fn proto2_defaults_via_accessors() {
    let m = p2::Everything::default();
    assert_eq!(m.s(), "hi\n\"there\"");
    assert_eq!(m.b(), b"\x00\x01\xffabc");
    assert_eq!(m.d(), f64::INFINITY);
    assert!(m.f().is_nan());
    assert_eq!(m.f2(), 1e10);
    assert_eq!(m.u(), 0x7fff_ffff);
    assert_eq!(m.neg(), i64::MIN);
    assert!(m.flag());
    assert_eq!(m.kind(), p2::everything::Kind::KIND_B);
    assert_eq!(m.req(), 0);
    // Unset explicit-presence fields are not written.
    assert!(m.encode_to_vec().is_empty());
}

#[test]
fn proto2_closed_enum_unknown_values_go_to_unknown_fields() {
    // kind (9) = 7: not a Kind value; kinds (13) map entry {1: 3, 2: 7}; then kind = 1.
    let input = [0x48, 0x07, 0x6a, 0x04, 0x08, 0x03, 0x10, 0x07, 0x48, 0x01];
    let m = p2::Everything::decode(&input[..]).unwrap();
    assert_eq!(m.kind, Some(1));
    assert!(m.kinds.is_empty());
    assert_eq!(m.unknown_fields.as_bytes(), &input[..8]);
    // Re-encoding keeps them (after the known fields).
    let again = p2::Everything::decode(&m.encode_to_vec()[..]).unwrap();
    assert_eq!(again, m);
}

#[test]
fn proto2_groups() {
    let m = p2::Everything {
        result: Some(p2::everything::Result {
            url: Some("u".into()),
            ..Default::default()
        }),
        choice: Some(p2::everything::Choice::Chosen(p2::everything::Chosen {
            x: Some(1),
            ..Default::default()
        })),
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    // 14:SGROUP { 15: "u" } 14:EGROUP, 19:SGROUP { 20: 1 } 19:EGROUP.
    assert_eq!(
        bytes,
        [
            0x73, 0x7a, 1, b'u', 0x74, 0x9b, 0x01, 0xa0, 0x01, 0x01, 0x9c, 0x01
        ]
    );
    assert_eq!(p2::Everything::decode(&bytes[..]).unwrap(), m);
}

#[test]
fn editions_features_honoured() {
    let m = ed::Msg {
        implicit: 0,
        explicit: Some(0),
        required: Some(0),
        expanded: vec![1, 2],
        delimited: Some(Box::new(ed::Msg {
            implicit: 3,
            ..Default::default()
        })),
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    // explicit 0 written, required 0 written, expanded unpacked, delimited as a group.
    assert_eq!(
        bytes,
        [0x10, 0, 0x18, 0, 0x20, 1, 0x20, 2, 0x2b, 0x08, 3, 0x2c]
    );
    assert_eq!(ed::Msg::decode(&bytes[..]).unwrap(), m);
    // Closed enum default is its first value.
    assert_eq!(ed::Closed::default(), ed::Closed::CLOSED_ONE);
    assert_eq!(ed::Open::default(), ed::Open::OPEN_ZERO);
}

#[test]
fn bytes_fields_are_zero_copy() {
    let m = p3::Scalars {
        by: Bytes::from_static(b"payload"),
        ..Default::default()
    };
    let wire = Bytes::from(m.encode_to_vec());
    let back = p3::Scalars::decode_bytes(wire.clone()).unwrap();
    assert_eq!(back.by, m.by);
    assert!(wire.as_ptr_range().contains(&back.by.as_ptr()));
}

#[test]
fn clear_resets_everything() {
    let mut m = p3::Scalars::decode(&[0x4a, 1, b'x', 0xb8, 0x3e, 0x07][..]).unwrap();
    m.clear();
    assert_eq!(m, p3::Scalars::default());
    let _ = Path::new("");
}

mod services {
    //! The generated client stub and server adapter of `courier.features.p3.Painter`, joined
    //! by an in-memory transport that hands each call to the server adapter.

    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use courier_rpc::{
        BoxFuture, BoxStream, ByteStream, Code, MethodDescriptor, MethodKind, Request, Response,
        Service, Status, Transport, iter,
    };

    use super::golden::courier::features::p3::{self, painter_rpc};

    /// Runs a future that never waits on I/O to completion.
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    struct Loopback(Arc<dyn Service>);

    impl Transport for Loopback {
        fn call(
            &self,
            method: &'static MethodDescriptor,
            request: Request<ByteStream>,
        ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
            assert_eq!(method.service, self.0.name());
            match self.0.call(method.method, request) {
                Some(f) => f,
                None => Box::pin(async { Err(Status::unimplemented("no such method")) }),
            }
        }
    }

    struct Painter;

    impl painter_rpc::Painter for Painter {
        async fn paint(
            &self,
            request: Request<p3::Scalars>,
        ) -> Result<Response<p3::Scalars>, Status> {
            let who = request.metadata().get("x-who").cloned();
            let mut m = request.into_inner();
            if m.i32 < 0 {
                return Err(Status::new(Code::INVALID_ARGUMENT, "negative"));
            }
            m.i32 += 1;
            let mut response = Response::new(m);
            if let Some(w) = who {
                response.metadata_mut().append("x-painted-for", w).unwrap();
            }
            Ok(response)
        }

        async fn watch(
            &self,
            request: Request<p3::Scalars>,
        ) -> Result<Response<BoxStream<Result<p3::Scalars, Status>>>, Status> {
            let n = request.into_inner().i32;
            let items = (0..n).map(|i| {
                Ok(p3::Scalars {
                    i32: i,
                    ..Default::default()
                })
            });
            Ok(Response::new(Box::pin(iter(items.collect::<Vec<_>>()))))
        }
    }

    fn client() -> painter_rpc::PainterClient<Loopback> {
        let server = painter_rpc::PainterServer::new(Painter);
        painter_rpc::PainterClient::new(Loopback(Arc::new(server)))
    }

    #[test]
    fn method_descriptors() {
        assert_eq!(
            painter_rpc::PAINT.path,
            "/courier.features.p3.Painter/Paint"
        );
        assert_eq!(painter_rpc::PAINT.kind, MethodKind::Unary);
        assert_eq!(painter_rpc::WATCH.kind, MethodKind::ServerStreaming);
        assert_eq!(painter_rpc::METHODS.len(), 2);
        let server = painter_rpc::PainterServer::new(Painter);
        assert_eq!(server.name(), "courier.features.p3.Painter");
        assert!(
            server
                .call("Nope", Request::new(courier_rpc::once(Default::default())))
                .is_none()
        );
    }

    #[test]
    fn unary_call_round_trips_messages_and_metadata() {
        let c = client();
        let mut req = Request::new(p3::Scalars {
            i32: 41,
            s: "x".into(),
            ..Default::default()
        });
        req.metadata_mut().append("x-who", "ann").unwrap();
        let resp = block_on(c.paint(req)).unwrap();
        assert_eq!(resp.metadata().get("x-painted-for").unwrap(), "ann");
        assert_eq!(resp.get_ref().i32, 42);
        assert_eq!(resp.get_ref().s, "x");
        let err = block_on(c.paint(p3::Scalars {
            i32: -1,
            ..Default::default()
        }))
        .unwrap_err();
        assert_eq!(err.code(), Code::INVALID_ARGUMENT);
    }

    #[test]
    fn server_streaming_call() {
        let c = client();
        let mut stream = block_on(c.watch(p3::Scalars {
            i32: 3,
            ..Default::default()
        }))
        .unwrap()
        .into_inner();
        let mut got = Vec::new();
        while let Some(m) = block_on(stream.message()).unwrap() {
            got.push(m.i32);
        }
        assert_eq!(got, [0, 1, 2]);
    }
}

mod extensions {
    use super::golden::google::protobuf as gp;
    use super::*;
    use courier_wire::ext;

    fn limits(min: i64, names: &[&str]) -> p2::Limits {
        p2::Limits {
            min: Some(min),
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn typed_get_and_set_round_trip() {
        let mut m = p2::Everything {
            req: Some(1),
            ..Default::default()
        };
        assert_eq!(ext::get(&m, &p2::TOP_EXT).unwrap(), None);
        ext::set(&mut m, &p2::TOP_EXT, &-7);
        ext::set_repeated(&mut m, &p2::MORE, &[limits(9, &["y"]), limits(10, &[])]);
        let bytes = m.encode_to_vec();
        let back = p2::Everything::decode(&bytes[..]).unwrap();
        assert_eq!(back, m);
        assert_eq!(ext::get(&back, &p2::TOP_EXT).unwrap(), Some(-7));
        assert_eq!(
            ext::get_repeated(&back, &p2::MORE).unwrap(),
            [limits(9, &["y"]), limits(10, &[])]
        );
        // An extension declared inside a message, on another message.
        let mut l = limits(1, &[]);
        ext::set(&mut l, &p2::everything::NESTED_EXT, &100);
        let l = p2::Limits::decode(&l.encode_to_vec()[..]).unwrap();
        assert_eq!(
            ext::get(&l, &p2::everything::NESTED_EXT).unwrap(),
            Some(100)
        );
        // The constants carry the .proto names and numbers.
        assert_eq!(p2::MORE.name(), "courier.features.p2.more");
        assert_eq!((p2::MORE.number(), p2::MORE.packed()), (151, false));
        assert_eq!(
            p2::everything::NESTED_EXT.name(),
            "courier.features.p2.Everything.nested_ext"
        );
    }

    /// Custom options are extensions of descriptor.proto's options messages: courier-idl's
    /// descriptors, decoded as the golden descriptor types, give them back typed.
    #[test]
    fn custom_options_read_typed() {
        let mut c = courier_idl::Compiler::new();
        c.include(repo_root().join("tests/data/protos"));
        let compiled = c.compile(&["courier/features/proto2_all.proto"]).unwrap();
        let file = compiled
            .files()
            .iter()
            .find(|f| f.name.as_deref() == Some("courier/features/proto2_all.proto"))
            .unwrap();
        let file = gp::FileDescriptorProto::decode(&file.encode_to_vec()[..]).unwrap();
        let options = file.options.as_ref().unwrap();
        assert_eq!(
            ext::get(options, &p2::FILE_TAG).unwrap().as_deref(),
            Some("files AA\u{e9}")
        );
        let everything = file
            .message_type
            .iter()
            .find(|m| m.name.as_deref() == Some("Everything"))
            .unwrap();
        let options = everything.options.as_ref().unwrap();
        let mut expected = limits(-5, &["a", "b"]);
        expected.max = Some(16);
        expected.inner = Some(Box::new(limits(1, &[])));
        assert_eq!(ext::get(options, &p2::LIMITS).unwrap(), Some(expected));
        assert_eq!(ext::get_repeated(options, &p2::TAGS).unwrap(), [1, 2]);
        let sf = everything
            .field
            .iter()
            .find(|f| f.name.as_deref() == Some("sf"))
            .unwrap();
        assert_eq!(
            ext::get(sf.options.as_ref().unwrap(), &p2::WEIGHT).unwrap(),
            Some(2.5)
        );
    }

    /// Python protobuf reads the extensions Courier wrote, and Courier reads Python's.
    #[test]
    fn python_protobuf_round_trip() {
        let Some(python) = courier_tests::python() else {
            return;
        };
        let root = repo_root();
        let tmp = std::env::temp_dir().join(format!("courier-ext-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let status = std::process::Command::new(&python)
            .args(["-m", "grpc_tools.protoc"])
            .arg(format!("-I{}", root.join("tests/data/protos").display()))
            .arg(format!("--python_out={}", tmp.display()))
            .args([
                "courier/features/proto2_all.proto",
                "courier/features/proto3_all.proto",
            ])
            .status()
            .expect("run protoc");
        assert!(status.success(), "protoc failed");

        let mut ours = p2::Everything {
            req: Some(1),
            ..Default::default()
        };
        ext::set(&mut ours, &p2::TOP_EXT, &-7);
        ext::set_repeated(
            &mut ours,
            &p2::MORE,
            &[limits(9, &["y", "z"]), limits(10, &[])],
        );
        let hex: String = ours
            .encode_to_vec()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let out = std::process::Command::new(&python)
            .arg(root.join("tests/peers/ext_peer.py"))
            .arg(&tmp)
            .arg(&hex)
            .output()
            .expect("run ext_peer.py");
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(
            out.status.success(),
            "ext_peer.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        // Python read Courier's extensions.
        assert_eq!(lines[0], "True\t-7\t2\t9:y,z 10:");
        let unhex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        // Courier reads Python's.
        let theirs = p2::Everything::decode(&unhex(lines[1])[..]).unwrap();
        assert_eq!(ext::get(&theirs, &p2::TOP_EXT).unwrap(), Some(-42));
        let second = p2::Limits {
            inner: Some(Box::new(limits(6, &[]))),
            ..Default::default()
        };
        assert_eq!(
            ext::get_repeated(&theirs, &p2::MORE).unwrap(),
            [limits(5, &["x"]), second]
        );
        let l = p2::Limits::decode(&unhex(lines[2])[..]).unwrap();
        assert_eq!(l.min, Some(3));
        assert_eq!(ext::get(&l, &p2::everything::NESTED_EXT).unwrap(), Some(77));
    }
}

mod json {
    //! The fixtures' generated ProtoJSON (`Config::json`) and serde impls (`Config::serde`).

    use std::sync::Arc;

    use bytes::Bytes;
    use courier_json::{ParseOptions, PrintOptions, ProtoJson, TypeRegistry};
    use courier_wire::{Message, ext};

    use super::golden::courier::features::{ed, p2, p3};
    use super::golden::google::protobuf as gp;

    fn scalars() -> p3::Scalars {
        p3::Scalars {
            d: 1.5,
            f: f32::NEG_INFINITY,
            i64: -9_007_199_254_740_993,
            u64: u64::MAX,
            i32: -7,
            by: Bytes::from_static(b"\x00\xff?"),
            s: "a\"\n\u{1}é".into(),
            maybe: Some(0),
            many: vec![1, -2],
            color: p3::Color::COLOR_BLUE.0,
            snake_case_name: 3,
            when: Some(gp::Timestamp {
                seconds: 1,
                nanos: 500_000_000,
                ..Default::default()
            }),
            which: Some(p3::scalars::Which::A("x".into())),
            ..Default::default()
        }
    }

    #[test]
    fn known_answer_and_round_trip() {
        let m = scalars();
        let json = m.to_json().unwrap();
        assert_eq!(
            json,
            r#"{"d":1.5,"f":"-Infinity","i64":"-9007199254740993","u64":"18446744073709551615","i32":-7,"s":"a\"\n\u0001é","by":"AP8/","maybe":0,"many":[1,-2],"when":"1970-01-01T00:00:01.500Z","a":"x","color":"COLOR_BLUE","snakeCaseName":3}"#
        );
        assert_eq!(p3::Scalars::from_json(&json).unwrap(), m);
        // Proto names, numbers for enums, every field without presence.
        let opts = PrintOptions::new()
            .proto_field_names(true)
            .enums_as_ints(true)
            .always_print_fields_without_presence(true);
        let all = p3::Scalars::default().to_json_with(&opts).unwrap();
        assert_eq!(
            all,
            r#"{"d":0,"f":0,"i64":"0","u64":"0","i32":0,"f64":"0","f32":0,"b":false,"s":"","by":"","u32":0,"sf32":0,"sf64":"0","si32":0,"si64":"0","many":[],"unpacked":[],"children":{},"color":0,"snake_case_name":0,"_leading":0,"trailing_":0,"x2y":0}"#
        );
        assert_eq!(
            p3::Scalars::from_json(&all).unwrap(),
            p3::Scalars::default()
        );
        // Both names are accepted; numbers as strings and exponents too.
        let m = p3::Scalars::from_json(
            r#"{"snake_case_name": 1, "i64": 1e3, "u32": "7", "color": 2, "by": "AP8_"}"#,
        )
        .unwrap();
        assert_eq!((m.snake_case_name, m.i64, m.u32, m.color), (1, 1000, 7, 2));
        assert_eq!(&m.by[..], b"\x00\xff?");
        let pretty = p3::Scalars {
            many: vec![1],
            ..Default::default()
        }
        .to_json_with(&PrintOptions::new().indent(Some(2)))
        .unwrap();
        assert_eq!(pretty, "{\n  \"many\": [\n    1\n  ]\n}");
    }

    #[test]
    fn errors_name_the_path() {
        let err = p3::Scalars::from_json(r#"{"i32": "x"}"#).unwrap_err();
        assert_eq!(err.path(), "$.i32");
        let err = p3::Scalars::from_json(r#"{"children": {"5": {"many": [1, "a"]}}}"#).unwrap_err();
        assert_eq!(err.path(), "$.children.5.many[1]", "{err}");
        let err = p3::Scalars::from_json(r#"{"i32": 1, "i32": 2}"#).unwrap_err();
        assert!(err.message().contains("twice"), "{err}");
        let err = p3::Scalars::from_json(r#"{"i32": 1, "snakeCaseName": 1, "snake_case_name": 2}"#)
            .unwrap_err();
        assert!(err.message().contains("twice"), "{err}");
        let err = p3::Scalars::from_json(r#"{"a": "x", "c": {}}"#).unwrap_err();
        assert!(err.message().contains("oneof"), "{err}");
        // A null member of a oneof does not count.
        let m = p3::Scalars::from_json(r#"{"a": null, "c": {"i32": 1}}"#).unwrap();
        assert!(matches!(m.which, Some(p3::scalars::Which::C(_))));
        let err = p3::Scalars::from_json(r#"{"nope": 1}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "courier.features.p3.Scalars has no field named \"nope\""
        );
        let opts = ParseOptions::new().ignore_unknown_fields(true);
        let m =
            p3::Scalars::from_json_with(r#"{"nope": [1, {}], "color": "NOPE", "i32": 4}"#, &opts)
                .unwrap();
        assert_eq!((m.i32, m.color), (4, 0));
        let err = p3::Scalars::from_json(r#"{"many": [null]}"#).unwrap_err();
        assert_eq!(err.path(), "$.many[0]");
        assert!(p3::Scalars::from_json("null").is_err());
        assert!(p3::Scalars::from_json(r#"{"i32": 2147483648}"#).is_err());
        assert!(p3::Scalars::from_json(r#"{"i32": 1.5}"#).is_err());
        assert!(p3::Scalars::from_json(r#"{"u64": -1}"#).is_err());
        assert!(p3::Scalars::from_json(r#"{"when": "1970-01-01T00:00:00"}"#).is_err());
        // Print errors name where too.
        let bad = p3::Scalars {
            children: [(
                9,
                p3::Scalars {
                    when: Some(gp::Timestamp {
                        seconds: i64::MAX,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )]
            .into(),
            ..Default::default()
        };
        let err = bad.to_json().unwrap_err();
        assert_eq!(err.path(), "$.children.9.when");
        // Nesting is limited.
        let deep = "{\"c\":".repeat(200) + "{}" + &"}".repeat(200);
        assert!(p3::Scalars::from_json(&deep).is_err());
        assert!(p3::Scalars::from_json_with(&deep, &ParseOptions::new().depth_limit(300)).is_ok());
        assert!(p3::Scalars::from_json_with("{}", &ParseOptions::new().max_len(1)).is_err());
    }

    #[test]
    fn proto2_closed_enums_groups_and_extensions() {
        let mut m = p2::Everything {
            req: Some(1),
            sf: Some(-2),
            kind: Some(p2::everything::Kind::KIND_NEG.0),
            result: Some(p2::everything::Result {
                url: Some("u".into()),
                ..Default::default()
            }),
            choice: Some(p2::everything::Choice::Chosen(p2::everything::Chosen {
                x: Some(1),
                ..Default::default()
            })),
            ..Default::default()
        };
        ext::set(&mut m, &p2::TOP_EXT, &-7);
        ext::set_repeated(
            &mut m,
            &p2::MORE,
            &[p2::Limits {
                min: Some(3),
                ..Default::default()
            }],
        );
        let json = m.to_json().unwrap();
        assert_eq!(
            json,
            r#"{"req":1,"kind":"KIND_NEG","customName":"-2","result":{"url":"u"},"chosen":{"x":1},"[courier.features.p2.top_ext]":-7,"[courier.features.p2.more]":[{"min":"3"}]}"#
        );
        let back = p2::Everything::from_json(&json).unwrap();
        assert_eq!(ext::get(&back, &p2::TOP_EXT).unwrap(), Some(-7));
        assert_eq!(back.to_json().unwrap(), json);
        // The group extension (no typed constant) through its JSON constant.
        let g =
            p2::Everything::from_json(r#"{"[courier.features.p2.extgroup]": {"a": 5}}"#).unwrap();
        assert_eq!(
            g.to_json().unwrap(),
            r#"{"[courier.features.p2.extgroup]":{"a":5}}"#
        );
        assert_eq!(
            g.unknown_fields.as_bytes(),
            [0xc3, 0x09, 0x08, 0x05, 0xc4, 0x09]
        );
        // A closed enum takes only the numbers it lists.
        assert!(p2::Everything::from_json(r#"{"kind": 7}"#).is_err());
        let skip = ParseOptions::new().ignore_unknown_fields(true);
        let e = p2::Everything::from_json_with(
            r#"{"kind": 7, "kinds": {"1": 7, "2": "KIND_B"}}"#,
            &skip,
        )
        .unwrap();
        assert_eq!(e.kind, None);
        assert_eq!(e.kinds, [(2, 1)].into());
        // An extension of another message, and an unknown one.
        assert!(
            p2::Everything::from_json(r#"{"[courier.features.p2.Everything.nested_ext]": 1}"#)
                .is_err()
        );
        let l =
            p2::Limits::from_json(r#"{"[courier.features.p2.Everything.nested_ext]": 4}"#).unwrap();
        assert_eq!(ext::get(&l, &p2::everything::NESTED_EXT).unwrap(), Some(4));
        // Extensions generated in the same run as their extendee print without a registry
        // (descriptor.proto is part of the fixtures' run).
        let mut opts = gp::MessageOptions::default();
        ext::set_repeated(&mut opts, &p2::TAGS, &[1, 2]);
        assert_eq!(
            opts.to_json().unwrap(),
            r#"{"[courier.features.p2.tags]":[1,2]}"#
        );
        // Others come from a registry; without one, records ProtoJSON cannot name are left
        // out.
        let mut reg = TypeRegistry::new();
        reg.register_extension(p2::TOP_EXT_JSON);
        let mut e = p2::Everything::default();
        ext::set(&mut e, &p2::TOP_EXT, &1);
        e.unknown_fields.push_raw(&[0xa8, 0x1f, 0x01]).unwrap(); // field 501: not an extension
        let printed = e
            .to_json_with(&PrintOptions::new().registry(Arc::new(reg)))
            .unwrap();
        assert_eq!(printed, r#"{"[courier.features.p2.top_ext]":1}"#);
    }

    #[test]
    fn editions_and_wrappers_of_the_fixture() {
        let m = ed::Msg {
            explicit: Some(0),
            ..Default::default()
        };
        let json = m.to_json().unwrap();
        assert_eq!(ed::Msg::from_json(&json).unwrap(), m);
    }

    #[test]
    fn any_holds_well_known_and_registered_types() {
        let t = gp::Timestamp {
            seconds: 0,
            nanos: 1000,
            ..Default::default()
        };
        let any = gp::Any {
            type_url: "type.googleapis.com/google.protobuf.Timestamp".into(),
            value: t.encode_to_bytes(),
            ..Default::default()
        };
        let json = any.to_json().unwrap();
        assert_eq!(
            json,
            r#"{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"1970-01-01T00:00:00.000001Z"}"#
        );
        assert_eq!(gp::Any::from_json(&json).unwrap(), any);
        // A fixture type needs a registry.
        let inner = p3::Scalars {
            i32: 5,
            ..Default::default()
        };
        let any = gp::Any {
            type_url: "type.googleapis.com/courier.features.p3.Scalars".into(),
            value: inner.encode_to_bytes(),
            ..Default::default()
        };
        let err = any.to_json().unwrap_err();
        assert!(err.message().contains("cannot resolve"), "{err}");
        let mut reg = TypeRegistry::new();
        super::golden::courier::features::p3::register_types(&mut reg);
        let reg = Arc::new(reg);
        let json = any
            .to_json_with(&PrintOptions::new().registry(reg.clone()))
            .unwrap();
        assert_eq!(
            json,
            r#"{"@type":"type.googleapis.com/courier.features.p3.Scalars","i32":5}"#
        );
        let back =
            gp::Any::from_json_with(&json, &ParseOptions::new().registry(reg.clone())).unwrap();
        assert_eq!(back, any);
        // "@type" may come last.
        let back = gp::Any::from_json_with(
            r#"{"i32": 5, "@type": "type.googleapis.com/courier.features.p3.Scalars"}"#,
            &ParseOptions::new().registry(reg),
        )
        .unwrap();
        assert_eq!(back, any);
        assert_eq!(gp::Any::from_json("{}").unwrap(), gp::Any::default());
    }

    #[test]
    fn serde_json_and_cbor() {
        let m = scalars();
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, m.to_json().unwrap());
        let back: p3::Scalars = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
        // serde_json's value tree, and numbers for 64-bit fields.
        let v: serde_json::Value = serde_json::to_value(&m).unwrap();
        assert_eq!(v["i64"], "-9007199254740993");
        let back: p3::Scalars = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
        let back: p3::Scalars = serde_json::from_str(r#"{"i64": -5, "d": 2}"#).unwrap();
        assert_eq!((back.i64, back.d), (-5, 2.0));
        // A binary format.
        let mut cbor = Vec::new();
        ciborium::into_writer(&m, &mut cbor).unwrap();
        let back: p3::Scalars = ciborium::from_reader(&cbor[..]).unwrap();
        assert_eq!(back, m);
        // Enums alone.
        assert_eq!(
            serde_json::to_string(&p3::Color::COLOR_RED).unwrap(),
            "\"COLOR_RED\""
        );
        let c: p3::Color = serde_json::from_str("2").unwrap();
        assert_eq!(c, p3::Color::COLOR_BLUE);
        // ProtoJSON's rules hold on the serde path: a bad value is an error.
        assert!(serde_json::from_str::<p3::Scalars>(r#"{"i32": "x"}"#).is_err());
        // Options for the thread.
        let s = courier_json::serde::with_options(
            PrintOptions::new().proto_field_names(true),
            ParseOptions::new(),
            || {
                serde_json::to_string(&p3::Scalars {
                    snake_case_name: 1,
                    ..Default::default()
                })
            },
        )
        .unwrap();
        assert_eq!(s, r#"{"snake_case_name":1}"#);
    }
}

mod text {
    //! The fixtures' text format and `Display` (`Config::text_format`, through courier-reflect).

    use courier_reflect::{ReflectMessage, text};
    use courier_wire::ext;

    use super::golden::courier::features::{p2, p3};

    #[test]
    fn print_parse_and_display() {
        let m = p3::Scalars {
            i32: -3,
            s: "a\"b\n".into(),
            many: vec![1, 2],
            color: p3::Color::COLOR_RED.0,
            which: Some(p3::scalars::Which::C(Box::new(p3::Scalars {
                b: true,
                ..Default::default()
            }))),
            ..Default::default()
        };
        assert_eq!(
            m.to_text(),
            "i32: -3\ns: \"a\\\"b\\n\"\nmany: 1\nmany: 2\nc {\n  b: true\n}\ncolor: COLOR_RED\n"
        );
        assert_eq!(
            m.to_string(),
            "i32: -3 s: \"a\\\"b\\n\" many: 1 many: 2 c { b: true } color: COLOR_RED"
        );
        assert_eq!(format!("{m:#}"), m.to_text());
        assert_eq!(p3::Scalars::from_text(&m.to_text()).unwrap(), m);
        let parsed =
            p3::Scalars::from_text("i32: 0x10 many: [3, 4] # comment\n c < s: 'x' >").unwrap();
        assert_eq!(parsed.i32, 16);
        assert_eq!(parsed.many, [3, 4]);
        let err = p3::Scalars::from_text("i32: 1\nnope: 2").unwrap_err();
        assert_eq!((err.line(), err.column()), (2, 1));
        assert_eq!(
            p3::Scalars::descriptor().full_name(),
            "courier.features.p3.Scalars"
        );
    }

    #[test]
    fn groups_extensions_and_unknown_fields() {
        let mut m = p2::Everything {
            req: Some(1),
            result: Some(p2::everything::Result {
                url: Some("u".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        ext::set(&mut m, &p2::TOP_EXT, &5);
        m.unknown_fields.push_raw(&[0xa8, 0x1f, 0x01]).unwrap();
        let t = m.to_text();
        assert_eq!(
            t,
            "req: 1\nResult {\n  url: \"u\"\n}\n[courier.features.p2.top_ext]: 5\n"
        );
        let with_unknown = m.to_text_with(&text::PrintOptions::new().print_unknown_fields(true));
        assert!(with_unknown.ends_with("501: 1\n"), "{with_unknown}");
        let back = p2::Everything::from_text(&t).unwrap();
        assert_eq!(ext::get(&back, &p2::TOP_EXT).unwrap(), Some(5));
        assert_eq!(back.result, m.result);
        // A dynamic message and back.
        let d = m.to_dynamic().unwrap();
        assert_eq!(p2::Everything::from_dynamic(&d).unwrap(), m);
    }

    #[test]
    fn every_package_links() {
        use super::golden::courier;
        for pool in [
            courier::features::p2::descriptor_pool(),
            courier::features::p3::descriptor_pool(),
            courier::features::ed::descriptor_pool(),
            courier::wire_test::descriptor_pool(),
            courier::comments::descriptor_pool(),
            super::golden::google::protobuf::descriptor_pool(),
        ] {
            assert!(pool.all_messages().count() > 0);
        }
    }
}
