//! Services, methods, messages and enums printed as readable `.proto`-like text, and JSON
//! templates of messages.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use courier_reflect::json::PrintOptions;
use courier_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    MethodDescriptor, ServiceDescriptor, Value,
};

use super::source::Symbol;
use super::style::Style;

/// `pkg.Svc/Method(stream pkg.In) returns (pkg.Out)`: what `courier call` takes, with the
/// types and streaming kinds.
pub(crate) fn method_line(m: &MethodDescriptor) -> String {
    format!(
        "{}/{}({}{}) returns ({}{})",
        m.parent_service().full_name(),
        m.name(),
        if m.is_client_streaming() {
            "stream "
        } else {
            ""
        },
        m.input().full_name(),
        if m.is_server_streaming() {
            "stream "
        } else {
            ""
        },
        m.output().full_name(),
    )
}

/// The streaming kind of a method in words.
pub(crate) fn kind_words(m: &MethodDescriptor) -> &'static str {
    match (m.is_client_streaming(), m.is_server_streaming()) {
        (false, false) => "unary",
        (true, false) => "client streaming",
        (false, true) => "server streaming",
        (true, true) => "bidi streaming",
    }
}

fn kw(s: &str) -> String {
    Style::Cyan.out(s)
}

fn name(s: &str) -> String {
    Style::Bold.out(s)
}

fn comment(s: &str) -> String {
    Style::Dim.out(s)
}

/// The definition of `symbol`, with a comment line saying what and where it is.
pub(crate) fn describe(symbol: &Symbol) -> String {
    let mut out = String::new();
    match symbol {
        Symbol::Service(s) => {
            header(&mut out, "service", s.full_name(), s.parent_file().name());
            service(&mut out, s);
        }
        Symbol::Method(m) => {
            header(
                &mut out,
                kind_words(m),
                &format!("{}.{}", m.parent_service().full_name(), m.name()),
                m.parent_service().parent_file().name(),
            );
            writeln!(out, "{}", rpc(m)).ok();
            out.push('\n');
            for msg in [m.input(), m.output()] {
                header(
                    &mut out,
                    "message",
                    msg.full_name(),
                    msg.parent_file().name(),
                );
                message(&mut out, &msg, 0);
                if m.input() == m.output() {
                    break;
                }
                out.push('\n');
            }
        }
        Symbol::Message(m) => {
            header(&mut out, "message", m.full_name(), m.parent_file().name());
            message(&mut out, m, 0);
        }
        Symbol::Enum(e) => {
            header(&mut out, "enum", e.full_name(), e.parent_file().name());
            enumeration(&mut out, e, 0);
        }
        Symbol::Field(f) => {
            header(&mut out, "field", f.full_name(), f.parent_file().name());
            writeln!(out, "{}", field(f)).ok();
        }
        Symbol::Extension(x) => {
            header(&mut out, "extension", x.full_name(), x.parent_file().name());
            writeln!(
                out,
                "{} {} {{\n  {}\n}}",
                kw("extend"),
                x.containing_message().full_name(),
                extension_field(x)
            )
            .ok();
        }
        Symbol::File(f) => {
            header(&mut out, "file", f.name(), f.name());
            if !f.package_name().is_empty() {
                writeln!(out, "{} {};", kw("package"), f.package_name()).ok();
            }
            for d in f.dependencies() {
                writeln!(out, "{} \"{}\";", kw("import"), d.name()).ok();
            }
            for s in f.services() {
                out.push('\n');
                service(&mut out, &s);
            }
            for m in f.messages() {
                out.push('\n');
                message(&mut out, &m, 0);
            }
            for e in f.enums() {
                out.push('\n');
                enumeration(&mut out, &e, 0);
            }
        }
    }
    out
}

fn header(out: &mut String, what: &str, full: &str, file: &str) {
    writeln!(
        out,
        "{}",
        comment(&format!("// {full}: {what}, from {file}"))
    )
    .ok();
}

fn rpc(m: &MethodDescriptor) -> String {
    format!(
        "{} {}({}{}) {} ({}{});",
        kw("rpc"),
        name(m.name()),
        if m.is_client_streaming() {
            kw("stream") + " "
        } else {
            String::new()
        },
        m.input().full_name(),
        kw("returns"),
        if m.is_server_streaming() {
            kw("stream") + " "
        } else {
            String::new()
        },
        m.output().full_name(),
    )
}

fn service(out: &mut String, s: &ServiceDescriptor) {
    writeln!(out, "{} {} {{", kw("service"), name(s.name())).ok();
    for m in s.methods() {
        writeln!(out, "  {}", rpc(&m)).ok();
    }
    out.push_str("}\n");
}

fn type_name(f: &FieldDescriptor) -> String {
    match f.kind() {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => scalar_name(&k).to_owned(),
    }
}

fn scalar_name(k: &Kind) -> &'static str {
    match k {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Message(_) | Kind::Enum(_) => "",
    }
}

/// `repeated pkg.T name = 3 [deprecated = true];`
fn field(f: &FieldDescriptor) -> String {
    let p = f.field_descriptor_proto();
    let ty = if f.is_map() {
        let entry = f.kind();
        let entry = entry
            .as_message()
            .expect("a map field's kind is its entry message");
        let k = entry
            .map_entry_key_field()
            .map(|k| type_name(&k))
            .unwrap_or_default();
        let v = entry
            .map_entry_value_field()
            .map(|v| type_name(&v))
            .unwrap_or_default();
        format!("{}<{k}, {v}>", kw("map"))
    } else {
        let label = match p.label.unwrap_or(1) {
            3 => kw("repeated") + " ",
            2 => kw("required") + " ",
            _ if p.proto3_optional == Some(true) => kw("optional") + " ",
            _ if f
                .parent_file()
                .file_descriptor_proto()
                .syntax
                .as_deref()
                .unwrap_or("proto2")
                == "proto2"
                && f.containing_oneof().is_none() =>
            {
                kw("optional") + " "
            }
            _ => String::new(),
        };
        let group = if f.is_group() {
            kw("group") + " "
        } else {
            String::new()
        };
        format!("{label}{group}{}", type_name(f))
    };
    format!("{ty} {} = {}{};", name(f.name()), f.number(), options(f))
}

fn extension_field(x: &courier_reflect::ExtensionDescriptor) -> String {
    let p = x.field_descriptor_proto();
    let label = match p.label.unwrap_or(1) {
        3 => kw("repeated") + " ",
        _ => String::new(),
    };
    let ty = match x.kind() {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => scalar_name(&k).to_owned(),
    };
    format!("{label}{ty} {} = {};", name(x.name()), x.number())
}

fn options(f: &FieldDescriptor) -> String {
    let p = f.field_descriptor_proto();
    let mut opts = Vec::new();
    if let Some(d) = &p.default_value {
        let shown = match f.kind() {
            Kind::String => format!("\"{}\"", d.escape_default()),
            Kind::Bytes => format!("\"{d}\""),
            _ => d.clone(),
        };
        opts.push(format!("default = {shown}"));
    }
    if let Some(j) = &p.json_name {
        if *j != default_json_name(f.name()) {
            opts.push(format!("json_name = \"{j}\""));
        }
    }
    if p.options
        .as_ref()
        .is_some_and(|o| o.deprecated == Some(true))
    {
        opts.push("deprecated = true".into());
    }
    if opts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", opts.join(", "))
    }
}

/// protoc's default JSON name: `foo_bar` → `fooBar`.
fn default_json_name(n: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in n.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn message(out: &mut String, m: &MessageDescriptor, depth: usize) {
    let pad = "  ".repeat(depth);
    writeln!(out, "{pad}{} {} {{", kw("message"), name(m.name())).ok();
    let mut oneofs_done = Vec::new();
    for f in m.fields() {
        match f.real_oneof() {
            Some(o) => {
                if oneofs_done.contains(&o.index()) {
                    continue;
                }
                oneofs_done.push(o.index());
                writeln!(out, "{pad}  {} {} {{", kw("oneof"), name(o.name())).ok();
                for of in o.fields() {
                    writeln!(out, "{pad}    {}", field(&of)).ok();
                }
                writeln!(out, "{pad}  }}").ok();
            }
            None => {
                writeln!(out, "{pad}  {}", field(&f)).ok();
            }
        }
    }
    for r in m.extension_ranges() {
        let end = if r.end >= 536_870_912 {
            "max".to_owned()
        } else {
            (r.end - 1).to_string()
        };
        writeln!(
            out,
            "{pad}  {} {} {} {end};",
            kw("extensions"),
            r.start,
            kw("to")
        )
        .ok();
    }
    let reserved: Vec<String> = m
        .reserved_ranges()
        .map(|r| {
            if r.end == r.start + 1 {
                r.start.to_string()
            } else {
                format!("{} to {}", r.start, r.end - 1)
            }
        })
        .collect();
    if !reserved.is_empty() {
        writeln!(out, "{pad}  {} {};", kw("reserved"), reserved.join(", ")).ok();
    }
    let names: Vec<String> = m.reserved_names().map(|n| format!("\"{n}\"")).collect();
    if !names.is_empty() {
        writeln!(out, "{pad}  {} {};", kw("reserved"), names.join(", ")).ok();
    }
    for n in m.child_messages().filter(|n| !n.is_map_entry()) {
        out.push('\n');
        message(out, &n, depth + 1);
    }
    for e in m.child_enums() {
        out.push('\n');
        enumeration(out, &e, depth + 1);
    }
    writeln!(out, "{pad}}}").ok();
}

fn enumeration(out: &mut String, e: &EnumDescriptor, depth: usize) {
    let pad = "  ".repeat(depth);
    writeln!(out, "{pad}{} {} {{", kw("enum"), name(e.name())).ok();
    for v in e.values() {
        writeln!(out, "{pad}  {} = {};", v.name(), v.number()).ok();
    }
    writeln!(out, "{pad}}}").ok();
}

/// A JSON template of `m`: every field with a value of its type (nested messages filled
/// three levels deep, one element in lists and maps, the first member of each oneof), as
/// `courier call -d` takes it.
pub(crate) fn json_template(m: &MessageDescriptor) -> String {
    let msg = sample(m, 0, &mut Vec::new());
    let opts = PrintOptions::new()
        .always_print_fields_without_presence(true)
        .indent(Some(2));
    msg.to_json_with(&opts).unwrap_or_else(|_| "{}".into())
}

fn sample(m: &MessageDescriptor, depth: usize, path: &mut Vec<String>) -> DynamicMessage {
    let mut msg = DynamicMessage::new(m.clone());
    if depth >= 3 || m.is_well_known_type() || path.iter().any(|p| p == m.full_name()) {
        return msg;
    }
    path.push(m.full_name().to_owned());
    let mut oneofs = Vec::new();
    for f in m.fields() {
        if let Some(o) = f.real_oneof() {
            if oneofs.contains(&o.index()) {
                continue;
            }
            oneofs.push(o.index());
        }
        if let Some(v) = sample_value(&f, depth, path) {
            msg.set_field(&f, v);
        }
    }
    path.pop();
    msg
}

fn sample_value(f: &FieldDescriptor, depth: usize, path: &mut Vec<String>) -> Option<Value> {
    if f.is_map() {
        let kind = f.kind();
        let entry = kind.as_message()?;
        let (k, v) = (entry.map_entry_key_field()?, entry.map_entry_value_field()?);
        let key = match k.kind() {
            Kind::Bool => MapKey::Bool(false),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(0),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(0),
            Kind::Uint32 | Kind::Fixed32 => MapKey::U32(0),
            Kind::Uint64 | Kind::Fixed64 => MapKey::U64(0),
            _ => MapKey::String(String::new()),
        };
        let value = single(&v.kind(), v.default_value(), depth, path)?;
        return Some(Value::Map(BTreeMap::from([(key, value)])));
    }
    let one = single(&f.kind(), f.default_value(), depth, path)?;
    if f.is_list() {
        Some(Value::List(vec![one]))
    } else {
        Some(one)
    }
}

fn single(kind: &Kind, default: Value, depth: usize, path: &mut Vec<String>) -> Option<Value> {
    match kind {
        Kind::Message(m) => {
            if m.is_well_known_type() {
                return None;
            }
            Some(Value::Message(Box::new(sample(m, depth + 1, path))))
        }
        // A list field's default is an empty list: the element's default instead.
        _ => match default {
            Value::List(_) | Value::Map(_) => None,
            v => Some(v),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_reflect::DescriptorPool;

    fn pool() -> DescriptorPool {
        let mut c = courier_idl::Compiler::new();
        c.add_file(
            "t.proto",
            "syntax = \"proto3\";\npackage p;\n\
             message Point { int32 lat = 1; int32 lng = 2; }\n\
             message M {\n  string name = 1;\n  repeated Point points = 2;\n  map<string, int64> counts = 3;\n\
             \x20 optional bool flag = 4;\n  oneof pick { string a = 5; Point b = 6; }\n  Kind kind = 7;\n\
             \x20 M next = 8;\n  enum Kind { KIND_UNSPECIFIED = 0; BIG = 1; }\n  reserved 10 to 12, 15;\n  reserved \"old\";\n}\n\
             service S {\n  rpc Get(Point) returns (M);\n  rpc Chat(stream M) returns (stream M);\n}\n",
        );
        DescriptorPool::from_file_descriptor_set(
            c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
        )
        .unwrap()
    }

    #[test]
    fn prints_proto_text() {
        let p = pool();
        let m = p.get_message_by_name("p.M").unwrap();
        let text = describe(&Symbol::Message(m));
        let want = "\
// p.M: message, from t.proto
message M {
  string name = 1;
  repeated p.Point points = 2;
  map<string, int64> counts = 3;
  optional bool flag = 4;
  oneof pick {
    string a = 5;
    p.Point b = 6;
  }
  p.M.Kind kind = 7;
  p.M next = 8;
  reserved 10 to 12, 15;
  reserved \"old\";

  enum Kind {
    KIND_UNSPECIFIED = 0;
    BIG = 1;
  }
}
";
        assert_eq!(text, want);
        let s = p.get_service_by_name("p.S").unwrap();
        assert_eq!(
            describe(&Symbol::Service(s.clone())),
            "// p.S: service, from t.proto\nservice S {\n  rpc Get(p.Point) returns (p.M);\n  \
             rpc Chat(stream p.M) returns (stream p.M);\n}\n"
        );
        let chat = s.methods().nth(1).unwrap();
        assert_eq!(
            method_line(&chat),
            "p.S/Chat(stream p.M) returns (stream p.M)"
        );
        assert_eq!(kind_words(&chat), "bidi streaming");
    }

    #[test]
    fn templates_parse_back() {
        let p = pool();
        let m = p.get_message_by_name("p.M").unwrap();
        let t = json_template(&m);
        assert!(t.contains("\"points\": ["), "{t}");
        assert!(t.contains("\"counts\": {"), "{t}");
        assert!(t.contains("\"a\": \"\""), "{t}");
        assert!(t.contains("\"kind\": \"KIND_UNSPECIFIED\""), "{t}");
        DynamicMessage::from_json(m, &t).unwrap();
    }
}
