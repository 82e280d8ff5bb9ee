//! ProtoJSON → DynamicMessage.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::{Error, ParseOptions, Peek, Reader, scalar, time};
use crate::descriptor::{
    Cardinality, FieldInner, KindIndex, MessageDescriptor, PoolInner, WellKnown,
};
use crate::dynamic::{DynamicMessage, MapKey, Value, map_entry_fields, put, slot};
use crate::resolver::TypeResolver;

pub(super) struct Parser<'o> {
    opts: &'o ParseOptions,
    resolver: &'o dyn TypeResolver,
}

/// A parsed value, or nothing (`null` for a field that `null` leaves unset, an unknown enum
/// name skipped with `ignore_unknown_fields`).
type Parsed = Option<Value>;

fn is_null_value(pool: &PoolInner, kind: KindIndex) -> bool {
    matches!(kind, KindIndex::Enum(e) if &*pool.enums[e as usize].full_name == "google.protobuf.NullValue")
}

fn is_value_message(pool: &PoolInner, kind: KindIndex) -> bool {
    matches!(kind, KindIndex::Message(m) if pool.messages[m as usize].well_known == Some(WellKnown::Value))
}

impl<'o> Parser<'o> {
    pub(super) fn new(opts: &'o ParseOptions, resolver: &'o dyn TypeResolver) -> Parser<'o> {
        Parser { opts, resolver }
    }

    /// The top-level value: a message in its JSON form (`null` only for `Value`).
    pub(super) fn top(&mut self, r: &mut Reader<'_>, m: &mut DynamicMessage) -> Result<(), Error> {
        if r.peek()? == Peek::Null && m.desc.well_known() != Some(WellKnown::Value) {
            return Err(r.error("expected an object, found null"));
        }
        self.message(r, m)
    }

    /// A message value (object, or a well-known type's special form) merged into `m`.
    fn message(&mut self, r: &mut Reader<'_>, m: &mut DynamicMessage) -> Result<(), Error> {
        match m.desc.well_known() {
            Some(wk) if wk != WellKnown::Empty => self.well_known(r, m, wk),
            _ => {
                r.begin_object()?;
                self.members(r, m, false)
            }
        }
    }

    /// The members of an object whose `{` was read, up to and including its `}`. With
    /// `skip_type`, an `@type` member (of an `Any`) is passed over.
    fn members(
        &mut self,
        r: &mut Reader<'_>,
        m: &mut DynamicMessage,
        skip_type: bool,
    ) -> Result<(), Error> {
        let pool = m.desc.parent_pool().clone();
        let inner = &*pool.inner;
        let msg = &inner.messages[m.desc.index_in_pool() as usize];
        // Fields seen (duplicates are errors) and oneofs set (two members are errors).
        let mut seen: Vec<u32> = Vec::new();
        let mut oneofs: Vec<u32> = Vec::new();
        while let Some(key) = r.next_key()? {
            if skip_type && key == "@type" {
                r.skip_value()?;
                continue;
            }
            let field = match msg.json_names.get(&*key) {
                Some(&f) => Some(f),
                None if key.starts_with('[') && key.ends_with(']') => {
                    let name = &key[1..key.len() - 1];
                    match inner.symbol(name) {
                        Some(crate::descriptor::Symbol::Extension(x))
                            if inner.fields[x as usize].message == m.desc.index_in_pool() =>
                        {
                            Some(x)
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            let Some(fi) = field else {
                if self.opts.ignore_unknown_fields {
                    r.skip_value()?;
                    continue;
                }
                return Err(r.error(format!("{} has no field named \"{key}\"", msg.full_name)));
            };
            let f = &inner.fields[fi as usize];
            // json.md, Duplicate values: implementations that do not keep member order
            // "should reject inputs with duplicate keys"; protobuf's conformance suite
            // requires it, alternate spellings included.
            // <https://protobuf.dev/programming-guides/json/#duplicate-values>
            if seen.contains(&fi) {
                return Err(r.error(format!("field \"{}\" appears twice", f.name)));
            }
            seen.push(fi);
            let set = self.field(r, m, inner, f, fi)?;
            if set {
                if let Some(o) = f.oneof {
                    // proto3 `optional`'s synthetic oneof has one member: never two set.
                    if oneofs.contains(&o) {
                        return Err(r.error(format!(
                            "more than one field of oneof \"{}\" is set",
                            inner.oneofs[o as usize].name
                        )));
                    }
                    oneofs.push(o);
                }
            }
        }
        Ok(())
    }

    /// One field's value; returns whether the field was set (`null` leaves most fields unset).
    fn field(
        &mut self,
        r: &mut Reader<'_>,
        m: &mut DynamicMessage,
        pool: &PoolInner,
        f: &FieldInner,
        fi: u32,
    ) -> Result<bool, Error> {
        let number = f.number;
        if f.map {
            if r.peek()? == Peek::Null {
                r.read_null()?;
                return Ok(false);
            }
            let KindIndex::Message(entry) = f.kind else {
                return Err(r.error("malformed map field"));
            };
            let (kf, vf) = map_entry_fields(pool, entry);
            let (kkind, vkind) = (kf.kind, vf.kind);
            r.begin_object()?;
            let mut entries = Vec::new();
            while let Some(k) = r.next_key()? {
                let key = self.map_key(r, kkind, &k)?;
                if r.peek()? == Peek::Null
                    && !is_value_message(pool, vkind)
                    && !is_null_value(pool, vkind)
                {
                    return Err(r.error("null is not a valid map value"));
                }
                match self.singular(r, m, pool, vkind)? {
                    Some(v) => entries.push((key, v)),
                    None => continue,
                }
            }
            let map = slot(&mut m.fields, pool, fi, number, || {
                Value::Map(BTreeMap::new())
            });
            if !matches!(map, Value::Map(_)) {
                *map = Value::Map(BTreeMap::new());
            }
            if let Value::Map(map) = map {
                map.extend(entries);
            }
            return Ok(true);
        }
        if f.cardinality == Cardinality::Repeated {
            if r.peek()? == Peek::Null {
                r.read_null()?;
                return Ok(false);
            }
            r.begin_array()?;
            let mut items = Vec::new();
            while r.next_element()? {
                // json.md, Null values: "`null` values are not allowed within repeated fields."
                // <https://protobuf.dev/programming-guides/json/#null-values>
                if r.peek()? == Peek::Null
                    && !is_value_message(pool, f.kind)
                    && !is_null_value(pool, f.kind)
                {
                    return Err(r.error("null is not allowed in a repeated field"));
                }
                if let Some(v) = self.singular(r, m, pool, f.kind)? {
                    items.push(v);
                }
            }
            let list = slot(&mut m.fields, pool, fi, number, || Value::List(Vec::new()));
            if !matches!(list, Value::List(_)) {
                *list = Value::List(Vec::new());
            }
            if let Value::List(list) = list {
                list.extend(items);
            }
            return Ok(true);
        }
        // <https://protobuf.dev/programming-guides/json/#null-values>
        // json.md, Null values: "Parsers accept `null` as a legal value for any field" and it
        // leaves the field unset — except `google.protobuf.Value` and `NullValue`, for which
        // null is a value.
        if r.peek()? == Peek::Null
            && !is_value_message(pool, f.kind)
            && !is_null_value(pool, f.kind)
        {
            r.read_null()?;
            return Ok(false);
        }
        if let KindIndex::Message(mi) = f.kind {
            // Merge into the field's message (created, and oneof siblings cleared, as needed).
            let desc = MessageDescriptor::new(m.desc.parent_pool().clone(), mi);
            let v = slot(&mut m.fields, pool, fi, number, || {
                Value::Message(Box::new(DynamicMessage::new(desc.clone())))
            });
            if !matches!(v, Value::Message(_)) {
                *v = Value::Message(Box::new(DynamicMessage::new(desc)));
            }
            if let Value::Message(child) = v {
                self.message(r, child)?;
            }
            return Ok(true);
        }
        match self.singular(r, m, pool, f.kind)? {
            Some(v) => {
                put(&mut m.fields, pool, fi, number, v);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// One value of `kind`.
    fn singular(
        &mut self,
        r: &mut Reader<'_>,
        m: &DynamicMessage,
        pool: &PoolInner,
        kind: KindIndex,
    ) -> Result<Parsed, Error> {
        Ok(Some(match kind {
            KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => {
                Value::I32(scalar::read_i32(r)?)
            }
            KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => {
                Value::I64(scalar::read_i64(r)?)
            }
            KindIndex::Uint32 | KindIndex::Fixed32 => Value::U32(scalar::read_u32(r)?),
            KindIndex::Uint64 | KindIndex::Fixed64 => Value::U64(scalar::read_u64(r)?),
            KindIndex::Float => Value::F32(scalar::read_f32(r)?),
            KindIndex::Double => Value::F64(scalar::read_f64(r)?),
            KindIndex::Bool => Value::Bool(r.read_bool()?),
            KindIndex::String => Value::String(r.read_string()?.into_owned()),
            KindIndex::Bytes => Value::Bytes(Bytes::from(scalar::read_bytes(r)?)),
            KindIndex::Enum(e) => return self.enumeration(r, pool, e),
            KindIndex::Message(mi) => {
                let desc = MessageDescriptor::new(m.desc.parent_pool().clone(), mi);
                let mut child = DynamicMessage::new(desc);
                self.message(r, &mut child)?;
                Value::Message(Box::new(child))
            }
        }))
    }

    fn enumeration(
        &mut self,
        r: &mut Reader<'_>,
        pool: &PoolInner,
        e: u32,
    ) -> Result<Parsed, Error> {
        let en = &pool.enums[e as usize];
        match r.peek()? {
            Peek::Null if &*en.full_name == "google.protobuf.NullValue" => {
                r.read_null()?;
                Ok(Some(Value::EnumNumber(0)))
            }
            Peek::String => {
                let s = r.read_string()?;
                match en.by_name.get(&*s) {
                    Some(&v) => Ok(Some(Value::EnumNumber(pool.enum_values[v as usize].number))),
                    None if self.opts.ignore_unknown_fields => Ok(None),
                    None => Err(r.error(format!("{} has no value named \"{s}\"", en.full_name))),
                }
            }
            Peek::Number => {
                let n = r.read_number()?;
                let v = n
                    .to_i32()
                    .ok_or_else(|| r.error(format!("{} is not an enum number", n.as_str())))?;
                let known = en.by_number.binary_search_by_key(&v, |&(x, _)| x).is_ok();
                if en.closed && !known {
                    if self.opts.ignore_unknown_fields {
                        return Ok(None);
                    }
                    return Err(r.error(format!(
                        "{v} is not a value of the closed enum {}",
                        en.full_name
                    )));
                }
                Ok(Some(Value::EnumNumber(v)))
            }
            other => Err(r.error(format!(
                "expected an enum name or number, found {}",
                other.describe()
            ))),
        }
    }

    fn map_key(&mut self, r: &Reader<'_>, kind: KindIndex, k: &str) -> Result<MapKey, Error> {
        Ok(match kind {
            KindIndex::Bool => MapKey::Bool(scalar::map_key_bool(r, k)?),
            KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => {
                MapKey::I32(scalar::map_key(r, k, |n| n.to_i32())?)
            }
            KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => {
                MapKey::I64(scalar::map_key(r, k, |n| n.to_i64())?)
            }
            KindIndex::Uint32 | KindIndex::Fixed32 => {
                MapKey::U32(scalar::map_key(r, k, |n| n.to_u32())?)
            }
            KindIndex::Uint64 | KindIndex::Fixed64 => {
                MapKey::U64(scalar::map_key(r, k, |n| n.to_u64())?)
            }
            KindIndex::String => MapKey::String(k.to_owned()),
            _ => return Err(r.error("malformed map key type")),
        })
    }

    fn well_known(
        &mut self,
        r: &mut Reader<'_>,
        m: &mut DynamicMessage,
        wk: WellKnown,
    ) -> Result<(), Error> {
        let pool = m.desc.parent_pool().clone();
        let inner = &*pool.inner;
        let field = |m: &DynamicMessage, n: u32| inner.field_by_number(m.desc.inner(), n);
        let set = |m: &mut DynamicMessage, n: u32, v: Value| {
            if let Some(fi) = field(m, n) {
                put(&mut m.fields, inner, fi, n, v);
            }
        };
        match wk {
            WellKnown::Timestamp => {
                let s = r.read_string()?;
                let (secs, nanos) = time::parse_timestamp(&s).map_err(|e| r.error(e))?;
                m.clear();
                set(m, 1, Value::I64(secs));
                set(m, 2, Value::I32(nanos));
            }
            WellKnown::Duration => {
                let s = r.read_string()?;
                let (secs, nanos) = time::parse_duration(&s).map_err(|e| r.error(e))?;
                m.clear();
                set(m, 1, Value::I64(secs));
                set(m, 2, Value::I32(nanos));
            }
            WellKnown::FieldMask => {
                let s = r.read_string()?;
                let mut paths = Vec::new();
                if !s.is_empty() {
                    for p in s.split(',') {
                        let snake = courier_json::wkt::field_mask_path_from_json(p)
                            .ok_or_else(|| r.error(format!("invalid FieldMask path \"{p}\"")))?;
                        paths.push(Value::String(snake));
                    }
                }
                m.clear();
                set(m, 1, Value::List(paths));
            }
            WellKnown::Struct => {
                r.begin_object()?;
                let vdesc = self.value_desc(r, inner, m, 1)?;
                let mut fields = BTreeMap::new();
                while let Some(k) = r.next_key()? {
                    let mut v = DynamicMessage::new(vdesc.clone());
                    self.message(r, &mut v)?;
                    fields.insert(MapKey::String(k.into_owned()), Value::from(v));
                }
                let existing = field(m, 1)
                    .map(|fi| slot(&mut m.fields, inner, fi, 1, || Value::Map(BTreeMap::new())));
                if let Some(Value::Map(map)) = existing {
                    map.extend(fields);
                }
            }
            WellKnown::ListValue => {
                r.begin_array()?;
                let vdesc = self.value_desc(r, inner, m, 1)?;
                let mut values = Vec::new();
                while r.next_element()? {
                    let mut v = DynamicMessage::new(vdesc.clone());
                    self.message(r, &mut v)?;
                    values.push(Value::from(v));
                }
                let existing = field(m, 1)
                    .map(|fi| slot(&mut m.fields, inner, fi, 1, || Value::List(Vec::new())));
                if let Some(Value::List(list)) = existing {
                    list.extend(values);
                }
            }
            WellKnown::Value => {
                m.clear();
                match r.peek()? {
                    Peek::Null => {
                        r.read_null()?;
                        set(m, 1, Value::EnumNumber(0));
                    }
                    Peek::Number => {
                        let n = r.read_number()?;
                        let v = n.to_f64().ok_or_else(|| {
                            r.error(format!("{} is out of range for a double", n.as_str()))
                        })?;
                        set(m, 2, Value::F64(v));
                    }
                    Peek::String => set(m, 3, Value::String(r.read_string()?.into_owned())),
                    Peek::Bool => set(m, 4, Value::Bool(r.read_bool()?)),
                    Peek::Object => {
                        let sdesc = self.child_desc(r, inner, m, 5)?;
                        let mut s = DynamicMessage::new(sdesc);
                        self.message(r, &mut s)?;
                        set(m, 5, Value::from(s));
                    }
                    Peek::Array => {
                        let ldesc = self.child_desc(r, inner, m, 6)?;
                        let mut l = DynamicMessage::new(ldesc);
                        self.message(r, &mut l)?;
                        set(m, 6, Value::from(l));
                    }
                }
            }
            WellKnown::Any => self.any(r, m)?,
            WellKnown::Empty => unreachable!("Empty parses as a message"),
            _ => {
                // The wrappers: the wrapped value itself.
                let Some(fi) = field(m, 1) else {
                    return Err(r.error("a wrapper without its value field"));
                };
                let kind = inner.fields[fi as usize].kind;
                if r.peek()? == Peek::Null {
                    return Err(r.error("null is not a valid wrapper value here"));
                }
                if let Some(v) = self.singular(r, m, inner, kind)? {
                    m.clear();
                    put(&mut m.fields, inner, fi, 1, v);
                }
            }
        }
        Ok(())
    }

    /// The message type of field `number` of `m`.
    fn child_desc(
        &self,
        r: &Reader<'_>,
        pool: &PoolInner,
        m: &DynamicMessage,
        number: u32,
    ) -> Result<MessageDescriptor, Error> {
        let fi = pool
            .field_by_number(m.desc.inner(), number)
            .ok_or_else(|| r.error("malformed well-known type"))?;
        match pool.fields[fi as usize].kind {
            KindIndex::Message(mi) => Ok(MessageDescriptor::new(m.desc.parent_pool().clone(), mi)),
            _ => Err(r.error("malformed well-known type")),
        }
    }

    /// The `google.protobuf.Value` type of a Struct's map or a ListValue's list (field
    /// `number`).
    fn value_desc(
        &self,
        r: &Reader<'_>,
        pool: &PoolInner,
        m: &DynamicMessage,
        number: u32,
    ) -> Result<MessageDescriptor, Error> {
        let fi = pool
            .field_by_number(m.desc.inner(), number)
            .ok_or_else(|| r.error("malformed well-known type"))?;
        let f = &pool.fields[fi as usize];
        let kind = if f.map {
            match f.kind {
                KindIndex::Message(e) => map_entry_fields(pool, e).1.kind,
                _ => return Err(r.error("malformed well-known type")),
            }
        } else {
            f.kind
        };
        match kind {
            KindIndex::Message(mi) => Ok(MessageDescriptor::new(m.desc.parent_pool().clone(), mi)),
            _ => Err(r.error("malformed well-known type")),
        }
    }

    /// `{"@type": url, ...fields}` or `{"@type": url, "value": special form}`.
    fn any(&mut self, r: &mut Reader<'_>, m: &mut DynamicMessage) -> Result<(), Error> {
        let Some(url) = courier_json::wkt::begin_any(r)? else {
            // An empty Any.
            m.clear();
            return Ok(());
        };
        let desc = self
            .resolver
            .resolve_message(&url)
            .ok_or_else(|| r.error(format!("cannot resolve the Any type URL \"{url}\"")))?;
        let mut inner = DynamicMessage::new(desc.clone());
        match desc.well_known() {
            Some(wk) if wk != WellKnown::Empty => {
                let mut got_value = false;
                while let Some(k) = r.next_key()? {
                    match &*k {
                        "@type" => r.skip_value()?,
                        "value" if !got_value => {
                            got_value = true;
                            self.message(r, &mut inner)?;
                        }
                        "value" => return Err(r.error("\"value\" appears twice")),
                        other if self.opts.ignore_unknown_fields => {
                            let _ = other;
                            r.skip_value()?;
                        }
                        other => {
                            return Err(r.error(format!(
                                "an Any holding a {} has only \"@type\" and \"value\", not \"{other}\"",
                                desc.full_name()
                            )));
                        }
                    }
                }
                if !got_value {
                    return Err(r.error(format!(
                        "an Any holding a {} needs a \"value\"",
                        desc.full_name()
                    )));
                }
            }
            _ => self.members(r, &mut inner, true)?,
        }
        m.clear();
        let pool = m.desc.parent_pool().clone();
        let p = &*pool.inner;
        if let Some(fi) = p.field_by_number(m.desc.inner(), 1) {
            put(&mut m.fields, p, fi, 1, Value::String(url));
        }
        if let Some(fi) = p.field_by_number(m.desc.inner(), 2) {
            put(
                &mut m.fields,
                p,
                fi,
                2,
                Value::Bytes(inner.encode_to_bytes()),
            );
        }
        Ok(())
    }
}
