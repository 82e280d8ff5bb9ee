//! ProtoJSON code for generated messages, enums and extensions ([`Config::json`]), and serde
//! impls on top of it ([`Config::serde`]).
//!
//! Every message gets `impl courier_json::ProtoJson`: `write_json_fields` prints its fields in
//! number order (extensions found in the unknown fields at the place of their range), and
//! `merge_json_fields` matches each member name (the JSON name and the proto name of every
//! field, as a `match` on the key) and calls one `courier_json::rt` function per field shape.
//! The well-known types with a special JSON form (`Any`, `Timestamp`, `Duration`, `FieldMask`,
//! `Struct`, `ListValue`, `Value`, the wrappers) also override `write_json` and `merge_json`
//! with it, so that a user who compiles the well-known types gets the same JSON as
//! courier-types.
//!
//! [`Config::json`]: crate::Config::json
//! [`Config::serde`]: crate::Config::serde

use std::collections::HashMap;

use crate::generate::{Card, EnumRef, FieldPlan, FieldTy, MapValue, Member, OneofPlan, Scalar};
use crate::out::Out;

const J: &str = "::courier_json";
const RT: &str = "::courier_json::rt";
const K: &str = "::courier_wire::field::kind";
const OPT: &str = "::core::option::Option";
const RESULT: &str = "::core::result::Result<(), ::courier_json::Error>";

/// The well-known types whose JSON form is not an object of their fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wkt {
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    ListValue,
    Value,
    /// `DoubleValue`, ..., `BytesValue`: the wrapped value itself.
    Wrapper,
}

/// What the generator knows of one message, for its ProtoJSON impl.
#[derive(Debug)]
pub(crate) struct MessageJson<'a> {
    /// The struct's name.
    pub(crate) rust: &'a str,
    /// The module of its nested types (and oneof enums).
    pub(crate) mod_name: &'a str,
    pub(crate) fields: &'a [FieldPlan],
    pub(crate) oneofs: &'a [OneofPlan],
    /// Every field and oneof member, by number.
    pub(crate) all: &'a [(u32, Member)],
    /// The extension ranges, `[start, end)`, sorted.
    pub(crate) ext_ranges: &'a [(u32, u32)],
    /// Paths of the `<NAME>_JSON` constants of the extensions of this message generated in the
    /// same run.
    pub(crate) known_exts: &'a [String],
    pub(crate) wkt: Option<Wkt>,
    /// Whether the message uses the message-set wire format (its extensions are items).
    pub(crate) message_set: bool,
    /// For `Any`: the path of the package's `__json_any_fallback` function.
    pub(crate) any_fallback: Option<String>,
}

/// The well-known type `full` (`.google.protobuf.Timestamp`) is, if its fields are the ones the
/// special form needs.
pub(crate) fn wkt_of(full: &str, fields: &[FieldPlan], oneofs: &[OneofPlan]) -> Option<Wkt> {
    let name = full.strip_prefix(".google.protobuf.")?;
    let field = |n: &str| fields.iter().find(|p| p.proto_name == n);
    let scalar = |n: &str, module: &str| {
        field(n).is_some_and(|p| {
            matches!((&p.card, &p.ty), (Card::Implicit, FieldTy::Scalar(s, None)) if s.module == module)
        })
    };
    let wkt = match name {
        "Any" if scalar("type_url", "string") && scalar("value", "bytes") => Wkt::Any,
        "Timestamp" if scalar("seconds", "int64") && scalar("nanos", "int32") => Wkt::Timestamp,
        "Duration" if scalar("seconds", "int64") && scalar("nanos", "int32") => Wkt::Duration,
        "FieldMask"
            if field("paths").is_some_and(|p| {
                matches!((&p.card, &p.ty), (Card::Repeated { .. }, FieldTy::Scalar(s, None)) if s.module == "string")
            }) =>
        {
            Wkt::FieldMask
        }
        "Struct"
            if field("fields").is_some_and(|p| {
                matches!(&p.card, Card::Map { key, value: MapValue::Message(_), .. } if key.module == "string")
            }) =>
        {
            Wkt::Struct
        }
        "ListValue"
            if field("values").is_some_and(|p| {
                matches!((&p.card, &p.ty), (Card::Repeated { .. }, FieldTy::Message { .. }))
            }) =>
        {
            Wkt::ListValue
        }
        "Value" if value_members(oneofs).is_some() => Wkt::Value,
        "DoubleValue" if scalar("value", "double") => Wkt::Wrapper,
        "FloatValue" if scalar("value", "float") => Wkt::Wrapper,
        "Int64Value" if scalar("value", "int64") => Wkt::Wrapper,
        "UInt64Value" if scalar("value", "uint64") => Wkt::Wrapper,
        "Int32Value" if scalar("value", "int32") => Wkt::Wrapper,
        "UInt32Value" if scalar("value", "uint32") => Wkt::Wrapper,
        "BoolValue" if scalar("value", "bool") => Wkt::Wrapper,
        "StringValue" if scalar("value", "string") => Wkt::Wrapper,
        "BytesValue" if scalar("value", "bytes") => Wkt::Wrapper,
        _ => return None,
    };
    Some(wkt)
}

/// `google.protobuf.Value`'s oneof and its six members, in the order `null_value`,
/// `number_value`, `string_value`, `bool_value`, `struct_value`, `list_value`.
fn value_members(oneofs: &[OneofPlan]) -> Option<(&OneofPlan, [&FieldPlan; 6])> {
    let one = oneofs.iter().find(|o| o.members.len() == 6)?;
    let m = |n: &str| one.members.iter().find(|p| p.proto_name == n);
    Some((
        one,
        [
            m("null_value")?,
            m("number_value")?,
            m("string_value")?,
            m("bool_value")?,
            m("struct_value")?,
            m("list_value")?,
        ],
    ))
}

/// protoc's default JSON name: underscores removed, the letter after each one upper-cased.
pub(crate) fn default_json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` as a JSON string (quotes and escapes), as a Rust string literal.
fn quoted(s: &str) -> String {
    let mut j = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => j.push_str("\\\""),
            '\\' => j.push_str("\\\\"),
            c if (c as u32) < 0x20 => j.push_str(&format!("\\u{:04x}", c as u32)),
            c => j.push(c),
        }
    }
    j.push('"');
    format!("{j:?}")
}

/// The JSON kind of a scalar (courier-wire's kind, or `rt::Enum<E>` for an enum).
fn scalar_kind(s: &Scalar, e: &Option<EnumRef>) -> String {
    match e {
        Some(e) => format!("{RT}::Enum<{}>", e.path),
        None => format!("{K}::{}", s.kind),
    }
}

/// The JSON kind of one value of a field.
fn kind(ty: &FieldTy) -> String {
    match ty {
        FieldTy::Scalar(s, e) => scalar_kind(s, e),
        FieldTy::Message { path, .. } => format!("{K}::Message<{path}>"),
    }
}

fn map_value_kind(v: &MapValue) -> String {
    match v {
        MapValue::Scalar(s, e) => scalar_kind(s, e),
        MapValue::Message(p) => format!("{K}::Message<{p}>"),
    }
}

fn write_map_call(key: &Scalar, value: &MapValue, btree: bool, target: &str) -> String {
    let (kk, vk) = (format!("{K}::{}", key.kind), map_value_kind(value));
    if btree {
        format!("{RT}::write_btree_map::<{kk}, {vk}>({target}, w, p)")
    } else {
        format!("{RT}::write_hash_map::<{kk}, {vk}, _>({target}, w, p)")
    }
}

/// `p.key("\"jsonName\"", "\"proto_name\"")` and the plain names for error paths.
fn key_exprs(p: &FieldPlan) -> (String, String) {
    (
        format!("p.key({}, {})", quoted(&p.json_name), quoted(&p.proto_name)),
        format!("p.key({:?}, {:?})", p.json_name, p.proto_name),
    )
}

/// Prints one field (not a oneof member) of message `m`.
fn write_field(o: &mut Out, p: &FieldPlan) {
    let f = &p.rust;
    let (key, name) = key_exprs(p);
    let err = format!(".map_err(|e| {RT}::at_key(e, {name}))?;");
    match (&p.card, &p.ty) {
        (Card::Implicit, FieldTy::Scalar(s, e)) => {
            o.open(format!(
                "if p.emit_defaults() || {} {{",
                crate::generate::present_test(p, s).replace("self.", "m.")
            ));
            o.line(format!("w.escaped_key({key});"));
            o.line(format!(
                "<{} as {RT}::JsonKind>::write(&m.{f}, w, p)?;",
                scalar_kind(s, e)
            ));
            o.close("}");
        }
        (Card::Optional, FieldTy::Scalar(s, e)) => {
            o.open(format!("if let {OPT}::Some(v) = &m.{f} {{"));
            o.line(format!("w.escaped_key({key});"));
            o.line(format!(
                "<{} as {RT}::JsonKind>::write(v, w, p)?;",
                scalar_kind(s, e)
            ));
            o.close("}");
        }
        (Card::Optional, FieldTy::Message { boxed, .. }) => {
            o.open(format!("if let {OPT}::Some(v) = &m.{f} {{"));
            o.line(format!("w.escaped_key({key});"));
            let v = if *boxed { "&**v" } else { "v" };
            o.line(format!("{RT}::write_message({v}, w, p){err}"));
            o.close("}");
        }
        (Card::Implicit, FieldTy::Message { .. }) => {
            o.line(format!("w.escaped_key({key});"));
            o.line(format!("{RT}::write_message(&m.{f}, w, p){err}"));
        }
        (Card::Repeated { .. }, ty) => {
            o.open(format!("if p.emit_defaults() || !m.{f}.is_empty() {{"));
            o.line(format!("w.escaped_key({key});"));
            o.line(format!(
                "{RT}::write_list::<{}>(&m.{f}, w, p){err}",
                kind(ty)
            ));
            o.close("}");
        }
        (
            Card::Map {
                key: kk,
                value,
                btree,
            },
            _,
        ) => {
            o.open(format!("if p.emit_defaults() || !m.{f}.is_empty() {{"));
            o.line(format!("w.escaped_key({key});"));
            o.line(format!(
                "{}{err}",
                write_map_call(kk, value, *btree, &format!("&m.{f}"))
            ));
            o.close("}");
        }
    }
}

/// Prints one oneof member bound to `v` (a match arm's body).
fn write_member(o: &mut Out, p: &FieldPlan) {
    let (key, name) = key_exprs(p);
    o.line(format!("w.escaped_key({key});"));
    match &p.ty {
        FieldTy::Message { boxed, .. } => {
            let v = if *boxed { "&**v" } else { "v" };
            o.line(format!(
                "{RT}::write_message({v}, w, p).map_err(|e| {RT}::at_key(e, {name}))?;"
            ));
        }
        FieldTy::Scalar(s, e) => {
            o.line(format!(
                "<{} as {RT}::JsonKind>::write(v, w, p)?;",
                scalar_kind(s, e)
            ));
        }
    }
}

/// Prints the extensions of range `range` held in the unknown fields of `m`.
fn write_extension_range(o: &mut Out, m: &MessageJson<'_>, range: (u32, u32), known: &str) {
    o.open("if !m.unknown_fields.is_empty() {");
    o.line(format!(
        "{RT}::write_extensions(&m.unknown_fields, <{} as ::courier_wire::Message>::NAME, {}..{}, {known}, w, p)?;",
        m.rust, range.0, range.1
    ));
    o.close("}");
}

fn known_exts(m: &MessageJson<'_>) -> String {
    format!("&[{}]", m.known_exts.join(", "))
}

/// `write_json_fields`: every field in number order (extensions at the place of their range),
/// each printed by a small function of a table the loop runs through. The loop's own frame stays
/// small (in debug builds too, where one function printing every field would keep every
/// field's temporaries): it is what nested messages repeat on the stack.
fn write_fields_fn(o: &mut Out, m: &MessageJson<'_>) {
    o.open(format!(
        "fn write_json_fields(&self, w: &mut {J}::Writer, p: &mut {J}::Printer<'_>) -> {RESULT} {{"
    ));
    let known = known_exts(m);
    let mut steps: Vec<Out> = Vec::new();
    let no_ranges: &[(u32, u32)] = &[];
    let mut ranges = if m.message_set {
        no_ranges
    } else {
        m.ext_ranges
    }
    .iter()
    .peekable();
    let all = m.all;
    let mut k = 0;
    while k < all.len() {
        let n = all[k].0;
        while let Some(&&r) = ranges.peek() {
            if r.0 > n {
                break;
            }
            let mut step = Out::default();
            write_extension_range(&mut step, m, r, &known);
            steps.push(step);
            ranges.next();
        }
        let mut step = Out::default();
        match all[k].1 {
            Member::Field(i) => {
                write_field(&mut step, &m.fields[i]);
                k += 1;
            }
            Member::Oneof(oi, _) => {
                // A run of members of the same oneof with no other field between them.
                let one = &m.oneofs[oi];
                let mut run = Vec::new();
                while k < all.len() {
                    match all[k].1 {
                        Member::Oneof(o2, mi) if o2 == oi => {
                            run.push(mi);
                            k += 1;
                        }
                        _ => break,
                    }
                }
                step.open(format!("match &m.{} {{", one.rust_field));
                for mi in &run {
                    let p = &one.members[*mi];
                    step.open(format!(
                        "{OPT}::Some({}::{}::{}(v)) => {{",
                        m.mod_name, one.enum_name, p.rust
                    ));
                    write_member(&mut step, p);
                    step.close("}");
                }
                step.line("_ => {}");
                step.close("}");
            }
        }
        steps.push(step);
    }
    for &r in ranges {
        let mut step = Out::default();
        write_extension_range(&mut step, m, r, &known);
        steps.push(step);
    }
    if m.message_set {
        let mut step = Out::default();
        step.open("if !m.unknown_fields.is_empty() {");
        step.line(format!(
            "{RT}::write_message_set(&m.unknown_fields, <{} as ::courier_wire::Message>::NAME, {known}, w, p)?;",
            m.rust
        ));
        step.close("}");
        steps.push(step);
    }
    if steps.is_empty() {
        o.line("let _ = (w, p);");
        o.line("::core::result::Result::Ok(())");
        o.close("}");
        return;
    }
    o.line("#[allow(clippy::type_complexity)]");
    o.open(format!(
        "const STEPS: &[fn(&{}, &mut {J}::Writer, &mut {J}::Printer<'_>) -> {RESULT}] = &[",
        m.rust
    ));
    for step in steps {
        o.open("|m, w, p| {");
        for line in step.buf.lines() {
            o.line(line);
        }
        o.line("::core::result::Result::Ok(())");
        o.close("},");
    }
    o.close("];");
    o.open("for step in STEPS {");
    o.line("step(self, w, p)?;");
    o.close("}");
    o.line("::core::result::Result::Ok(())");
    o.close("}");
}

/// The member names that select each field or oneof member (by its index in `all`): the proto
/// names, then the JSON names (which win where one field's JSON name is another's proto name,
/// as in protoc's and courier-reflect's tables).
fn member_keys(m: &MessageJson<'_>) -> Vec<Vec<String>> {
    let plan = |mem: &Member| -> &FieldPlan {
        match *mem {
            Member::Field(i) => &m.fields[i],
            Member::Oneof(o, i) => &m.oneofs[o].members[i],
        }
    };
    let mut table: HashMap<&str, usize> = HashMap::new();
    for (i, (_, mem)) in m.all.iter().enumerate() {
        table.insert(&plan(mem).proto_name, i);
    }
    for (i, (_, mem)) in m.all.iter().enumerate() {
        table.insert(&plan(mem).json_name, i);
    }
    let mut keys = vec![Vec::new(); m.all.len()];
    for (i, (_, mem)) in m.all.iter().enumerate() {
        let p = plan(mem);
        for name in [&p.json_name, &p.proto_name] {
            if table.get(name.as_str()) == Some(&i) && !keys[i].contains(name) {
                keys[i].push(name.clone());
            }
        }
    }
    keys
}

/// The parser of one field (not a oneof member), as an expression over `m` (the message), `r`
/// and `p`.
fn read_field(p: &FieldPlan) -> String {
    let f = &p.rust;
    match (&p.card, &p.ty) {
        (Card::Implicit, FieldTy::Scalar(s, e)) => format!(
            "{RT}::merge_value::<{}>(r, p, &mut m.{f})",
            scalar_kind(s, e)
        ),
        (Card::Optional, FieldTy::Scalar(s, e)) => format!(
            "{RT}::merge_option::<{}>(r, p, &mut m.{f})",
            scalar_kind(s, e)
        ),
        (Card::Optional, FieldTy::Message { boxed: true, .. }) => {
            format!("{RT}::merge_boxed_message(r, p, &mut m.{f})")
        }
        (Card::Optional, FieldTy::Message { .. }) => {
            format!("{RT}::merge_message(r, p, &mut m.{f})")
        }
        (Card::Implicit, FieldTy::Message { .. }) => {
            format!("{J}::ProtoJson::merge_json(&mut m.{f}, r, p)")
        }
        (Card::Repeated { .. }, ty) => {
            format!("{RT}::read_list::<{}>(r, p, &mut m.{f})", kind(ty))
        }
        (Card::Map { key, value, .. }, _) => format!(
            "{RT}::read_map::<{K}::{}, {}, _>(r, p, &mut m.{f})",
            key.kind,
            map_value_kind(value)
        ),
    }
}

/// The parser of one member of oneof `oi`: the lines of a block over `m`, `r`, `p` and
/// `oneofs` (the oneofs set so far).
fn read_member(m: &MessageJson<'_>, oi: usize, p: &FieldPlan) -> Vec<String> {
    let one = &m.oneofs[oi];
    let variant = format!("{}::{}::{}", m.mod_name, one.enum_name, p.rust);
    let field = &one.rust_field;
    let oneof_name = one.full.rsplit('.').next().unwrap_or("");
    let mark = format!("{RT}::oneof_set(oneofs, {oi}, r, {oneof_name:?})");
    match &p.ty {
        FieldTy::Scalar(s, e) => vec![
            format!(
                "if let {OPT}::Some(v) = {RT}::read::<{}>(r, p)? {{",
                scalar_kind(s, e)
            ),
            format!("    m.{field} = {OPT}::Some({variant}(v));"),
            format!("    {mark}?;"),
            "}".to_owned(),
            "::core::result::Result::Ok(())".to_owned(),
        ],
        FieldTy::Message { boxed, .. } => {
            let target = if *boxed { "&mut **v" } else { "v" };
            vec![
                format!("if {RT}::skip_null::<{}>(r)? {{", kind(&p.ty)),
                "    return ::core::result::Result::Ok(());".to_owned(),
                "}".to_owned(),
                format!("if !matches!(m.{field}, {OPT}::Some({variant}(_))) {{"),
                format!(
                    "    m.{field} = {OPT}::Some({variant}(::core::default::Default::default()));"
                ),
                "}".to_owned(),
                format!("if let {OPT}::Some({variant}(v)) = &mut m.{field} {{"),
                format!("    {J}::ProtoJson::merge_json({target}, r, p)?;"),
                "}".to_owned(),
                mark,
            ]
        }
    }
}

/// `merge_json_fields`: a `match` from each member name to the index of its field, and a table
/// of one small parser function per field. The loop's own frame stays small (in debug builds
/// too, where the arms of one big `match` would each keep their temporaries): it is what nested
/// messages repeat on the stack.
fn merge_fields_fn(o: &mut Out, m: &MessageJson<'_>) {
    o.open(format!(
        "fn merge_json_fields(&mut self, r: &mut {J}::Reader<'_>, p: &mut {J}::Parser<'_>, skip_type: bool) -> {RESULT} {{"
    ));
    let keys = member_keys(m);
    let extendable = !m.ext_ranges.is_empty();
    let other = if extendable {
        let f = if m.message_set {
            "other_member_or_message_set_item"
        } else {
            "other_member_or_extension"
        };
        format!(
            "{RT}::{f}(r, p, &key, <Self as ::courier_wire::Message>::NAME, skip_type, {}, &mut self.unknown_fields, &mut ext_seen)?",
            known_exts(m)
        )
    } else {
        format!(
            "{RT}::other_member(r, p, &key, <Self as ::courier_wire::Message>::NAME, skip_type)?"
        )
    };
    if extendable {
        o.line("let mut ext_seen = ::std::vec::Vec::new();");
    }
    if keys.iter().all(Vec::is_empty) {
        o.open(format!("while let {OPT}::Some(key) = r.next_key()? {{"));
        o.line(format!("{other};"));
        o.close("}");
        o.line("::core::result::Result::Ok(())");
        o.close("}");
        return;
    }
    o.line("#[allow(clippy::type_complexity)]");
    o.open(format!(
        "const FIELDS: &[(&str, fn(&mut {}, &mut {J}::Reader<'_>, &mut {J}::Parser<'_>, &mut u64) -> {RESULT})] = &[",
        m.rust
    ));
    for (_, mem) in m.all {
        match *mem {
            Member::Field(fi) => {
                let p = &m.fields[fi];
                o.line(format!(
                    "({:?}, |m, r, p, _| {}),",
                    p.proto_name,
                    read_field(p)
                ));
            }
            Member::Oneof(oi, mi) => {
                let p = &m.oneofs[oi].members[mi];
                o.open(format!("({:?}, |m, r, p, oneofs| {{", p.proto_name));
                for line in read_member(m, oi, p) {
                    o.line(line);
                }
                o.close("}),");
            }
        }
    }
    o.close("];");
    let words = m.all.len().div_ceil(64);
    o.line(format!("let mut seen = {RT}::Seen::<{words}>::new();"));
    o.line("let mut oneofs = 0u64;");
    o.open(format!("while let {OPT}::Some(key) = r.next_key()? {{"));
    o.open("let i = match &*key {");
    for (i, k) in keys.iter().enumerate() {
        if k.is_empty() {
            continue;
        }
        let pattern: Vec<String> = k.iter().map(|k| format!("{k:?}")).collect();
        o.line(format!("{} => {i},", pattern.join(" | ")));
    }
    o.open("_ => {");
    o.line(format!("{other};"));
    o.line("continue;");
    o.close("}");
    o.close("};");
    o.line("let (name, merge) = FIELDS[i];");
    o.line("seen.mark(i, r, name)?;");
    o.line("merge(self, r, p, &mut oneofs)?;");
    o.close("}");
    o.line("::core::result::Result::Ok(())");
    o.close("}");
}

/// The special form of a well-known type: `SPECIAL_FORM`, `write_json` and `merge_json`.
fn special_form(o: &mut Out, m: &MessageJson<'_>, wkt: Wkt) {
    let field = |n: &str| m.fields.iter().find(|p| p.proto_name == n);
    o.line("const SPECIAL_FORM: bool = true;");
    if wkt == Wkt::Value {
        o.line("const NULLABLE: bool = true;");
    }
    o.line("");
    o.line("#[inline]");
    o.open(format!(
        "fn write_json(&self, w: &mut {J}::Writer, p: &mut {J}::Printer<'_>) -> {RESULT} {{"
    ));
    let fallback = m
        .any_fallback
        .clone()
        .unwrap_or_else(|| "|_| ::core::option::Option::None".to_owned());
    match wkt {
        Wkt::Timestamp => {
            o.line("let _ = p;");
            o.line(format!(
                "{J}::wkt::write_timestamp(w, self.seconds, self.nanos)"
            ));
        }
        Wkt::Duration => {
            o.line("let _ = p;");
            o.line(format!(
                "{J}::wkt::write_duration(w, self.seconds, self.nanos)"
            ));
        }
        Wkt::FieldMask => {
            o.line("let _ = p;");
            o.line(format!("{J}::wkt::write_field_mask(w, &self.paths)"));
        }
        Wkt::Struct => {
            if let Some(Card::Map { key, value, btree }) = field("fields").map(|p| &p.card) {
                o.line(write_map_call(key, value, *btree, "&self.fields"));
            }
        }
        Wkt::ListValue => {
            if let Some(p) = field("values") {
                o.line(format!(
                    "{RT}::write_list::<{}>(&self.values, w, p)",
                    kind(&p.ty)
                ));
            }
        }
        Wkt::Wrapper => {
            if let Some(p) = field("value") {
                o.line(format!(
                    "<{} as {RT}::JsonKind>::write(&self.value, w, p)",
                    kind(&p.ty)
                ));
            }
        }
        Wkt::Any => {
            o.line(format!(
                "{J}::wkt::write_any(w, p, &self.type_url, &self.value, {fallback})"
            ));
        }
        Wkt::Value => {
            if let Some((one, [null, number, string, boolean, strukt, list])) =
                value_members(m.oneofs)
            {
                let v = |p: &FieldPlan| format!("{}::{}::{}", m.mod_name, one.enum_name, p.rust);
                let msg = |p: &FieldPlan| match p.ty {
                    FieldTy::Message { boxed: true, .. } => "&**v",
                    _ => "v",
                };
                o.open(format!("match &self.{} {{", one.rust_field));
                o.open(format!("{OPT}::Some({}(_)) => {{", v(null)));
                o.line("w.null();");
                o.line("::core::result::Result::Ok(())");
                o.close("}");
                o.line(format!(
                    "{OPT}::Some({}(v)) => {J}::wkt::write_value_number(w, *v),",
                    v(number)
                ));
                o.open(format!("{OPT}::Some({}(v)) => {{", v(string)));
                o.line("w.string(v);");
                o.line("::core::result::Result::Ok(())");
                o.close("}");
                o.open(format!("{OPT}::Some({}(v)) => {{", v(boolean)));
                o.line("w.bool(*v);");
                o.line("::core::result::Result::Ok(())");
                o.close("}");
                o.line(format!(
                    "{OPT}::Some({}(v)) => {RT}::write_message({}, w, p),",
                    v(strukt),
                    msg(strukt)
                ));
                o.line(format!(
                    "{OPT}::Some({}(v)) => {RT}::write_message({}, w, p),",
                    v(list),
                    msg(list)
                ));
                o.line(format!(
                    "{OPT}::None => ::core::result::Result::Err({J}::wkt::value_without_kind()),"
                ));
                o.close("}");
            }
        }
    }
    o.close("}");
    o.line("");
    o.line("#[inline]");
    o.open(format!(
        "fn merge_json(&mut self, r: &mut {J}::Reader<'_>, p: &mut {J}::Parser<'_>) -> {RESULT} {{"
    ));
    let clear = "::courier_wire::Message::clear(self);";
    match wkt {
        Wkt::Timestamp | Wkt::Duration => {
            let f = if wkt == Wkt::Timestamp {
                "read_timestamp"
            } else {
                "read_duration"
            };
            o.line("let _ = p;");
            o.line(format!("let (seconds, nanos) = {J}::wkt::{f}(r)?;"));
            o.line(clear);
            o.line("self.seconds = seconds;");
            o.line("self.nanos = nanos;");
        }
        Wkt::FieldMask => {
            o.line("let _ = p;");
            o.line(format!("let paths = {J}::wkt::read_field_mask(r)?;"));
            o.line(clear);
            o.line("self.paths = paths;");
        }
        Wkt::Struct => {
            if let Some(Card::Map { key, value, .. }) = field("fields").map(|p| &p.card) {
                o.line(format!(
                    "{RT}::read_object::<{K}::{}, {}, _>(r, p, &mut self.fields)?;",
                    key.kind,
                    map_value_kind(value)
                ));
            }
        }
        Wkt::ListValue => {
            if let Some(p) = field("values") {
                o.line(format!(
                    "{RT}::read_array::<{}>(r, p, &mut self.values)?;",
                    kind(&p.ty)
                ));
            }
        }
        Wkt::Wrapper => {
            if let Some(p) = field("value") {
                o.open(format!("if r.peek()? == {J}::Peek::Null {{"));
                o.line(format!(
                    "return ::core::result::Result::Err({J}::wkt::null_wrapper(r));"
                ));
                o.close("}");
                o.open(format!(
                    "if let {OPT}::Some(v) = <{} as {RT}::JsonKind>::read(r, p)? {{",
                    kind(&p.ty)
                ));
                o.line(clear);
                o.line("self.value = v;");
                o.close("}");
            }
        }
        Wkt::Any => {
            o.line(format!(
                "let (type_url, value) = {J}::wkt::read_any(r, p, {fallback})?;"
            ));
            o.line(clear);
            o.line("self.type_url = type_url;");
            o.line("self.value = ::core::convert::From::from(value);");
        }
        Wkt::Value => {
            if let Some((one, [null, number, string, boolean, strukt, list])) =
                value_members(m.oneofs)
            {
                let v = |p: &FieldPlan| format!("{}::{}::{}", m.mod_name, one.enum_name, p.rust);
                let wrap = |p: &FieldPlan, e: &str| match p.ty {
                    FieldTy::Message { boxed: true, .. } => format!("::std::boxed::Box::new({e})"),
                    _ => e.to_owned(),
                };
                let ty = |p: &FieldPlan| match &p.ty {
                    FieldTy::Message { path, .. } => path.clone(),
                    FieldTy::Scalar(..) => String::new(),
                };
                o.line(clear);
                let set = |e: String| format!("self.{} = {OPT}::Some({e});", one.rust_field);
                o.open("match r.peek()? {");
                o.open(format!("{J}::Peek::Null => {{"));
                o.line("r.read_null()?;");
                o.line(set(format!("{}(0)", v(null))));
                o.close("}");
                o.line(format!(
                    "{J}::Peek::Number => {{ {} }}",
                    set(format!("{}({J}::wkt::read_value_number(r)?)", v(number)))
                ));
                o.line(format!(
                    "{J}::Peek::String => {{ {} }}",
                    set(format!("{}(r.read_string()?.into_owned())", v(string)))
                ));
                o.line(format!(
                    "{J}::Peek::Bool => {{ {} }}",
                    set(format!("{}(r.read_bool()?)", v(boolean)))
                ));
                for (peek, p) in [("Object", strukt), ("Array", list)] {
                    o.open(format!("{J}::Peek::{peek} => {{"));
                    o.line(format!(
                        "let mut m: {} = ::core::default::Default::default();",
                        ty(p)
                    ));
                    o.line(format!("{J}::ProtoJson::merge_json(&mut m, r, p)?;"));
                    o.line(set(format!("{}({})", v(p), wrap(p, "m"))));
                    o.close("}");
                }
                o.close("}");
            }
        }
    }
    o.line("::core::result::Result::Ok(())");
    o.close("}");
    o.line("");
}

/// `impl courier_json::ProtoJson` for a message.
pub(crate) fn message_impl(o: &mut Out, m: &MessageJson<'_>, cfg_attr: Option<&str>) {
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl {J}::ProtoJson for {} {{", m.rust));
    if let Some(wkt) = m.wkt {
        special_form(o, m, wkt);
    }
    write_fields_fn(o, m);
    o.line("");
    merge_fields_fn(o, m);
    o.close("}");
}

/// `impl courier_json::JsonEnum` for an enum.
pub(crate) fn enum_impl(o: &mut Out, rust: &str, full: &str, closed: bool, cfg_attr: Option<&str>) {
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl {J}::JsonEnum for {rust} {{"));
    let full = full.trim_start_matches('.');
    o.line(format!("const FULL_NAME: &'static str = {full:?};"));
    o.line(format!("const CLOSED: bool = {closed};"));
    if full == "google.protobuf.NullValue" {
        o.line("const NULL_VALUE: bool = true;");
    }
    o.line("");
    o.open("fn json_name(number: i32) -> ::core::option::Option<&'static str> {");
    o.line(format!("{rust}(number).name()"));
    o.close("}");
    o.line("");
    o.open("fn from_json_name(name: &str) -> ::core::option::Option<i32> {");
    o.line(format!("{rust}::from_name(name).map(|v| v.0)"));
    o.close("}");
    o.close("}");
}

/// serde impls for a message (through `courier_json::serde`).
pub(crate) fn serde_message(o: &mut Out, rust: &str, cfg_attr: Option<&str>) {
    let ex = "::courier_json::serde::export";
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl {ex}::Serialize for {rust} {{"));
    o.open(format!(
        "fn serialize<S: {ex}::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {{"
    ));
    o.line("::courier_json::serde::serialize(self, serializer)");
    o.close("}");
    o.close("}");
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl<'de> {ex}::Deserialize<'de> for {rust} {{"));
    o.open(format!(
        "fn deserialize<D: {ex}::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {{"
    ));
    o.line("::courier_json::serde::deserialize(deserializer)");
    o.close("}");
    o.close("}");
}

/// serde impls for an enum (its ProtoJSON name or number).
pub(crate) fn serde_enum(o: &mut Out, rust: &str, cfg_attr: Option<&str>) {
    let ex = "::courier_json::serde::export";
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl {ex}::Serialize for {rust} {{"));
    o.open(format!(
        "fn serialize<S: {ex}::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {{"
    ));
    o.line("::courier_json::serde::serialize_enum::<Self, S>(self.0, serializer)");
    o.close("}");
    o.close("}");
    o.line("");
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!("impl<'de> {ex}::Deserialize<'de> for {rust} {{"));
    o.open(format!(
        "fn deserialize<D: {ex}::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {{"
    ));
    o.line("::courier_json::serde::deserialize_enum::<Self, D>(deserializer).map(Self)");
    o.close("}");
    o.close("}");
}

/// What an extension's `<NAME>_JSON` constant is built from.
#[derive(Debug)]
pub(crate) struct ExtensionPlan<'a> {
    /// The constant's name.
    pub(crate) konst: String,
    pub(crate) number: u32,
    pub(crate) full: &'a str,
    pub(crate) extendee: &'a str,
    pub(crate) repeated: bool,
    pub(crate) packed: bool,
    /// The value's type.
    pub(crate) ty: FieldTy,
}

/// An extension's `<NAME>_JSON` constant.
pub(crate) fn extension_const(o: &mut Out, x: &ExtensionPlan<'_>, cfg_attr: Option<&str>) {
    let e = "::courier_json::rt::ext";
    let (write, read) = match (&x.ty, x.repeated) {
        (FieldTy::Scalar(s, en), false) => {
            let wk = format!("{K}::{}", s.kind);
            let jk = scalar_kind(s, en);
            (
                format!("{e}::write_singular::<{wk}, {jk}>"),
                format!("{e}::read_singular::<{wk}, {jk}>"),
            )
        }
        (FieldTy::Scalar(s, en), true) => {
            let wk = format!("{K}::{}", s.kind);
            let jk = scalar_kind(s, en);
            (
                format!("{e}::write_repeated::<{wk}, {jk}>"),
                format!("{e}::read_repeated::<{wk}, {jk}, {}>", x.packed),
            )
        }
        (
            FieldTy::Message {
                path, group: true, ..
            },
            false,
        ) => (
            format!("{e}::write_group_ext::<{path}>"),
            format!("{e}::read_group_ext::<{path}>"),
        ),
        (
            FieldTy::Message {
                path, group: true, ..
            },
            true,
        ) => (
            format!("{e}::write_repeated_group_ext::<{path}>"),
            format!("{e}::read_repeated_group_ext::<{path}>"),
        ),
        (FieldTy::Message { path, .. }, false) => (
            format!("{e}::write_message_ext::<{path}>"),
            format!("{e}::read_message_ext::<{path}>"),
        ),
        (FieldTy::Message { path, .. }, true) => {
            let k = format!("{K}::Message<{path}>");
            (
                format!("{e}::write_repeated::<{k}, {k}>"),
                format!("{e}::read_repeated::<{k}, {k}, false>"),
            )
        }
    };
    o.line(format!(
        "/// How ProtoJSON prints and parses extension `{}` (register it in a \
         `courier_json::TypeRegistry` for messages generated elsewhere).",
        x.full
    ));
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.line(format!(
        "pub const {}: {J}::ExtensionJson = {J}::ExtensionJson::new({}, {:?}, {:?}, {write}, {read});",
        x.konst, x.number, x.full, x.extendee
    ));
}

/// A package's `register_types` (its messages and extensions) and, in the package of
/// `google.protobuf.Any`, the fallback `Any` uses for the types generated with it.
pub(crate) fn package_fns(
    o: &mut Out,
    messages: &[(String, String)],
    extensions: &[String],
    any_fallback: bool,
    cfg_attr: Option<&str>,
) {
    o.line("");
    o.line(
        "/// Registers this package's messages (the types an `Any` may hold) and extensions in \
         `registry`.",
    );
    if let Some(a) = cfg_attr {
        o.line(a);
    }
    o.open(format!(
        "pub fn register_types(registry: &mut {J}::TypeRegistry) {{"
    ));
    if messages.is_empty() && extensions.is_empty() {
        o.line("let _ = registry;");
    }
    for (_, path) in messages {
        o.line(format!("registry.register::<{path}>();"));
    }
    for x in extensions {
        o.line(format!("registry.register_extension({x});"));
    }
    o.close("}");
    if any_fallback {
        o.line("");
        o.line(
            "/// The types of this package an `Any` finds without a registry (the well-known \
             types).",
        );
        o.line("#[doc(hidden)]");
        if let Some(a) = cfg_attr {
            o.line(a);
        }
        o.open(format!(
            "pub fn __json_any_fallback(name: &str) -> ::core::option::Option<&'static dyn {J}::AnyCodec> {{"
        ));
        o.open("match name {");
        for (full, path) in messages {
            o.open(format!("{full:?} => {{"));
            o.line(format!(
                "static CODEC: {J}::TypedCodec<{path}> = {J}::TypedCodec::new();"
            ));
            o.line("::core::option::Option::Some(&CODEC)");
            o.close("}");
        }
        o.line("_ => ::core::option::Option::None,");
        o.close("}");
        o.close("}");
    }
}
