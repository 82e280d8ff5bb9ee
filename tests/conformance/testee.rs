//! The generated-code testee for Google's protobuf conformance runner (`cargo xtask
//! conformance` runs it, and the dynamic-message testee `testee_dynamic.rs` next to it).
//!
//! Protocol: the runner writes a 4-byte little-endian length and a `ConformanceRequest` to
//! stdin; the testee answers with a length and a `ConformanceResponse` on stdout, until stdin
//! closes. Every payload is handled by the courier-codegen-generated messages in `generated/`
//! (from `protos/`, generated with the `json`, `serde` and `text_format` options, regenerated
//! and compared by `tests/codegen_golden.rs`, compiled in `courier_tests::generated`): binary with `courier_wire::Message`, ProtoJSON
//! with `courier_json::ProtoJson` (a `TypeRegistry` of every generated type for `Any` and the
//! extensions), the text format with `courier_reflect::ReflectMessage`. JSPB is answered
//! `skipped` (the runner sends none to open-source testees).

use std::io::{self, Read, Write};
use std::sync::Arc;

use bytes::Bytes;
use courier_json::{ParseOptions, PrintOptions, ProtoJson, TypeRegistry};
use courier_reflect::{ReflectMessage, TypeResolver, text};
use courier_tests::generated::{messages as generated, pools, registry};
use courier_wire::Message;

use generated::conformance::{ConformanceRequest, ConformanceResponse, TestCategory, WireFormat};
use generated::conformance::{conformance_request::Payload, conformance_response::Result as R};
use generated::protobuf_test_messages as tm;

/// What every request is answered with: the JSON registry (every generated type and
/// extension) and the text format's resolver (every generated package's descriptors).
struct Types {
    registry: Arc<TypeRegistry>,
    pools: Arc<dyn TypeResolver>,
}

/// Parses the payload as `M` and answers in the requested format.
fn round_trip<M: Message + ProtoJson + ReflectMessage>(
    req: &ConformanceRequest,
    types: &Types,
) -> R {
    let registry = &types.registry;
    let message = match &req.payload {
        Some(Payload::ProtobufPayload(p)) => match M::decode_bytes(p.clone()) {
            Ok(m) => m,
            Err(e) => return R::ParseError(e.to_string()),
        },
        Some(Payload::JsonPayload(json)) => {
            let ignore = req.test_category() == TestCategory::JSON_IGNORE_UNKNOWN_PARSING_TEST;
            let opts = ParseOptions::new()
                .ignore_unknown_fields(ignore)
                .registry(registry.clone());
            match M::from_json_with(json, &opts) {
                Ok(m) => m,
                Err(e) => return R::ParseError(e.to_string()),
            }
        }
        Some(Payload::TextPayload(t)) => {
            match M::from_text_with(t, &text::ParseOptions::new().resolver(types.pools.clone())) {
                Ok(m) => m,
                Err(e) => return R::ParseError(e.to_string()),
            }
        }
        Some(Payload::JspbPayload(_)) => return R::Skipped("JSPB input is not supported".into()),
        None => return R::RuntimeError("request without payload".into()),
    };
    match req.requested_output_format() {
        WireFormat::PROTOBUF => R::ProtobufPayload(message.encode_to_bytes()),
        WireFormat::JSON => {
            match message.to_json_with(&PrintOptions::new().registry(registry.clone())) {
                Ok(json) => R::JsonPayload(json),
                Err(e) => R::SerializeError(e.to_string()),
            }
        }
        WireFormat::TEXT_FORMAT => {
            let opts = text::PrintOptions::new()
                .print_unknown_fields(req.print_unknown_fields)
                .resolver(types.pools.clone());
            R::TextPayload(message.to_text_with(&opts))
        }
        other => R::Skipped(format!("output format {other:?} is not supported")),
    }
}

/// The messages the runner may name, by full name.
fn dispatch(req: &ConformanceRequest, types: &Types) -> R {
    macro_rules! types {
        ($($name:literal => $ty:ty,)*) => {
            match req.message_type.as_str() {
                $($name => round_trip::<$ty>(req, types),)*
                other => R::RuntimeError(format!("unknown message type {other}")),
            }
        };
    }
    types! {
        "conformance.FailureSet" => generated::conformance::FailureSet,
        "protobuf_test_messages.proto3.TestAllTypesProto3" => tm::proto3::TestAllTypesProto3,
        "protobuf_test_messages.proto2.TestAllTypesProto2" => tm::proto2::TestAllTypesProto2,
        "protobuf_test_messages.proto2.TestAllRequiredTypesProto2" => tm::proto2::TestAllRequiredTypesProto2,
        "protobuf_test_messages.editions.TestAllTypesEdition2023" => tm::editions::TestAllTypesEdition2023,
        "protobuf_test_messages.editions.proto2.TestAllTypesProto2" => tm::editions::proto2::TestAllTypesProto2,
        "protobuf_test_messages.editions.proto2.TestAllRequiredTypesProto2" => tm::editions::proto2::TestAllRequiredTypesProto2,
        "protobuf_test_messages.editions.proto3.TestAllTypesProto3" => tm::editions::proto3::TestAllTypesProto3,
    }
}

fn handle(request: &[u8], types: &Types) -> ConformanceResponse {
    let result = match ConformanceRequest::decode_bytes(Bytes::copy_from_slice(request)) {
        Err(e) => R::RuntimeError(format!("bad ConformanceRequest: {e}")),
        Ok(req) => dispatch(&req, types),
    };
    ConformanceResponse {
        result: Some(result),
        ..Default::default()
    }
}

fn main() -> io::Result<()> {
    let types = Types {
        registry: registry(),
        pools: pools(),
    };
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut request = Vec::new();
    loop {
        let mut len = [0u8; 4];
        match stdin.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        request.resize(u32::from_le_bytes(len) as usize, 0);
        stdin.read_exact(&mut request)?;
        let response = handle(&request, &types).encode_to_vec();
        stdout.write_all(&(response.len() as u32).to_le_bytes())?;
        stdout.write_all(&response)?;
        stdout.flush()?;
    }
}
