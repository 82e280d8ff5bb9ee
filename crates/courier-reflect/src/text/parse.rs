//! Text format → DynamicMessage, per textformat-spec.md "Syntax Elements".
//! <https://protobuf.dev/reference/protobuf/textformat-spec/#syntax>

use std::collections::BTreeMap;

use bytes::Bytes;

use super::ParseOptions;
use super::lexer::{Error, Lexer, Tok};
use super::print::{group_like, printable_extension_name};
use crate::descriptor::{
    Cardinality, FieldInner, KindIndex, MessageDescriptor, PoolInner, Symbol, WellKnown,
};
use crate::dynamic::{DynamicMessage, MapKey, Value, put, slot};
use crate::resolver::TypeResolver;

pub(super) struct Parser<'a, 'o> {
    pub(super) lex: Lexer<'a>,
    opts: &'o ParseOptions,
    resolver: &'o dyn TypeResolver,
    depth: u32,
}

/// What a field name in brackets named.
enum Bracketed {
    Extension(u32),
    Any(String),
}

impl<'a, 'o> Parser<'a, 'o> {
    pub(super) fn new(
        src: &'a str,
        opts: &'o ParseOptions,
        resolver: &'o dyn TypeResolver,
    ) -> Parser<'a, 'o> {
        Parser {
            lex: Lexer::new(src),
            opts,
            resolver,
            depth: 0,
        }
    }

    fn expect(&mut self, sym: u8) -> Result<(), Error> {
        match self.lex.next()? {
            Tok::Sym(c) if c == sym => Ok(()),
            _ => Err(self.lex.error(format!("expected '{}'", sym as char))),
        }
    }

    fn eat(&mut self, sym: u8) -> Result<bool, Error> {
        if *self.lex.peek()? == Tok::Sym(sym) {
            self.lex.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// `Message = { Field }`, until `end` (`}` or `>`) or, for the top level, the input's end.
    pub(super) fn body(&mut self, m: &mut DynamicMessage, end: Option<u8>) -> Result<(), Error> {
        let pool = m.desc.parent_pool().clone();
        let inner = &*pool.inner;
        let msg = &inner.messages[m.desc.index_in_pool() as usize];
        // Non-repeated fields seen (twice is an error), oneofs set (two members is an error).
        let mut seen: Vec<u32> = Vec::new();
        let mut oneofs: Vec<u32> = Vec::new();
        let mut any_expanded = false;
        loop {
            let start = self.lex.peek_start()?;
            match self.lex.peek()? {
                Tok::Eof if end.is_none() => return Ok(()),
                Tok::Eof => {
                    return Err(self
                        .lex
                        .error_at(start, "unexpected end of input in a message"));
                }
                Tok::Sym(c) if Some(*c) == end => {
                    self.lex.next()?;
                    return Ok(());
                }
                _ => {}
            }
            let fi = match self.lex.next()? {
                Tok::Sym(b'[') => match self.bracketed(inner, m)? {
                    Bracketed::Extension(x) => x,
                    Bracketed::Any(url) => {
                        if msg.well_known != Some(WellKnown::Any) {
                            return Err(self.lex.error_at(
                                start,
                                format!("[{url}] can only expand a google.protobuf.Any"),
                            ));
                        }
                        if any_expanded || m.get_entry(1).is_some() || m.get_entry(2).is_some() {
                            return Err(self.lex.error_at(start, "an Any can hold only one value"));
                        }
                        any_expanded = true;
                        self.any_value(m, &url, start)?;
                        self.separator()?;
                        continue;
                    }
                },
                Tok::Ident(name) => match self.find_field(inner, msg, name) {
                    Some(f) => f,
                    None => {
                        // "`reserved` fields ... are simply ignored by text format."
                        // <https://protobuf.dev/reference/protobuf/textformat-spec/#fields>
                        let reserved = msg.reserved_names.iter().any(|r| **r == *name);
                        if reserved || self.opts.allow_unknown_fields {
                            self.skip_field_value()?;
                            self.separator()?;
                            continue;
                        }
                        return Err(self.lex.error_at(
                            start,
                            format!("{} has no field named \"{name}\"", msg.full_name),
                        ));
                    }
                },
                _ => return Err(self.lex.error_at(start, "expected a field name")),
            };
            let f = &inner.fields[fi as usize];
            if f.cardinality != Cardinality::Repeated {
                if seen.contains(&fi) {
                    return Err(self.lex.error_at(
                        start,
                        format!(
                            "non-repeated field \"{}\" is specified more than once",
                            f.name
                        ),
                    ));
                }
                seen.push(fi);
                if let Some(o) = f.oneof {
                    if oneofs.contains(&o) {
                        return Err(self.lex.error_at(
                            start,
                            format!(
                                "more than one field of oneof \"{}\" is specified",
                                inner.oneofs[o as usize].name
                            ),
                        ));
                    }
                    oneofs.push(o);
                }
            }
            self.field(m, inner, f, fi)?;
            self.separator()?;
        }
    }

    /// An optional `;` or `,` after a field.
    fn separator(&mut self) -> Result<(), Error> {
        if !self.eat(b';')? {
            self.eat(b',')?;
        }
        Ok(())
    }

    fn find_field(
        &self,
        pool: &PoolInner,
        msg: &crate::descriptor::MessageInner,
        name: &str,
    ) -> Option<u32> {
        // A group may be named by its field name or (as protoc prints it) its type's name.
        if let Some(&f) = msg.json_names.get(name) {
            if *pool.fields[f as usize].name == *name {
                return Some(f);
            }
        }
        msg.fields.iter().copied().find(|&f| {
            let fi = &pool.fields[f as usize];
            group_like(pool, fi) && group_named(pool, fi, name)
        })
    }

    /// `[a.b.c]` or `[url/type.Name]` (the `[` was read): the words joined, whitespace and
    /// comments between them skipped.
    fn bracketed(&mut self, pool: &PoolInner, m: &DynamicMessage) -> Result<Bracketed, Error> {
        let start = self.lex.peek_start()?;
        let mut name = String::new();
        let mut toks = Vec::new();
        loop {
            let t = self.lex.next()?;
            match &t {
                Tok::Sym(b']') => break,
                Tok::Ident(s) => name.push_str(s),
                Tok::Int { digits, radix: 10 } => name.push_str(digits),
                Tok::Sym(c @ (b'.' | b'/' | b'-')) => name.push(*c as char),
                _ => return Err(self.lex.error("invalid character in a bracketed name")),
            }
            toks.push(t);
        }
        // Whitespace and comments between the parts are skipped, but the parts must still
        // make one name: joined, they read as the same tokens (`a b` is not `ab`, `1 .x` not
        // `1.x`), so that printing the name gives text that reads back the same.
        let mut again = Lexer::new(&name);
        for t in &toks {
            if again.next().ok().as_ref() != Some(t) {
                return Err(self.lex.error_at(start, format!("invalid name \"{name}\"")));
            }
        }
        // TypeName = IDENT, { ".", IDENT }
        let type_name = name.rsplit('/').next().unwrap_or("");
        let valid_type = !type_name.is_empty()
            && type_name.split('.').all(|p| {
                p.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                    && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        if !valid_type {
            return Err(self
                .lex
                .error_at(start, format!("invalid type name in \"{name}\"")));
        }
        if name.contains('/') {
            return Ok(Bracketed::Any(name));
        }
        let here = m.desc.index_in_pool();
        match pool.symbol(&name) {
            Some(Symbol::Extension(x)) if pool.fields[x as usize].message == here => {
                Ok(Bracketed::Extension(x))
            }
            // A message-set extension may go by its message type's name.
            _ => pool.messages[here as usize]
                .extensions
                .iter()
                .map(|&(_, x)| x)
                .find(|&x| printable_extension_name(pool, &pool.fields[x as usize]) == name)
                .map(Bracketed::Extension)
                .ok_or_else(|| {
                    self.lex.error_at(
                        start,
                        format!("{} has no extension named \"{name}\"", m.desc.full_name()),
                    )
                }),
        }
    }

    /// The value of an expanded `Any`: `[url] { ... }` (the name was read).
    fn any_value(&mut self, m: &mut DynamicMessage, url: &str, at: usize) -> Result<(), Error> {
        let desc = self.resolver.resolve_message(url).ok_or_else(|| {
            self.lex
                .error_at(at, format!("cannot resolve the Any type URL \"{url}\""))
        })?;
        self.eat(b':')?;
        let mut inner = DynamicMessage::new(desc);
        self.message_value(&mut inner)?;
        let pool = m.desc.parent_pool().clone();
        let p = &*pool.inner;
        if let Some(fi) = p.field_by_number(m.desc.inner(), 1) {
            put(&mut m.fields, p, fi, 1, Value::String(url.to_owned()));
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

    /// `{ Message }` or `< Message >`.
    fn message_value(&mut self, m: &mut DynamicMessage) -> Result<(), Error> {
        let end = match self.lex.next()? {
            Tok::Sym(b'{') => b'}',
            Tok::Sym(b'<') => b'>',
            _ => return Err(self.lex.error("expected '{' or '<'")),
        };
        if self.depth >= self.opts.depth_limit {
            return Err(self.lex.error("messages nested too deeply"));
        }
        self.depth += 1;
        self.body(m, Some(end))?;
        self.depth -= 1;
        Ok(())
    }

    /// A field's value(s) after its name.
    fn field(
        &mut self,
        m: &mut DynamicMessage,
        pool: &PoolInner,
        f: &FieldInner,
        fi: u32,
    ) -> Result<(), Error> {
        let is_message = matches!(f.kind, KindIndex::Message(_));
        let colon = self.eat(b':')?;
        if !colon && !is_message {
            // "The `:` delimiter between the field name and value is required for scalar
            // fields but optional for message fields (including lists)."
            // <https://protobuf.dev/reference/protobuf/textformat-spec/#fields>
            return Err(self.lex.error("expected ':' after a scalar field's name"));
        }
        let repeated = f.cardinality == Cardinality::Repeated;
        if *self.lex.peek()? == Tok::Sym(b'[') {
            if !repeated {
                // "Non-`repeated` fields cannot use the list syntax."
                // <https://protobuf.dev/reference/protobuf/textformat-spec/#fields>
                return Err(self
                    .lex
                    .error(format!("field \"{}\" is not repeated", f.name)));
            }
            self.lex.next()?;
            if self.eat(b']')? {
                // An empty list still makes the field present (as nothing).
                return Ok(());
            }
            loop {
                self.one(m, pool, f, fi)?;
                if self.eat(b']')? {
                    return Ok(());
                }
                self.expect(b',')?;
            }
        }
        self.one(m, pool, f, fi)
    }

    /// One value of field `f` (one element of a repeated field, one map entry).
    fn one(
        &mut self,
        m: &mut DynamicMessage,
        pool: &PoolInner,
        f: &FieldInner,
        fi: u32,
    ) -> Result<(), Error> {
        let number = f.number;
        let root = m.desc.parent_pool().clone();
        if f.map {
            let KindIndex::Message(entry) = f.kind else {
                return Err(self.lex.error("malformed map field"));
            };
            let mut e = DynamicMessage::new(MessageDescriptor::new(root.clone(), entry));
            self.message_value(&mut e)?;
            let key = match e.remove(1) {
                Some(k) => {
                    MapKey::from_value(k).ok_or_else(|| self.lex.error("invalid map key"))?
                }
                None => MapKey::default_for(crate::dynamic::map_entry_fields(pool, entry).0.kind),
            };
            let vf = crate::dynamic::map_entry_fields(pool, entry).1;
            let value = match e.remove(2) {
                Some(v) => v,
                None => crate::dynamic::default_value(pool, &root, vf),
            };
            let map = slot(&mut m.fields, pool, fi, number, || {
                Value::Map(BTreeMap::new())
            });
            if let Value::Map(map) = map {
                // "If a key is duplicated, only the last-specified value will be retained."
                // <https://protobuf.dev/reference/protobuf/textformat-spec/#map>
                map.insert(key, value);
            }
            return Ok(());
        }
        let value = match f.kind {
            KindIndex::Message(mi) => {
                let mut child = DynamicMessage::new(MessageDescriptor::new(root, mi));
                self.message_value(&mut child)?;
                Value::Message(Box::new(child))
            }
            kind => self.scalar(pool, kind)?,
        };
        if f.cardinality == Cardinality::Repeated {
            if let Value::List(list) =
                slot(&mut m.fields, pool, fi, number, || Value::List(Vec::new()))
            {
                list.push(value);
            }
        } else {
            put(&mut m.fields, pool, fi, number, value);
        }
        Ok(())
    }

    /// A scalar value of `kind`, per textformat-spec.md "Value Types".
    fn scalar(&mut self, pool: &PoolInner, kind: KindIndex) -> Result<Value, Error> {
        let neg = self.eat(b'-')?;
        let tok = self.lex.next()?;
        let bad = |p: &Self, what: &str| p.lex.error(format!("expected {what}"));
        Ok(match kind {
            KindIndex::Float | KindIndex::Double => {
                let v: f64 = match tok {
                    Tok::Float(t) => float(t, kind == KindIndex::Float),
                    // "A `Float`, `DecSignedInteger`, or `DecUnsignedInteger` element ...
                    // Octal and hexadecimal values are not valid."
                    // <https://protobuf.dev/reference/protobuf/textformat-spec/#value>
                    Tok::Int { digits, radix: 10 } => float(digits, kind == KindIndex::Float),
                    Tok::Ident(s) => match s.to_ascii_lowercase().as_str() {
                        "inf" | "infinity" => f64::INFINITY,
                        "nan" => f64::NAN,
                        _ => return Err(bad(self, "a number")),
                    },
                    _ => return Err(bad(self, "a number")),
                };
                let v = if neg { -v } else { v };
                if kind == KindIndex::Float {
                    Value::F32(v as f32)
                } else {
                    Value::F64(v)
                }
            }
            KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => {
                let v = self.signed(tok, neg)?;
                Value::I32(
                    i32::try_from(v)
                        .map_err(|_| self.lex.error("integer out of range for a 32-bit field"))?,
                )
            }
            KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => {
                let v = self.signed(tok, neg)?;
                Value::I64(
                    i64::try_from(v)
                        .map_err(|_| self.lex.error("integer out of range for a 64-bit field"))?,
                )
            }
            KindIndex::Uint32 | KindIndex::Fixed32 => {
                let v = self.unsigned(tok, neg)?;
                Value::U32(
                    u32::try_from(v)
                        .map_err(|_| self.lex.error("integer out of range for a 32-bit field"))?,
                )
            }
            KindIndex::Uint64 | KindIndex::Fixed64 => Value::U64(self.unsigned(tok, neg)?),
            KindIndex::Bool => {
                if neg {
                    return Err(bad(self, "true or false"));
                }
                match tok {
                    Tok::Ident("true" | "True" | "t") => Value::Bool(true),
                    Tok::Ident("false" | "False" | "f") => Value::Bool(false),
                    Tok::Int { digits, radix } => match u64::from_str_radix(digits, radix) {
                        Ok(0) => Value::Bool(false),
                        Ok(1) => Value::Bool(true),
                        _ => return Err(bad(self, "true or false")),
                    },
                    _ => return Err(bad(self, "true or false")),
                }
            }
            KindIndex::String | KindIndex::Bytes => {
                if neg {
                    return Err(bad(self, "a string"));
                }
                let Tok::Str(mut bytes) = tok else {
                    return Err(bad(self, "a string"));
                };
                // "A single string value can comprise multiple quoted parts".
                // <https://protobuf.dev/reference/protobuf/textformat-spec/#literals>
                while let Tok::Str(_) = self.lex.peek()? {
                    if let Tok::Str(more) = self.lex.next()? {
                        bytes.extend_from_slice(&more);
                    }
                }
                if kind == KindIndex::String {
                    Value::String(
                        String::from_utf8(bytes)
                            .map_err(|_| self.lex.error("a string field's value is not UTF-8"))?,
                    )
                } else {
                    Value::Bytes(Bytes::from(bytes))
                }
            }
            KindIndex::Enum(e) => {
                let en = &pool.enums[e as usize];
                match tok {
                    Tok::Ident(name) if !neg => match en.by_name.get(name) {
                        Some(&v) => Value::EnumNumber(pool.enum_values[v as usize].number),
                        None => {
                            return Err(self
                                .lex
                                .error(format!("{} has no value named \"{name}\"", en.full_name)));
                        }
                    },
                    tok @ Tok::Int { .. } => {
                        let v = self.signed(tok, neg)?;
                        let v = i32::try_from(v)
                            .map_err(|_| self.lex.error("enum number out of range"))?;
                        if en.closed && en.by_number.binary_search_by_key(&v, |&(x, _)| x).is_err()
                        {
                            return Err(self.lex.error(format!(
                                "{v} is not a value of the closed enum {}",
                                en.full_name
                            )));
                        }
                        Value::EnumNumber(v)
                    }
                    _ => return Err(bad(self, "an enum value name or number")),
                }
            }
            KindIndex::Message(_) => return Err(bad(self, "a message")),
        })
    }

    fn magnitude(&self, tok: &Tok<'_>) -> Result<u64, Error> {
        match tok {
            Tok::Int { digits, radix } => {
                let digits = if digits.is_empty() { "0" } else { digits };
                u64::from_str_radix(digits, *radix)
                    .map_err(|_| self.lex.error("integer out of range"))
            }
            _ => Err(self.lex.error("expected an integer")),
        }
    }

    fn signed(&self, tok: Tok<'_>, neg: bool) -> Result<i128, Error> {
        let v = i128::from(self.magnitude(&tok)?);
        Ok(if neg { -v } else { v })
    }

    fn unsigned(&self, tok: Tok<'_>, neg: bool) -> Result<u64, Error> {
        if neg {
            // "Note that signed values (-0) are not valid."
            // <https://protobuf.dev/reference/protobuf/textformat-spec/#value>
            return Err(self
                .lex
                .error("an unsigned field cannot take a negative value"));
        }
        self.magnitude(&tok)
    }

    /// Skips the value of a field that is reserved (or unknown, when allowed).
    fn skip_field_value(&mut self) -> Result<(), Error> {
        let colon = self.eat(b':')?;
        match self.lex.peek()? {
            Tok::Sym(b'{' | b'<') => self.skip_message(),
            Tok::Sym(b'[') => {
                self.lex.next()?;
                if self.eat(b']')? {
                    return Ok(());
                }
                loop {
                    if matches!(self.lex.peek()?, Tok::Sym(b'{' | b'<')) {
                        self.skip_message()?;
                    } else {
                        self.skip_scalar()?;
                    }
                    if self.eat(b']')? {
                        return Ok(());
                    }
                    self.expect(b',')?;
                }
            }
            _ if colon => self.skip_scalar(),
            _ => Err(self.lex.error("expected ':' or a message")),
        }
    }

    fn skip_message(&mut self) -> Result<(), Error> {
        let end = match self.lex.next()? {
            Tok::Sym(b'{') => b'}',
            Tok::Sym(b'<') => b'>',
            _ => return Err(self.lex.error("expected '{' or '<'")),
        };
        if self.depth >= self.opts.depth_limit {
            return Err(self.lex.error("messages nested too deeply"));
        }
        self.depth += 1;
        loop {
            match self.lex.peek()? {
                Tok::Sym(c) if *c == end => {
                    self.lex.next()?;
                    break;
                }
                Tok::Eof => return Err(self.lex.error("unexpected end of input in a message")),
                _ => {}
            }
            match self.lex.next()? {
                Tok::Ident(_) => {}
                Tok::Sym(b'[') => loop {
                    match self.lex.next()? {
                        Tok::Sym(b']') => break,
                        Tok::Eof => return Err(self.lex.error("unterminated name")),
                        _ => {}
                    }
                },
                _ => return Err(self.lex.error("expected a field name")),
            }
            self.skip_field_value()?;
            self.separator()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn skip_scalar(&mut self) -> Result<(), Error> {
        self.eat(b'-')?;
        match self.lex.next()? {
            Tok::Str(_) => {
                while let Tok::Str(_) = self.lex.peek()? {
                    self.lex.next()?;
                }
                Ok(())
            }
            Tok::Ident(_) | Tok::Int { .. } | Tok::Float(_) => Ok(()),
            _ => Err(self.lex.error("expected a value")),
        }
    }
}

/// Whether `name` is group-like field `f`'s type name.
fn group_named(pool: &PoolInner, f: &FieldInner, name: &str) -> bool {
    matches!(f.kind, KindIndex::Message(m) if *pool.messages[m as usize].name == *name)
}

/// A `FLOAT` or decimal integer token as a float; overflow is infinity ("Overflows are
/// treated as infinity or -infinity"). A `float` field's value is rounded once, to `f32`.
fn float(text: &str, single: bool) -> f64 {
    let text = text.strip_suffix(['f', 'F']).unwrap_or(text);
    // `.5` and `1.` are FLOATs; Rust's parser takes both.
    if single {
        text.parse::<f32>().map_or(f64::NAN, f64::from)
    } else {
        text.parse::<f64>().unwrap_or(f64::NAN)
    }
}
