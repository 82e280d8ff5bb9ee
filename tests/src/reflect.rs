//! Helpers for the courier-reflect checks: the conformance protos as a descriptor pool, and a
//! random message generator driven by descriptors.

use bytes::Bytes;
use courier_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};

/// The conformance test protos (tests/conformance/protos, compiled into the binary).
pub const CONFORMANCE_PROTOS: &[(&str, &str)] = &[
    (
        "conformance/conformance.proto",
        include_str!("../conformance/protos/conformance/conformance.proto"),
    ),
    (
        "google/protobuf/test_messages_proto2.proto",
        include_str!("../conformance/protos/google/protobuf/test_messages_proto2.proto"),
    ),
    (
        "google/protobuf/test_messages_proto3.proto",
        include_str!("../conformance/protos/google/protobuf/test_messages_proto3.proto"),
    ),
    (
        "google/protobuf/test_messages_edition2023.proto",
        include_str!("../conformance/protos/google/protobuf/test_messages_edition2023.proto"),
    ),
    (
        "google/protobuf/test_messages_proto2_editions.proto",
        include_str!("../conformance/protos/google/protobuf/test_messages_proto2_editions.proto"),
    ),
    (
        "google/protobuf/test_messages_proto3_editions.proto",
        include_str!("../conformance/protos/google/protobuf/test_messages_proto3_editions.proto"),
    ),
];

/// The full names of the messages the conformance runner sends.
pub const TEST_MESSAGES: &[&str] = &[
    "protobuf_test_messages.proto3.TestAllTypesProto3",
    "protobuf_test_messages.proto2.TestAllTypesProto2",
    "protobuf_test_messages.editions.TestAllTypesEdition2023",
    "protobuf_test_messages.editions.proto2.TestAllTypesProto2",
    "protobuf_test_messages.editions.proto3.TestAllTypesProto3",
];

/// A pool of the conformance protos and the well-known types, compiled by courier-idl.
pub fn conformance_pool() -> DescriptorPool {
    let mut c = courier_idl::Compiler::new();
    for (name, src) in CONFORMANCE_PROTOS {
        c.add_file(*name, *src);
    }
    let mut names: Vec<&str> = CONFORMANCE_PROTOS.iter().map(|(n, _)| *n).collect();
    // Every well-known type, whether the test protos import it or not (Any may hold any).
    names.extend([
        "google/protobuf/any.proto",
        "google/protobuf/api.proto",
        "google/protobuf/duration.proto",
        "google/protobuf/empty.proto",
        "google/protobuf/field_mask.proto",
        "google/protobuf/source_context.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto",
        "google/protobuf/type.proto",
        "google/protobuf/wrappers.proto",
    ]);
    let set = c
        .compile(&names)
        .unwrap_or_else(|e| panic!("conformance protos: {e}"))
        .file_descriptor_set(true);
    DescriptorPool::from_file_descriptor_set(set).expect("conformance protos link")
}

/// A deterministic random message generator driven by descriptors (splitmix64).
#[derive(Debug)]
pub struct Gen {
    state: u64,
    /// Only values every ProtoJSON and text implementation must round-trip: timestamps and
    /// durations in range, `Any` holding real messages, finite `Value` numbers, field masks
    /// that survive lowerCamelCase, no unknown fields, known closed-enum values.
    pub json_safe: bool,
    /// Add unknown fields (random records of numbers the message does not use).
    pub unknown_fields: bool,
    /// How deep messages nest.
    pub max_depth: u32,
    /// How many elements lists get at most.
    pub max_len: usize,
    /// How many entries maps get at most.
    pub max_map_len: usize,
    /// Whether to set extensions.
    pub extensions: bool,
    /// Whether to set extensions of message-set messages (some runtimes do not read the
    /// message-set wire format).
    pub message_sets: bool,
    /// Whether floats may be -0.0 (some runtimes treat it as the default a proto3 field
    /// leaves out).
    pub negative_zero: bool,
    pool: DescriptorPool,
}

impl Gen {
    /// A generator seeded with `seed`.
    pub fn new(pool: &DescriptorPool, seed: u64) -> Gen {
        Gen {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            json_safe: false,
            unknown_fields: false,
            max_depth: 3,
            max_len: 4,
            max_map_len: 4,
            extensions: true,
            message_sets: true,
            negative_zero: true,
            pool: pool.clone(),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A 64-bit pattern biased towards edge values.
    fn bits(&mut self) -> u64 {
        match self.below(8) {
            0 => 0,
            1 => 1,
            2 => u64::MAX,
            3 => self.next() >> self.below(64),
            4 => 1 << self.below(64),
            _ => self.next(),
        }
    }

    fn string(&mut self) -> String {
        let n = self.below(12) as usize;
        (0..n)
            .map(|_| match self.below(6) {
                0 => char::from_u32(self.below(0x20) as u32).unwrap_or('x'),
                1 => ['"', '\\', '/', '\'', '\u{7f}', '\u{2028}'][self.below(6) as usize],
                2 => char::from_u32(0x80 + self.below(0x780) as u32).unwrap_or('é'),
                3 => char::from_u32(0x10000 + self.below(0x1000) as u32).unwrap_or('😀'),
                _ => (b'a' + self.below(26) as u8) as char,
            })
            .collect()
    }

    fn bytes(&mut self) -> Bytes {
        let n = self.below(12) as usize;
        Bytes::from((0..n).map(|_| self.next() as u8).collect::<Vec<u8>>())
    }

    fn f64(&mut self) -> f64 {
        match self.below(10) {
            0 => 0.0,
            1 if self.negative_zero => -0.0,
            2 => [f64::INFINITY, f64::NEG_INFINITY, f64::NAN][self.below(3) as usize],
            3 => f64::MIN_POSITIVE,
            4 => f64::MAX,
            5 => (self.next() as i64 as f64) / 1000.0,
            _ => f64::from_bits(self.next()),
        }
    }

    fn f32(&mut self) -> f32 {
        match self.below(10) {
            0 => 0.0,
            1 if self.negative_zero => -0.0,
            2 => [f32::INFINITY, f32::NEG_INFINITY, f32::NAN][self.below(3) as usize],
            3 => f32::MIN_POSITIVE,
            4 => f32::MAX,
            5 => (self.next() as i32 as f32) / 1000.0,
            _ => f32::from_bits(self.next() as u32),
        }
    }

    /// A random message of type `desc`.
    pub fn message(&mut self, desc: &MessageDescriptor) -> DynamicMessage {
        self.message_at(desc, 0)
    }

    fn message_at(&mut self, desc: &MessageDescriptor, depth: u32) -> DynamicMessage {
        if self.json_safe {
            if let Some(m) = self.well_known(desc, depth) {
                return m;
            }
        }
        let mut m = DynamicMessage::new(desc.clone());
        let density = if depth == 0 { 40 } else { 20 };
        for f in desc.fields() {
            if !self.chance(density) {
                continue;
            }
            if let Some(v) = self.field_value(&f, depth) {
                m.set_field(&f, v);
            }
        }
        for x in desc.extensions() {
            if !self.message_sets && desc.is_message_set() {
                break;
            }
            if self.extensions && self.chance(30) {
                let v = if x.is_list() {
                    let n = self.below(self.max_len as u64 + 1) as usize;
                    Value::List(
                        (0..n)
                            .filter_map(|_| self.singular(&x.kind(), depth))
                            .collect(),
                    )
                } else {
                    match self.singular(&x.kind(), depth) {
                        Some(v) => v,
                        None => continue,
                    }
                };
                m.set_extension(&x, v);
            }
        }
        if self.unknown_fields && !self.json_safe && self.chance(20) {
            let mut raw = Vec::new();
            let mut enc = courier_wire::Encoder::new(&mut raw);
            let used = |n: u32| {
                desc.get_field(n).is_some() || desc.extension_ranges().any(|r| r.contains(&n))
            };
            for _ in 0..1 + self.below(3) {
                let n = 1000 + self.below(5000) as u32;
                if used(n) || desc.reserved_ranges().any(|r| r.contains(&n)) {
                    continue;
                }
                match self.below(4) {
                    0 => {
                        enc.put_tag(n, courier_wire::WireType::Varint);
                        enc.put_varint(self.bits());
                    }
                    1 => {
                        enc.put_tag(n, courier_wire::WireType::I32);
                        enc.put_fixed32(self.next() as u32);
                    }
                    2 => {
                        enc.put_tag(n, courier_wire::WireType::I64);
                        enc.put_fixed64(self.next());
                    }
                    _ => {
                        enc.put_tag(n, courier_wire::WireType::Len);
                        let b = self.bytes();
                        enc.put_len_prefixed(&b);
                    }
                }
            }
            m.unknown_fields_mut()
                .push_raw(&raw)
                .expect("valid records");
        }
        m
    }

    fn field_value(&mut self, f: &FieldDescriptor, depth: u32) -> Option<Value> {
        let kind = f.kind();
        if f.is_map() {
            let entry = kind.as_message()?.clone();
            let kf = entry.map_entry_key_field()?.kind();
            let vf = entry.map_entry_value_field()?.kind();
            if matches!(vf, Kind::Message(_)) && depth >= self.max_depth {
                return None;
            }
            let n = self.below(self.max_map_len as u64 + 1);
            let mut map = std::collections::BTreeMap::new();
            for _ in 0..n {
                let k = MapKey::from_value(self.singular(&kf, depth)?)?;
                let v = self.singular(&vf, depth)?;
                map.insert(k, v);
            }
            return Some(Value::Map(map));
        }
        if f.is_list() {
            if matches!(kind, Kind::Message(_)) && depth >= self.max_depth {
                return None;
            }
            let n = self.below(self.max_len as u64 + 1);
            let mut list = Vec::new();
            for _ in 0..n {
                list.push(self.singular(&kind, depth)?);
            }
            return Some(Value::List(list));
        }
        self.singular(&kind, depth)
    }

    fn singular(&mut self, kind: &Kind, depth: u32) -> Option<Value> {
        Some(match kind {
            Kind::Bool => Value::Bool(self.chance(50)),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(self.bits() as i32),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(self.bits() as i64),
            Kind::Uint32 | Kind::Fixed32 => Value::U32(self.bits() as u32),
            Kind::Uint64 | Kind::Fixed64 => Value::U64(self.bits()),
            Kind::Float => Value::F32(self.f32()),
            Kind::Double => Value::F64(self.f64()),
            Kind::String => Value::String(self.string()),
            Kind::Bytes => Value::Bytes(self.bytes()),
            Kind::Enum(e) => {
                let values: Vec<i32> = e.values().map(|v| v.number()).collect();
                if e.full_name() == "google.protobuf.NullValue" && self.json_safe {
                    Value::EnumNumber(0)
                } else if !e.is_closed() && self.chance(15) {
                    Value::EnumNumber(self.bits() as i32)
                } else {
                    Value::EnumNumber(values[self.below(values.len() as u64) as usize])
                }
            }
            Kind::Message(m) => {
                if depth >= self.max_depth {
                    return None;
                }
                Value::from(self.message_at(m, depth + 1))
            }
        })
    }

    /// Well-known types with values every JSON implementation accepts.
    fn well_known(&mut self, desc: &MessageDescriptor, depth: u32) -> Option<DynamicMessage> {
        let name = desc.full_name();
        let mut m = DynamicMessage::new(desc.clone());
        let set = |m: &mut DynamicMessage, f: &str, v: Value| m.set_field_by_name(f, v).unwrap();
        match name {
            "google.protobuf.Timestamp" => {
                let secs =
                    -62_135_596_800 + self.below(253_402_300_799 + 62_135_596_800 + 1) as i64;
                set(&mut m, "seconds", Value::I64(secs));
                set(&mut m, "nanos", Value::I32(self.nanos() as i32));
            }
            "google.protobuf.Duration" => {
                let secs = self.below(315_576_000_000 + 1) as i64;
                let nanos = self.nanos() as i32;
                let neg = self.chance(50);
                set(
                    &mut m,
                    "seconds",
                    Value::I64(if neg { -secs } else { secs }),
                );
                set(
                    &mut m,
                    "nanos",
                    Value::I32(if neg { -nanos } else { nanos }),
                );
            }
            "google.protobuf.FieldMask" => {
                let n = self.below(3);
                let paths = (0..n)
                    .map(|_| {
                        let segs = 1 + self.below(3);
                        (0..segs)
                            .map(|_| {
                                let words = 1 + self.below(3);
                                (0..words)
                                    .map(|_| {
                                        let len = 1 + self.below(5);
                                        (0..len)
                                            .map(|_| (b'a' + self.below(26) as u8) as char)
                                            .collect::<String>()
                                    })
                                    .collect::<Vec<_>>()
                                    .join("_")
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .map(Value::String)
                    .collect();
                set(&mut m, "paths", Value::List(paths));
            }
            "google.protobuf.Value" => return Some(self.json_value(desc, depth)),
            "google.protobuf.ListValue" => {
                let vdesc = self.pool.get_message_by_name("google.protobuf.Value")?;
                let n = if depth >= self.max_depth {
                    0
                } else {
                    self.below(4)
                };
                let values = (0..n)
                    .map(|_| Value::from(self.json_value(&vdesc, depth + 1)))
                    .collect();
                set(&mut m, "values", Value::List(values));
            }
            "google.protobuf.Struct" => {
                let vdesc = self.pool.get_message_by_name("google.protobuf.Value")?;
                let n = if depth >= self.max_depth {
                    0
                } else {
                    self.below(4)
                };
                let mut map = std::collections::BTreeMap::new();
                for _ in 0..n {
                    map.insert(
                        MapKey::String(self.string()),
                        Value::from(self.json_value(&vdesc, depth + 1)),
                    );
                }
                set(&mut m, "fields", Value::Map(map));
            }
            "google.protobuf.Any" => {
                let choices = [
                    "protobuf_test_messages.proto3.TestAllTypesProto3",
                    "protobuf_test_messages.proto3.ForeignMessage",
                    "google.protobuf.Duration",
                    "google.protobuf.Timestamp",
                    "google.protobuf.FieldMask",
                    "google.protobuf.Int32Value",
                    "google.protobuf.StringValue",
                    "google.protobuf.Struct",
                    "google.protobuf.Value",
                    "google.protobuf.Empty",
                    "google.protobuf.Any",
                ];
                if depth >= self.max_depth {
                    return Some(m);
                }
                let t = choices[self.below(choices.len() as u64) as usize];
                let inner_desc = self.pool.get_message_by_name(t)?;
                let inner = self.message_at(&inner_desc, depth + 1);
                set(
                    &mut m,
                    "type_url",
                    Value::String(format!("type.googleapis.com/{t}")),
                );
                set(&mut m, "value", Value::Bytes(inner.encode_to_bytes()));
            }
            _ => return None,
        }
        Some(m)
    }

    fn nanos(&mut self) -> u32 {
        match self.below(4) {
            0 => 0,
            1 => (self.below(1000) * 1_000_000) as u32,
            2 => (self.below(1_000_000) * 1000) as u32,
            _ => self.below(1_000_000_000) as u32,
        }
    }

    fn json_value(&mut self, vdesc: &MessageDescriptor, depth: u32) -> DynamicMessage {
        let mut v = DynamicMessage::new(vdesc.clone());
        let leaf = depth >= self.max_depth;
        let pick = self.below(if leaf { 4 } else { 6 });
        let field = |n: &str| vdesc.get_field_by_name(n).unwrap();
        match pick {
            0 => v.set_field(&field("null_value"), Value::EnumNumber(0)),
            1 => {
                let x = loop {
                    let x = self.f64();
                    if x.is_finite() {
                        break x;
                    }
                };
                v.set_field(&field("number_value"), Value::F64(x))
            }
            2 => v.set_field(&field("string_value"), Value::String(self.string())),
            3 => v.set_field(&field("bool_value"), Value::Bool(self.chance(50))),
            4 => {
                let s = self
                    .pool
                    .get_message_by_name("google.protobuf.Struct")
                    .unwrap();
                let m = self.well_known(&s, depth).unwrap();
                v.set_field(&field("struct_value"), Value::from(m))
            }
            _ => {
                let l = self
                    .pool
                    .get_message_by_name("google.protobuf.ListValue")
                    .unwrap();
                let m = self.well_known(&l, depth).unwrap();
                v.set_field(&field("list_value"), Value::from(m))
            }
        }
        v
    }
}

/// Whether `m` (or a message inside it) has a map with more than one entry or an extension —
/// the two things generated code does not encode in the dynamic message's order (its maps are
/// `HashMap`s; its extensions are unknown fields, written last).
pub fn order_may_differ(m: &DynamicMessage) -> bool {
    if m.extensions().next().is_some() {
        return true;
    }
    m.fields().any(|(_, v)| value_order_may_differ(v))
}

fn value_order_may_differ(v: &Value) -> bool {
    match v {
        Value::Message(m) => order_may_differ(m),
        Value::List(l) => l.iter().any(value_order_may_differ),
        Value::Map(m) => m.len() > 1 || m.values().any(value_order_may_differ),
        _ => false,
    }
}

/// Decodes `bytes` as `M` (a generated message) and re-encodes it.
pub fn generated_round_trip<M: courier_wire::Message>(bytes: &[u8]) -> Result<Vec<u8>, String> {
    M::decode(bytes)
        .map(|m| m.encode_to_vec())
        .map_err(|e| e.to_string())
}

/// The path of the first field where `a` and `b` differ (`None` when they hold the same
/// content): fields compared one by one, floats by value with `NaN` equal to `NaN` and the sign
/// of zero significant, maps by key, lists element by element, messages recursively.
pub fn diff(a: &DynamicMessage, b: &DynamicMessage) -> Option<String> {
    diff_at(a, b, "$")
}

fn diff_at(a: &DynamicMessage, b: &DynamicMessage, path: &str) -> Option<String> {
    use courier_reflect::TypeResolver;
    if a.descriptor_ref().full_name() != b.descriptor_ref().full_name() {
        return Some(format!("{path}: different types"));
    }
    if a.descriptor_ref().full_name() == "google.protobuf.Any" {
        // Compare what the Anys hold, not their bytes (map order is not fixed).
        let url = |m: &DynamicMessage| {
            m.get_field_by_number(1)
                .and_then(|v| v.as_str().map(str::to_owned))
        };
        let value =
            |m: &DynamicMessage| m.get_field_by_number(2).and_then(|v| v.as_bytes().cloned());
        if let (Some(ua), Some(ub)) = (url(a), url(b)) {
            if ua != ub {
                return Some(format!("{path}.type_url: {ua} vs {ub}"));
            }
            if let Some(desc) = a.descriptor_ref().parent_pool().resolve_message(&ua) {
                let decode = |m: &DynamicMessage| {
                    DynamicMessage::decode(desc.clone(), &value(m).unwrap_or_default()[..]).ok()
                };
                if let (Some(x), Some(y)) = (decode(a), decode(b)) {
                    return diff_at(&x, &y, &format!("{path}({})", desc.full_name()));
                }
            }
        }
    }
    let fa: Vec<(String, Value)> = a
        .fields()
        .map(|(f, v)| (f.name().to_owned(), v.clone()))
        .chain(
            a.extensions()
                .map(|(x, v)| (format!("[{}]", x.full_name()), v.clone())),
        )
        .collect();
    let fb: Vec<(String, Value)> = b
        .fields()
        .map(|(f, v)| (f.name().to_owned(), v.clone()))
        .chain(
            b.extensions()
                .map(|(x, v)| (format!("[{}]", x.full_name()), v.clone())),
        )
        .collect();
    for (name, va) in &fa {
        let here = format!("{path}.{name}");
        match fb.iter().find(|(n, _)| n == name) {
            None => return Some(format!("{here}: set on one side only")),
            Some((_, vb)) => {
                if let Some(d) = diff_value(va, vb, &here) {
                    return Some(d);
                }
            }
        }
    }
    if let Some((name, _)) = fb.iter().find(|(n, _)| !fa.iter().any(|(m, _)| m == n)) {
        return Some(format!("{path}.{name}: set on one side only"));
    }
    if a.unknown_fields() != b.unknown_fields() {
        return Some(format!("{path}: unknown fields differ"));
    }
    None
}

fn diff_value(a: &Value, b: &Value, path: &str) -> Option<String> {
    let same_f64 = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits();
    match (a, b) {
        (Value::F32(x), Value::F32(y)) if same_f64(f64::from(*x), f64::from(*y)) => None,
        (Value::F64(x), Value::F64(y)) if same_f64(*x, *y) => None,
        (Value::Message(x), Value::Message(y)) => diff_at(x, y, path),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} vs {} elements", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (x, y))| diff_value(x, y, &format!("{path}[{i}]")))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(k, l)| k != l) {
                return Some(format!("{path}: map keys differ"));
            }
            x.iter()
                .zip(y.values())
                .find_map(|((k, x), y)| diff_value(x, y, &format!("{path}[{k:?}]")))
        }
        (x, y) if x == y => None,
        (x, y) => Some(format!("{path}: {x:?} vs {y:?}")),
    }
}
