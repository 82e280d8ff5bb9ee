//! Edition defaults compiled from descriptors, as protoc's `FeatureResolver::CompileDefaults`
//! does (`protoc --edition_defaults_out`): from the `edition_defaults` and `feature_support` of
//! the fields of `google.protobuf.FeatureSet` and of its extensions, the language features
//! (`pb.cpp`, `pb.java`, `pb.go`, ...). The language features of a compilation are resolved
//! with these defaults ([`Languages`]); the core features use the table in `features`, which
//! is what protoc compiles in.
//! <https://protobuf.dev/editions/implementation/>

use std::collections::{BTreeMap, BTreeSet, HashMap};

use courier_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use courier_types::{
    DescriptorProto, EnumDescriptorProto, FeatureSet, FeatureSetDefaults, FieldDescriptorProto,
    FileDescriptorProto, feature_set_defaults::FeatureSetEditionDefault,
};
use courier_wire::{Encoder, Message, WireType};

use crate::features::{edition, edition_name};

/// The full name of `FeatureSet`.
const FEATURE_SET: &str = "google.protobuf.FeatureSet";

/// One feature: a bool or enum field of `FeatureSet` or of a language's feature message.
#[derive(Clone, Debug)]
struct Feature {
    number: u32,
    full_name: String,
    introduced: Option<i32>,
    removed: Option<i32>,
    /// `edition_defaults` with their values encoded, sorted by edition (stable, so the last of
    /// equal editions wins, as protoc's upper bound picks it).
    defaults: Vec<(i32, u64)>,
}

impl Feature {
    /// The default in `edition`, or protoc's error.
    fn default_in(&self, edition: i32) -> Result<u64, String> {
        self.defaults
            .iter()
            .rev()
            .find(|(e, _)| *e <= edition)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                format!(
                    "No valid default found for edition {} in feature field {}",
                    edition_name(edition),
                    self.full_name
                )
            })
    }

    /// Whether the feature is fixed (not settable) in `edition`.
    fn fixed_in(&self, edition: i32) -> bool {
        self.introduced.is_some_and(|i| edition < i) || self.removed.is_some_and(|r| edition >= r)
    }
}

/// A language's features: an extension of `FeatureSet`.
#[derive(Clone, Debug)]
struct Extension {
    number: u32,
    features: Vec<Feature>,
}

/// The messages, enums and `FeatureSet` extensions of a set of files, by full name.
struct Index<'d> {
    messages: HashMap<String, &'d DescriptorProto>,
    enums: HashMap<String, &'d EnumDescriptorProto>,
    /// Extensions of `FeatureSet`, with their full names, in declaration order.
    extensions: Vec<(String, &'d FieldDescriptorProto)>,
}

impl<'d> Index<'d> {
    fn new(files: impl IntoIterator<Item = &'d FileDescriptorProto>) -> Index<'d> {
        fn message<'d>(ix: &mut Index<'d>, scope: &str, m: &'d DescriptorProto) {
            let full = join(scope, m.name());
            for e in &m.enum_type {
                ix.enums.insert(join(&full, e.name()), e);
            }
            for x in &m.extension {
                ix.extension(&full, x);
            }
            for n in &m.nested_type {
                message(ix, &full, n);
            }
            ix.messages.insert(full, m);
        }
        let mut ix = Index {
            messages: HashMap::new(),
            enums: HashMap::new(),
            extensions: Vec::new(),
        };
        for f in files {
            let package = f.package.as_deref().unwrap_or("");
            for e in &f.enum_type {
                ix.enums.insert(join(package, e.name()), e);
            }
            for x in &f.extension {
                ix.extension(package, x);
            }
            for m in &f.message_type {
                message(&mut ix, package, m);
            }
        }
        ix
    }

    fn extension(&mut self, scope: &str, x: &'d FieldDescriptorProto) {
        if x.extendee.as_deref().map(|e| e.trim_start_matches('.')) == Some(FEATURE_SET) {
            self.extensions.push((join(scope, x.name()), x));
        }
    }

    /// protoc's `ValidateDescriptor` and `ValidateFieldDescriptor` on a feature message, and
    /// its features with their defaults.
    fn features(&self, full: &str, m: &DescriptorProto) -> Result<Vec<Feature>, String> {
        if !m.oneof_decl.is_empty() {
            return Err(format!(
                "Type {full} contains unsupported oneof feature fields."
            ));
        }
        let mut out = Vec::new();
        for f in &m.field {
            let name = format!("{full}.{}", f.name());
            let ty = PType(f.r#type.unwrap_or(0));
            if f.label == Some(PLabel::LABEL_REQUIRED.0) {
                return Err(format!(
                    "Feature field {name} is an unsupported required field."
                ));
            }
            if f.label == Some(PLabel::LABEL_REPEATED.0) {
                return Err(format!(
                    "Feature field {name} is an unsupported repeated field."
                ));
            }
            if ty != PType::TYPE_ENUM && ty != PType::TYPE_BOOL {
                return Err(format!("Feature field {name} is not an enum or boolean."));
            }
            let options = f.options.clone().unwrap_or_default();
            if options.targets.is_empty() {
                return Err(format!("Feature field {name} has no target specified."));
            }
            if !options
                .edition_defaults
                .iter()
                .any(|d| d.edition == Some(edition::LEGACY))
            {
                return Err(format!(
                    "Feature field {name} has no default specified for EDITION_LEGACY, before it was introduced."
                ));
            }
            let Some(support) = &options.feature_support else {
                return Err(format!(
                    "Feature field {name} has no feature support specified."
                ));
            };
            let Some(introduced) = support.edition_introduced else {
                return Err(format!(
                    "Feature field {name} does not specify the edition it was introduced in."
                ));
            };
            let mut defaults = Vec::new();
            for d in &options.edition_defaults {
                let e = d.edition.unwrap_or(0);
                // Defaults for proto2 and proto3, before editions, are allowed.
                if e >= edition::E2023 {
                    if e < introduced {
                        return Err(format!(
                            "Feature field {name} has a default specified for edition {}, before it was introduced.",
                            edition_name(e)
                        ));
                    }
                    if support.edition_removed.is_some_and(|r| e > r) {
                        return Err(format!(
                            "Feature field {name} has a default specified for edition {}, after it was removed.",
                            edition_name(e)
                        ));
                    }
                }
                let text = d.value.as_deref().unwrap_or("");
                let value = self.value(f, ty, text).ok_or_else(|| {
                    format!(
                        "Parsing error in edition_defaults for feature field {name}. Could not parse: {text}"
                    )
                })?;
                defaults.push((e, value));
            }
            defaults.sort_by_key(|&(e, _)| e);
            out.push(Feature {
                number: u32::try_from(f.number.unwrap_or(0)).unwrap_or(0),
                full_name: name,
                introduced: Some(introduced),
                removed: support.edition_removed,
                defaults,
            });
        }
        // protoc writes them from a message: in number order.
        out.sort_by_key(|f| f.number);
        Ok(out)
    }

    /// A default's text-format value, encoded as a varint.
    fn value(&self, f: &FieldDescriptorProto, ty: PType, text: &str) -> Option<u64> {
        if ty == PType::TYPE_BOOL {
            return match text {
                "true" | "True" | "t" | "1" => Some(1),
                "false" | "False" | "f" | "0" => Some(0),
                _ => None,
            };
        }
        let e = self.enums.get(f.type_name().trim_start_matches('.'))?;
        let number = match e.value.iter().find(|v| v.name() == text) {
            Some(v) => v.number?,
            None => text
                .parse::<i32>()
                .ok()
                .filter(|n| e.value.iter().any(|v| v.number == Some(*n)))?,
        };
        Some(i64::from(number) as u64)
    }

    /// protoc's `ValidateExtension` and the features of extension `x`.
    fn extension_features(
        &self,
        name: &str,
        x: &FieldDescriptorProto,
    ) -> Result<Extension, String> {
        let ty = PType(x.r#type.unwrap_or(0));
        let message = (ty == PType::TYPE_MESSAGE || ty == PType::TYPE_GROUP)
            .then(|| x.type_name().trim_start_matches('.'))
            .and_then(|t| self.messages.get(t).map(|m| (t, *m)));
        let Some((type_name, m)) = message else {
            return Err(format!(
                "FeatureSet extension {name} is not of message type.  Feature extensions should always use messages to allow for evolution."
            ));
        };
        if x.label == Some(PLabel::LABEL_REPEATED.0) {
            return Err(format!(
                "Only singular features extensions are supported.  Found repeated extension {name}"
            ));
        }
        if !m.extension.is_empty() || !m.extension_range.is_empty() {
            return Err(format!(
                "Nested extensions in feature extension {name} are not supported."
            ));
        }
        Ok(Extension {
            number: u32::try_from(x.number.unwrap_or(0)).unwrap_or(0),
            features: self.features(type_name, m)?,
        })
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// The language features of a compilation: every valid extension of `FeatureSet` it declares,
/// with the defaults of their features. Resolution starts from these defaults for each
/// element, next to the core defaults.
#[derive(Clone, Debug, Default)]
pub(crate) struct Languages {
    extensions: Vec<Extension>,
}

impl Languages {
    /// Every `FeatureSet` extension of `files` that protoc could compile defaults for (one it
    /// would reject is left out: its features are merged as set, with no defaults).
    pub(crate) fn new(files: &[FileDescriptorProto]) -> Languages {
        let ix = Index::new(files);
        let mut extensions: Vec<Extension> = ix
            .extensions
            .iter()
            .filter_map(|(name, x)| ix.extension_features(name, x).ok())
            .collect();
        extensions.sort_by_key(|x| x.number);
        extensions.dedup_by_key(|x| x.number);
        Languages { extensions }
    }

    /// The default language features of `edition`, as `FeatureSet` extension records (each
    /// extension a message with every feature set), in number order.
    pub(crate) fn defaults(&self, edition: i32) -> Vec<u8> {
        let mut out = Vec::new();
        for x in &self.extensions {
            let mut body = Vec::new();
            for f in &x.features {
                if let Ok(v) = f.default_in(edition) {
                    put_varint_field(&mut body, f.number, v);
                }
            }
            let mut enc = Encoder::new(&mut out);
            enc.put_tag(x.number, WireType::Len);
            enc.put_len_prefixed(&body);
        }
        out
    }
}

fn put_varint_field(out: &mut Vec<u8>, number: u32, value: u64) {
    let mut enc = Encoder::new(out);
    enc.put_tag(number, WireType::Varint);
    enc.put_varint(value);
}

/// protoc's `FeatureResolver::CompileDefaults` over the `FeatureSet` of `files` (the embedded
/// `descriptor.proto`'s when none of them declares it) and every extension of it they declare:
/// what `protoc --edition_defaults_out` writes, with its `--edition_defaults_minimum` and
/// `--edition_defaults_maximum`.
pub(crate) fn compile(
    files: &[FileDescriptorProto],
    builtin: Option<&FileDescriptorProto>,
    minimum: i32,
    maximum: i32,
) -> Result<FeatureSetDefaults, String> {
    if minimum > maximum {
        return Err(format!(
            "Invalid edition range, edition {} is newer than edition {}",
            edition_name(minimum),
            edition_name(maximum)
        ));
    }
    let own = Index::new(files);
    let builtin_ix;
    let feature_set = match own.messages.get(FEATURE_SET) {
        Some(m) => (&own, *m),
        None => {
            builtin_ix = Index::new(builtin);
            let m = builtin_ix.messages.get(FEATURE_SET).copied().ok_or(
                "Unable to find definition of google.protobuf.FeatureSet in descriptor pool.",
            )?;
            (&builtin_ix, m)
        }
    };
    let core = feature_set.0.features(FEATURE_SET, feature_set.1)?;
    let mut extensions = Vec::new();
    for (name, x) in &own.extensions {
        extensions.push(own.extension_features(name, x)?);
    }
    // Every edition where something changes: a feature introduced or removed, a default.
    let mut editions = BTreeSet::new();
    for f in core
        .iter()
        .chain(extensions.iter().flat_map(|x| &x.features))
    {
        let changes = f
            .introduced
            .into_iter()
            .chain(f.removed)
            .chain(f.defaults.iter().map(|&(e, _)| e));
        for e in changes {
            if e <= maximum || e == edition::UNSTABLE {
                editions.insert(e);
            }
        }
    }
    let first = editions.first().copied().unwrap_or(0);
    if first != edition::LEGACY {
        return Err(format!(
            "Minimum edition {} is not EDITION_LEGACY",
            edition_name(first)
        ));
    }
    if first > minimum {
        return Err(format!(
            "Minimum edition {} is earlier than the oldest valid edition {}",
            edition_name(minimum),
            edition_name(first)
        ));
    }
    let mut defaults = Vec::new();
    for &e in &editions {
        // (fixed, overridable): the features that cannot and can be set in this edition.
        let mut sets: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        for f in &core {
            let v = f.default_in(e)?;
            put_varint_field(&mut sets[usize::from(!f.fixed_in(e))], f.number, v);
        }
        let mut by_number: BTreeMap<u32, [Vec<u8>; 2]> = BTreeMap::new();
        for x in &extensions {
            let mut bodies: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
            for f in &x.features {
                let v = f.default_in(e)?;
                put_varint_field(&mut bodies[usize::from(!f.fixed_in(e))], f.number, v);
            }
            by_number.insert(x.number, bodies);
        }
        // Both sets carry every extension, empty or not (protoc creates the messages).
        for (number, bodies) in by_number {
            for (set, body) in sets.iter_mut().zip(bodies) {
                let mut enc = Encoder::new(set);
                enc.put_tag(number, WireType::Len);
                enc.put_len_prefixed(&body);
            }
        }
        let [fixed, overridable] = sets;
        defaults.push(FeatureSetEditionDefault {
            edition: Some(e),
            overridable_features: Some(decode(&overridable)?),
            fixed_features: Some(decode(&fixed)?),
            ..Default::default()
        });
    }
    Ok(FeatureSetDefaults {
        defaults,
        minimum_edition: Some(minimum),
        maximum_edition: Some(maximum),
        ..Default::default()
    })
}

fn decode(bytes: &[u8]) -> Result<FeatureSet, String> {
    FeatureSet::decode(bytes).map_err(|e| format!("Internal error: {e}"))
}
