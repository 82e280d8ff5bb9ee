//! Fixtures of the `json` bench beyond the codec bench's (`../codec/fixtures.rs`): a map-heavy
//! and a well-known-type-heavy message, built as prost values.

use super::prost_gen::bench as p;

fn text(n: usize, seed: u8) -> String {
    (0..n)
        .map(|i| (b'a' + ((i as u8).wrapping_mul(7).wrapping_add(seed)) % 26) as char)
        .collect()
}

pub(crate) fn inventory() -> p::maps::Inventory {
    p::maps::Inventory {
        counts: (0..64)
            .map(|i| (format!("sku-{i:04}"), i64::from(i) * 1_000_003))
            .collect(),
        names: (0..32).map(|i| (i * 7 - 50, text(12, i as u8))).collect(),
        items: (0..16u8)
            .map(|i| {
                (
                    format!("item-{i}"),
                    p::maps::Item {
                        sku: text(10, i),
                        quantity: i32::from(i) * 3,
                        tags: vec![text(5, i), text(7, i + 1)],
                    },
                )
            })
            .collect(),
        flags: (0..32u64).map(|i| (i << 33 | i, i % 3 == 0)).collect(),
        prices: (0..32)
            .map(|i| (format!("p{i}"), 0.25 * f64::from(i) + 1.0 / 3.0))
            .collect(),
    }
}

fn value(kind: pbjson_types::value::Kind) -> pbjson_types::Value {
    pbjson_types::Value { kind: Some(kind) }
}

pub(crate) fn event() -> p::wkt::Event {
    use pbjson_types::value::Kind;
    let ts = |s: i64, n: i32| pbjson_types::Timestamp {
        seconds: s,
        nanos: n,
    };
    let attributes = pbjson_types::Struct {
        fields: (0..8u8)
            .map(|i| {
                let v = match i % 4 {
                    0 => value(Kind::StringValue(text(12, i))),
                    1 => value(Kind::NumberValue(f64::from(i) * 1.5)),
                    2 => value(Kind::BoolValue(true)),
                    _ => value(Kind::ListValue(pbjson_types::ListValue {
                        values: vec![
                            value(Kind::NumberValue(1.0)),
                            value(Kind::StringValue("x".into())),
                        ],
                    })),
                };
                (format!("attr{i}"), v)
            })
            .collect(),
    };
    p::wkt::Event {
        created: Some(ts(1_700_000_000, 123_000_000)),
        updated: Some(ts(1_700_000_123, 456_789_000)),
        ttl: Some(pbjson_types::Duration {
            seconds: 3600,
            nanos: 500_000_000,
        }),
        attributes: Some(attributes),
        payload: Some(value(Kind::StructValue(pbjson_types::Struct {
            fields: [
                ("id".to_owned(), value(Kind::NumberValue(42.0))),
                ("name".to_owned(), value(Kind::StringValue(text(20, 3)))),
                ("ok".to_owned(), value(Kind::BoolValue(false))),
            ]
            .into(),
        }))),
        note: Some(pbjson_types::StringValue { value: text(40, 5) }),
        sequence: Some(pbjson_types::Int64Value { value: 1 << 40 }),
        acked: Some(pbjson_types::BoolValue { value: true }),
        score: Some(pbjson_types::DoubleValue { value: 0.875 }),
        // Unset: pbjson-types 0.9 has no special form for FieldMask (it prints and reads
        // `{"paths": [...]}`, not ProtoJSON's `"a,b.c"`), so it could not read the other sides'
        // JSON. Courier's FieldMask form is covered by the conformance suite.
        mask: None,
        history: (0..6)
            .map(|i| ts(1_600_000_000 + i * 86_400, (i as i32) * 1000))
            .collect(),
        labels: Some(pbjson_types::ListValue {
            values: (0..6u8)
                .map(|i| value(Kind::StringValue(text(8, i))))
                .collect(),
        }),
    }
}
