//! HTTP/2 frame codec: courier-h2's framer side by side with the `h2` crate's (0.4, its
//! `frame` module made public by the "unstable" feature), in the same run.
//!
//! `h2` keeps DATA and HEADERS parsing crate-private, so the rows compare the frames both expose:
//! connection and stream control frames (SETTINGS, PING, WINDOW_UPDATE, RST_STREAM, GOAWAY).
//!
//! Rows (criterion groups `h2_frame/ROW`, functions `courier` and `h2`):
//! - `decode_control_mix`: 1,000 frames cycling through SETTINGS (3 values), PING,
//!   WINDOW_UPDATE, RST_STREAM and GOAWAY, split off one receive buffer frame by frame and
//!   parsed (both sides split the buffer the same way, as a framed reader does);
//! - `encode_control_mix`: the same 1,000 frames encoded into one buffer;
//! - `decode_window_update` / `encode_window_update`: 1,000 WINDOW_UPDATE frames, the most
//!   frequent control frame on a busy connection.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use courier_h2::frame::{
    Frame, FrameDecoder, FrameEncoder, GoAway, Ping, RstStream, Setting, Settings, WindowUpdate,
};
use courier_h2::{Reason, SettingId, StreamId};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 1000;

fn courier_mix() -> Vec<Frame> {
    (0..N)
        .map(|i| match i % 5 {
            0 => Frame::Settings(Settings {
                ack: false,
                settings: vec![
                    Setting {
                        id: SettingId::MAX_CONCURRENT_STREAMS,
                        value: 100,
                    },
                    Setting {
                        id: SettingId::INITIAL_WINDOW_SIZE,
                        value: 1 << 20,
                    },
                    Setting {
                        id: SettingId::MAX_FRAME_SIZE,
                        value: 1 << 15,
                    },
                ],
            }),
            1 => Frame::Ping(Ping {
                ack: false,
                payload: (i as u64).to_be_bytes(),
            }),
            2 => Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::new(1 + 2 * i as u32),
                increment: 65_535,
            }),
            3 => Frame::RstStream(RstStream {
                stream_id: StreamId::new(1 + 2 * i as u32),
                reason: Reason::CANCEL,
            }),
            _ => Frame::GoAway(GoAway {
                last_stream_id: StreamId::new(i as u32),
                reason: Reason::NO_ERROR,
                debug_data: Bytes::new(),
            }),
        })
        .collect()
}

fn h2_mix() -> Vec<H2Frame> {
    use h2::frame as f;
    (0..N)
        .map(|i| match i % 5 {
            0 => {
                let mut s = f::Settings::default();
                s.set_max_concurrent_streams(Some(100));
                s.set_initial_window_size(Some(1 << 20));
                s.set_max_frame_size(Some(1 << 15));
                H2Frame::Settings(s)
            }
            1 => H2Frame::Ping(f::Ping::new((i as u64).to_be_bytes())),
            2 => H2Frame::WindowUpdate(f::WindowUpdate::new(
                f::StreamId::from(1 + 2 * i as u32),
                65_535,
            )),
            3 => H2Frame::Reset(f::Reset::new(
                f::StreamId::from(1 + 2 * i as u32),
                h2::Reason::CANCEL,
            )),
            _ => H2Frame::GoAway(f::GoAway::new(
                f::StreamId::from(i as u32),
                h2::Reason::NO_ERROR,
            )),
        })
        .collect()
}

enum H2Frame {
    Settings(h2::frame::Settings),
    Ping(h2::frame::Ping),
    WindowUpdate(h2::frame::WindowUpdate),
    Reset(h2::frame::Reset),
    GoAway(h2::frame::GoAway),
}

fn h2_encode(frames: &[H2Frame], dst: &mut BytesMut) {
    for fr in frames {
        match fr {
            H2Frame::Settings(s) => s.encode(dst),
            H2Frame::Ping(p) => p.encode(dst),
            H2Frame::WindowUpdate(w) => w.encode(dst),
            H2Frame::Reset(r) => r.encode(dst),
            H2Frame::GoAway(g) => g.encode(dst),
        }
    }
}

fn courier_encode(frames: &[Frame], dst: &mut BytesMut) {
    let enc = FrameEncoder::new();
    for fr in frames {
        enc.encode(fr, dst).unwrap();
    }
}

/// Splits frames off `buf` and parses them with h2's frame types.
fn h2_decode(buf: &mut BytesMut) -> usize {
    use h2::frame::{self as f, Kind};
    let mut n = 0;
    while buf.len() >= 9 {
        let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
        if buf.len() < 9 + len {
            break;
        }
        let frame = buf.split_to(9 + len).freeze();
        let head = f::Head::parse(&frame[..9]);
        let payload = &frame[9..];
        match head.kind() {
            Kind::Settings => {
                black_box(f::Settings::load(head, payload).unwrap());
            }
            Kind::Ping => {
                black_box(f::Ping::load(head, payload).unwrap());
            }
            Kind::WindowUpdate => {
                black_box(f::WindowUpdate::load(head, payload).unwrap());
            }
            Kind::Reset => {
                black_box(f::Reset::load(head, payload).unwrap());
            }
            Kind::GoAway => {
                black_box(f::GoAway::load(head, payload).unwrap());
            }
            _ => unreachable!(),
        }
        n += 1;
    }
    n
}

fn courier_decode(buf: &mut BytesMut) -> usize {
    let dec = FrameDecoder::new();
    let mut n = 0;
    while let Some(frame) = dec.decode(buf).unwrap() {
        black_box(frame);
        n += 1;
    }
    n
}

fn wire(frames: &[Frame]) -> BytesMut {
    let mut buf = BytesMut::new();
    courier_encode(frames, &mut buf);
    buf
}

fn bench_rows(c: &mut Criterion, name: &str, courier: Vec<Frame>, h2: Vec<H2Frame>) {
    // Both encoders produce the same bytes, so both decoders get the same input.
    let bytes = wire(&courier);
    let mut h2_bytes = BytesMut::new();
    h2_encode(&h2, &mut h2_bytes);
    assert_eq!(
        bytes, h2_bytes,
        "courier and h2 encode these frames identically"
    );

    let mut g = c.benchmark_group(format!("h2_frame/decode_{name}"));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("courier", |b| {
        b.iter_batched_ref(
            || bytes.clone(),
            |buf| assert_eq!(courier_decode(buf), N),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("h2", |b| {
        b.iter_batched_ref(
            || bytes.clone(),
            |buf| assert_eq!(h2_decode(buf), N),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group(format!("h2_frame/encode_{name}"));
    g.throughput(Throughput::Elements(N as u64));
    let cap = bytes.len();
    g.bench_function("courier", |b| {
        b.iter_batched_ref(
            || BytesMut::with_capacity(cap),
            |dst| courier_encode(black_box(&courier), dst),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("h2", |b| {
        b.iter_batched_ref(
            || BytesMut::with_capacity(cap),
            |dst| h2_encode(black_box(&h2), dst),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn frames(c: &mut Criterion) {
    bench_rows(c, "control_mix", courier_mix(), h2_mix());
    let courier_wu: Vec<Frame> = (0..N)
        .map(|i| {
            Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::new(1 + 2 * i as u32),
                increment: 32_768 + i as u32,
            })
        })
        .collect();
    let h2_wu: Vec<H2Frame> = (0..N)
        .map(|i| {
            H2Frame::WindowUpdate(h2::frame::WindowUpdate::new(
                h2::frame::StreamId::from(1 + 2 * i as u32),
                32_768 + i as u32,
            ))
        })
        .collect();
    bench_rows(c, "window_update", courier_wu, h2_wu);
}

criterion_group!(benches, frames);
criterion_main!(benches);
