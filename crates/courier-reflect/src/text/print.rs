//! DynamicMessage → text format.

use courier_wire::{DecodeOptions, Decoder, UnknownFields, UnknownValue, WireType};

use super::PrintOptions;
use crate::descriptor::{Cardinality, FieldInner, KindIndex, PoolInner, WellKnown};
use crate::dynamic::{DynamicMessage, MapKey, Value, entry_present, map_entry_fields};
use crate::resolver::TypeResolver;

/// How deeply messages nest in printed text (decoded messages are limited already).
const DEPTH_LIMIT: u32 = 1000;

/// Whether `f` is written with its message type's name, as proto2 groups are: a delimited
/// field named as its type in lower case, the type defined next to the field in the same file.
pub(crate) fn group_like(pool: &PoolInner, f: &FieldInner) -> bool {
    let KindIndex::Message(m) = f.kind else {
        return false;
    };
    if !f.delimited {
        return false;
    }
    let t = &pool.messages[m as usize];
    if *f.name != *t.name.to_ascii_lowercase() || t.file != f.file {
        return false;
    }
    if f.is_extension {
        t.parent == f.scope
    } else {
        t.parent == Some(f.message)
    }
}

/// The name an extension is printed under: its full name, except that a message-set extension
/// declared inside its own message type (the usual pattern) goes by that type's full name, as
/// protobuf's printers write it.
pub(crate) fn printable_extension_name<'p>(pool: &'p PoolInner, f: &'p FieldInner) -> &'p str {
    if let KindIndex::Message(m) = f.kind {
        if pool.messages[f.message as usize].message_set
            && f.cardinality == Cardinality::Optional
            && f.scope == Some(m)
        {
            return &pool.messages[m as usize].full_name;
        }
    }
    &f.full_name
}

/// Appends `b` as the contents of a double-quoted string: printable ASCII as is, `"`, `'`,
/// `\` and the usual controls escaped, other bytes as three-digit octal escapes — except
/// that with `utf8`, valid UTF-8 above ASCII is kept as it is.
pub(crate) fn escape_bytes(out: &mut String, b: &[u8], utf8: bool) {
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(c as char),
            0x80.. if utf8 => {
                // A whole UTF-8 sequence (the input of a string field is valid UTF-8).
                let len = match c {
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    _ => 4,
                };
                match b.get(i..i + len).and_then(|s| std::str::from_utf8(s).ok()) {
                    Some(s) => {
                        out.push_str(s);
                        i += len;
                        continue;
                    }
                    None => push_octal(out, c),
                }
            }
            _ => push_octal(out, c),
        }
        i += 1;
    }
}

fn push_octal(out: &mut String, c: u8) {
    out.push('\\');
    out.push((b'0' + (c >> 6)) as char);
    out.push((b'0' + ((c >> 3) & 7)) as char);
    out.push((b'0' + (c & 7)) as char);
}

pub(super) struct Printer<'o> {
    pub(super) out: String,
    opts: &'o PrintOptions,
    resolver: &'o dyn TypeResolver,
    indent: usize,
    depth: u32,
}

impl<'o> Printer<'o> {
    pub(super) fn new(opts: &'o PrintOptions, resolver: &'o dyn TypeResolver) -> Printer<'o> {
        Printer {
            out: String::new(),
            opts,
            resolver,
            indent: 0,
            depth: 0,
        }
    }

    fn start_line(&mut self) {
        if !self.opts.single_line {
            for _ in 0..self.indent {
                self.out.push_str("  ");
            }
        }
    }

    fn end_line(&mut self) {
        self.out
            .push(if self.opts.single_line { ' ' } else { '\n' });
    }

    /// The fields of `m` (one per line, or space-separated).
    pub(super) fn body(&mut self, m: &DynamicMessage) {
        if self.depth >= DEPTH_LIMIT {
            self.start_line();
            self.out.push_str("# (nested too deeply to print)");
            self.end_line();
            return;
        }
        self.depth += 1;
        if self.opts.expand_any && m.desc.well_known() == Some(WellKnown::Any) && self.any(m) {
            self.depth -= 1;
            return;
        }
        let pool = m.desc.pool_inner();
        for e in &m.fields {
            let f = &pool.fields[e.field as usize];
            if !entry_present(f, &e.value) {
                continue;
            }
            self.field(pool, f, &e.value);
        }
        if self.opts.print_unknown_fields {
            self.unknown(&m.unknown, 0);
        }
        self.depth -= 1;
    }

    /// An `Any` as `[type_url] { ... }`, when its type resolves and its value decodes.
    fn any(&mut self, m: &DynamicMessage) -> bool {
        let (Some(Value::String(url)), value) = (m.get_entry(1), m.get_entry(2)) else {
            return false;
        };
        let value: &[u8] = match value {
            Some(Value::Bytes(b)) => b,
            None => &[],
            _ => return false,
        };
        let Some(desc) = self.resolver.resolve_message(url) else {
            return false;
        };
        let Ok(inner) = DynamicMessage::decode_with(desc, value, &DecodeOptions::new()) else {
            return false;
        };
        self.start_line();
        self.out.push('[');
        self.out.push_str(url);
        self.out.push_str("] {");
        self.nested(&inner);
        true
    }

    /// After `name {`: the body, indented, and the closing brace.
    fn nested(&mut self, m: &DynamicMessage) {
        self.end_line();
        self.indent += 1;
        self.body(m);
        self.indent -= 1;
        self.start_line();
        self.out.push('}');
        self.end_line();
    }

    fn name(&mut self, pool: &PoolInner, f: &FieldInner) {
        self.start_line();
        if f.is_extension {
            self.out.push('[');
            self.out.push_str(printable_extension_name(pool, f));
            self.out.push(']');
        } else if group_like(pool, f) {
            let KindIndex::Message(m) = f.kind else {
                return;
            };
            self.out.push_str(&pool.messages[m as usize].name);
        } else {
            self.out.push_str(&f.name);
        }
    }

    fn field(&mut self, pool: &PoolInner, f: &FieldInner, v: &Value) {
        if f.map {
            let (Value::Map(map), KindIndex::Message(entry)) = (v, f.kind) else {
                return;
            };
            let (_, vf) = map_entry_fields(pool, entry);
            for (k, x) in map {
                self.name(pool, f);
                self.out.push_str(" {");
                self.end_line();
                self.indent += 1;
                self.start_line();
                self.out.push_str("key: ");
                self.key(k);
                self.end_line();
                self.entry_value(pool, vf.kind, x);
                self.indent -= 1;
                self.start_line();
                self.out.push('}');
                self.end_line();
            }
            return;
        }
        if f.cardinality == Cardinality::Repeated {
            if let Value::List(list) = v {
                for x in list {
                    self.one(pool, f, x);
                }
            }
            return;
        }
        self.one(pool, f, v);
    }

    fn entry_value(&mut self, pool: &PoolInner, kind: KindIndex, v: &Value) {
        self.start_line();
        self.out.push_str("value");
        match v {
            Value::Message(m) => {
                self.out.push_str(" {");
                self.nested(m);
            }
            _ => {
                self.out.push_str(": ");
                self.scalar(pool, kind, v);
                self.end_line();
            }
        }
    }

    fn one(&mut self, pool: &PoolInner, f: &FieldInner, v: &Value) {
        self.name(pool, f);
        match v {
            Value::Message(m) => {
                self.out.push_str(" {");
                self.nested(m);
            }
            _ => {
                self.out.push_str(": ");
                self.scalar(pool, f.kind, v);
                self.end_line();
            }
        }
    }

    fn key(&mut self, k: &MapKey) {
        match k {
            MapKey::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            MapKey::I32(v) => crate::json::number::write_int(&mut self.out, *v),
            MapKey::I64(v) => crate::json::number::write_int(&mut self.out, *v),
            MapKey::U32(v) => crate::json::number::write_int(&mut self.out, *v),
            MapKey::U64(v) => crate::json::number::write_int(&mut self.out, *v),
            MapKey::String(s) => {
                self.out.push('"');
                escape_bytes(&mut self.out, s.as_bytes(), true);
                self.out.push('"');
            }
        }
    }

    fn scalar(&mut self, pool: &PoolInner, kind: KindIndex, v: &Value) {
        let out = &mut self.out;
        match v {
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::I32(x) => crate::json::number::write_int(out, *x),
            Value::I64(x) => crate::json::number::write_int(out, *x),
            Value::U32(x) => crate::json::number::write_int(out, *x),
            Value::U64(x) => crate::json::number::write_int(out, *x),
            Value::F32(x) => {
                if x.is_finite() {
                    crate::json::number::write_f32(out, *x);
                } else {
                    out.push_str(special(x.is_nan(), *x < 0.0));
                }
            }
            Value::F64(x) => {
                if x.is_finite() {
                    crate::json::number::write_f64(out, *x);
                } else {
                    out.push_str(special(x.is_nan(), *x < 0.0));
                }
            }
            Value::String(s) => {
                out.push('"');
                escape_bytes(out, s.as_bytes(), true);
                out.push('"');
            }
            Value::Bytes(b) => {
                out.push('"');
                escape_bytes(out, b, false);
                out.push('"');
            }
            Value::EnumNumber(n) => {
                if let KindIndex::Enum(e) = kind {
                    let en = &pool.enums[e as usize];
                    if let Ok(i) = en.by_number.binary_search_by_key(n, |&(x, _)| x) {
                        out.push_str(&pool.enum_values[en.by_number[i].1 as usize].name);
                        return;
                    }
                }
                crate::json::number::write_int(out, *n);
            }
            Value::Message(_) | Value::List(_) | Value::Map(_) => {}
        }
    }

    /// Unknown fields as `number: value` (what protobuf's printers write with their
    /// print-unknown-fields option): varints in decimal, fixed-width in hex, length-delimited
    /// as a nested message when they parse as one, else as a string; groups nested.
    fn unknown(&mut self, fields: &UnknownFields, depth: u32) {
        for f in fields.iter() {
            self.start_line();
            crate::json::number::write_int(&mut self.out, f.number());
            match f.value() {
                UnknownValue::Varint(v) => {
                    self.out.push_str(": ");
                    crate::json::number::write_int(&mut self.out, v);
                    self.end_line();
                }
                UnknownValue::I32(v) => {
                    self.out.push_str(&format!(": 0x{v:08x}"));
                    self.end_line();
                }
                UnknownValue::I64(v) => {
                    self.out.push_str(&format!(": 0x{v:016x}"));
                    self.end_line();
                }
                UnknownValue::Len(b) => match parse_unknown(b, depth) {
                    Some(inner) if depth < 10 => {
                        self.out.push_str(" {");
                        self.end_line();
                        self.indent += 1;
                        self.unknown(&inner, depth + 1);
                        self.indent -= 1;
                        self.start_line();
                        self.out.push('}');
                        self.end_line();
                    }
                    _ => {
                        self.out.push_str(": \"");
                        escape_bytes(&mut self.out, b, false);
                        self.out.push('"');
                        self.end_line();
                    }
                },
                UnknownValue::Group(b) => {
                    self.out.push_str(" {");
                    self.end_line();
                    self.indent += 1;
                    if let Some(inner) = parse_unknown(b, depth) {
                        self.unknown(&inner, depth + 1);
                    }
                    self.indent -= 1;
                    self.start_line();
                    self.out.push('}');
                    self.end_line();
                }
                _ => self.end_line(),
            }
        }
    }
}

/// `b` as a set of unknown records, if it is a non-empty, well-formed one.
fn parse_unknown(b: &[u8], depth: u32) -> Option<UnknownFields> {
    if b.is_empty() {
        return None;
    }
    let mut d = Decoder::with_options(
        b,
        &DecodeOptions::new().with_recursion_limit(100 - depth.min(99)),
    );
    while !d.is_empty() {
        let t = d.read_tag().ok()?;
        if t.wire_type() == WireType::EndGroup {
            return None;
        }
        d.skip_field(t).ok()?;
    }
    let mut u = UnknownFields::new();
    u.push_raw(b).ok()?;
    Some(u)
}

fn special(nan: bool, negative: bool) -> &'static str {
    if nan {
        "nan"
    } else if negative {
        "-inf"
    } else {
        "inf"
    }
}
