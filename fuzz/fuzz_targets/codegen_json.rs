//! courier-codegen's generated ProtoJSON on arbitrary input: text parsed as the conformance
//! suite's test messages (the first byte picks the type and whether unknown fields are
//! ignored; a registry of every generated type and extension resolves `Any` and `[ext]`
//! members) never panics; whatever parses prints, and parse → print → parse is stable: the
//! second and third parse print the same text, are equal (when they hold no NaN, which is
//! unequal to itself) and have the same encoded length (map fields are hash maps, so the bytes
//! of two equal messages may differ in entry order).
#![no_main]

use std::sync::{Arc, LazyLock};

use courier_json::{ParseOptions, PrintOptions, ProtoJson, TypeRegistry};
use courier_wire::Message;
use libfuzzer_sys::fuzz_target;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod generated {
    include!("../../tests/conformance/generated/mod.rs");
}

use generated::protobuf_test_messages as tm;

/// Every generated type and extension, the well-known types included.
static REGISTRY: LazyLock<Arc<TypeRegistry>> = LazyLock::new(|| {
    let mut r = TypeRegistry::new();
    courier_types::register_types(&mut r);
    tm::proto3::register_types(&mut r);
    tm::proto2::register_types(&mut r);
    tm::editions::register_types(&mut r);
    tm::editions::proto2::register_types(&mut r);
    tm::editions::proto3::register_types(&mut r);
    Arc::new(r)
});

fn round_trip<M: Message + ProtoJson + PartialEq>(text: &str, ignore_unknown: bool) {
    let parse = ParseOptions::new().registry(REGISTRY.clone());
    let print = PrintOptions::new().registry(REGISTRY.clone());
    let Ok(first) = M::from_json_with(text, &parse.clone().ignore_unknown_fields(ignore_unknown))
    else {
        return;
    };
    let printed = first.to_json_with(&print).expect("a parsed message prints");
    let second = M::from_json_with(&printed, &parse).expect("printed JSON parses");
    let again = second.to_json_with(&print).expect("prints again");
    let third = M::from_json_with(&again, &parse).expect("parses again");
    assert_eq!(printed, again);
    assert_eq!(second.encoded_len(), third.encoded_len(), "{printed}");
    #[allow(clippy::eq_op)]
    if second == second {
        assert!(second == third, "{printed}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ignore = which & 0x80 != 0;
    match which & 3 {
        0 => round_trip::<tm::proto3::TestAllTypesProto3>(text, ignore),
        1 => round_trip::<tm::proto2::TestAllTypesProto2>(text, ignore),
        2 => round_trip::<tm::editions::TestAllTypesEdition2023>(text, ignore),
        _ => round_trip::<tm::editions::proto2::TestAllTypesProto2>(text, ignore),
    }
});
