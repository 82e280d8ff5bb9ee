//! `courier demo`: what Courier does, shown with real numbers.
//!
//! Until the RPC runtime lands, the demo shows the layer that exists: the protobuf wire codec. The
//! messages are hand-written `Message` impls, exactly what generated code will look like.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use bytes::Bytes;
use courier_wire::{
    DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, UnknownValue, field,
};

/// `message Point { int32 latitude = 1; int32 longitude = 2; }`
#[derive(Clone, Debug, Default, PartialEq)]
struct Point {
    latitude: i32,
    longitude: i32,
    unknown: UnknownFields,
}

impl Message for Point {
    const NAME: &'static str = "routeguide.Point";
    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("latitude"),
            2 => Some("longitude"),
            _ => None,
        }
    }
    fn encoded_len(&self) -> usize {
        field::int32::encoded_len_implicit(1, &self.latitude)
            + field::int32::encoded_len_implicit(2, &self.longitude)
            + self.unknown.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::int32::encode_implicit(1, &self.latitude, enc);
        field::int32::encode_implicit(2, &self.longitude, enc);
        self.unknown.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::int32::merge(tag, &mut self.latitude, dec),
            2 => field::int32::merge(tag, &mut self.longitude, dec),
            _ => self.unknown.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Version 2 of `RouteNote`: `Point location = 1; string message = 2; repeated string tags = 3;`
#[derive(Clone, Debug, Default, PartialEq)]
struct RouteNoteV2 {
    location: Option<Point>,
    message: String,
    tags: Vec<String>,
    unknown: UnknownFields,
}

impl Message for RouteNoteV2 {
    const NAME: &'static str = "routeguide.RouteNote";
    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("location"),
            2 => Some("message"),
            3 => Some("tags"),
            _ => None,
        }
    }
    fn encoded_len(&self) -> usize {
        field::message::encoded_len_optional(1, &self.location)
            + field::string::encoded_len_implicit(2, &self.message)
            + field::string::encoded_len_repeated(3, &self.tags)
            + self.unknown.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::message::encode_optional(1, &self.location, enc);
        field::string::encode_implicit(2, &self.message, enc);
        field::string::encode_repeated(3, &self.tags, enc);
        self.unknown.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_optional(tag, &mut self.location, dec),
            2 => field::string::merge(tag, &mut self.message, dec),
            3 => field::string::merge_repeated(tag, &mut self.tags, dec),
            _ => self.unknown.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Version 1 of `RouteNote`, which predates `tags`: an older reader.
#[derive(Clone, Debug, Default, PartialEq)]
struct RouteNoteV1 {
    location: Option<Point>,
    message: String,
    unknown: UnknownFields,
}

impl Message for RouteNoteV1 {
    const NAME: &'static str = "routeguide.RouteNote";
    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("location"),
            2 => Some("message"),
            _ => None,
        }
    }
    fn encoded_len(&self) -> usize {
        field::message::encoded_len_optional(1, &self.location)
            + field::string::encoded_len_implicit(2, &self.message)
            + self.unknown.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::message::encode_optional(1, &self.location, enc);
        field::string::encode_implicit(2, &self.message, enc);
        self.unknown.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::message::merge_optional(tag, &mut self.location, dec),
            2 => field::string::merge(tag, &mut self.message, dec),
            _ => self.unknown.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `message Chunk { bytes data = 1; }`
#[derive(Clone, Debug, Default, PartialEq)]
struct Chunk {
    data: Bytes,
    unknown: UnknownFields,
}

impl Message for Chunk {
    const NAME: &'static str = "demo.Chunk";
    fn field_name(number: u32) -> Option<&'static str> {
        (number == 1).then_some("data")
    }
    fn encoded_len(&self) -> usize {
        field::bytes::encoded_len_implicit(1, &self.data) + self.unknown.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::bytes::encode_implicit(1, &self.data, enc);
        self.unknown.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::bytes::merge(tag, &mut self.data, dec),
            _ => self.unknown.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Runs the demo; fails (non-zero exit) if any property it shows does not hold.
pub(crate) fn run() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\ndemo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), String> {
    println!("Courier demo: the protobuf wire codec (courier-wire)");
    println!(
        "(the RPC runtime is not built yet; this demo grows into client/server calls when it is)\n"
    );

    let note = RouteNoteV2 {
        location: Some(Point {
            latitude: 409_146_138,
            longitude: -746_188_906,
            ..Point::default()
        }),
        message: "First note".to_owned(),
        tags: vec!["trail".to_owned(), "north".to_owned()],
        ..RouteNoteV2::default()
    };

    // 1. What the message looks like on the wire, next to its JSON form.
    let wire = note.encode_to_vec();
    let json = json_of(&note);
    println!("1. One message, two encodings");
    println!("   {json}");
    println!(
        "   JSON: {} bytes   protobuf: {} bytes   ({:.1}x smaller)\n",
        json.len(),
        wire.len(),
        json.len() as f64 / wire.len() as f64
    );
    println!("   The protobuf bytes, field by field (tag = field number << 3 | wire type):");
    print!("{}", annotate(&wire, "   "));

    // 2. Round trip.
    let back = RouteNoteV2::decode(&wire[..]).map_err(|e| e.to_string())?;
    check(back == note, "decode(encode(m)) == m")?;
    println!("\n2. Decoded back: equal to the original.");

    // 3. An older reader keeps what it does not know, and writes it back byte for byte.
    let old = RouteNoteV1::decode(&wire[..]).map_err(|e| e.to_string())?;
    let old_wire = old.encode_to_vec();
    check(
        old_wire == wire,
        "an old reader re-encodes unknown fields byte-exact",
    )?;
    println!("\n3. A reader built before `tags` existed (RouteNote v1) decodes the same bytes:");
    println!(
        "   it keeps field 3 as {} unknown record(s) and re-encodes all {} bytes identically.",
        old.unknown.iter().count(),
        old_wire.len()
    );

    // 4. Zero-copy bytes.
    let payload = Bytes::from(vec![0xAB; 64 * 1024]);
    let chunk_wire = Chunk {
        data: payload,
        ..Chunk::default()
    }
    .encode_to_bytes();
    let chunk = Chunk::decode_bytes(chunk_wire.clone()).map_err(|e| e.to_string())?;
    let inside = chunk_wire.as_ptr_range().contains(&chunk.data.as_ptr());
    check(
        inside && chunk.data.len() == 64 * 1024,
        "bytes field sliced from the input",
    )?;
    println!(
        "\n4. A 64 KiB `bytes` field decoded from a `Bytes` buffer is a slice of that buffer \
         (no copy):\n   payload at offset {} of the {}-byte input.",
        chunk.data.as_ptr() as usize - chunk_wire.as_ptr() as usize,
        chunk_wire.len()
    );

    // 5. Malformed input is an error that says where.
    let mut bad = wire.clone();
    let text = bad
        .windows(b"First".len())
        .position(|w| w == b"First")
        .ok_or("message text not found")?;
    bad[text] = 0xFF; // not UTF-8
    let err = RouteNoteV2::decode(&bad[..])
        .err()
        .ok_or("bad UTF-8 was accepted")?;
    println!("\n5. Bad input is an error naming the field, never a panic:");
    println!("   one byte of `message` made invalid UTF-8 -> \"{err}\"");
    let truncated = RouteNoteV2::decode(&wire[..wire.len() - 3])
        .err()
        .ok_or("truncation accepted")?;
    println!("   the last 3 bytes cut off            -> \"{truncated}\"");

    // 6. Throughput, with real numbers (criterion benches are in benches/; this is a quick look).
    let n = 200_000u32;
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..n {
        let bytes = note.encode_to_vec();
        total += RouteNoteV2::decode(&bytes[..])
            .map_err(|e| e.to_string())?
            .tags
            .len();
    }
    let elapsed = start.elapsed();
    check(
        total == 2 * n as usize,
        "every decoded message kept its tags",
    )?;
    println!(
        "\n6. {n} encode+decode round trips of this message: {:.1} ms ({:.0} ns each).",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e9 / f64::from(n)
    );
    println!(
        "   Side-by-side benchmarks against prost: `cargo xtask bench wire` (docs/benchmarks.md)."
    );
    Ok(())
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("property does not hold: {what}"))
    }
}

/// The protobuf JSON mapping of the note (field names in lowerCamelCase).
fn json_of(note: &RouteNoteV2) -> String {
    let loc = note.location.as_ref().map_or(String::new(), |p| {
        format!(
            r#""location":{{"latitude":{},"longitude":{}}},"#,
            p.latitude, p.longitude
        )
    });
    let tags: Vec<String> = note.tags.iter().map(|t| format!("{t:?}")).collect();
    format!(
        r#"{{{loc}"message":{:?},"tags":[{}]}}"#,
        note.message,
        tags.join(",")
    )
}

/// A field-by-field reading of encoded bytes, nested messages indented (guessed: a `LEN` record
/// that is not text and parses completely as records is shown as a message).
fn annotate(bytes: &[u8], indent: &str) -> String {
    let mut out = String::new();
    let mut dec = Decoder::new(bytes);
    while !dec.is_empty() {
        let start = bytes.len() - dec.remaining();
        if dec.read_tag().and_then(|tag| dec.skip_field(tag)).is_err() {
            let _ = writeln!(out, "{indent}{} (not a record)", hex(&bytes[start..]));
            break;
        }
        let record = &bytes[start..bytes.len() - dec.remaining()];
        let mut one = UnknownFields::default();
        let Some(f) = one.push_raw(record).ok().and_then(|()| one.iter().next()) else {
            break;
        };
        let (what, nested) = match f.value() {
            UnknownValue::Varint(v) => (format!("varint {}", v as i64), None),
            UnknownValue::I64(v) => (format!("fixed64 {v}"), None),
            UnknownValue::I32(v) => (format!("fixed32 {v}"), None),
            UnknownValue::Group(g) => (format!("group, {} bytes", g.len()), Some(g)),
            UnknownValue::Len(p) => match std::str::from_utf8(p) {
                Ok(s) if !s.is_empty() && !s.chars().any(char::is_control) => {
                    (format!("{s:?}"), None)
                }
                _ => (format!("{} bytes", p.len()), Some(p)),
            },
            _ => ("other".to_owned(), None),
        };
        // Keep the "field" column aligned whatever the nesting depth.
        let width = 44usize.saturating_sub(indent.len());
        let _ = writeln!(
            out,
            "{indent}{:<width$} field {}: {what}",
            hex(record),
            f.number()
        );
        if let Some(inner) = nested.filter(|p| UnknownFields::default().push_raw(p).is_ok()) {
            out.push_str(&annotate(inner, &format!("{indent}    ")));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 12 { " …" } else { "" };
    format!("{}{more}", shown.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_properties_hold() {
        super::demo().unwrap();
    }
}
