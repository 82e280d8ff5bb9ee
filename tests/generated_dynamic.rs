//! Generated code and dynamic messages produce exactly the same ProtoJSON and text, and read
//! the same JSON the same way: courier-codegen's generated ProtoJSON (the conformance test
//! messages, `tests/conformance/generated/`) against courier-reflect's `DynamicMessage`, on
//! messages made from descriptors by `courier_tests::reflect::Gen` (seeds chosen by proptest).
//!
//! - Printing: the same text, byte for byte, for every combination of the print options, for
//!   messages ProtoJSON can express; for messages it cannot (timestamps out of range, `Any`s of
//!   unknown types, non-finite `Value` numbers, ...), the same error at the same path.
//! - serde: serde_json's output of the generated type reads back as the same message, through
//!   serde and through the ProtoJSON parser.
//! - Parsing: the JSON of a message reads back, with generated code, as the same message; and
//!   mutated JSON (characters deleted, inserted, replaced) is accepted or refused by both the
//!   same way — the same content when accepted, the same error path when refused.

use courier_reflect::{DynamicMessage, MessageDescriptor};
use courier_tests::generated::{codec, registry};
use courier_tests::peers::{JsonOptions, pool};
use courier_tests::reflect::{Gen, TEST_MESSAGES, diff};
use proptest::prelude::*;

fn message(seed: u64, json_safe: bool) -> DynamicMessage {
    let name = TEST_MESSAGES[(seed % TEST_MESSAGES.len() as u64) as usize];
    let desc = pool().get_message_by_name(name).unwrap();
    let mut g = Gen::new(pool(), seed);
    g.json_safe = json_safe;
    g.unknown_fields = !json_safe;
    g.message(&desc)
}

fn generated_json(m: &DynamicMessage, o: JsonOptions) -> Result<String, String> {
    let c = codec(m.descriptor_ref().full_name()).unwrap();
    (c.to_json)(&m.encode_to_vec(), &o.generated().registry(registry()))
}

fn generated_parse(desc: &MessageDescriptor, json: &str) -> Result<DynamicMessage, String> {
    let c = codec(desc.full_name()).unwrap();
    let opts = courier_json::ParseOptions::new().registry(registry());
    let bytes = (c.from_json)(json, &opts)?;
    Ok(DynamicMessage::decode(desc.clone(), &bytes[..]).unwrap())
}

/// Where an error message says it is (`$.a.b: message (at byte 3)` → `$.a.b`).
fn path_of(e: &str) -> &str {
    e.split(": ").next().unwrap_or(e)
}

/// Everything checked for the message of `seed`; the first problem found.
fn check(seed: u64) -> Result<(), String> {
    // Printing, JSON-safe content: identical output for all sixteen option combinations.
    let m = message(seed, true);
    for combo in 0..16 {
        let o = JsonOptions::from_seed(combo);
        let dynamic = m.to_json_with(&o.dynamic()).map_err(|e| e.to_string());
        let generated = generated_json(&m, o);
        if dynamic != generated {
            return Err(format!(
                "seed {seed}, options {o:?}: printed differently\n dynamic:   {dynamic:?}\n generated: {generated:?}"
            ));
        }
    }
    let c = codec(m.descriptor_ref().full_name()).unwrap();
    // The text format goes through the same code; the conversion must keep everything.
    let text = (c.to_text)(
        &m.encode_to_vec(),
        &courier_reflect::text::PrintOptions::new().resolver(courier_tests::generated::pools()),
    )?;
    // Without a resolver: the package's own descriptors and the well-known types (the `Any`s of
    // proto3's test message hold only those).
    let own = (c.to_text)(
        &m.encode_to_vec(),
        &courier_reflect::text::PrintOptions::new(),
    )?;
    if own != text
        && m.descriptor_ref()
            .full_name()
            .starts_with("protobuf_test_messages.proto3.")
    {
        return Err(format!(
            "seed {seed}: the default resolver prints differently"
        ));
    }
    let want = m.to_text();
    if text != want {
        let at = text
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        return Err(format!(
            "seed {seed}: text differs at line {}: generated {:?}, dynamic {:?}",
            at + 1,
            text.lines().nth(at),
            want.lines().nth(at)
        ));
    }
    // serde_json: JSON that reads back as the same message (serde_json formats numbers its own
    // way: `1e+300`, `1.0`), and reads back the same through serde.
    let (serde_text, back) = (c.serde_json_round_trip)(&m.encode_to_vec())?;
    let reread = generated_parse(&m.descriptor(), &serde_text)?;
    if let Some(d) = diff(&m, &reread) {
        return Err(format!(
            "seed {seed}: serde_json's JSON reads back differently: {d}"
        ));
    }
    let back = DynamicMessage::decode(m.descriptor(), &back[..]).unwrap();
    if let Some(d) = diff(&m, &back) {
        return Err(format!(
            "seed {seed}: serde_json reads back differently: {d}"
        ));
    }
    // Parsing: the same message back.
    let desc = m.descriptor();
    for combo in [0, 3, 5, 15] {
        let json = m
            .to_json_with(&JsonOptions::from_seed(combo).dynamic())
            .unwrap();
        let back = generated_parse(&desc, &json)?;
        if let Some(d) = diff(&m, &back) {
            return Err(format!(
                "seed {seed}: generated code reads back differently: {d}\n{json}"
            ));
        }
    }
    // Mutated input: the same verdict.
    let json = m.to_json().unwrap();
    let mut rng = seed ^ 0x5851_f42d_4c95_7f2d;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for _ in 0..8 {
        let mut bytes = json.clone().into_bytes();
        for _ in 0..1 + next() % 3 {
            if bytes.is_empty() {
                break;
            }
            let at = (next() % bytes.len() as u64) as usize;
            const CHARS: &[u8] = b"{}[],:\"0123456789-.eEtrufalsn \\x";
            let c = CHARS[(next() % CHARS.len() as u64) as usize];
            match next() % 3 {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, c),
                _ => bytes[at] = c,
            }
        }
        let Ok(mutated) = String::from_utf8(bytes) else {
            continue;
        };
        let dynamic = DynamicMessage::from_json(desc.clone(), &mutated).map_err(|e| e.to_string());
        let generated = generated_parse(&desc, &mutated);
        match (&dynamic, &generated) {
            (Ok(a), Ok(b)) => {
                if let Some(d) = diff(a, b) {
                    return Err(format!(
                        "seed {seed}: {mutated}\n both accept, differently: {d}"
                    ));
                }
            }
            (Err(a), Err(b)) => {
                if path_of(a) != path_of(b) {
                    return Err(format!(
                        "seed {seed}: {mutated}\n both refuse, at different places:\n dynamic:   {a}\n generated: {b}"
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "seed {seed}: {mutated}\n dynamic:   {dynamic:?}\n generated: {:?}",
                    generated.map(|_| "accepted")
                ));
            }
        }
    }
    // Printing, any content (unknown fields, values ProtoJSON cannot hold): the same output or
    // the same error.
    let m = message(seed, false);
    let o = JsonOptions::from_seed(seed);
    let dynamic = m.to_json_with(&o.dynamic()).map_err(|e| e.to_string());
    let generated = generated_json(&m, o);
    match (&dynamic, &generated) {
        (Ok(a), Ok(b)) if a == b => {}
        (Err(a), Err(b)) if path_of(a) == path_of(b) => {}
        _ => {
            return Err(format!(
                "seed {seed} (any content): dynamic {dynamic:?}\n generated {generated:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn generated_and_dynamic_agree_fixed_seeds() {
    let problems: Vec<String> = (0..300).filter_map(|s| check(s).err()).collect();
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_and_dynamic_agree(seed in any::<u64>()) {
        if let Err(e) = check(seed) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// Deeply nested messages parse in a debug build within the default limit (the generated
/// parser's frames are small), and past it are refused.
#[test]
fn nesting_limits() {
    let desc = pool()
        .get_message_by_name("protobuf_test_messages.proto3.TestAllTypesProto3")
        .unwrap();
    let deep = |n: usize| "{\"recursiveMessage\":".repeat(n) + "{}" + &"}".repeat(n);
    assert!(generated_parse(&desc, &deep(98)).is_ok());
    let err = generated_parse(&desc, &deep(150)).unwrap_err();
    assert!(err.contains("nesting too deep"), "{err}");
}
