//! Known-answer byte tests for every frame type and every decode error, and proptest
//! round-trips.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::codes::{FrameType, Reason, SettingId};

fn decode_all(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
    let mut buf = BytesMut::from(bytes);
    let r = FrameDecoder::new().decode(&mut buf);
    if let Ok(Some(_)) = r {
        assert!(buf.is_empty(), "decoder left {} bytes", buf.len());
    }
    r
}

fn encode(frame: &Frame) -> Vec<u8> {
    let mut buf = BytesMut::new();
    FrameEncoder::new().encode(frame, &mut buf).unwrap();
    buf.to_vec()
}

/// Checks that `bytes` decodes to `frame` and `frame` encodes to `bytes`.
fn known_answer(bytes: &[u8], frame: Frame) {
    assert_eq!(decode_all(bytes).unwrap(), Some(frame.clone()), "decode");
    assert_eq!(encode(&frame), bytes, "encode");
}

fn sid(n: u32) -> StreamId {
    StreamId::new(n)
}

#[test]
fn kat_data() {
    known_answer(
        &[0, 0, 5, 0x0, 0x1, 0, 0, 0, 1, b'h', b'e', b'l', b'l', b'o'],
        Frame::Data(Data {
            stream_id: sid(1),
            data: Bytes::from_static(b"hello"),
            end_stream: true,
            pad_len: None,
        }),
    );
}

#[test]
fn kat_data_padded() {
    let bytes = [0, 0, 5, 0x0, 0x8, 0, 0, 0, 3, 2, b'h', b'i', 0, 0];
    let frame = Frame::Data(Data {
        stream_id: sid(3),
        data: Bytes::from_static(b"hi"),
        end_stream: false,
        pad_len: Some(2),
    });
    known_answer(&bytes, frame.clone());
    let Frame::Data(d) = frame else {
        unreachable!()
    };
    assert_eq!(d.flow_len(), 5);
}

#[test]
fn kat_headers_with_priority_and_padding() {
    let bytes = [
        0, 0, 10, 0x1, 0x2d, 0, 0, 0, 5, // head: PRIORITY|PADDED|END_HEADERS|END_STREAM
        1, // pad length
        0x80, 0, 0, 3, 15, // exclusive, depends on 3, weight 15
        0x82, 0x84, 0x87, // fragment
        0,    // padding
    ];
    known_answer(
        &bytes,
        Frame::Headers(Headers {
            stream_id: sid(5),
            fragment: Bytes::from_static(&[0x82, 0x84, 0x87]),
            end_stream: true,
            end_headers: true,
            priority: Some(PrioritySpec {
                exclusive: true,
                dependency: sid(3),
                weight: 15,
            }),
            pad_len: Some(1),
        }),
    );
}

#[test]
fn kat_headers_plain() {
    known_answer(
        &[0, 0, 1, 0x1, 0x0, 0, 0, 0, 7, 0x82],
        Frame::Headers(Headers {
            stream_id: sid(7),
            fragment: Bytes::from_static(&[0x82]),
            end_stream: false,
            end_headers: false,
            priority: None,
            pad_len: None,
        }),
    );
}

#[test]
fn kat_priority() {
    known_answer(
        &[0, 0, 5, 0x2, 0, 0, 0, 0, 9, 0, 0, 0, 7, 255],
        Frame::Priority(Priority {
            stream_id: sid(9),
            spec: PrioritySpec {
                exclusive: false,
                dependency: sid(7),
                weight: 255,
            },
        }),
    );
}

#[test]
fn kat_rst_stream() {
    known_answer(
        &[0, 0, 4, 0x3, 0, 0, 0, 0, 1, 0, 0, 0, 8],
        Frame::RstStream(RstStream {
            stream_id: sid(1),
            reason: Reason::CANCEL,
        }),
    );
    // Unknown error codes round-trip.
    known_answer(
        &[0, 0, 4, 0x3, 0, 0, 0, 0, 1, 0xff, 0, 0, 1],
        Frame::RstStream(RstStream {
            stream_id: sid(1),
            reason: Reason(0xff00_0001),
        }),
    );
}

#[test]
fn kat_settings() {
    known_answer(
        &[
            0, 0, 18, 0x4, 0, 0, 0, 0, 0, //
            0, 3, 0, 0, 0, 100, // MAX_CONCURRENT_STREAMS 100
            0, 4, 0, 1, 0, 0, // INITIAL_WINDOW_SIZE 65536
            0xab, 0xcd, 0, 0, 0, 1, // unknown setting, kept for the connection to ignore
        ],
        Frame::Settings(Settings {
            ack: false,
            settings: vec![
                Setting {
                    id: SettingId::MAX_CONCURRENT_STREAMS,
                    value: 100,
                },
                Setting {
                    id: SettingId::INITIAL_WINDOW_SIZE,
                    value: 65536,
                },
                Setting {
                    id: SettingId(0xabcd),
                    value: 1,
                },
            ],
        }),
    );
    known_answer(
        &[0, 0, 0, 0x4, 0x1, 0, 0, 0, 0],
        Frame::Settings(Settings::ack()),
    );
}

#[test]
fn settings_get_returns_last_value() {
    let s = Settings {
        ack: false,
        settings: vec![
            Setting {
                id: SettingId::ENABLE_PUSH,
                value: 1,
            },
            Setting {
                id: SettingId::ENABLE_PUSH,
                value: 0,
            },
        ],
    };
    assert_eq!(s.get(SettingId::ENABLE_PUSH), Some(0));
    assert_eq!(s.get(SettingId::MAX_FRAME_SIZE), None);
}

#[test]
fn kat_push_promise() {
    known_answer(
        &[0, 0, 8, 0x5, 0xc, 0, 0, 0, 1, 2, 0, 0, 0, 2, 0x82, 0, 0],
        Frame::PushPromise(PushPromise {
            stream_id: sid(1),
            promised_id: sid(2),
            fragment: Bytes::from_static(&[0x82]),
            end_headers: true,
            pad_len: Some(2),
        }),
    );
}

#[test]
fn kat_ping() {
    known_answer(
        &[0, 0, 8, 0x6, 0x1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        Frame::Ping(Ping {
            ack: true,
            payload: [1, 2, 3, 4, 5, 6, 7, 8],
        }),
    );
}

#[test]
fn kat_goaway() {
    known_answer(
        &[
            0, 0, 11, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0xb, b'b', b'y', b'e',
        ],
        Frame::GoAway(GoAway {
            last_stream_id: sid(5),
            reason: Reason::ENHANCE_YOUR_CALM,
            debug_data: Bytes::from_static(b"bye"),
        }),
    );
}

#[test]
fn kat_window_update() {
    known_answer(
        &[0, 0, 4, 0x8, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff],
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::ZERO,
            increment: MAX_WINDOW_SIZE,
        }),
    );
}

#[test]
fn kat_continuation() {
    known_answer(
        &[0, 0, 2, 0x9, 0x4, 0, 0, 0, 3, 0x84, 0x86],
        Frame::Continuation(Continuation {
            stream_id: sid(3),
            fragment: Bytes::from_static(&[0x84, 0x86]),
            end_headers: true,
        }),
    );
}

#[test]
fn kat_unknown_type_is_carried() {
    known_answer(
        &[0, 0, 3, 0xfa, 0xff, 0, 0, 0, 1, 1, 2, 3],
        Frame::Unknown(Unknown {
            frame_type: FrameType(0xfa),
            flags: 0xff,
            stream_id: sid(1),
            payload: Bytes::from_static(&[1, 2, 3]),
        }),
    );
}

#[test]
fn reserved_bit_and_unused_flags_are_ignored() {
    // Reserved bit set on the stream id, unused flag bits 0xf2 set on a DATA frame.
    let frame = decode_all(&[0, 0, 1, 0x0, 0xf2, 0x80, 0, 0, 1, b'x'])
        .unwrap()
        .unwrap();
    assert_eq!(
        frame,
        Frame::Data(Data {
            stream_id: sid(1),
            data: Bytes::from_static(b"x"),
            end_stream: false,
            pad_len: None,
        })
    );
    // And they are not sent back.
    assert_eq!(encode(&frame), [0, 0, 1, 0x0, 0x0, 0, 0, 0, 1, b'x']);
}

#[test]
fn partial_input_consumes_nothing() {
    let bytes = [0, 0, 8, 0x6, 0x0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    for cut in 0..bytes.len() {
        let mut buf = BytesMut::from(&bytes[..cut]);
        assert_eq!(FrameDecoder::new().decode(&mut buf), Ok(None));
        assert_eq!(buf.len(), cut);
    }
}

#[test]
fn decodes_back_to_back_frames() {
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[0, 0, 0, 0x4, 0x1, 0, 0, 0, 0]);
    buf.extend_from_slice(&[0, 0, 4, 0x8, 0, 0, 0, 0, 1, 0, 0, 0, 9]);
    let dec = FrameDecoder::new();
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(Frame::Settings(Settings::ack()))
    );
    assert_eq!(
        dec.decode(&mut buf).unwrap(),
        Some(Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(1),
            increment: 9
        }))
    );
    assert_eq!(dec.decode(&mut buf).unwrap(), None);
}

// ---- Every decode error, byte for byte. ----

fn expect_err(bytes: &[u8], kind: FrameErrorKind, ty: FrameType, stream: u32) {
    let mut buf = BytesMut::from(bytes);
    let e = FrameDecoder::new().decode(&mut buf).unwrap_err();
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.frame_type(), ty);
    assert_eq!(e.stream_id(), sid(stream));
    if !matches!(kind, FrameErrorKind::TooLarge { .. }) {
        assert!(buf.is_empty(), "an erroneous frame is consumed");
    }
}

#[test]
fn err_too_large_respects_max_frame_size() {
    // 16,385 octets > default maximum; only the header needs to be present.
    let head = [0, 0x40, 0x01, 0x0, 0, 0, 0, 0, 1];
    expect_err(
        &head,
        FrameErrorKind::TooLarge {
            length: 16385,
            max: 16384,
        },
        FrameType::DATA,
        1,
    );
    // Raising the limit accepts it.
    let mut bytes = head.to_vec();
    bytes.resize(9 + 16385, 0);
    let mut dec = FrameDecoder::new();
    dec.set_max_frame_size(1 << 20);
    let mut buf = BytesMut::from(&bytes[..]);
    assert!(matches!(dec.decode(&mut buf), Ok(Some(Frame::Data(_)))));
    // The setter clamps to the legal range.
    dec.set_max_frame_size(5);
    assert_eq!(dec.max_frame_size(), DEFAULT_MAX_FRAME_SIZE);
    dec.set_max_frame_size(u32::MAX);
    assert_eq!(dec.max_frame_size(), MAX_MAX_FRAME_SIZE);
}

#[test]
fn err_stream_id_required() {
    use FrameErrorKind::StreamIdRequired as K;
    expect_err(&[0, 0, 0, 0x0, 0, 0, 0, 0, 0], K, FrameType::DATA, 0);
    expect_err(&[0, 0, 0, 0x1, 4, 0, 0, 0, 0], K, FrameType::HEADERS, 0);
    expect_err(
        &[0, 0, 5, 0x2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
        K,
        FrameType::PRIORITY,
        0,
    );
    expect_err(
        &[0, 0, 4, 0x3, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        K,
        FrameType::RST_STREAM,
        0,
    );
    expect_err(
        &[0, 0, 4, 0x5, 4, 0, 0, 0, 0, 0, 0, 0, 2],
        K,
        FrameType::PUSH_PROMISE,
        0,
    );
    expect_err(
        &[0, 0, 0, 0x9, 4, 0, 0, 0, 0],
        K,
        FrameType::CONTINUATION,
        0,
    );
}

#[test]
fn err_stream_id_not_zero() {
    use FrameErrorKind::StreamIdNotZero as K;
    expect_err(&[0, 0, 0, 0x4, 0, 0, 0, 0, 1], K, FrameType::SETTINGS, 1);
    expect_err(
        &[0, 0, 8, 0x6, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        K,
        FrameType::PING,
        1,
    );
    expect_err(
        &[0, 0, 8, 0x7, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0],
        K,
        FrameType::GOAWAY,
        3,
    );
}

#[test]
fn err_bad_length() {
    use FrameErrorKind::BadLength as K;
    // PRIORITY of 4 octets (a stream error).
    expect_err(
        &[0, 0, 4, 0x2, 0, 0, 0, 0, 1, 0, 0, 0, 1],
        K,
        FrameType::PRIORITY,
        1,
    );
    // RST_STREAM of 3 and 5 octets.
    expect_err(
        &[0, 0, 3, 0x3, 0, 0, 0, 0, 1, 0, 0, 0],
        K,
        FrameType::RST_STREAM,
        1,
    );
    expect_err(
        &[0, 0, 5, 0x3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
        K,
        FrameType::RST_STREAM,
        1,
    );
    // SETTINGS not a multiple of 6; SETTINGS ACK with a payload.
    expect_err(
        &[0, 0, 3, 0x4, 0, 0, 0, 0, 0, 0, 1, 0],
        K,
        FrameType::SETTINGS,
        0,
    );
    expect_err(
        &[0, 0, 6, 0x4, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        K,
        FrameType::SETTINGS,
        0,
    );
    // PING of 7 octets.
    expect_err(
        &[0, 0, 7, 0x6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        K,
        FrameType::PING,
        0,
    );
    // GOAWAY shorter than 8.
    expect_err(
        &[0, 0, 7, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        K,
        FrameType::GOAWAY,
        0,
    );
    // WINDOW_UPDATE of 3 octets.
    expect_err(
        &[0, 0, 3, 0x8, 0, 0, 0, 0, 0, 0, 0, 1],
        K,
        FrameType::WINDOW_UPDATE,
        0,
    );
    // PADDED without room for Pad Length.
    expect_err(&[0, 0, 0, 0x0, 0x8, 0, 0, 0, 1], K, FrameType::DATA, 1);
    // HEADERS with PRIORITY but only 4 octets.
    expect_err(
        &[0, 0, 4, 0x1, 0x24, 0, 0, 0, 1, 0, 0, 0, 0],
        K,
        FrameType::HEADERS,
        1,
    );
    // PUSH_PROMISE without a whole Promised Stream ID.
    expect_err(
        &[0, 0, 3, 0x5, 0x4, 0, 0, 0, 1, 0, 0, 2],
        K,
        FrameType::PUSH_PROMISE,
        1,
    );
}

#[test]
fn err_bad_padding() {
    use FrameErrorKind::BadPadding as K;
    // DATA: Pad Length 1 with a 1-octet payload (padding == payload length).
    expect_err(&[0, 0, 1, 0x0, 0x8, 0, 0, 0, 1, 1], K, FrameType::DATA, 1);
    // HEADERS: 5-octet payload, Pad Length 5.
    expect_err(
        &[0, 0, 5, 0x1, 0xc, 0, 0, 0, 1, 5, 0, 0, 0, 0],
        K,
        FrameType::HEADERS,
        1,
    );
    // PUSH_PROMISE: padding would cover the promised stream id.
    expect_err(
        &[0, 0, 6, 0x5, 0xc, 0, 0, 0, 1, 2, 0, 0, 0, 2, 0],
        K,
        FrameType::PUSH_PROMISE,
        1,
    );
    // Padding that exactly fills the rest is fine: empty data.
    assert!(decode_all(&[0, 0, 2, 0x0, 0x8, 0, 0, 0, 1, 1, 0]).is_ok());
}

#[test]
fn err_zero_window_increment() {
    use FrameErrorKind::ZeroWindowIncrement as K;
    expect_err(
        &[0, 0, 4, 0x8, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        K,
        FrameType::WINDOW_UPDATE,
        1,
    );
    // The reserved bit alone is still an increment of 0.
    expect_err(
        &[0, 0, 4, 0x8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0],
        K,
        FrameType::WINDOW_UPDATE,
        0,
    );
}

#[test]
fn err_invalid_settings() {
    let bad = |id: u16, value: u32| {
        let mut b = vec![0, 0, 6, 0x4, 0, 0, 0, 0, 0];
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&value.to_be_bytes());
        expect_err(
            &b,
            FrameErrorKind::InvalidSetting {
                id: SettingId(id),
                value,
            },
            FrameType::SETTINGS,
            0,
        );
    };
    bad(2, 2);
    bad(4, 1 << 31);
    bad(5, 16383);
    bad(5, 1 << 24);
    // Boundary values are accepted.
    for (id, v) in [
        (2u16, 1u32),
        (4, MAX_WINDOW_SIZE),
        (5, 16384),
        (5, (1 << 24) - 1),
        (0xff, u32::MAX),
    ] {
        let mut b = vec![0, 0, 6, 0x4, 0, 0, 0, 0, 0];
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&v.to_be_bytes());
        assert!(decode_all(&b).is_ok(), "{id} = {v}");
    }
}

#[test]
fn error_display_is_readable() {
    let e = decode_all(&[0, 0, 4, 0x8, 0, 0, 0, 0, 1, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "WINDOW_UPDATE frame on stream 1 has a window increment of 0"
    );
}

// ---- Encoder limits and field block splitting. ----

#[test]
fn encoder_refuses_frames_larger_than_peer_allows() {
    let frame = Frame::Data(Data {
        stream_id: sid(1),
        data: Bytes::from(vec![0u8; 16385]),
        end_stream: false,
        pad_len: None,
    });
    let mut enc = FrameEncoder::new();
    let mut buf = BytesMut::new();
    assert_eq!(
        enc.encode(&frame, &mut buf),
        Err(EncodeError::TooLarge {
            length: 16385,
            max: 16384
        })
    );
    assert!(buf.is_empty());
    enc.set_max_frame_size(16385);
    enc.encode(&frame, &mut buf).unwrap();
    assert_eq!(buf.len(), 9 + 16385);
    assert!(
        enc.encode_data(sid(1), &[0; 16386], false, &mut buf)
            .is_err()
    );
}

#[test]
fn field_block_fits_in_one_headers_frame() {
    let mut buf = BytesMut::new();
    FrameEncoder::new().encode_field_block(
        sid(1),
        BlockStart::Headers {
            end_stream: true,
            priority: None,
        },
        &[0x82, 0x86],
        &mut buf,
    );
    assert_eq!(&buf[..], &[0, 0, 2, 0x1, 0x5, 0, 0, 0, 1, 0x82, 0x86]);
}

#[test]
fn field_block_splits_into_continuations() {
    let block: Vec<u8> = (0..40000u32).map(|i| i as u8).collect();
    let mut buf = BytesMut::new();
    FrameEncoder::new().encode_field_block(
        sid(3),
        BlockStart::Headers {
            end_stream: true,
            priority: Some(PrioritySpec {
                exclusive: false,
                dependency: sid(0),
                weight: 16,
            }),
        },
        &block,
        &mut buf,
    );
    let dec = FrameDecoder::new();
    let mut got = Vec::new();
    let Some(Frame::Headers(h)) = dec.decode(&mut buf).unwrap() else {
        panic!()
    };
    assert!(h.end_stream && !h.end_headers && h.priority.is_some());
    assert_eq!(h.fragment.len(), 16384 - 5);
    got.extend_from_slice(&h.fragment);
    let mut n = 0;
    loop {
        let Some(Frame::Continuation(c)) = dec.decode(&mut buf).unwrap() else {
            panic!()
        };
        assert_eq!(c.stream_id, sid(3));
        got.extend_from_slice(&c.fragment);
        n += 1;
        if c.end_headers {
            break;
        }
    }
    assert_eq!(n, 2);
    assert!(buf.is_empty());
    assert_eq!(got, block);
}

#[test]
fn push_promise_block_splits() {
    let block = vec![7u8; 16384];
    let mut buf = BytesMut::new();
    FrameEncoder::new().encode_field_block(
        sid(1),
        BlockStart::PushPromise {
            promised_id: sid(2),
        },
        &block,
        &mut buf,
    );
    let dec = FrameDecoder::new();
    let Some(Frame::PushPromise(p)) = dec.decode(&mut buf).unwrap() else {
        panic!()
    };
    assert_eq!(
        (p.promised_id, p.fragment.len(), p.end_headers),
        (sid(2), 16380, false)
    );
    let Some(Frame::Continuation(c)) = dec.decode(&mut buf).unwrap() else {
        panic!()
    };
    assert_eq!((c.fragment.len(), c.end_headers), (4, true));
}

// ---- Property tests. ----

fn stream_id(nonzero: bool) -> impl Strategy<Value = StreamId> {
    let lo = u32::from(nonzero);
    (lo..=MAX_WINDOW_SIZE).prop_map(StreamId::new)
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn priority_spec() -> impl Strategy<Value = PrioritySpec> {
    (any::<bool>(), stream_id(false), any::<u8>()).prop_map(|(exclusive, dependency, weight)| {
        PrioritySpec {
            exclusive,
            dependency,
            weight,
        }
    })
}

fn setting() -> impl Strategy<Value = Setting> {
    prop_oneof![
        (0u32..=1).prop_map(|v| Setting {
            id: SettingId::ENABLE_PUSH,
            value: v
        }),
        (0..=MAX_WINDOW_SIZE).prop_map(|v| Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: v
        }),
        (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).prop_map(|v| Setting {
            id: SettingId::MAX_FRAME_SIZE,
            value: v
        }),
        (
            any::<u16>().prop_filter("validated ids", |id| ![2, 4, 5].contains(id)),
            any::<u32>()
        )
            .prop_map(|(id, value)| Setting {
                id: SettingId(id),
                value
            }),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (
            stream_id(true),
            bytes(300),
            any::<bool>(),
            any::<Option<u8>>()
        )
            .prop_map(|(stream_id, data, end_stream, pad_len)| Frame::Data(Data {
                stream_id,
                data,
                end_stream,
                pad_len
            })),
        (
            stream_id(true),
            bytes(300),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(priority_spec()),
            any::<Option<u8>>()
        )
            .prop_map(
                |(stream_id, fragment, end_stream, end_headers, priority, pad_len)| {
                    Frame::Headers(Headers {
                        stream_id,
                        fragment,
                        end_stream,
                        end_headers,
                        priority,
                        pad_len,
                    })
                }
            ),
        (stream_id(true), priority_spec())
            .prop_map(|(stream_id, spec)| Frame::Priority(Priority { stream_id, spec })),
        (stream_id(true), any::<u32>()).prop_map(|(stream_id, r)| Frame::RstStream(RstStream {
            stream_id,
            reason: Reason(r)
        })),
        proptest::collection::vec(setting(), 0..20).prop_map(|settings| Frame::Settings(
            Settings {
                ack: false,
                settings
            }
        )),
        Just(Frame::Settings(Settings::ack())),
        (
            stream_id(true),
            stream_id(false),
            bytes(300),
            any::<bool>(),
            any::<Option<u8>>()
        )
            .prop_map(|(stream_id, promised_id, fragment, end_headers, pad_len)| {
                Frame::PushPromise(PushPromise {
                    stream_id,
                    promised_id,
                    fragment,
                    end_headers,
                    pad_len,
                })
            }),
        (any::<bool>(), any::<[u8; 8]>())
            .prop_map(|(ack, payload)| Frame::Ping(Ping { ack, payload })),
        (stream_id(false), any::<u32>(), bytes(100)).prop_map(|(last_stream_id, r, debug_data)| {
            Frame::GoAway(GoAway {
                last_stream_id,
                reason: Reason(r),
                debug_data,
            })
        }),
        (stream_id(false), 1..=MAX_WINDOW_SIZE).prop_map(|(stream_id, increment)| {
            Frame::WindowUpdate(WindowUpdate {
                stream_id,
                increment,
            })
        }),
        (stream_id(true), bytes(300), any::<bool>()).prop_map(
            |(stream_id, fragment, end_headers)| {
                Frame::Continuation(Continuation {
                    stream_id,
                    fragment,
                    end_headers,
                })
            }
        ),
        (10u8..=255, any::<u8>(), stream_id(false), bytes(100)).prop_map(
            |(t, flags, stream_id, payload)| Frame::Unknown(Unknown {
                frame_type: FrameType(t),
                flags,
                stream_id,
                payload
            })
        ),
    ]
}

proptest! {
    #[test]
    fn round_trip(f in frame()) {
        let bytes = encode(&f);
        prop_assert_eq!(decode_all(&bytes).unwrap(), Some(f));
    }

    #[test]
    fn round_trip_many_in_one_buffer(frames in proptest::collection::vec(frame(), 0..10)) {
        let mut buf = BytesMut::new();
        let enc = FrameEncoder::new();
        for f in &frames {
            enc.encode(f, &mut buf).unwrap();
        }
        let dec = FrameDecoder::new();
        let mut got = Vec::new();
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            got.push(f);
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn field_block_split_round_trips(block in proptest::collection::vec(any::<u8>(), 0..50_000), end_stream: bool) {
        let mut buf = BytesMut::new();
        FrameEncoder::new().encode_field_block(
            StreamId::new(1),
            BlockStart::Headers { end_stream, priority: None },
            &block,
            &mut buf,
        );
        let dec = FrameDecoder::new();
        let mut got = Vec::new();
        let mut done = false;
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            prop_assert!(!done);
            match f {
                Frame::Headers(h) => { prop_assert_eq!(h.end_stream, end_stream); got.extend_from_slice(&h.fragment); done = h.end_headers; }
                Frame::Continuation(c) => { got.extend_from_slice(&c.fragment); done = c.end_headers; }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert!(done);
        prop_assert_eq!(got, block);
    }

    /// Arbitrary bytes never panic the decoder, and it always either waits, consumes a whole
    /// frame, or reports an error.
    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut buf = BytesMut::from(&input[..]);
        let dec = FrameDecoder::new();
        loop {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(_)) => prop_assert!(buf.len() < before),
                Ok(None) | Err(_) => break,
            }
        }
    }
}
