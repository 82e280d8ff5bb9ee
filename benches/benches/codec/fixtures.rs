//! Fixtures of the `codec` bench, shared with the instruction-count harness
//! (`examples/codec_icount.rs`): one value per message, built as prost values (the bench
//! decodes their encoding into Courier's messages).

use super::prost_gen::bench as p;

fn text(n: usize, seed: u8) -> String {
    (0..n)
        .map(|i| (b'a' + ((i as u8).wrapping_mul(7).wrapping_add(seed)) % 26) as char)
        .collect()
}

pub(crate) fn message1_proto3() -> p::proto3::GoogleMessage1 {
    p::proto3::GoogleMessage1 {
        field1: text(12, 1),
        field2: 7,
        field3: 1234,
        field4: text(20, 2),
        field5: vec![1, 2, 0xffff_ffff, 1 << 40],
        field6: 1,
        field7: text(8, 3),
        field9: text(30, 4),
        field12: true,
        field14: true,
        field15: Some(p::proto3::GoogleMessage1SubMessage {
            field1: 1,
            field2: 2,
            field3: 3,
            field15: text(25, 5),
            field12: true,
            field13: 1 << 33,
            field14: -9,
            field21: 0x1234_5678_9abc,
            field203: 77,
            field205: text(10, 6),
            field207: 99_999,
            field300: 1,
            ..Default::default()
        }),
        field18: text(16, 7),
        field22: 1 << 35,
        field67: 5,
        field100: 100,
        field101: 101,
        field102: text(6, 8),
        field103: text(6, 9),
        field129: text(5, 10),
        field130: 130,
        field150: 150,
        field280: 280,
        ..Default::default()
    }
}

pub(crate) fn message1_proto2() -> p::proto2::GoogleMessage1 {
    let m = message1_proto3();
    let s = m.field15.as_ref().expect("set above");
    p::proto2::GoogleMessage1 {
        field1: Some(m.field1.clone()),
        field2: Some(m.field2),
        field3: Some(m.field3),
        field4: Some(m.field4.clone()),
        field5: m.field5.clone(),
        field6: Some(m.field6),
        field7: Some(m.field7.clone()),
        field9: Some(m.field9.clone()),
        field12: Some(true),
        field14: Some(true),
        field15: Some(p::proto2::GoogleMessage1SubMessage {
            field1: Some(s.field1),
            field2: Some(s.field2),
            field3: Some(s.field3),
            field15: Some(s.field15.clone()),
            field12: Some(true),
            field13: Some(s.field13),
            field14: Some(s.field14),
            field21: Some(s.field21),
            field203: Some(s.field203),
            field205: Some(s.field205.clone()),
            field207: Some(s.field207),
            field300: Some(s.field300),
            ..Default::default()
        }),
        field18: Some(m.field18.clone()),
        field22: Some(m.field22),
        field67: Some(m.field67),
        field80: Some(false),
        field81: Some(true),
        field100: Some(m.field100),
        field101: Some(m.field101),
        field102: Some(m.field102.clone()),
        field103: Some(m.field103.clone()),
        field129: Some(m.field129.clone()),
        field130: Some(m.field130),
        field150: Some(m.field150),
        field280: Some(m.field280),
        ..Default::default()
    }
}

pub(crate) fn hello() -> p::hello::Hello {
    p::hello::Hello {
        name: "Ada Lovelace".into(),
        greeting: "Hello from the analytical engine, how are the looms today?".into(),
        score: 98.25,
        ratio: 0.75,
        active: true,
        count: 42,
        id: 1 << 40,
        contact: Some(p::hello::hello::Contact::Email("ada@example.org".into())),
        items: (0..5)
            .map(|i| p::hello::Item {
                name: text(10 + i, i as u8),
                quantity: i as i32 * 3,
                price: 9.99 * i as f64,
            })
            .collect(),
        tags: (0..4)
            .map(|i| p::hello::Tag {
                key: text(6, i as u8),
                value: text(14, 10 + i as u8),
            })
            .collect(),
    }
}

pub(crate) fn log_record() -> p::log::LogRecord {
    p::log::LogRecord {
        timestamp_nanos: 1_763_700_000_123_456_789,
        level: "INFO".into(),
        service: "checkout-api".into(),
        host: "ip-10-0-3-17.eu-west-1.compute.internal".into(),
        message: format!("request handled: {}", text(300, 3)),
        attributes: (0..8)
            .map(|i| (format!("attr.{}", text(8, i)), text(50, 20 + i)))
            .collect(),
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        span_id: "00f067aa0ba902b7".into(),
        line: 417,
    }
}

pub(crate) fn blob() -> p::blob::Blob {
    p::blob::Blob {
        name: "chunk-0001.bin".into(),
        data: (0..64 * 1024).map(|i| (i * 31 % 251) as u8).collect(),
        checksum: 0xdead_beef_cafe,
    }
}
