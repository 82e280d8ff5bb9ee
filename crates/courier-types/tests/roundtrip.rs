//! Known-answer tests against a descriptor set written by protoc (`tests/data/features.pb`):
//! decoding keeps everything and re-encoding gives protoc's bytes back exactly.

use courier_types::field_descriptor_proto::{Label, Type};
use courier_types::{FileDescriptorProto, FileDescriptorSet};
use courier_wire::Message;
use proptest::prelude::*;

const FEATURES: &[u8] = include_bytes!("data/features.pb");

fn file<'a>(set: &'a FileDescriptorSet, name: &str) -> &'a FileDescriptorProto {
    set.file
        .iter()
        .find(|f| f.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn protoc_output_round_trips_byte_for_byte() {
    let set = FileDescriptorSet::decode(FEATURES).expect("decodes");
    assert_eq!(set.encoded_len(), FEATURES.len());
    assert_eq!(set.encode_to_vec(), FEATURES);
    // And file by file: each FileDescriptorProto is protoc's bytes too.
    for f in &set.file {
        let again = FileDescriptorProto::decode(&f.encode_to_vec()[..]).expect("decodes");
        assert_eq!(&again, f);
    }
}

#[test]
fn decoded_fields_are_protocs() {
    let set = FileDescriptorSet::decode(FEATURES).expect("decodes");
    let names: Vec<_> = set.file.iter().map(|f| f.name.clone().unwrap()).collect();
    assert_eq!(
        names,
        [
            "google/protobuf/descriptor.proto",
            "google/protobuf/any.proto",
            "google/protobuf/timestamp.proto",
            "courier/features/proto3_all.proto",
            "courier/features/proto2_all.proto",
            "courier/features/editions_all.proto",
            "courier/comments.proto",
        ]
    );
    let p2 = file(&set, "courier/features/proto2_all.proto");
    assert_eq!(p2.package.as_deref(), Some("courier.features.p2"));
    assert_eq!(p2.public_dependency, [1]);
    let everything = p2
        .message_type
        .iter()
        .find(|m| m.name.as_deref() == Some("Everything"))
        .expect("Everything");
    let s = &everything.field[1];
    assert_eq!(s.name.as_deref(), Some("s"));
    assert_eq!(s.r#type, Some(Type::TYPE_STRING.0));
    assert_eq!(s.label, Some(Label::LABEL_OPTIONAL.0));
    assert_eq!(s.default_value.as_deref(), Some("hi\n\"there\""));
    assert_eq!(s.json_name.as_deref(), Some("s"));
    // Custom options are extensions protoc does not link in: they stay as unknown fields.
    let opts = everything.options.as_ref().expect("options");
    let numbers: Vec<u32> = opts.unknown_fields.iter().map(|f| f.number()).collect();
    assert_eq!(numbers, [50002, 50003, 50003]);
    let file_opts = p2.options.as_ref().expect("file options");
    assert_eq!(
        file_opts.java_package.as_deref(),
        Some("dev.courier.features")
    );
    assert_eq!(file_opts.unknown_fields.iter().count(), 1);
    // Source info: packed `path` and `span` decode.
    let info = p2.source_code_info.as_ref().expect("source info");
    assert!(
        info.location
            .iter()
            .all(|l| l.span.len() == 3 || l.span.len() == 4)
    );
    let ed = file(&set, "courier/features/editions_all.proto");
    assert_eq!(ed.syntax.as_deref(), Some("editions"));
    assert_eq!(ed.edition, Some(courier_types::Edition::EDITION_2023.0));
}

#[test]
fn truncated_input_is_an_error_not_a_panic() {
    for cut in [1, 2, 10, 100, 1000, FEATURES.len() / 2, FEATURES.len() - 1] {
        assert!(
            FileDescriptorSet::decode(&FEATURES[..cut]).is_err(),
            "cut {cut}"
        );
    }
}

#[test]
fn enum_names() {
    assert_eq!(Type::TYPE_GROUP.name(), Some("TYPE_GROUP"));
    assert_eq!(Type(99).name(), None);
    assert_eq!(courier_types::Edition::EDITION_MAX.0, i32::MAX);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_round_trip(data in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(set) = FileDescriptorSet::decode(&data[..]) {
            let bytes = set.encode_to_vec();
            prop_assert_eq!(bytes.len(), set.encoded_len());
            prop_assert_eq!(FileDescriptorSet::decode(&bytes[..]).unwrap(), set);
        }
    }

    #[test]
    fn mutated_protoc_output_never_panics(at in 0..FEATURES.len(), byte in any::<u8>()) {
        let mut data = FEATURES.to_vec();
        data[at] = byte;
        if let Ok(set) = FileDescriptorSet::decode(&data[..]) {
            let bytes = set.encode_to_vec();
            prop_assert_eq!(FileDescriptorSet::decode(&bytes[..]).unwrap(), set);
        }
    }
}

/// ProtoJSON of a type whose repeated fields hold large messages (`FileDescriptorProto`,
/// `DescriptorProto`: more than courier-json gathers on the stack, so they are read straight
/// into their vectors) reads back as the same message, nested types at depth included.
#[cfg(feature = "json")]
#[test]
fn large_repeated_messages_round_trip_through_json() {
    use courier_json::ProtoJson;
    use courier_types::DescriptorProto;

    assert!(std::mem::size_of::<DescriptorProto>() > 128);
    assert!(std::mem::size_of::<FileDescriptorProto>() > 128);
    // A message nested 40 deep, each level with a sibling (arrays of two large messages).
    let mut nested = DescriptorProto {
        name: Some("leaf".into()),
        ..Default::default()
    };
    for depth in 0..40 {
        nested = DescriptorProto {
            name: Some(format!("level{depth}")),
            nested_type: vec![
                nested,
                DescriptorProto {
                    name: Some(format!("sibling{depth}")),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
    }
    let json = nested.to_json().expect("prints");
    assert_eq!(DescriptorProto::from_json(&json).expect("parses"), nested);

    // Files (without the unknown fields of their options, which ProtoJSON does not carry).
    let set = FileDescriptorSet {
        file: (0..12)
            .map(|i| FileDescriptorProto {
                name: Some(format!("f{i}.proto")),
                message_type: vec![nested.clone(); i % 3],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let json = set.to_json().expect("prints");
    assert_eq!(FileDescriptorSet::from_json(&json).expect("parses"), set);
}

/// `to_json` starts from the length of the last text of the same type on the thread: texts
/// longer, shorter, of other types in between, past the remembered limit and indented all come
/// out whole and the same, and a short text does not keep a long one's room.
#[cfg(feature = "json")]
#[test]
fn json_text_size_hint_changes_no_text() {
    use courier_json::{PrintOptions, ProtoJson};
    use courier_types::{DescriptorProto, Value, value};

    let string = |n: usize| Value {
        kind: Some(value::Kind::StringValue("x".repeat(n))),
        ..Default::default()
    };
    let pretty = PrintOptions::default().indent(Some(2));
    for n in [0, 40, 3, 5000, 1, 20_000, 2, 100_000, 7] {
        let v = string(n);
        let want = format!("\"{}\"", "x".repeat(n));
        assert_eq!(v.to_json().expect("prints"), want);
        assert_eq!(v.to_json().expect("prints"), want);
        let other = DescriptorProto {
            name: Some("x".repeat(n % 50)),
            ..Default::default()
        };
        assert_eq!(
            other.to_json().expect("prints"),
            format!("{{\"name\":\"{}\"}}", "x".repeat(n % 50))
        );
        assert_eq!(v.to_json_with(&pretty).expect("prints"), want);
    }
    // A short text right after a long one of its type keeps no more than twice its length.
    string(10_000).to_json().expect("prints");
    let short = string(3).to_json().expect("prints");
    assert!(
        short.capacity() <= 2 * short.len() + 64,
        "{}",
        short.capacity()
    );
}
