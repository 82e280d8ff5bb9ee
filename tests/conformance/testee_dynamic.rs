//! The dynamic-message testee for Google's protobuf conformance runner (`cargo xtask
//! conformance` runs it next to the generated-code testee, `testee.rs`).
//!
//! Every payload is handled by courier-reflect's `DynamicMessage` over a descriptor pool of the
//! conformance protos, compiled by courier-idl at start-up from the copies in `protos/`
//! (embedded in the binary): binary, ProtoJSON and text format, in and out. Only the request and
//! response envelopes use the generated `conformance` types. JSPB is answered `skipped` (the
//! runner sends none to open-source testees).

use std::io::{self, Read, Write};

use bytes::Bytes;
use courier_reflect::json::{ParseOptions, PrintOptions};
use courier_reflect::{DescriptorPool, DynamicMessage, text};
use courier_wire::Message;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod generated {
    include!("generated/mod.rs");
}

use generated::conformance::{ConformanceRequest, ConformanceResponse, TestCategory, WireFormat};
use generated::conformance::{conformance_request::Payload, conformance_response::Result as R};

fn handle(pool: &DescriptorPool, request: &[u8]) -> ConformanceResponse {
    let result = match ConformanceRequest::decode_bytes(Bytes::copy_from_slice(request)) {
        Err(e) => R::RuntimeError(format!("bad ConformanceRequest: {e}")),
        Ok(req) => respond(pool, req),
    };
    ConformanceResponse {
        result: Some(result),
        ..Default::default()
    }
}

fn respond(pool: &DescriptorPool, req: ConformanceRequest) -> R {
    let Some(desc) = pool.get_message_by_name(&req.message_type) else {
        return R::RuntimeError(format!("unknown message type {}", req.message_type));
    };
    let ignore_unknown = req.test_category() == TestCategory::JSON_IGNORE_UNKNOWN_PARSING_TEST;
    let output = req.requested_output_format();
    let print_unknown = req.print_unknown_fields;
    let message = match req.payload {
        Some(Payload::ProtobufPayload(p)) => match DynamicMessage::decode_bytes(desc, p) {
            Ok(m) => m,
            Err(e) => return R::ParseError(e.to_string()),
        },
        Some(Payload::JsonPayload(json)) => {
            let opts = ParseOptions::new().ignore_unknown_fields(ignore_unknown);
            match DynamicMessage::from_json_with(desc, &json, &opts) {
                Ok(m) => m,
                Err(e) => return R::ParseError(e.to_string()),
            }
        }
        Some(Payload::TextPayload(text)) => match DynamicMessage::from_text(desc, &text) {
            Ok(m) => m,
            Err(e) => return R::ParseError(e.to_string()),
        },
        Some(Payload::JspbPayload(_)) => return R::Skipped("JSPB input is not supported".into()),
        None => return R::RuntimeError("request without payload".into()),
    };
    match output {
        WireFormat::PROTOBUF => R::ProtobufPayload(message.encode_to_bytes()),
        WireFormat::JSON => match message.to_json_with(&PrintOptions::new()) {
            Ok(json) => R::JsonPayload(json),
            Err(e) => R::SerializeError(e.to_string()),
        },
        WireFormat::TEXT_FORMAT => {
            let opts = text::PrintOptions::new().print_unknown_fields(print_unknown);
            R::TextPayload(message.to_text_with(&opts))
        }
        other => R::Skipped(format!("output format {other:?} is not supported")),
    }
}

fn main() -> io::Result<()> {
    let pool = courier_tests::reflect::conformance_pool();
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
        let response = handle(&pool, &request).encode_to_vec();
        stdout.write_all(&(response.len() as u32).to_le_bytes())?;
        stdout.write_all(&response)?;
        stdout.flush()?;
    }
}
