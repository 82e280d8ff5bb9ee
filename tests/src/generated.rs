//! The conformance test messages as courier-codegen generated them (`conformance/generated/`,
//! with the `json`, `serde` and `text_format` options), for the checks of generated code's
//! ProtoJSON and text format, and the generated-code conformance testee.
//!
//! [`Codec`] reaches a generated type by its full name with functions over its binary encoding,
//! so that a message built from descriptors (a `DynamicMessage` from
//! [`reflect::Gen`](crate::reflect::Gen)) can be printed and parsed by the generated code of its
//! type.

use std::sync::Arc;

use courier_json::{ParseOptions, PrintOptions, ProtoJson, TypeRegistry};
use courier_reflect::{DescriptorPool, ReflectMessage, TypeResolver, text};
use courier_wire::Message;

/// The generated code (`conformance/generated/mod.rs`).
#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
pub mod messages {
    include!("../conformance/generated/mod.rs");
}

use messages::protobuf_test_messages as tm;

/// A registry of every generated type (the types an `Any` may hold) and extension, the
/// well-known types included.
pub fn registry() -> Arc<TypeRegistry> {
    let mut r = TypeRegistry::new();
    courier_types::register_types(&mut r);
    messages::conformance::register_types(&mut r);
    tm::proto3::register_types(&mut r);
    tm::proto2::register_types(&mut r);
    tm::editions::register_types(&mut r);
    tm::editions::proto2::register_types(&mut r);
    tm::editions::proto3::register_types(&mut r);
    Arc::new(r)
}

/// The descriptor pools of every generated package and the well-known types, for the text
/// format's `Any` of another package's type.
pub fn pools() -> Arc<dyn TypeResolver> {
    let pools: Vec<DescriptorPool> = vec![
        tm::proto3::descriptor_pool().clone(),
        tm::proto2::descriptor_pool().clone(),
        tm::editions::descriptor_pool().clone(),
        tm::editions::proto2::descriptor_pool().clone(),
        tm::editions::proto3::descriptor_pool().clone(),
        messages::conformance::descriptor_pool().clone(),
        courier_reflect::well_known_types().clone(),
    ];
    Arc::new(pools)
}

/// serde_json's text of a message and the binary encoding of what it reads back.
pub type SerdeRoundTrip = (String, Vec<u8>);

/// A generated message type, reached through its binary encoding.
#[derive(Clone, Copy, Debug)]
pub struct Codec {
    /// The full name.
    pub name: &'static str,
    /// Decodes the binary encoding and prints the message as ProtoJSON.
    pub to_json: fn(&[u8], &PrintOptions) -> Result<String, String>,
    /// Parses ProtoJSON and returns the binary encoding.
    pub from_json: fn(&str, &ParseOptions) -> Result<Vec<u8>, String>,
    /// Decodes the binary encoding and prints the message in the text format.
    pub to_text: fn(&[u8], &text::PrintOptions) -> Result<String, String>,
    /// Parses the text format and returns the binary encoding.
    pub from_text: fn(&str, &text::ParseOptions) -> Result<Vec<u8>, String>,
    /// Decodes the binary encoding, serializes with serde_json, deserializes with serde_json,
    /// and returns the binary encoding.
    pub serde_json_round_trip: fn(&[u8]) -> Result<SerdeRoundTrip, String>,
}

fn decode<M: Message>(bytes: &[u8]) -> Result<M, String> {
    M::decode(bytes).map_err(|e| format!("generated code does not decode: {e}"))
}

fn codec_of<M>(name: &'static str) -> Codec
where
    M: Message + ProtoJson + ReflectMessage + serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    Codec {
        name,
        to_json: |b, o| decode::<M>(b)?.to_json_with(o).map_err(|e| e.to_string()),
        from_json: |s, o| {
            M::from_json_with(s, o)
                .map(|m| m.encode_to_vec())
                .map_err(|e| e.to_string())
        },
        to_text: |b, o| Ok(decode::<M>(b)?.to_text_with(o)),
        from_text: |s, o| {
            M::from_text_with(s, o)
                .map(|m| m.encode_to_vec())
                .map_err(|e| e.to_string())
        },
        serde_json_round_trip: |b| {
            let m = decode::<M>(b)?;
            // The registry for `Any`, through the thread's serde options.
            courier_json::serde::with_options(
                PrintOptions::new().registry(registry()),
                ParseOptions::new().registry(registry()),
                || {
                    let s = serde_json::to_string(&m).map_err(|e| e.to_string())?;
                    let back: M = serde_json::from_str(&s).map_err(|e| e.to_string())?;
                    Ok((s, back.encode_to_vec()))
                },
            )
        },
    }
}

/// The generated type of the conformance test message `full_name`.
pub fn codec(full_name: &str) -> Option<Codec> {
    Some(match full_name {
        "protobuf_test_messages.proto3.TestAllTypesProto3" => {
            codec_of::<tm::proto3::TestAllTypesProto3>(
                "protobuf_test_messages.proto3.TestAllTypesProto3",
            )
        }
        "protobuf_test_messages.proto2.TestAllTypesProto2" => {
            codec_of::<tm::proto2::TestAllTypesProto2>(
                "protobuf_test_messages.proto2.TestAllTypesProto2",
            )
        }
        "protobuf_test_messages.editions.TestAllTypesEdition2023" => {
            codec_of::<tm::editions::TestAllTypesEdition2023>(
                "protobuf_test_messages.editions.TestAllTypesEdition2023",
            )
        }
        "protobuf_test_messages.editions.proto2.TestAllTypesProto2" => {
            codec_of::<tm::editions::proto2::TestAllTypesProto2>(
                "protobuf_test_messages.editions.proto2.TestAllTypesProto2",
            )
        }
        "protobuf_test_messages.editions.proto3.TestAllTypesProto3" => {
            codec_of::<tm::editions::proto3::TestAllTypesProto3>(
                "protobuf_test_messages.editions.proto3.TestAllTypesProto3",
            )
        }
        _ => return None,
    })
}
