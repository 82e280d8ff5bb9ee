//! Decoder behaviour beyond the RFC examples: every malformed input is an error of the right
//! kind, limits hold, and a refused block still keeps the dynamic table in sync.

use courier_hpack::{Decoder, Encoder, ErrorKind, FieldRef, HeaderField};

fn kind(dec: &mut Decoder, block: &[u8]) -> Option<ErrorKind> {
    dec.decode_to_vec(block).err().map(|e| e.kind())
}

#[test]
fn malformed_blocks() {
    let k = |b: &[u8]| kind(&mut Decoder::new(4096), b);
    // Index 0 and indexes past both tables.
    assert_eq!(k(&[0x80]), Some(ErrorKind::InvalidIndex));
    assert_eq!(k(&[0xbe]), Some(ErrorKind::InvalidIndex)); // 62, empty dynamic table
    assert_eq!(k(&[0x7e, 0x00]), Some(ErrorKind::InvalidIndex)); // name index 62
    assert_eq!(k(&[0x0f, 0x30, 0x00]), Some(ErrorKind::InvalidIndex)); // name index 63
    // Truncation inside an integer, a string length, a string.
    assert_eq!(k(&[0xff]), Some(ErrorKind::Truncated));
    assert_eq!(k(&[0x40]), Some(ErrorKind::Truncated));
    assert_eq!(k(&[0x40, 0x03, b'a']), Some(ErrorKind::Truncated));
    assert_eq!(k(&[0x00, 0x01, b'a']), Some(ErrorKind::Truncated));
    // Integer overflow.
    assert_eq!(
        k(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Some(ErrorKind::IntegerOverflow)
    );
    // Huffman: EOS, and padding of 8 bits.
    assert_eq!(
        k(&[0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]),
        Some(ErrorKind::InvalidHuffman)
    );
    assert_eq!(
        k(&[0x00, 0x81, 0xff, 0x00]),
        Some(ErrorKind::InvalidHuffman)
    );
    // Padding not all ones: 'a' (00011) then 000.
    assert_eq!(
        k(&[0x00, 0x81, 0x18, 0x00]),
        Some(ErrorKind::InvalidHuffman)
    );
    // Size updates: above the setting, after a field.
    assert_eq!(k(&[0x3f, 0xe2, 0x1f]), Some(ErrorKind::TableSizeTooLarge)); // 4097
    assert_eq!(k(&[0x82, 0x20]), Some(ErrorKind::LateTableSizeUpdate));
    // Empty block: fine.
    assert_eq!(k(&[]), None);
}

#[test]
fn size_updates() {
    let mut dec = Decoder::new(4096);
    // Several in a row are allowed; the last one wins.
    dec.decode_to_vec(&[0x20, 0x3f, 0xe1, 0x1f, 0x82]).unwrap();
    assert_eq!(dec.table_max_size(), 4096);
    dec.decode_to_vec(&[0x3f, 0x11]).unwrap(); // 48
    assert_eq!(dec.table_max_size(), 48);
    // Up to the setting again.
    dec.decode_to_vec(&[0x3f, 0xe1, 0x1f]).unwrap();
    assert_eq!(dec.table_max_size(), 4096);

    // Our setting drops: the next block must start with an update within it.
    let lowered = || {
        let mut dec = Decoder::new(4096);
        dec.decode_to_vec(&[0x40, 0x01, b'a', 0x01, b'b']).unwrap();
        assert_eq!(dec.table_len(), 1);
        dec.set_max_table_size(100);
        assert_eq!(dec.table_max_size(), 100);
        dec
    };
    assert_eq!(
        kind(&mut lowered(), &[0x82]),
        Some(ErrorKind::MissingTableSizeUpdate)
    );
    assert_eq!(
        kind(&mut lowered(), &[]),
        Some(ErrorKind::MissingTableSizeUpdate)
    );
    assert_eq!(
        kind(&mut lowered(), &[0x3f, 0xe1, 0x1f]),
        Some(ErrorKind::TableSizeTooLarge)
    );
    let mut dec = lowered();
    dec.decode_to_vec(&[0x3f, 0x45, 0x82]).unwrap(); // 100
    assert_eq!(dec.table_max_size(), 100);
    assert_eq!(dec.table_len(), 1);
    // Two updates in a row after the drop: the smallest, then the final one.
    let mut dec = lowered();
    dec.decode_to_vec(&[0x20, 0x3f, 0x45]).unwrap();
    assert_eq!((dec.table_max_size(), dec.table_len()), (100, 0));
    // Raising the setting requires nothing and changes nothing until the encoder says so.
    dec.set_max_table_size(4096);
    dec.decode_to_vec(&[0x82]).unwrap();
    assert_eq!(dec.table_max_size(), 100);
}

#[test]
fn hpack_bomb_is_refused_without_allocating() {
    // One 4,000-octet entry, then a block that references it 10,000 times (10 KB in, 40 MB
    // of headers out if nothing stopped it).
    let mut dec = Decoder::new(4096);
    let big = vec![b'x'; 4000];
    let mut enc = Encoder::new(4096);
    let mut first = Vec::new();
    enc.encode_with(
        [(
            FieldRef::new(b"bomb", &big),
            courier_hpack::Indexing::Incremental,
        )],
        &mut first,
    );
    dec.decode_to_vec(&first).unwrap();
    let bomb = vec![0xbe; 10_000];
    let mut passed = 0usize;
    let err = dec.decode(&bomb, |_| passed += 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HeaderListTooLarge);
    assert!(!err.is_compression_error());
    // 64 KiB / 4,036 octets per field: 16 fields got through before the limit.
    assert_eq!(passed, 16);
    // The decoder is still usable and in sync.
    let ok = dec.decode_to_vec(&[0xbe]).unwrap();
    assert_eq!(ok[0].value().len(), 4000);
}

#[test]
fn hpack_bomb_stops_at_the_abort_size() {
    // As above, with an abort size of 4 × the list size: decoding stops at the first
    // reference that takes the list past 256 KiB (the 65th), not after all 10,000.
    let mut dec = Decoder::new(4096);
    dec.set_header_list_abort_size(4 * 64 * 1024);
    assert_eq!(dec.header_list_abort_size(), 256 * 1024);
    let big = vec![b'x'; 4000];
    let mut enc = Encoder::new(4096);
    let mut first = Vec::new();
    enc.encode_with(
        [(
            FieldRef::new(b"bomb", &big),
            courier_hpack::Indexing::Incremental,
        )],
        &mut first,
    );
    dec.decode_to_vec(&first).unwrap();
    let bomb = vec![0xbe; 10_000];
    let mut passed = 0usize;
    let err = dec.decode(&bomb, |_| passed += 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HeaderListAborted);
    // Out of step with the encoder from here: callers that only look at this end the
    // connection.
    assert!(err.is_compression_error());
    assert_eq!(passed, 16);
    // 256 KiB / 4,036 octets: the 65th reference passes it, and decoding stops after it.
    assert_eq!(err.offset(), 65);
    // Below the list size it acts as the list size: the first field over the limit stops it.
    let mut dec = Decoder::new(4096);
    dec.set_header_list_abort_size(0);
    dec.set_max_header_list_size(100);
    let mut block = Vec::new();
    Encoder::new(4096).encode(&[HeaderField::new("x-big", vec![b'v'; 200])], &mut block);
    assert_eq!(kind(&mut dec, &block), Some(ErrorKind::HeaderListAborted));
}

#[test]
fn refused_block_still_updates_the_table() {
    let mut enc = Encoder::new(4096);
    let mut dec = Decoder::new(4096);
    dec.set_max_header_list_size(100);
    // The big field comes first so the limit is hit before the indexed fields after it.
    let big = vec![b'v'; 200];
    let fields = [
        HeaderField::new("x-big", big.clone()),
        HeaderField::new("x-one", "1"),
        HeaderField::new("x-two", "2"),
    ];
    let mut block = Vec::new();
    enc.encode(&fields, &mut block);
    let err = dec.decode_to_vec(&block).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HeaderListTooLarge);
    assert_eq!(dec.table_len(), enc.table_len());
    assert_eq!(dec.table_size(), enc.table_size());
    // The next block refers to those entries and decodes.
    let mut block = Vec::new();
    enc.encode(&fields[1..], &mut block);
    assert_eq!(block, [0xbf, 0xbe]);
    let got = dec.decode_to_vec(&block).unwrap();
    assert_eq!(got, fields[1..]);
}

#[test]
fn string_length_limit() {
    let mut enc = Encoder::new(4096);
    let mut dec = Decoder::new(4096);
    dec.set_max_string_len(10);
    let mut block = Vec::new();
    enc.encode(
        [
            HeaderField::new("a", "x".repeat(11)),
            HeaderField::new("b", "short"),
        ]
        .iter(),
        &mut block,
    );
    let mut seen = Vec::new();
    let err = dec.decode(&block, |f| seen.push(f)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StringTooLong);
    assert!(!err.is_compression_error());
    assert!(seen.is_empty());
    assert_eq!(dec.table_len(), 2);
    dec.set_max_string_len(100);
    let mut block = Vec::new();
    enc.encode([HeaderField::new("b", "short")].iter(), &mut block);
    assert_eq!(dec.decode_to_vec(&block).unwrap()[0].value(), "short");
}

#[test]
fn entry_larger_than_table_empties_it() {
    let mut dec = Decoder::new(64);
    dec.decode_to_vec(&[0x40, 0x01, b'a', 0x01, b'b']).unwrap();
    assert_eq!(dec.table_len(), 1);
    let mut block = vec![0x40, 0x01, b'n', 40];
    block.extend([b'v'; 40]);
    let fields = dec.decode_to_vec(&block).unwrap();
    assert_eq!(fields[0].value().len(), 40);
    assert_eq!((dec.table_len(), dec.table_size()), (0, 0));
}

#[test]
fn errors_display_and_offsets() {
    let err = Decoder::new(4096).decode_to_vec(&[0x82, 0x80]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidIndex);
    assert!(err.is_compression_error());
    assert_eq!(err.offset(), 2);
    assert!(err.to_string().contains("index"));
}

/// Never-indexed literals come Huffman-coded in every block; the decoder remembers the last
/// two it decoded. Three strings taking turns, each decoded again and again, must decode the
/// same every time, and a string one coded byte from a remembered one must not match it.
#[test]
fn repeated_huffman_literals_decode_the_same() {
    let values: [&[u8]; 4] = [
        b"/bench.Bench/Unary",
        b"/bench.Bench/Unarz",
        b"h2load nghttp2/1.59.0",
        b"",
    ];
    let blocks: Vec<Vec<u8>> = values
        .iter()
        .map(|v| {
            let mut enc = Encoder::new(4096);
            let mut block = Vec::new();
            let f = HeaderField::new(&b":path"[..], *v).with_never_indexed(true);
            enc.encode([&f], &mut block);
            block
        })
        .collect();
    let mut dec = Decoder::new(4096);
    for round in 0..5 {
        for (i, block) in blocks
            .iter()
            .enumerate()
            .chain(blocks.iter().enumerate().rev())
        {
            let got = dec.decode_to_vec(block).unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(&got[0].value()[..], values[i], "round {round}, value {i}");
        }
    }
    // A coded string that differs from a remembered one in its last byte.
    let mut changed = blocks[0].clone();
    *changed.last_mut().unwrap() ^= 0x01;
    let fresh = Decoder::new(4096)
        .decode_to_vec(&changed)
        .map(|v| v[0].value().clone());
    let warm = dec.decode_to_vec(&changed).map(|v| v[0].value().clone());
    assert_eq!(fresh.is_ok(), warm.is_ok());
    if let (Ok(a), Ok(b)) = (fresh, warm) {
        assert_eq!(a, b);
        assert_ne!(&a[..], values[0]);
    }
}

/// The same block decoded again and again (the decoder answers a block that came twice in a
/// row, and left the table alone, from what it decoded) must give what a decoder without that
/// shortcut gives, also after the dynamic table or the limits change under it.
#[test]
fn repeated_blocks_follow_the_table_and_limits() {
    let borrowed = |dec: &mut Decoder, block: &[u8]| {
        let mut v = Vec::new();
        dec.decode_borrowed(block, |n, val, ni| {
            v.push(HeaderField::new(n.to_vec(), val.to_vec()).with_never_indexed(ni));
        })
        .map(|()| v)
        .map_err(|e| e.kind())
    };
    // Literal with incremental indexing, new name: "x-a: 1", then "x-a: 2".
    let insert = |v: u8| vec![0x40, 0x03, b'x', b'-', b'a', 0x01, v];
    // Index 62 (the newest dynamic entry), :method POST, and a never-indexed literal.
    let reuse: Vec<u8> = vec![0xbe, 0x83, 0x10, 0x01, b'y', 0x02, b'h', b'i'];
    let script: Vec<Vec<u8>> = [
        vec![insert(b'1')],
        vec![reuse.clone(); 5],
        vec![insert(b'2')],
        vec![reuse.clone(); 4],
        vec![insert(b'2'), reuse.clone(), insert(b'3'), reuse.clone()],
        vec![reuse.clone(); 3],
    ]
    .concat();
    let (mut dec, mut reference) = (Decoder::new(4096), Decoder::new(4096));
    for (i, block) in script.iter().enumerate() {
        let got = dec.decode_to_vec(block).map_err(|e| e.kind());
        assert_eq!(got, borrowed(&mut reference, block), "block {i}");
    }
    assert_eq!(dec.decode_to_vec(&reuse).unwrap()[0].value().as_ref(), b"3");
    // A smaller header list limit applies to a block answered before.
    dec.set_max_header_list_size(40);
    reference.set_max_header_list_size(40);
    for _ in 0..3 {
        let got = dec.decode_to_vec(&reuse).map_err(|e| e.kind());
        assert_eq!(got, borrowed(&mut reference, &reuse));
        assert!(got.is_err());
    }
    // A smaller table requires a size update first, even for a block answered before.
    dec.set_max_header_list_size(4096);
    reference.set_max_header_list_size(4096);
    for _ in 0..3 {
        assert!(dec.decode_to_vec(&reuse).is_ok());
    }
    dec.set_max_table_size(100);
    reference.set_max_table_size(100);
    let got = dec.decode_to_vec(&reuse).map_err(|e| e.kind());
    assert_eq!(got, borrowed(&mut reference, &reuse));
    assert_eq!(got, Err(ErrorKind::MissingTableSizeUpdate));
}
