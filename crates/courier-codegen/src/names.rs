//! Rust naming: proto names to Rust identifiers, with keyword escaping.

/// Rust keywords (strict and reserved, 2015–2024 editions) that need a raw identifier.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// `ident` made usable as a Rust identifier: `type` → `r#type`, `self` → `self_`.
pub(crate) fn escape(ident: &str) -> String {
    if NOT_RAW.contains(&ident) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident) {
        format!("r#{ident}")
    } else if ident.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{ident}")
    } else {
        ident.to_owned()
    }
}

/// Splits a name into words at underscores and at lower→upper and letter→digit-run
/// boundaries that start a new word (`fooBar2` → `foo`, `Bar2`; `HTTPServer` → `HTTP`,
/// `Server`).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `snake_case` (for fields and modules): `FieldDescriptorProto` → `field_descriptor_proto`.
pub(crate) fn snake(name: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        return "_".to_owned();
    }
    w.iter()
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `UpperCamelCase` (for oneof enums and their variants): `oneof_field` → `OneofField`;
/// `self` → `Self_` (`Self` is a keyword that cannot be a raw identifier).
pub(crate) fn camel(name: &str) -> String {
    let mut out = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            out.extend(f.to_uppercase());
            out.push_str(&cs.as_str().to_lowercase());
        }
    }
    if out.is_empty() {
        "_".to_owned()
    } else {
        escape(&out)
    }
}

/// The name of a type as declared (message and enum names are kept as written: they are
/// already UpperCamelCase by the style guide, and keeping them keeps `CType`, `JSType`, ...).
pub(crate) fn type_name(name: &str) -> String {
    escape(name)
}

/// A field's Rust name.
pub(crate) fn field(name: &str) -> String {
    escape(&snake(name))
}

/// A module name for the types nested in message `name`.
pub(crate) fn module(name: &str) -> String {
    escape(&snake(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake("FieldDescriptorProto"), "field_descriptor_proto");
        assert_eq!(snake("optional_int32"), "optional_int32");
        assert_eq!(snake("fieldName7"), "field_name7");
        assert_eq!(snake("FIELD_NAME11"), "field_name11");
        assert_eq!(snake("__field_name13"), "field_name13");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("CType"), "c_type");
        assert_eq!(snake("JSType"), "js_type");
    }

    #[test]
    fn camel_cases() {
        assert_eq!(camel("oneof_field"), "OneofField");
        assert_eq!(camel("oneof_uint32"), "OneofUint32");
        assert_eq!(camel("fooBar"), "FooBar");
        // envoy.config.core.v3.ConfigSource's oneof member `self`.
        assert_eq!(camel("self"), "Self_");
    }

    #[test]
    fn keywords_escaped() {
        assert_eq!(field("type"), "r#type");
        assert_eq!(field("self"), "self_");
        assert_eq!(field("async"), "r#async");
        assert_eq!(field("name"), "name");
    }
}
