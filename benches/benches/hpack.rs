//! HPACK: courier-hpack side by side with the HPACK crates on crates.io, in the same run.
//!
//! Peers: `hpack` 0.3 and `fluke-hpack` 0.3 (encoder and decoder; no Huffman encoder, and their
//! encoders never Huffman-code), `httlib-hpack` 0.1 with `httlib-huffman` 0.3 (its Huffman
//! decoder at its fastest setting, 5 bits per step).
//!
//! Rows (criterion groups `hpack/ROW`, functions `courier` and each peer's crate name):
//! - `huffman_decode_*` / `huffman_encode_*`: `www.example.com`, a 60-octet `accept` value, an
//!   82-octet `user-agent` value, and all 256 octets;
//! - `grpc_request_{encode,decode}_{cold,warm}`: the header block of a gRPC call with an empty
//!   (cold) table and with the table after one call (warm);
//! - `grpc_response_*_warm` and `grpc_trailers_*_warm`: response headers and trailers on a warm
//!   connection.
//!
//! Decoders all decode the same bytes (produced by courier-hpack, plain RFC 7541) and hand each
//! field to `black_box`: courier through `decode_borrowed` (borrowed name and value, like the
//! peers' `Cow` callbacks), except in `grpc_request_decode_warm_owned`, where every decoder
//! returns owned fields. Encoders all get the same fields.

use std::hint::black_box;
use std::time::Duration;

use courier_hpack::{Decoder, Encoder, FieldRef};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=.9,*/*;q=1";
const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0 Thunderbird";

const GRPC_REQUEST: [(&str, &str); 8] = [
    (":method", "POST"),
    (":scheme", "http"),
    (":path", "/helloworld.Greeter/SayHello"),
    (":authority", "localhost:50051"),
    ("content-type", "application/grpc"),
    ("te", "trailers"),
    ("grpc-timeout", "1S"),
    ("user-agent", "grpc-rust-courier/0.1.0"),
];

const GRPC_RESPONSE: [(&str, &str); 3] = [
    (":status", "200"),
    ("content-type", "application/grpc"),
    ("grpc-accept-encoding", "identity,deflate,gzip"),
];

const GRPC_TRAILERS: [(&str, &str); 2] = [("grpc-status", "0"), ("grpc-message", "OK")];

fn huffman_inputs() -> Vec<(&'static str, Vec<u8>)> {
    assert_eq!(ACCEPT.len(), 60);
    assert_eq!(USER_AGENT.len(), 82);
    vec![
        ("example_com", b"www.example.com".to_vec()),
        ("accept_60", ACCEPT.as_bytes().to_vec()),
        ("user_agent_82", USER_AGENT.as_bytes().to_vec()),
        ("all_256_octets", (0..=255u8).collect()),
    ]
}

fn huffman(c: &mut Criterion) {
    for (name, raw) in huffman_inputs() {
        let mut coded = Vec::new();
        courier_hpack::huffman_code::encode(&raw, &mut coded);
        // Every implementation agrees before anything is measured.
        let mut check = Vec::new();
        httlib_huffman::encode(&raw, &mut check).unwrap();
        assert_eq!(check, coded);
        check.clear();
        httlib_huffman::decode(&coded, &mut check, httlib_huffman::DecoderSpeed::FiveBits).unwrap();
        assert_eq!(check, raw);
        check.clear();
        courier_hpack::huffman_code::decode(&coded, &mut check).unwrap();
        assert_eq!(check, raw);
        assert_eq!(
            hpack::huffman::HuffmanDecoder::new()
                .decode(&coded)
                .unwrap(),
            raw
        );
        assert_eq!(
            fluke_hpack::huffman::HuffmanDecoder::new()
                .decode(&coded)
                .unwrap(),
            raw
        );

        let mut g = c.benchmark_group(format!("hpack/huffman_decode_{name}"));
        g.throughput(Throughput::Bytes(raw.len() as u64));
        let mut out = Vec::with_capacity(512);
        g.bench_function("courier", |b| {
            b.iter(|| {
                out.clear();
                courier_hpack::huffman_code::decode(black_box(&coded), &mut out).unwrap();
                black_box(&out);
            })
        });
        g.bench_function("hpack", |b| {
            let mut d = hpack::huffman::HuffmanDecoder::new();
            b.iter(|| black_box(d.decode(black_box(&coded)).unwrap()))
        });
        g.bench_function("fluke-hpack", |b| {
            let mut d = fluke_hpack::huffman::HuffmanDecoder::new();
            b.iter(|| black_box(d.decode(black_box(&coded)).unwrap()))
        });
        let mut out2 = Vec::with_capacity(512);
        g.bench_function("httlib-hpack", |b| {
            b.iter(|| {
                out2.clear();
                httlib_huffman::decode(
                    black_box(&coded),
                    &mut out2,
                    httlib_huffman::DecoderSpeed::FiveBits,
                )
                .unwrap();
                black_box(&out2);
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("hpack/huffman_encode_{name}"));
        g.throughput(Throughput::Bytes(raw.len() as u64));
        let mut out = Vec::with_capacity(512);
        g.bench_function("courier", |b| {
            b.iter(|| {
                out.clear();
                courier_hpack::huffman_code::encode(black_box(&raw), &mut out);
                black_box(&out);
            })
        });
        let mut out2 = Vec::with_capacity(512);
        g.bench_function("httlib-hpack", |b| {
            b.iter(|| {
                out2.clear();
                httlib_huffman::encode(black_box(&raw), &mut out2).unwrap();
                black_box(&out2);
            })
        });
        g.finish();
    }
}

fn fields(
    list: &'static [(&'static str, &'static str)],
) -> impl Iterator<Item = FieldRef<'static>> {
    list.iter()
        .map(|(n, v)| FieldRef::new(n.as_bytes(), v.as_bytes()))
}

fn byte_pairs(
    list: &'static [(&'static str, &'static str)],
) -> impl Iterator<Item = (&'static [u8], &'static [u8])> {
    list.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()))
}

/// httlib's encoder takes owned vectors and flags per field.
fn httlib_fields(list: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>, u8)> {
    let flags = httlib_hpack::Encoder::HUFFMAN_VALUE
        | httlib_hpack::Encoder::WITH_INDEXING
        | httlib_hpack::Encoder::BEST_FORMAT;
    list.iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec(), flags))
        .collect()
}

/// Encode rows for one header list; `warm` encodes it once before measuring.
fn encode_row(
    c: &mut Criterion,
    row: &str,
    list: &'static [(&'static str, &'static str)],
    warm: bool,
) {
    let mut g = c.benchmark_group(format!("hpack/{row}"));
    if warm {
        let mut enc = Encoder::default();
        let mut out = Vec::with_capacity(256);
        enc.encode(fields(list), &mut out);
        g.bench_function("courier", |b| {
            b.iter(|| {
                out.clear();
                enc.encode(fields(black_box(list)), &mut out);
                black_box(&out);
            })
        });
        let mut enc = hpack::Encoder::new();
        enc.encode(byte_pairs(list));
        g.bench_function("hpack", |b| {
            b.iter(|| {
                out.clear();
                enc.encode_into(byte_pairs(black_box(list)), &mut out)
                    .unwrap();
                black_box(&out);
            })
        });
        let mut enc = fluke_hpack::Encoder::new();
        enc.encode(byte_pairs(list));
        g.bench_function("fluke-hpack", |b| {
            b.iter(|| {
                out.clear();
                enc.encode_into(byte_pairs(black_box(list)), &mut out)
                    .unwrap();
                black_box(&out);
            })
        });
        let mut enc = httlib_hpack::Encoder::default();
        for f in httlib_fields(list) {
            enc.encode(f, &mut out).unwrap();
        }
        g.bench_function("httlib-hpack", |b| {
            b.iter_batched(
                || httlib_fields(list),
                |input| {
                    out.clear();
                    for f in input {
                        enc.encode(f, &mut out).unwrap();
                    }
                    black_box(&out);
                },
                BatchSize::SmallInput,
            )
        });
    } else {
        let setup = || Vec::<u8>::with_capacity(256);
        g.bench_function("courier", |b| {
            b.iter_batched(
                || (Encoder::default(), setup()),
                |(mut enc, mut out)| {
                    enc.encode(fields(black_box(list)), &mut out);
                    (enc, out)
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("hpack", |b| {
            b.iter_batched(
                || (hpack::Encoder::new(), setup()),
                |(mut enc, mut out)| {
                    enc.encode_into(byte_pairs(black_box(list)), &mut out)
                        .unwrap();
                    (enc, out)
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("fluke-hpack", |b| {
            b.iter_batched(
                || (fluke_hpack::Encoder::new(), setup()),
                |(mut enc, mut out)| {
                    enc.encode_into(byte_pairs(black_box(list)), &mut out)
                        .unwrap();
                    (enc, out)
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("httlib-hpack", |b| {
            b.iter_batched(
                || {
                    (
                        httlib_hpack::Encoder::default(),
                        setup(),
                        httlib_fields(list),
                    )
                },
                |(mut enc, mut out, input)| {
                    for f in input {
                        enc.encode(f, &mut out).unwrap();
                    }
                    (enc, out)
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// Decode rows: every decoder decodes the same block; `primer` (if any) is decoded first, out
/// of the measurement, to warm the table.
fn decode_row(c: &mut Criterion, row: &str, primer: Option<&[u8]>, block: &[u8]) {
    let mut g = c.benchmark_group(format!("hpack/{row}"));
    match primer {
        Some(p) => {
            let mut dec = Decoder::default();
            dec.decode(p, |_| {}).unwrap();
            g.bench_function("courier", |b| {
                b.iter(|| {
                    dec.decode_borrowed(black_box(block), |n, v, s| {
                        black_box((n, v, s));
                    })
                    .unwrap()
                })
            });
            let mut dec = hpack::Decoder::new();
            dec.decode_with_cb(p, |_, _| {}).unwrap();
            g.bench_function("hpack", |b| {
                b.iter(|| {
                    dec.decode_with_cb(black_box(block), |n, v| {
                        black_box((n, v));
                    })
                    .unwrap()
                })
            });
            let mut dec = fluke_hpack::Decoder::new();
            dec.decode_with_cb(p, |_, _| {}).unwrap();
            g.bench_function("fluke-hpack", |b| {
                b.iter(|| {
                    dec.decode_with_cb(black_box(block), |n, v| {
                        black_box((n, v));
                    })
                    .unwrap()
                })
            });
            let mut dec = httlib_hpack::Decoder::default();
            dec.decode(&mut p.to_vec(), &mut Vec::new()).unwrap();
            let mut out = Vec::with_capacity(16);
            g.bench_function("httlib-hpack", |b| {
                b.iter_batched(
                    || block.to_vec(),
                    |mut input| {
                        out.clear();
                        dec.decode(&mut input, &mut out).unwrap();
                        black_box(&out);
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        None => {
            g.bench_function("courier", |b| {
                b.iter_batched(
                    Decoder::default,
                    |mut dec| {
                        dec.decode_borrowed(black_box(block), |n, v, s| {
                            black_box((n, v, s));
                        })
                        .unwrap();
                        dec
                    },
                    BatchSize::SmallInput,
                )
            });
            g.bench_function("hpack", |b| {
                b.iter_batched(
                    hpack::Decoder::new,
                    |mut dec| {
                        dec.decode_with_cb(black_box(block), |n, v| {
                            black_box((n, v));
                        })
                        .unwrap();
                        dec
                    },
                    BatchSize::SmallInput,
                )
            });
            g.bench_function("fluke-hpack", |b| {
                b.iter_batched(
                    fluke_hpack::Decoder::new,
                    |mut dec| {
                        dec.decode_with_cb(black_box(block), |n, v| {
                            black_box((n, v));
                        })
                        .unwrap();
                        dec
                    },
                    BatchSize::SmallInput,
                )
            });
            g.bench_function("httlib-hpack", |b| {
                b.iter_batched(
                    || {
                        (
                            httlib_hpack::Decoder::default(),
                            block.to_vec(),
                            Vec::with_capacity(16),
                        )
                    },
                    |(mut dec, mut input, mut out)| {
                        dec.decode(&mut input, &mut out).unwrap();
                        (dec, out)
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

/// Decode row where every decoder returns owned fields: courier `HeaderField`s (`Bytes`),
/// the peers' `Vec<(Vec<u8>, Vec<u8>)>`; the table is warmed with `primer` first.
fn decode_owned_row(c: &mut Criterion, row: &str, primer: &[u8], block: &[u8]) {
    let mut g = c.benchmark_group(format!("hpack/{row}"));
    let mut dec = Decoder::default();
    dec.decode_to_vec(primer).unwrap();
    let mut out = Vec::with_capacity(16);
    g.bench_function("courier", |b| {
        b.iter(|| {
            out.clear();
            dec.decode(black_box(block), |f| out.push(f)).unwrap();
            black_box(&out);
        })
    });
    let mut dec = hpack::Decoder::new();
    dec.decode(primer).unwrap();
    g.bench_function("hpack", |b| {
        b.iter(|| black_box(dec.decode(black_box(block)).unwrap()))
    });
    let mut dec = fluke_hpack::Decoder::new();
    dec.decode(primer).unwrap();
    g.bench_function("fluke-hpack", |b| {
        b.iter(|| black_box(dec.decode(black_box(block)).unwrap()))
    });
    let mut dec = httlib_hpack::Decoder::default();
    dec.decode(&mut primer.to_vec(), &mut Vec::new()).unwrap();
    let mut out = Vec::with_capacity(16);
    g.bench_function("httlib-hpack", |b| {
        b.iter_batched(
            || block.to_vec(),
            |mut input| {
                out.clear();
                dec.decode(&mut input, &mut out).unwrap();
                black_box(&out);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn grpc(c: &mut Criterion) {
    encode_row(c, "grpc_request_encode_cold", &GRPC_REQUEST, false);
    encode_row(c, "grpc_request_encode_warm", &GRPC_REQUEST, true);
    encode_row(c, "grpc_response_encode_warm", &GRPC_RESPONSE, true);
    encode_row(c, "grpc_trailers_encode_warm", &GRPC_TRAILERS, true);

    // The blocks a courier client sends: the first call (cold), then any later call (warm).
    let blocks = |list: &'static [(&'static str, &'static str)]| {
        let mut enc = Encoder::default();
        let (mut cold, mut warm) = (Vec::new(), Vec::new());
        enc.encode(fields(list), &mut cold);
        enc.encode(fields(list), &mut warm);
        (cold, warm)
    };
    let (cold, warm) = blocks(&GRPC_REQUEST);
    decode_row(c, "grpc_request_decode_cold", None, &cold);
    decode_row(c, "grpc_request_decode_warm", Some(&cold), &warm);
    decode_owned_row(c, "grpc_request_decode_warm_owned", &cold, &warm);
    let (cold, warm) = blocks(&GRPC_RESPONSE);
    decode_row(c, "grpc_response_decode_warm", Some(&cold), &warm);
    let (cold, warm) = blocks(&GRPC_TRAILERS);
    decode_row(c, "grpc_trailers_decode_warm", Some(&cold), &warm);
}

criterion_group! {
    name = benches;
    // 60 functions: a shorter warm-up and measurement keep the whole run near five minutes.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = huffman, grpc
}
criterion_main!(benches);
