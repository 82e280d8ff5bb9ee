//! The conformance protos as a courier-reflect pool, for the reflect_* fuzz targets.

use courier_reflect::{DescriptorPool, MessageDescriptor};

const PROTOS: &[(&str, &str)] = &[
    (
        "google/protobuf/test_messages_proto2.proto",
        include_str!("../../tests/conformance/protos/google/protobuf/test_messages_proto2.proto"),
    ),
    (
        "google/protobuf/test_messages_proto3.proto",
        include_str!("../../tests/conformance/protos/google/protobuf/test_messages_proto3.proto"),
    ),
    (
        "google/protobuf/test_messages_edition2023.proto",
        include_str!(
            "../../tests/conformance/protos/google/protobuf/test_messages_edition2023.proto"
        ),
    ),
];

const TYPES: &[&str] = &[
    "protobuf_test_messages.proto3.TestAllTypesProto3",
    "protobuf_test_messages.proto2.TestAllTypesProto2",
    "protobuf_test_messages.editions.TestAllTypesEdition2023",
    "google.protobuf.Value",
    "google.protobuf.Any",
];

fn pool() -> &'static DescriptorPool {
    static POOL: std::sync::OnceLock<DescriptorPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut c = courier_idl::Compiler::new();
        for (n, s) in PROTOS {
            c.add_file(*n, *s);
        }
        let mut names: Vec<&str> = PROTOS.iter().map(|(n, _)| *n).collect();
        names.extend(["google/protobuf/empty.proto", "google/protobuf/type.proto"]);
        let set = c
            .compile(&names)
            .expect("protos compile")
            .file_descriptor_set(true);
        DescriptorPool::from_file_descriptor_set(set).expect("protos link")
    })
}

/// The message type the first input byte picks, and the rest of the input.
pub fn pick(data: &[u8]) -> Option<(MessageDescriptor, u8, &[u8])> {
    let (&which, rest) = data.split_first()?;
    let name = TYPES[usize::from(which & 0x7f) % TYPES.len()];
    Some((pool().get_message_by_name(name)?, which, rest))
}
