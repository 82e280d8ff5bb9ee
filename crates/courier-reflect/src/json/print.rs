//! DynamicMessage → ProtoJSON.

use super::{Error, PrintOptions, Writer, time};
use crate::descriptor::{FieldInner, KindIndex, PoolInner, WellKnown};
use crate::dynamic::{DynamicMessage, MapKey, Value, entry_present, map_entry_fields, zero_value};
use crate::resolver::TypeResolver;

/// How deeply messages may nest when printed (decoded messages are limited already; this
/// guards messages built by hand).
const DEPTH_LIMIT: u32 = 1000;

/// Puts `seg` (`.name` or `[3]`) in front of an error's path as it unwinds.
#[cold]
fn at(e: Error, seg: &str) -> Error {
    let path = e.path();
    let rest = path.strip_prefix('$').unwrap_or(path);
    Error::new(format!("${seg}{rest}"), e.offset(), e.message())
}

#[cold]
fn key_seg(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!(".{key}")
    } else {
        let mut s = String::from("[");
        super::escape_into(&mut s, key);
        s.push(']');
        s
    }
}

#[cold]
fn error(message: impl Into<String>) -> Error {
    Error::new("$".to_owned(), 0, message)
}

pub(super) struct Printer<'o> {
    opts: &'o PrintOptions,
    resolver: &'o dyn TypeResolver,
    depth: u32,
}

/// The map key as a JSON object key.
fn map_key(k: &MapKey) -> std::borrow::Cow<'_, str> {
    match k {
        MapKey::Bool(b) => (if *b { "true" } else { "false" }).into(),
        MapKey::I32(v) => v.to_string().into(),
        MapKey::I64(v) => v.to_string().into(),
        MapKey::U32(v) => v.to_string().into(),
        MapKey::U64(v) => v.to_string().into(),
        MapKey::String(s) => s.as_str().into(),
    }
}

impl<'o> Printer<'o> {
    pub(super) fn new(opts: &'o PrintOptions, resolver: &'o dyn TypeResolver) -> Printer<'o> {
        Printer {
            opts,
            resolver,
            depth: 0,
        }
    }

    /// A message as one JSON value (its special form for well-known types).
    pub(super) fn message(&mut self, w: &mut Writer, m: &DynamicMessage) -> Result<(), Error> {
        if self.depth >= DEPTH_LIMIT {
            return Err(error("messages nested too deeply to print"));
        }
        self.depth += 1;
        let r = match m.desc.well_known() {
            Some(wk) if wk != WellKnown::Empty => self.well_known(w, m, wk),
            _ => {
                w.begin_object();
                let r = self.fields(w, m);
                w.end_object();
                r
            }
        };
        self.depth -= 1;
        r
    }

    /// The members of a message (no braces).
    fn fields(&mut self, w: &mut Writer, m: &DynamicMessage) -> Result<(), Error> {
        let pool = m.desc.pool_inner();
        if !self.opts.always_print_fields_without_presence {
            for e in &m.fields {
                let f = &pool.fields[e.field as usize];
                if entry_present(f, &e.value) {
                    self.member(w, pool, f, &e.value)?;
                }
            }
            return Ok(());
        }
        // Every field without presence too, in field-number order among the set ones.
        let msg = m.desc.inner();
        let mut ei = 0;
        for &fi in &msg.by_number {
            let f = &pool.fields[fi as usize];
            while let Some(e) = m.fields.get(ei).filter(|e| e.number < f.number) {
                let x = &pool.fields[e.field as usize];
                if entry_present(x, &e.value) {
                    self.member(w, pool, x, &e.value)?;
                }
                ei += 1;
            }
            match m.fields.get(ei).filter(|e| e.number == f.number) {
                Some(e) => {
                    if !f.presence || entry_present(f, &e.value) {
                        self.member(w, pool, f, &e.value)?;
                    }
                    ei += 1;
                }
                None if !f.presence => {
                    let v = crate::dynamic::default_value(pool, m.desc.parent_pool(), f);
                    self.member(w, pool, f, &v)?;
                }
                None => {}
            }
        }
        for e in &m.fields[ei..] {
            let x = &pool.fields[e.field as usize];
            if entry_present(x, &e.value) {
                self.member(w, pool, x, &e.value)?;
            }
        }
        Ok(())
    }

    fn member(
        &mut self,
        w: &mut Writer,
        pool: &PoolInner,
        f: &FieldInner,
        v: &Value,
    ) -> Result<(), Error> {
        if f.is_extension {
            let key = format!("[{}]", f.full_name);
            w.key(&key);
            return self.value(w, pool, f, v).map_err(|e| at(e, &key_seg(&key)));
        }
        let key: &str = if self.opts.proto_field_names {
            &f.name
        } else {
            &f.json_name
        };
        w.key(key);
        self.value(w, pool, f, v).map_err(|e| at(e, &key_seg(key)))
    }

    fn value(
        &mut self,
        w: &mut Writer,
        pool: &PoolInner,
        f: &FieldInner,
        v: &Value,
    ) -> Result<(), Error> {
        if f.map {
            let (Value::Map(map), KindIndex::Message(entry)) = (v, f.kind) else {
                return Err(error("a map field holds a value that is not a map"));
            };
            let (_, vf) = map_entry_fields(pool, entry);
            w.begin_object();
            for (k, x) in map {
                let key = map_key(k);
                w.key(&key);
                if let Err(e) = self.singular(w, pool, vf.kind, x) {
                    w.end_object();
                    return Err(at(e, &key_seg(&key)));
                }
            }
            w.end_object();
            return Ok(());
        }
        if f.cardinality == crate::Cardinality::Repeated {
            let Value::List(list) = v else {
                return Err(error("a repeated field holds a value that is not a list"));
            };
            w.begin_array();
            for (i, x) in list.iter().enumerate() {
                if let Err(e) = self.singular(w, pool, f.kind, x) {
                    w.end_array();
                    return Err(at(e, &format!("[{i}]")));
                }
            }
            w.end_array();
            return Ok(());
        }
        self.singular(w, pool, f.kind, v)
    }

    fn singular(
        &mut self,
        w: &mut Writer,
        pool: &PoolInner,
        kind: KindIndex,
        v: &Value,
    ) -> Result<(), Error> {
        match (kind, v) {
            (KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32, Value::I32(x)) => {
                w.int(i64::from(*x))
            }
            (KindIndex::Uint32 | KindIndex::Fixed32, Value::U32(x)) => w.uint(u64::from(*x)),
            (KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64, Value::I64(x)) => {
                w.quoted_int(*x)
            }
            (KindIndex::Uint64 | KindIndex::Fixed64, Value::U64(x)) => w.quoted_uint(*x),
            (KindIndex::Float, Value::F32(x)) => w.f32(*x),
            (KindIndex::Double, Value::F64(x)) => w.f64(*x),
            (KindIndex::Bool, Value::Bool(x)) => w.bool(*x),
            (KindIndex::String, Value::String(s)) => w.string(s),
            (KindIndex::Bytes, Value::Bytes(b)) => w.base64(b),
            (KindIndex::Enum(e), Value::EnumNumber(n)) => {
                let en = &pool.enums[e as usize];
                if &*en.full_name == "google.protobuf.NullValue" {
                    w.null();
                } else if self.opts.enums_as_ints {
                    w.int(i64::from(*n));
                } else {
                    match en.by_number.binary_search_by_key(n, |&(x, _)| x) {
                        Ok(i) => w.string(&pool.enum_values[en.by_number[i].1 as usize].name),
                        Err(_) => w.int(i64::from(*n)),
                    }
                }
            }
            (KindIndex::Message(_), Value::Message(m)) => return self.message(w, m),
            _ => return Err(error("a field holds a value of another type")),
        }
        Ok(())
    }

    fn well_known(
        &mut self,
        w: &mut Writer,
        m: &DynamicMessage,
        wk: WellKnown,
    ) -> Result<(), Error> {
        let get = |n: u32| m.get_entry(n);
        let i64_at = |n| match get(n) {
            Some(Value::I64(v)) => *v,
            _ => 0,
        };
        let i32_at = |n| match get(n) {
            Some(Value::I32(v)) => *v,
            _ => 0,
        };
        match wk {
            WellKnown::Timestamp => {
                let mut s = String::from("\"");
                time::format_timestamp(&mut s, i64_at(1), i32_at(2)).map_err(error)?;
                s.push('"');
                w.raw(&s);
            }
            WellKnown::Duration => {
                let mut s = String::from("\"");
                time::format_duration(&mut s, i64_at(1), i32_at(2)).map_err(error)?;
                s.push('"');
                w.raw(&s);
            }
            WellKnown::FieldMask => {
                let mut joined = String::new();
                if let Some(Value::List(paths)) = get(1) {
                    for (i, p) in paths.iter().enumerate() {
                        let Value::String(p) = p else {
                            return Err(error("a FieldMask path that is not a string"));
                        };
                        let j = courier_json::wkt::field_mask_path_to_json(p).ok_or_else(|| {
                            error(format!(
                                "FieldMask path \"{p}\" has no lowerCamelCase form that reads back the same"
                            ))
                        })?;
                        if i > 0 {
                            joined.push(',');
                        }
                        joined.push_str(&j);
                    }
                }
                w.string(&joined);
            }
            WellKnown::Struct => {
                w.begin_object();
                if let Some(Value::Map(fields)) = get(1) {
                    for (k, v) in fields {
                        let key = map_key(k);
                        w.key(&key);
                        let r = match v {
                            Value::Message(v) => self.message(w, v),
                            _ => Err(error("a Struct value that is not a message")),
                        };
                        if let Err(e) = r {
                            w.end_object();
                            return Err(at(e, &key_seg(&key)));
                        }
                    }
                }
                w.end_object();
            }
            WellKnown::ListValue => {
                w.begin_array();
                if let Some(Value::List(values)) = get(1) {
                    for (i, v) in values.iter().enumerate() {
                        let r = match v {
                            Value::Message(v) => self.message(w, v),
                            _ => Err(error("a ListValue element that is not a message")),
                        };
                        if let Err(e) = r {
                            w.end_array();
                            return Err(at(e, &format!("[{i}]")));
                        }
                    }
                }
                w.end_array();
            }
            WellKnown::Value => match m.fields.first() {
                Some(e) => match (e.number, &e.value) {
                    (1, _) => w.null(),
                    (2, Value::F64(x)) => {
                        if !x.is_finite() {
                            return Err(error(
                                "a Value's number_value is NaN or infinite, which JSON cannot hold",
                            ));
                        }
                        w.f64(*x);
                    }
                    (3, Value::String(s)) => w.string(s),
                    (4, Value::Bool(b)) => w.bool(*b),
                    (5 | 6, Value::Message(x)) => return self.message(w, x),
                    _ => return Err(error("a Value with a field of another type")),
                },
                None => return Err(error("a Value with no kind set")),
            },
            WellKnown::Any => return self.any(w, m),
            WellKnown::Empty => unreachable!("Empty prints as a message"),
            _ => {
                // The wrappers: the wrapped value itself.
                let pool = m.desc.pool_inner();
                let msg = m.desc.inner();
                let Some(&vf) = msg.by_number.first() else {
                    return Err(error("a wrapper without its value field"));
                };
                let kind = pool.fields[vf as usize].kind;
                match get(1) {
                    Some(v) => self.singular(w, pool, kind, v)?,
                    None => {
                        let zero = zero_value(m.desc.parent_pool(), kind);
                        self.singular(w, pool, kind, &zero)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn any(&mut self, w: &mut Writer, m: &DynamicMessage) -> Result<(), Error> {
        let url = match m.get_entry(1) {
            Some(Value::String(s)) => s.as_str(),
            _ => "",
        };
        let value: &[u8] = match m.get_entry(2) {
            Some(Value::Bytes(b)) => b,
            _ => &[],
        };
        if url.is_empty() {
            if value.is_empty() {
                w.begin_object();
                w.end_object();
                return Ok(());
            }
            return Err(error("an Any with a value but no type URL"));
        }
        let desc = self
            .resolver
            .resolve_message(url)
            .ok_or_else(|| error(format!("cannot resolve the Any type URL \"{url}\"")))?;
        let limit = DEPTH_LIMIT.saturating_sub(self.depth).min(100);
        let inner = DynamicMessage::decode_with(
            desc.clone(),
            value,
            &courier_wire::DecodeOptions::new().with_recursion_limit(limit),
        )
        .map_err(|e| {
            error(format!(
                "the Any's value is not a valid {}: {e}",
                desc.full_name()
            ))
        })?;
        w.begin_object();
        w.key("@type");
        w.string(url);
        let r = match desc.well_known() {
            Some(wk) if wk != WellKnown::Empty => {
                w.key("value");
                self.message(w, &inner).map_err(|e| at(e, ".value"))
            }
            _ => self.fields(w, &inner),
        };
        w.end_object();
        r
    }
}
