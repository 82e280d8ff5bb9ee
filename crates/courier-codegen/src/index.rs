//! The type index: every message and enum of the descriptor set, with its Rust path, its
//! resolved features and what the generator needs to know about it.

use std::collections::{HashMap, HashSet};

use courier_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto};

use crate::features::{Features, file_edition};
use crate::names;

/// Where a type lives in Rust.
#[derive(Clone, Debug)]
pub(crate) enum RustPath {
    /// Generated here: module segments from the root of the generated tree, then the name.
    Local { modules: Vec<String>, name: String },
    /// Mapped to an existing path (`extern_path`).
    Extern(String),
}

impl RustPath {
    /// The path as written from module `from` (module segments from the root).
    pub(crate) fn relative_to(&self, from: &[String]) -> String {
        match self {
            RustPath::Extern(p) => p.clone(),
            RustPath::Local { modules, name } => {
                let common = from
                    .iter()
                    .zip(modules.iter())
                    .take_while(|(a, b)| a == b)
                    .count();
                let mut s = String::new();
                for _ in common..from.len() {
                    s.push_str("super::");
                }
                for m in &modules[common..] {
                    s.push_str(m);
                    s.push_str("::");
                }
                s.push_str(name);
                s
            }
        }
    }
}

/// One message or enum.
#[derive(Debug)]
pub(crate) enum TypeKind<'a> {
    Message(&'a DescriptorProto),
    Enum(&'a EnumDescriptorProto),
}

/// What the index knows about a type.
#[derive(Debug)]
pub(crate) struct TypeInfo<'a> {
    pub(crate) kind: TypeKind<'a>,
    pub(crate) path: RustPath,
    /// Resolved features at the type's own level (for enums: decides open or closed).
    pub(crate) features: Features,
}

/// Every type of the descriptor set, by full name with the leading dot.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    pub(crate) types: HashMap<String, TypeInfo<'a>>,
}

/// Finds the Rust path of full name `full` given the extern paths (longest prefix wins).
fn extern_path(full: &str, externs: &[(String, String)]) -> Option<String> {
    let mut best: Option<(&str, &str)> = None;
    for (proto, rust) in externs {
        let matches = full == proto
            || (full.starts_with(proto.as_str())
                && full.as_bytes().get(proto.len()) == Some(&b'.'))
            || proto == ".";
        if matches && best.is_none_or(|(p, _)| p.len() < proto.len()) {
            best = Some((proto, rust));
        }
    }
    let (proto, rust) = best?;
    if full == proto {
        return Some(rust.to_owned());
    }
    let rest = full[proto.len()..].trim_start_matches('.');
    let segs: Vec<&str> = rest.split('.').collect();
    let mut s = rust.to_owned();
    for (i, seg) in segs.iter().enumerate() {
        s.push_str("::");
        if i + 1 == segs.len() {
            s.push_str(&names::type_name(seg));
        } else {
            s.push_str(&names::module(seg));
        }
    }
    Some(s)
}

/// The module segments of a package.
pub(crate) fn package_modules(package: &str) -> Vec<String> {
    if package.is_empty() {
        Vec::new()
    } else {
        package.split('.').map(names::module).collect()
    }
}

impl<'a> Index<'a> {
    pub(crate) fn build(files: &'a [FileDescriptorProto], externs: &[(String, String)]) -> Self {
        let mut types = HashMap::new();
        for file in files {
            let package = file.package.clone().unwrap_or_default();
            let prefix = if package.is_empty() {
                String::new()
            } else {
                format!(".{package}")
            };
            let features = Features::defaults(file_edition(file))
                .merge(file.options.as_ref().and_then(|o| o.features.as_ref()));
            let modules = package_modules(&package);
            for m in &file.message_type {
                add_message(&mut types, m, &prefix, &modules, features, externs);
            }
            for e in &file.enum_type {
                add_enum(&mut types, e, &prefix, &modules, features, externs);
            }
        }
        Index { types }
    }

    pub(crate) fn get(&self, full: &str) -> Option<&TypeInfo<'a>> {
        self.types.get(full)
    }

    pub(crate) fn message(&self, full: &str) -> Option<&'a DescriptorProto> {
        match self.types.get(full)?.kind {
            TypeKind::Message(m) => Some(m),
            TypeKind::Enum(_) => None,
        }
    }

    /// Whether a singular field of type `field_type` inside message `container` must be boxed:
    /// when `field_type` contains `container` inline (directly or through other singular
    /// message fields), the struct would have infinite size.
    pub(crate) fn needs_box(&self, container: &str, field_type: &str) -> bool {
        let mut seen = HashSet::new();
        self.reaches(field_type, container, &mut seen)
    }

    fn reaches(&self, from: &str, to: &str, seen: &mut HashSet<String>) -> bool {
        if from == to {
            return true;
        }
        if !seen.insert(from.to_owned()) {
            return false;
        }
        let Some(m) = self.message(from) else {
            return false;
        };
        for f in &m.field {
            let repeated = f.label == Some(3);
            let is_msg = matches!(f.r#type, Some(10 | 11));
            if repeated || !is_msg {
                continue;
            }
            if let Some(t) = &f.type_name {
                if self.reaches(t, to, seen) {
                    return true;
                }
            }
        }
        false
    }
}

fn add_message<'a>(
    types: &mut HashMap<String, TypeInfo<'a>>,
    m: &'a DescriptorProto,
    prefix: &str,
    modules: &[String],
    parent: Features,
    externs: &[(String, String)],
) {
    let name = m.name.clone().unwrap_or_default();
    let full = format!("{prefix}.{name}");
    let features = parent.merge(m.options.as_ref().and_then(|o| o.features.as_ref()));
    let path = match extern_path(&full, externs) {
        Some(p) => RustPath::Extern(p),
        None => RustPath::Local {
            modules: modules.to_vec(),
            name: names::type_name(&name),
        },
    };
    let mut inner = modules.to_vec();
    inner.push(names::module(&name));
    for n in &m.nested_type {
        add_message(types, n, &full, &inner, features, externs);
    }
    for e in &m.enum_type {
        add_enum(types, e, &full, &inner, features, externs);
    }
    types.insert(
        full,
        TypeInfo {
            kind: TypeKind::Message(m),
            path,
            features,
        },
    );
}

fn add_enum<'a>(
    types: &mut HashMap<String, TypeInfo<'a>>,
    e: &'a EnumDescriptorProto,
    prefix: &str,
    modules: &[String],
    parent: Features,
    externs: &[(String, String)],
) {
    let name = e.name.clone().unwrap_or_default();
    let full = format!("{prefix}.{name}");
    let features = parent.merge(e.options.as_ref().and_then(|o| o.features.as_ref()));
    let path = match extern_path(&full, externs) {
        Some(p) => RustPath::Extern(p),
        None => RustPath::Local {
            modules: modules.to_vec(),
            name: names::type_name(&name),
        },
    };
    types.insert(
        full,
        TypeInfo {
            kind: TypeKind::Enum(e),
            path,
            features,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let p = RustPath::Local {
            modules: vec!["a".into(), "b".into()],
            name: "M".into(),
        };
        assert_eq!(p.relative_to(&["a".into(), "b".into()]), "M");
        assert_eq!(
            p.relative_to(&["a".into(), "c".into(), "d".into()]),
            "super::super::b::M"
        );
        assert_eq!(p.relative_to(&[]), "a::b::M");
    }

    #[test]
    fn extern_prefix() {
        let ex = vec![(".google.protobuf".to_owned(), "::courier_types".to_owned())];
        assert_eq!(
            extern_path(".google.protobuf.Timestamp", &ex).as_deref(),
            Some("::courier_types::Timestamp")
        );
        assert_eq!(
            extern_path(".google.protobuf.FieldOptions.CType", &ex).as_deref(),
            Some("::courier_types::field_options::CType")
        );
        assert_eq!(extern_path(".google.protobufx.A", &ex), None);
    }
}
