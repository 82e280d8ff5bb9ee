//! The generated-code testee for Google's protobuf conformance runner (`cargo xtask
//! conformance` runs it, and the dynamic-message testee `testee_dynamic.rs` next to it).
//!
//! Protocol: the runner writes a 4-byte little-endian length and a `ConformanceRequest` to
//! stdin; the testee answers with a length and a `ConformanceResponse` on stdout, until stdin
//! closes. Binary input and output are handled by the courier-codegen-generated messages in
//! `generated/` (from `protos/`, regenerated and compared by `tests/codegen_golden.rs`);
//! JSON, text format and JSPB are answered `skipped` (ProtoJSON and text for generated code
//! are not implemented yet; the dynamic testee answers them).

use std::io::{self, Read, Write};

use bytes::Bytes;
use courier_wire::Message;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod generated {
    include!("generated/mod.rs");
}

use generated::conformance::{ConformanceRequest, ConformanceResponse, WireFormat};
use generated::conformance::{conformance_request::Payload, conformance_response::Result as R};
use generated::protobuf_test_messages as tm;

/// Decodes `payload` as `M` and answers in the requested format.
fn round_trip<M: Message>(payload: Bytes, output: WireFormat) -> R {
    match M::decode_bytes(payload) {
        Err(e) => R::ParseError(e.to_string()),
        Ok(m) if output == WireFormat::PROTOBUF => R::ProtobufPayload(m.encode_to_bytes()),
        Ok(_) => R::Skipped("only binary output is supported".to_owned()),
    }
}

/// The messages the runner may name, by full name.
fn dispatch(message_type: &str, payload: Bytes, output: WireFormat) -> R {
    macro_rules! types {
        ($($name:literal => $ty:ty,)*) => {
            match message_type {
                $($name => round_trip::<$ty>(payload, output),)*
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

fn handle(request: &[u8]) -> ConformanceResponse {
    let result = match ConformanceRequest::decode_bytes(Bytes::copy_from_slice(request)) {
        Err(e) => R::RuntimeError(format!("bad ConformanceRequest: {e}")),
        Ok(req) => {
            let output = req.requested_output_format();
            match req.payload {
                Some(Payload::ProtobufPayload(p)) => dispatch(&req.message_type, p, output),
                Some(Payload::JsonPayload(_)) => R::Skipped("JSON input is not supported".into()),
                Some(Payload::TextPayload(_)) => {
                    R::Skipped("text format input is not supported".into())
                }
                Some(Payload::JspbPayload(_)) => R::Skipped("JSPB input is not supported".into()),
                None => R::RuntimeError("request without payload".into()),
            }
        }
    };
    ConformanceResponse {
        result: Some(result),
        ..Default::default()
    }
}

fn main() -> io::Result<()> {
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
        let response = handle(&request).encode_to_vec();
        stdout.write_all(&(response.len() as u32).to_le_bytes())?;
        stdout.write_all(&response)?;
        stdout.flush()?;
    }
}
