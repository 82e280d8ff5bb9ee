//! RFC 7541 Appendix C, C.2 to C.6: every example decoded and encoded byte for byte, with the
//! dynamic table checked after each block. <https://www.rfc-editor.org/rfc/rfc7541#appendix-C>

use courier_hpack::{Decoder, Encoder, FieldRef, Huffman, Indexing};

struct Example {
    section: &'static str,
    headers: &'static [(&'static str, &'static str)],
    hex: &'static str,
    /// Entry sizes in the dynamic table after the block, newest first.
    table_sizes: &'static [usize],
    table_size: usize,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes the examples in order with one decoder, checking the fields and the table.
fn decode_sequence(table: usize, examples: &[Example]) {
    let mut dec = Decoder::new(table);
    for ex in examples {
        let fields = dec.decode_to_vec(&hex(ex.hex)).unwrap();
        let got: Vec<(&[u8], &[u8])> = fields
            .iter()
            .map(|f| (f.name().as_ref(), f.value().as_ref()))
            .collect();
        let want: Vec<(&[u8], &[u8])> = ex
            .headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        assert_eq!(got, want, "{}", ex.section);
        assert_eq!(dec.table_size(), ex.table_size, "{}", ex.section);
        assert_eq!(dec.table_len(), ex.table_sizes.len(), "{}", ex.section);
        assert_eq!(
            ex.table_sizes.iter().sum::<usize>(),
            ex.table_size,
            "{}",
            ex.section
        );
    }
}

/// Encodes the examples in order with one encoder and the given representation for fields not
/// in a table, checking the bytes and the table.
fn encode_sequence(table: usize, huffman: Huffman, indexing: Indexing, examples: &[Example]) {
    let mut enc = Encoder::new(table);
    enc.set_huffman(huffman);
    for ex in examples {
        let mut block = Vec::new();
        enc.encode_with(
            ex.headers
                .iter()
                .map(|(n, v)| (FieldRef::new(n.as_bytes(), v.as_bytes()), indexing)),
            &mut block,
        );
        assert_eq!(block, hex(ex.hex), "{}", ex.section);
        assert_eq!(enc.table_size(), ex.table_size, "{}", ex.section);
        assert_eq!(enc.table_len(), ex.table_sizes.len(), "{}", ex.section);
    }
}

const C2: [Example; 4] = [
    Example {
        section: "C.2.1",
        headers: &[("custom-key", "custom-header")],
        hex: "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
        table_sizes: &[55],
        table_size: 55,
    },
    Example {
        section: "C.2.2",
        headers: &[(":path", "/sample/path")],
        hex: "040c2f73616d706c652f70617468",
        table_sizes: &[],
        table_size: 0,
    },
    Example {
        section: "C.2.3",
        headers: &[("password", "secret")],
        hex: "100870617373776f726406736563726574",
        table_sizes: &[],
        table_size: 0,
    },
    Example {
        section: "C.2.4",
        headers: &[(":method", "GET")],
        hex: "82",
        table_sizes: &[],
        table_size: 0,
    },
];

const C3: [Example; 3] = [
    Example {
        section: "C.3.1",
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ],
        hex: "828684410f7777772e6578616d706c652e636f6d",
        table_sizes: &[57],
        table_size: 57,
    },
    Example {
        section: "C.3.2",
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
            ("cache-control", "no-cache"),
        ],
        hex: "828684be58086e6f2d6361636865",
        table_sizes: &[53, 57],
        table_size: 110,
    },
    Example {
        section: "C.3.3",
        headers: &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            (":authority", "www.example.com"),
            ("custom-key", "custom-value"),
        ],
        hex: "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
        table_sizes: &[54, 53, 57],
        table_size: 164,
    },
];

const C4: [Example; 3] = [
    Example {
        section: "C.4.1",
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ],
        hex: "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        table_sizes: &[57],
        table_size: 57,
    },
    Example {
        section: "C.4.2",
        headers: &[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
            ("cache-control", "no-cache"),
        ],
        hex: "828684be5886a8eb10649cbf",
        table_sizes: &[53, 57],
        table_size: 110,
    },
    Example {
        section: "C.4.3",
        headers: &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            (":authority", "www.example.com"),
            ("custom-key", "custom-value"),
        ],
        hex: "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
        table_sizes: &[54, 53, 57],
        table_size: 164,
    },
];

const C5: [Example; 3] = [
    Example {
        section: "C.5.1",
        headers: &[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        hex: "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        table_sizes: &[63, 65, 52, 42],
        table_size: 222,
    },
    Example {
        section: "C.5.2",
        headers: &[
            (":status", "307"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        hex: "4803333037c1c0bf",
        table_sizes: &[42, 63, 65, 52],
        table_size: 222,
    },
    Example {
        section: "C.5.3",
        headers: &[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            ("location", "https://www.example.com"),
            ("content-encoding", "gzip"),
            (
                "set-cookie",
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            ),
        ],
        hex: "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        table_sizes: &[98, 52, 65],
        table_size: 215,
    },
];

const C6: [Example; 3] = [
    Example {
        section: "C.6.1",
        headers: &[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        hex: "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        table_sizes: &[63, 65, 52, 42],
        table_size: 222,
    },
    Example {
        section: "C.6.2",
        headers: &[
            (":status", "307"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("location", "https://www.example.com"),
        ],
        hex: "4883640effc1c0bf",
        table_sizes: &[42, 63, 65, 52],
        table_size: 222,
    },
    Example {
        section: "C.6.3",
        headers: &[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            ("location", "https://www.example.com"),
            ("content-encoding", "gzip"),
            (
                "set-cookie",
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            ),
        ],
        hex: "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        table_sizes: &[98, 52, 65],
        table_size: 215,
    },
];

#[test]
fn c2_field_representations_decode() {
    for ex in &C2 {
        decode_sequence(4096, std::slice::from_ref(ex));
    }
}

#[test]
fn c2_field_representations_encode() {
    // Each example uses its own representation and a fresh context.
    let [c21, c22, c23, c24] = &C2;
    encode_sequence(
        4096,
        Huffman::Never,
        Indexing::Incremental,
        std::slice::from_ref(c21),
    );
    encode_sequence(
        4096,
        Huffman::Never,
        Indexing::WithoutIndexing,
        std::slice::from_ref(c22),
    );
    encode_sequence(
        4096,
        Huffman::Never,
        Indexing::NeverIndexed,
        std::slice::from_ref(c23),
    );
    encode_sequence(
        4096,
        Huffman::Never,
        Indexing::Auto,
        std::slice::from_ref(c24),
    );
    // The caller's sensitive flag alone gives the never-indexed representation.
    let mut block = Vec::new();
    let mut enc = Encoder::new(4096);
    enc.set_huffman(Huffman::Never);
    enc.encode([FieldRef::sensitive(b"password", b"secret")], &mut block);
    assert_eq!(block, hex(c23.hex));
}

#[test]
fn c2_never_indexed_flag_is_kept() {
    let fields = Decoder::new(4096).decode_to_vec(&hex(C2[2].hex)).unwrap();
    assert!(fields[0].is_never_indexed());
    let fields = Decoder::new(4096).decode_to_vec(&hex(C2[1].hex)).unwrap();
    assert!(!fields[0].is_never_indexed());
}

#[test]
fn c3_requests_without_huffman() {
    decode_sequence(4096, &C3);
    encode_sequence(4096, Huffman::Never, Indexing::Incremental, &C3);
}

#[test]
fn c4_requests_with_huffman() {
    decode_sequence(4096, &C4);
    encode_sequence(4096, Huffman::Always, Indexing::Incremental, &C4);
    // The default policy produces the same bytes for these requests.
    encode_sequence(4096, Huffman::WhenShorter, Indexing::Auto, &C4);
}

#[test]
fn c5_responses_without_huffman() {
    decode_sequence(256, &C5);
    encode_sequence(256, Huffman::Never, Indexing::Incremental, &C5);
}

#[test]
fn c6_responses_with_huffman() {
    decode_sequence(256, &C6);
    encode_sequence(256, Huffman::Always, Indexing::Incremental, &C6);
}
