//! Linking one `FileDescriptorProto` into a pool: registering its names, resolving its type
//! references, computing what every field needs (kind, cardinality, presence, packing, JSON
//! name, default, features), and the checks protoc makes on descriptors it is given.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use courier_types::{
    DescriptorProto, EnumDescriptorProto, FeatureSet, FieldDescriptorProto, FileDescriptorProto,
    ServiceDescriptorProto,
};

use super::features::{Edition, Features, FieldPresence, JsonFormat, MessageEncoding};
use super::features::{EnumType, RepeatedFieldEncoding, field_features};
use super::handles::Cardinality;
use super::{
    DENSE_LIMIT, DescriptorError, EnumInner, EnumValueInner, FieldInner, FileInner, KindIndex,
    MessageInner, MethodInner, NO_FIELD, OneofInner, PoolInner, ServiceInner, Symbol, WellKnown,
};
use crate::dynamic::Value;

/// The largest field number (`2^29 - 1`).
const MAX_NUMBER: u32 = (1 << 29) - 1;

/// Adds `file` to `pool`; on an error the pool is left as it was.
pub(super) fn add_file_rollback(
    pool: &mut PoolInner,
    file: FileDescriptorProto,
) -> Result<u32, DescriptorError> {
    let marks = Marks::of(pool);
    let mut b = Builder {
        file_name: file.name.clone().unwrap_or_default(),
        added: Vec::new(),
        pending: Vec::new(),
    };
    match b.add(pool, file) {
        Ok(i) => Ok(i),
        Err(e) => {
            marks.restore(pool, &b.added);
            Err(e)
        }
    }
}

/// [`add_file_rollback`] (used when the caller stages into a copy of the pool anyway).
pub(super) fn add_file(
    pool: &mut PoolInner,
    file: FileDescriptorProto,
) -> Result<u32, DescriptorError> {
    add_file_rollback(pool, file)
}

/// The pool's lengths before a file is added, to undo a failed add.
struct Marks {
    files: usize,
    messages: usize,
    fields: usize,
    oneofs: usize,
    enums: usize,
    enum_values: usize,
    services: usize,
    methods: usize,
}

impl Marks {
    fn of(p: &PoolInner) -> Marks {
        Marks {
            files: p.files.len(),
            messages: p.messages.len(),
            fields: p.fields.len(),
            oneofs: p.oneofs.len(),
            enums: p.enums.len(),
            enum_values: p.enum_values.len(),
            services: p.services.len(),
            methods: p.methods.len(),
        }
    }

    fn restore(&self, p: &mut PoolInner, added: &[Box<str>]) {
        for n in added {
            p.names.remove(n);
        }
        // The file name is registered last, only on success; nothing to undo there.
        p.files.truncate(self.files);
        p.messages.truncate(self.messages);
        p.fields.truncate(self.fields);
        p.oneofs.truncate(self.oneofs);
        p.enums.truncate(self.enums);
        p.enum_values.truncate(self.enum_values);
        p.services.truncate(self.services);
        p.methods.truncate(self.methods);
    }
}

/// A field whose type is resolved in the second pass.
struct Pending {
    field: u32,
    /// The scope names are resolved in (the message, or the package for file-level extensions).
    scope: String,
    /// The features the field inherits (its message's, its oneof's, or its extension scope's).
    parent: Features,
}

struct Builder {
    file_name: String,
    added: Vec<Box<str>>,
    pending: Vec<Pending>,
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

/// protoc's default JSON name: underscores removed, the letter after each one upper-cased.
pub(crate) fn to_json_name(name: &str) -> String {
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

fn valid_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Builder {
    fn err(&self, msg: impl Into<String>) -> DescriptorError {
        DescriptorError::new(&self.file_name, msg)
    }

    fn register(
        &mut self,
        pool: &mut PoolInner,
        full: &str,
        sym: Symbol,
    ) -> Result<(), DescriptorError> {
        if let Some(old) = pool.names.get(full) {
            if sym == Symbol::Package && *old == Symbol::Package {
                return Ok(());
            }
            return Err(self.err(format!("\"{full}\" is already defined")));
        }
        pool.names.insert(full.into(), sym);
        self.added.push(full.into());
        Ok(())
    }

    fn check_features(&self, what: &str, set: Option<&FeatureSet>) -> Result<(), DescriptorError> {
        if let Some(set) = set {
            Features::check(set)
                .map_err(|f| self.err(format!("{what}: invalid value for feature {f}")))?;
        }
        Ok(())
    }

    fn add(
        &mut self,
        pool: &mut PoolInner,
        file: FileDescriptorProto,
    ) -> Result<u32, DescriptorError> {
        let name = match file.name.as_deref() {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => return Err(self.err("a file without a name")),
        };
        if let Some(&i) = pool.file_names.get(name.as_str()) {
            if pool.files[i as usize].proto == file {
                return Ok(i);
            }
            return Err(self.err("a different file of this name is already in the pool"));
        }
        let edition = match file.syntax.as_deref() {
            None | Some("") | Some("proto2") => Edition::Proto2,
            Some("proto3") => Edition::Proto3,
            Some("editions") => {
                let n = file.edition.unwrap_or(0);
                Edition::from_number(n).ok_or_else(|| {
                    self.err(format!(
                        "edition {n} is not supported (this pool knows editions up to 2024)"
                    ))
                })?
            }
            Some(other) => return Err(self.err(format!("unknown syntax \"{other}\""))),
        };
        let mut dependencies = Vec::new();
        for d in &file.dependency {
            let i =
                pool.file_names.get(d.as_str()).copied().ok_or_else(|| {
                    self.err(format!("imports \"{d}\", which is not in the pool"))
                })?;
            dependencies.push(i);
        }
        let mut public_dependencies = Vec::new();
        for &p in &file.public_dependency {
            let i = usize::try_from(p)
                .ok()
                .and_then(|p| dependencies.get(p))
                .ok_or_else(|| self.err(format!("public_dependency {p} is out of range")))?;
            public_dependencies.push(*i);
        }
        let file_set = file.options.as_ref().and_then(|o| o.features.as_ref());
        self.check_features("file options", file_set)?;
        let features = Features::defaults(edition).merged(file_set);
        let package = file.package.clone().unwrap_or_default();
        if !package.is_empty() {
            let mut prefix = String::new();
            for part in package.split('.') {
                if !valid_identifier(part) {
                    return Err(self.err(format!("invalid package name \"{package}\"")));
                }
                prefix = join(&prefix, part);
                let p = prefix.clone();
                self.register(pool, &p, Symbol::Package)?;
            }
        }
        let file_index = pool.files.len() as u32;
        pool.files.push(FileInner {
            name: name.clone().into(),
            package: package.clone().into(),
            edition,
            proto: FileDescriptorProto::default(),
            dependencies,
            public_dependencies,
            messages: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            extensions: Vec::new(),
            features,
        });

        // Pass 1: every name.
        let mut messages = Vec::new();
        for m in &file.message_type {
            messages.push(self.message(pool, m, &package, None, file_index, features)?);
        }
        let mut enums = Vec::new();
        for e in &file.enum_type {
            enums.push(self.enumeration(pool, e, &package, None, file_index, features)?);
        }
        let mut extensions = Vec::new();
        for (i, x) in file.extension.iter().enumerate() {
            extensions.push(self.extension(pool, x, &package, None, file_index, i, features)?);
        }

        // Pass 2: type references, then what depends on them.
        let visible = self.visible_files(pool, file_index);
        let pending = std::mem::take(&mut self.pending);
        for p in &pending {
            self.resolve_field(pool, p, edition, &visible)?;
        }
        for &m in &messages {
            self.finish_message_tree(pool, m)?;
        }
        let mut services = Vec::new();
        for s in &file.service {
            services.push(self.service(pool, s, &package, file_index, &visible)?);
        }
        // Extensions join their extendees last: nothing after this can fail.
        self.attach_extensions(pool, &pending)?;

        let f = &mut pool.files[file_index as usize];
        f.messages = messages;
        f.enums = enums;
        f.services = services;
        f.extensions = extensions;
        f.proto = file;
        pool.file_names.insert(name.into(), file_index);
        Ok(file_index)
    }

    /// The files whose types `file` may use: itself, its imports, and what those re-export
    /// through public imports (transitively).
    fn visible_files(&self, pool: &PoolInner, file: u32) -> HashSet<u32> {
        let mut out = HashSet::from([file]);
        let mut stack: Vec<u32> = pool.files[file as usize].dependencies.clone();
        while let Some(f) = stack.pop() {
            if out.insert(f) {
                stack.extend(pool.files[f as usize].public_dependencies.iter().copied());
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        pool: &mut PoolInner,
        m: &DescriptorProto,
        scope: &str,
        parent: Option<u32>,
        file: u32,
        parent_features: Features,
    ) -> Result<u32, DescriptorError> {
        let name = m.name.as_deref().unwrap_or("");
        if !valid_identifier(name) {
            return Err(self.err(format!("invalid message name \"{name}\" in \"{scope}\"")));
        }
        let full = join(scope, name);
        let index = pool.messages.len() as u32;
        self.register(pool, &full, Symbol::Message(index))?;
        let set = m.options.as_ref().and_then(|o| o.features.as_ref());
        self.check_features(&full, set)?;
        let features = parent_features.merged(set);
        let mut ranges = Vec::new();
        for r in &m.extension_range {
            let (start, end) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            // Message sets declare `extensions 4 to max` with max = INT32_MAX.
            if start < 1 || end <= start {
                return Err(self.err(format!("{full}: invalid extension range {start} to {end}")));
            }
            ranges.push((start as u32, end as u32));
        }
        let mut reserved = Vec::new();
        for r in &m.reserved_range {
            let (start, end) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            if start < 1 || end <= start {
                return Err(self.err(format!("{full}: invalid reserved range {start} to {end}")));
            }
            reserved.push((start as u32, end as u32));
        }
        let options = m.options.clone();
        let map_entry = options.as_ref().and_then(|o| o.map_entry) == Some(true);
        let message_set = options.as_ref().and_then(|o| o.message_set_wire_format) == Some(true);
        pool.messages.push(MessageInner {
            name: name.into(),
            full_name: full.clone().into(),
            file,
            parent,
            fields: Vec::new(),
            by_number: Vec::new(),
            dense: Vec::new(),
            json_names: HashMap::new(),
            oneofs: Vec::new(),
            messages: Vec::new(),
            enums: Vec::new(),
            scoped_extensions: Vec::new(),
            extensions: Vec::new(),
            extension_ranges: ranges,
            reserved_ranges: reserved,
            reserved_names: m.reserved_name.iter().map(|s| s.as_str().into()).collect(),
            map_entry,
            message_set,
            features,
            options,
            well_known: WellKnown::from_name(&full),
        });

        // Oneofs.
        let mut oneofs = Vec::new();
        for (i, o) in m.oneof_decl.iter().enumerate() {
            let oname = o.name.as_deref().unwrap_or("");
            if !valid_identifier(oname) {
                return Err(self.err(format!("{full}: invalid oneof name \"{oname}\"")));
            }
            let ofull = join(&full, oname);
            let oi = pool.oneofs.len() as u32;
            self.register(pool, &ofull, Symbol::Oneof(oi))?;
            let oset = o.options.as_ref().and_then(|x| x.features.as_ref());
            self.check_features(&ofull, oset)?;
            pool.oneofs.push(OneofInner {
                name: oname.into(),
                full_name: ofull.into(),
                message: index,
                fields: Vec::new(),
                synthetic: false,
                features: features.merged(oset),
                options: o.options.clone(),
                index: i as u32,
            });
            oneofs.push(oi);
        }

        // Fields.
        let mut fields = Vec::new();
        for (i, f) in m.field.iter().enumerate() {
            let fname = f.name.as_deref().unwrap_or("");
            if !valid_identifier(fname) {
                return Err(self.err(format!("{full}: invalid field name \"{fname}\"")));
            }
            if f.extendee.is_some() {
                return Err(self.err(format!("{full}.{fname}: a field with an extendee")));
            }
            let ffull = join(&full, fname);
            let fi = pool.fields.len() as u32;
            self.register(pool, &ffull, Symbol::Field(fi))?;
            let oneof = match f.oneof_index {
                None => None,
                Some(o) => Some(
                    usize::try_from(o)
                        .ok()
                        .and_then(|o| oneofs.get(o).copied())
                        .ok_or_else(|| {
                            self.err(format!("{ffull}: oneof_index {o} is out of range"))
                        })?,
                ),
            };
            let parent = match oneof {
                Some(o) => pool.oneofs[o as usize].features,
                None => features,
            };
            if let Some(o) = oneof {
                pool.oneofs[o as usize].fields.push(fi);
            }
            pool.fields.push(placeholder_field(
                f, fname, &ffull, index, None, file, i, false, oneof,
            ));
            self.pending.push(Pending {
                field: fi,
                scope: full.clone(),
                parent,
            });
            fields.push(fi);
        }
        for &o in &oneofs {
            let one = &pool.oneofs[o as usize];
            if one.fields.is_empty() {
                return Err(self.err(format!("{}: a oneof without fields", one.full_name)));
            }
            let synthetic = one.fields.len() == 1
                && pool.fields[one.fields[0] as usize].proto.proto3_optional == Some(true);
            pool.oneofs[o as usize].synthetic = synthetic;
        }

        let mut nested = Vec::new();
        for n in &m.nested_type {
            nested.push(self.message(pool, n, &full, Some(index), file, features)?);
        }
        let mut enums = Vec::new();
        for e in &m.enum_type {
            enums.push(self.enumeration(pool, e, &full, Some(index), file, features)?);
        }
        let mut scoped = Vec::new();
        for (i, x) in m.extension.iter().enumerate() {
            scoped.push(self.extension(pool, x, &full, Some(index), file, i, features)?);
        }
        let msg = &mut pool.messages[index as usize];
        msg.fields = fields;
        msg.oneofs = oneofs;
        msg.messages = nested;
        msg.enums = enums;
        msg.scoped_extensions = scoped;
        Ok(index)
    }

    #[allow(clippy::too_many_arguments)]
    fn extension(
        &mut self,
        pool: &mut PoolInner,
        x: &FieldDescriptorProto,
        scope: &str,
        scope_message: Option<u32>,
        file: u32,
        index: usize,
        parent: Features,
    ) -> Result<u32, DescriptorError> {
        let name = x.name.as_deref().unwrap_or("");
        if !valid_identifier(name) {
            return Err(self.err(format!("invalid extension name \"{name}\" in \"{scope}\"")));
        }
        let full = join(scope, name);
        if x.extendee.as_deref().unwrap_or("").is_empty() {
            return Err(self.err(format!("{full}: an extension without an extendee")));
        }
        if x.oneof_index.is_some() {
            return Err(self.err(format!("{full}: an extension in a oneof")));
        }
        let fi = pool.fields.len() as u32;
        self.register(pool, &full, Symbol::Extension(fi))?;
        pool.fields.push(placeholder_field(
            x,
            name,
            &full,
            u32::MAX,
            scope_message,
            file,
            index,
            true,
            None,
        ));
        self.pending.push(Pending {
            field: fi,
            scope: scope.to_owned(),
            parent,
        });
        Ok(fi)
    }

    fn enumeration(
        &mut self,
        pool: &mut PoolInner,
        e: &EnumDescriptorProto,
        scope: &str,
        parent: Option<u32>,
        file: u32,
        parent_features: Features,
    ) -> Result<u32, DescriptorError> {
        let name = e.name.as_deref().unwrap_or("");
        if !valid_identifier(name) {
            return Err(self.err(format!("invalid enum name \"{name}\" in \"{scope}\"")));
        }
        let full = join(scope, name);
        let index = pool.enums.len() as u32;
        self.register(pool, &full, Symbol::Enum(index))?;
        let set = e.options.as_ref().and_then(|o| o.features.as_ref());
        self.check_features(&full, set)?;
        let features = parent_features.merged(set);
        if e.value.is_empty() {
            return Err(self.err(format!("{full}: an enum without values")));
        }
        let mut values = Vec::new();
        let mut by_number: Vec<(i32, u32)> = Vec::new();
        let mut by_name = HashMap::new();
        let mut seen_numbers = HashSet::new();
        let allow_alias = e.options.as_ref().and_then(|o| o.allow_alias) == Some(true);
        for (i, v) in e.value.iter().enumerate() {
            let vname = v.name.as_deref().unwrap_or("");
            if !valid_identifier(vname) {
                return Err(self.err(format!("{full}: invalid enum value name \"{vname}\"")));
            }
            let number = v.number.ok_or_else(|| {
                self.err(format!("{full}.{vname}: an enum value without a number"))
            })?;
            // Enum values are siblings of their enum, not children.
            let vfull = join(scope, vname);
            let vi = pool.enum_values.len() as u32;
            self.register(pool, &vfull, Symbol::EnumValue(vi))?;
            let vset = v.options.as_ref().and_then(|o| o.features.as_ref());
            self.check_features(&vfull, vset)?;
            if !seen_numbers.insert(number) && !allow_alias {
                return Err(self.err(format!(
                    "{vfull}: number {number} is already used in {full} (and allow_alias is not set)"
                )));
            }
            pool.enum_values.push(EnumValueInner {
                name: vname.into(),
                full_name: vfull.into(),
                number,
                parent: index,
                index: i as u32,
                features: features.merged(vset),
                options: v.options.clone(),
            });
            by_name.insert(vname.into(), vi);
            if let Err(at) = by_number.binary_search_by_key(&number, |&(n, _)| n) {
                by_number.insert(at, (number, vi));
            }
            values.push(vi);
        }
        let closed = features.enum_type == EnumType::Closed;
        if !closed && e.value.first().and_then(|v| v.number) != Some(0) {
            // editions features.md, enum_type: "OPEN: ... the first value must be zero".
            return Err(self.err(format!(
                "{full}: the first value of an open enum must be zero"
            )));
        }
        pool.enums.push(EnumInner {
            name: name.into(),
            full_name: full.into(),
            file,
            parent,
            values,
            by_number,
            by_name,
            closed,
            features,
            options: e.options.clone(),
            reserved_ranges: e
                .reserved_range
                .iter()
                .map(|r| (r.start.unwrap_or(0), r.end.unwrap_or(0)))
                .collect(),
            reserved_names: e.reserved_name.iter().map(|s| s.as_str().into()).collect(),
        });
        Ok(index)
    }

    /// Finds what `name` (as written in a descriptor, relative or `.`-absolute) names from
    /// `scope`, with protobuf's scoping rules: the innermost scope that defines the name's
    /// first component wins. With `types_only`, symbols other than messages, enums and
    /// packages do not stop the search.
    fn lookup(
        &self,
        pool: &PoolInner,
        scope: &str,
        name: &str,
        types_only: bool,
    ) -> Option<Symbol> {
        if let Some(abs) = name.strip_prefix('.') {
            return pool.names.get(abs).copied();
        }
        let first = name.split('.').next().unwrap_or(name);
        let mut scope = scope.to_owned();
        loop {
            let candidate = join(&scope, first);
            if let Some(&sym) = pool.names.get(candidate.as_str()) {
                let aggregate =
                    matches!(sym, Symbol::Package | Symbol::Message(_) | Symbol::Enum(_));
                if first.len() == name.len() {
                    if !types_only || matches!(sym, Symbol::Message(_) | Symbol::Enum(_)) {
                        return Some(sym);
                    }
                } else if aggregate {
                    return pool.names.get(join(&scope, name).as_str()).copied();
                }
            }
            if scope.is_empty() {
                return None;
            }
            match scope.rfind('.') {
                Some(i) => scope.truncate(i),
                None => scope.clear(),
            }
        }
    }

    fn file_of(&self, pool: &PoolInner, sym: Symbol) -> u32 {
        match sym {
            Symbol::Message(i) => pool.messages[i as usize].file,
            Symbol::Enum(i) => pool.enums[i as usize].file,
            _ => u32::MAX,
        }
    }

    fn resolve_field(
        &mut self,
        pool: &mut PoolInner,
        p: &Pending,
        edition: Edition,
        visible: &HashSet<u32>,
    ) -> Result<(), DescriptorError> {
        let f = pool.fields[p.field as usize].proto.clone();
        let full = pool.fields[p.field as usize].full_name.to_string();
        let is_extension = pool.fields[p.field as usize].is_extension;
        let number = f
            .number
            .ok_or_else(|| self.err(format!("{full}: a field without a number")))?;
        if number < 1 || number as u32 > MAX_NUMBER {
            return Err(self.err(format!("{full}: field number {number} is out of range")));
        }
        let number = number as u32;
        if !is_extension && (19000..=19999).contains(&number) {
            return Err(self.err(format!(
                "{full}: field numbers 19000 through 19999 are reserved for the protobuf implementation"
            )));
        }
        let kind = self.resolve_kind(pool, &f, &full, &p.scope, visible)?;
        let label = f.label.unwrap_or(1);
        let set = field_features(&f, edition);
        self.check_features(&full, set.as_ref())?;
        let features = p.parent.merged(set.as_ref());
        let cardinality = match label {
            3 => Cardinality::Repeated,
            2 => Cardinality::Required,
            1 if features.field_presence == FieldPresence::LegacyRequired => Cardinality::Required,
            1 => Cardinality::Optional,
            other => return Err(self.err(format!("{full}: invalid label {other}"))),
        };
        let delimited = match kind {
            KindIndex::Message(m) => {
                (f.r#type == Some(10) || features.message_encoding == MessageEncoding::Delimited)
                    && !pool.messages[m as usize].map_entry
            }
            _ => false,
        };
        let message = pool.fields[p.field as usize].message;
        let map = match kind {
            KindIndex::Message(m) if cardinality == Cardinality::Repeated => {
                let entry = &pool.messages[m as usize];
                entry.map_entry && (is_extension || entry.parent == Some(message))
            }
            _ => false,
        };
        let oneof = pool.fields[p.field as usize].oneof;
        let presence = cardinality != Cardinality::Repeated
            && (matches!(kind, KindIndex::Message(_))
                || is_extension
                || oneof.is_some()
                || features.field_presence != FieldPresence::Implicit);
        if cardinality != Cardinality::Repeated
            && features.field_presence == FieldPresence::Implicit
            && (matches!(kind, KindIndex::Message(_)) || is_extension)
            && edition >= Edition::E2023
            && f.options
                .as_ref()
                .and_then(|o| o.features.as_ref())
                .and_then(|s| s.field_presence)
                == Some(2)
        {
            return Err(self.err(format!(
                "{full}: message fields and extensions cannot have implicit presence"
            )));
        }
        let packed = cardinality == Cardinality::Repeated
            && kind.is_packable()
            && features.repeated_field_encoding == RepeatedFieldEncoding::Packed;
        let json_name = match f.json_name.as_deref() {
            Some(j) => {
                if j.contains('\0') {
                    return Err(self.err(format!("{full}: json_name contains a NUL character")));
                }
                j.to_owned()
            }
            None => to_json_name(f.name.as_deref().unwrap_or("")),
        };
        let default = match f.default_value.as_deref() {
            None => None,
            Some(d) => {
                if cardinality == Cardinality::Repeated || matches!(kind, KindIndex::Message(_)) {
                    return Err(self.err(format!(
                        "{full}: repeated and message fields cannot have default values"
                    )));
                }
                Some(
                    parse_default(pool, kind, d).ok_or_else(|| {
                        self.err(format!("{full}: invalid default value \"{d}\""))
                    })?,
                )
            }
        };
        if is_extension {
            let extendee = f.extendee.as_deref().unwrap_or("");
            let target = match self.lookup(pool, &p.scope, extendee, true) {
                Some(Symbol::Message(m)) => m,
                _ => {
                    return Err(self.err(format!(
                        "{full}: extendee \"{extendee}\" is not a message in the pool"
                    )));
                }
            };
            if !visible.contains(&pool.messages[target as usize].file) {
                return Err(self.err(format!(
                    "{full}: extendee \"{extendee}\" is defined in a file this one does not import"
                )));
            }
            let t = &pool.messages[target as usize];
            if !t
                .extension_ranges
                .iter()
                .any(|&(s, e)| (s..e).contains(&number))
            {
                return Err(self.err(format!(
                    "{full}: {} does not declare {number} as an extension number",
                    t.full_name
                )));
            }
            if t.message_set
                && (cardinality != Cardinality::Optional || !matches!(kind, KindIndex::Message(_)))
            {
                return Err(self.err(format!(
                    "{full}: extensions of a message set must be optional messages"
                )));
            }
            pool.fields[p.field as usize].message = target;
        }
        let fi = &mut pool.fields[p.field as usize];
        fi.number = number;
        fi.kind = kind;
        fi.cardinality = cardinality;
        fi.presence = presence;
        fi.packed = packed;
        fi.delimited = delimited;
        fi.map = map;
        fi.features = features;
        fi.json_name = json_name.into();
        fi.default = default;
        Ok(())
    }

    fn resolve_kind(
        &self,
        pool: &PoolInner,
        f: &FieldDescriptorProto,
        full: &str,
        scope: &str,
        visible: &HashSet<u32>,
    ) -> Result<KindIndex, DescriptorError> {
        let scalar = match f.r#type {
            Some(1) => Some(KindIndex::Double),
            Some(2) => Some(KindIndex::Float),
            Some(3) => Some(KindIndex::Int64),
            Some(4) => Some(KindIndex::Uint64),
            Some(5) => Some(KindIndex::Int32),
            Some(6) => Some(KindIndex::Fixed64),
            Some(7) => Some(KindIndex::Fixed32),
            Some(8) => Some(KindIndex::Bool),
            Some(9) => Some(KindIndex::String),
            Some(12) => Some(KindIndex::Bytes),
            Some(13) => Some(KindIndex::Uint32),
            Some(15) => Some(KindIndex::Sfixed32),
            Some(16) => Some(KindIndex::Sfixed64),
            Some(17) => Some(KindIndex::Sint32),
            Some(18) => Some(KindIndex::Sint64),
            Some(10 | 11 | 14) | None => None,
            Some(t) => return Err(self.err(format!("{full}: invalid type {t}"))),
        };
        if let Some(k) = scalar {
            return Ok(k);
        }
        let type_name = f.type_name.as_deref().ok_or_else(|| {
            self.err(format!(
                "{full}: a message or enum field without a type name"
            ))
        })?;
        let sym = self
            .lookup(pool, scope, type_name, true)
            .ok_or_else(|| self.err(format!("{full}: unknown type \"{type_name}\"")))?;
        let kind = match (f.r#type, sym) {
            (Some(10 | 11) | None, Symbol::Message(m)) => KindIndex::Message(m),
            (Some(14) | None, Symbol::Enum(e)) => KindIndex::Enum(e),
            _ => {
                return Err(self.err(format!(
                    "{full}: \"{type_name}\" is not a {}",
                    if f.r#type == Some(14) {
                        "enum"
                    } else {
                        "message"
                    }
                )));
            }
        };
        if !visible.contains(&self.file_of(pool, sym)) {
            return Err(self.err(format!(
                "{full}: \"{type_name}\" is defined in a file this one does not import"
            )));
        }
        Ok(kind)
    }

    /// Lookup tables and the checks that need every field of a message resolved; then the
    /// same for its nested messages.
    fn finish_message_tree(&self, pool: &mut PoolInner, m: u32) -> Result<(), DescriptorError> {
        self.finish_message(pool, m)?;
        let nested = pool.messages[m as usize].messages.clone();
        for n in nested {
            self.finish_message_tree(pool, n)?;
        }
        Ok(())
    }

    fn finish_message(&self, pool: &mut PoolInner, m: u32) -> Result<(), DescriptorError> {
        let msg = &pool.messages[m as usize];
        let full = msg.full_name.to_string();
        let mut by_number = msg.fields.clone();
        by_number.sort_by_key(|&f| pool.fields[f as usize].number);
        for w in by_number.windows(2) {
            let (a, b) = (&pool.fields[w[0] as usize], &pool.fields[w[1] as usize]);
            if a.number == b.number {
                return Err(self.err(format!(
                    "{full}: fields \"{}\" and \"{}\" both use number {}",
                    a.name, b.name, a.number
                )));
            }
        }
        for &f in &by_number {
            let fi = &pool.fields[f as usize];
            if msg
                .extension_ranges
                .iter()
                .any(|&(s, e)| (s..e).contains(&fi.number))
            {
                return Err(self.err(format!(
                    "{full}: field \"{}\" uses number {}, which is an extension number",
                    fi.name, fi.number
                )));
            }
            if msg
                .reserved_ranges
                .iter()
                .any(|&(s, e)| (s..e).contains(&fi.number))
            {
                return Err(self.err(format!(
                    "{full}: field \"{}\" uses reserved number {}",
                    fi.name, fi.number
                )));
            }
            if msg.reserved_names.iter().any(|n| **n == *fi.name) {
                return Err(self.err(format!("{full}: field name \"{}\" is reserved", fi.name)));
            }
        }
        if msg.map_entry {
            self.check_map_entry(pool, m)?;
        }
        let max_dense = by_number
            .iter()
            .map(|&f| pool.fields[f as usize].number)
            .filter(|&n| n < DENSE_LIMIT)
            .max();
        let mut dense = Vec::new();
        if let Some(max) = max_dense {
            dense = vec![NO_FIELD; max as usize + 1];
            for &f in &by_number {
                let n = pool.fields[f as usize].number;
                if n < DENSE_LIMIT {
                    dense[n as usize] = f;
                }
            }
        }
        self.check_json_names(pool, m)?;
        let mut json_names: HashMap<Box<str>, u32> = HashMap::new();
        for &f in &msg.fields {
            json_names.insert(pool.fields[f as usize].name.clone(), f);
        }
        for &f in &msg.fields {
            json_names.insert(pool.fields[f as usize].json_name.clone(), f);
        }
        let msg = &mut pool.messages[m as usize];
        msg.by_number = by_number;
        msg.dense = dense;
        msg.json_names = json_names;
        Ok(())
    }

    fn check_map_entry(&self, pool: &PoolInner, m: u32) -> Result<(), DescriptorError> {
        let msg = &pool.messages[m as usize];
        let bad = |why: &str| self.err(format!("{}: invalid map entry: {why}", msg.full_name));
        if msg.fields.len() != 2 || !msg.oneofs.is_empty() || !msg.messages.is_empty() {
            return Err(bad("it must have exactly the fields key and value"));
        }
        let key = &pool.fields[msg.fields[0] as usize];
        let value = &pool.fields[msg.fields[1] as usize];
        if &*key.name != "key" || key.number != 1 || &*value.name != "value" || value.number != 2 {
            return Err(bad("its fields must be key = 1 and value = 2"));
        }
        if key.cardinality == Cardinality::Repeated || value.cardinality == Cardinality::Repeated {
            return Err(bad("key and value cannot be repeated"));
        }
        if matches!(
            key.kind,
            KindIndex::Float
                | KindIndex::Double
                | KindIndex::Bytes
                | KindIndex::Message(_)
                | KindIndex::Enum(_)
        ) {
            return Err(bad("the key must be an integer, bool or string"));
        }
        Ok(())
    }

    /// protoc's JSON name uniqueness check: with `json_format = ALLOW`, no two fields may share
    /// a default JSON name or an effective one (custom when set); with `LEGACY_BEST_EFFORT`,
    /// only two custom names may not collide; a message that sets
    /// `deprecated_legacy_json_field_conflicts` is not checked at all (protoc compiles it, so
    /// a pool built from protoc's output must accept it).
    fn check_json_names(&self, pool: &PoolInner, m: u32) -> Result<(), DescriptorError> {
        let msg = &pool.messages[m as usize];
        let legacy_conflicts = msg
            .options
            .as_ref()
            .and_then(|o| o.deprecated_legacy_json_field_conflicts)
            == Some(true);
        if msg.map_entry || legacy_conflicts {
            return Ok(());
        }
        let allow = msg.features.json_format == JsonFormat::Allow;
        let mut defaults: HashMap<String, &str> = HashMap::new();
        let mut effective: HashMap<&str, (&str, bool)> = HashMap::new();
        for &f in &msg.fields {
            let fi = &pool.fields[f as usize];
            let custom = fi.proto.json_name.is_some()
                && fi.proto.json_name.as_deref() != Some(&to_json_name(&fi.name));
            if allow {
                let d = to_json_name(&fi.name);
                if let Some(other) = defaults.insert(d.clone(), &fi.name) {
                    return Err(self.err(format!(
                        "{}: the default JSON name of field \"{}\" (\"{d}\") conflicts with the default JSON name of field \"{other}\"",
                        msg.full_name, fi.name
                    )));
                }
            }
            if let Some((other, other_custom)) = effective.insert(&fi.json_name, (&fi.name, custom))
            {
                if allow || (custom && other_custom) {
                    return Err(self.err(format!(
                        "{}: the JSON name of field \"{}\" (\"{}\") conflicts with the JSON name of field \"{other}\"",
                        msg.full_name, fi.name, fi.json_name
                    )));
                }
            }
        }
        Ok(())
    }

    fn service(
        &mut self,
        pool: &mut PoolInner,
        s: &ServiceDescriptorProto,
        scope: &str,
        file: u32,
        visible: &HashSet<u32>,
    ) -> Result<u32, DescriptorError> {
        let name = s.name.as_deref().unwrap_or("");
        if !valid_identifier(name) {
            return Err(self.err(format!("invalid service name \"{name}\"")));
        }
        let full = join(scope, name);
        let index = pool.services.len() as u32;
        self.register(pool, &full, Symbol::Service(index))?;
        let mut methods = Vec::new();
        for m in &s.method {
            let mname = m.name.as_deref().unwrap_or("");
            if !valid_identifier(mname) {
                return Err(self.err(format!("{full}: invalid method name \"{mname}\"")));
            }
            let mfull = join(&full, mname);
            let mi = pool.methods.len() as u32;
            self.register(pool, &mfull, Symbol::Method(mi))?;
            let resolve = |t: Option<&str>, what: &str| -> Result<u32, DescriptorError> {
                let t = t.unwrap_or("");
                match self.lookup(pool, &full, t, true) {
                    Some(Symbol::Message(x))
                        if visible.contains(&pool.messages[x as usize].file) =>
                    {
                        Ok(x)
                    }
                    _ => Err(self.err(format!(
                        "{mfull}: {what} type \"{t}\" is not a message in the pool"
                    ))),
                }
            };
            let input = resolve(m.input_type.as_deref(), "input")?;
            let output = resolve(m.output_type.as_deref(), "output")?;
            pool.methods.push(MethodInner {
                name: mname.into(),
                full_name: mfull.into(),
                service: index,
                input,
                output,
                client_streaming: m.client_streaming == Some(true),
                server_streaming: m.server_streaming == Some(true),
                options: m.options.clone(),
            });
            methods.push(mi);
        }
        pool.services.push(ServiceInner {
            name: name.into(),
            full_name: full.into(),
            file,
            methods,
            options: s.options.clone(),
        });
        Ok(index)
    }

    /// Indexes the new extensions by their extendee (checking numbers are not taken).
    fn attach_extensions(
        &self,
        pool: &mut PoolInner,
        pending: &[Pending],
    ) -> Result<(), DescriptorError> {
        let mut adds: Vec<(u32, u32, u32)> = Vec::new();
        for p in pending {
            let f = &pool.fields[p.field as usize];
            if !f.is_extension {
                continue;
            }
            let target = &pool.messages[f.message as usize];
            let taken = pool.extension_by_number(target, f.number).is_some()
                || adds
                    .iter()
                    .any(|&(t, n, _)| t == f.message && n == f.number);
            if taken {
                return Err(self.err(format!(
                    "{}: extension number {} of {} is already used",
                    f.full_name, f.number, target.full_name
                )));
            }
            adds.push((f.message, f.number, p.field));
        }
        for (t, n, f) in adds {
            let exts = &mut pool.messages[t as usize].extensions;
            let at = exts.partition_point(|&(x, _)| x < n);
            exts.insert(at, (n, f));
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn placeholder_field(
    f: &FieldDescriptorProto,
    name: &str,
    full: &str,
    message: u32,
    scope: Option<u32>,
    file: u32,
    index: usize,
    is_extension: bool,
    oneof: Option<u32>,
) -> FieldInner {
    FieldInner {
        name: name.into(),
        full_name: full.into(),
        json_name: "".into(),
        number: 0,
        kind: KindIndex::Int32,
        cardinality: Cardinality::Optional,
        presence: false,
        packed: false,
        delimited: false,
        map: false,
        oneof,
        message,
        scope,
        file,
        index: index as u32,
        is_extension,
        features: Features::defaults(Edition::Proto2),
        default: None,
        proto: f.clone(),
    }
}

/// Parses a `default_value` as protoc writes it for a field of `kind`.
fn parse_default(pool: &PoolInner, kind: KindIndex, s: &str) -> Option<Value> {
    Some(match kind {
        KindIndex::Double => Value::F64(parse_float(s)?),
        KindIndex::Float => Value::F32(parse_float(s)? as f32),
        KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => {
            Value::I32(i32::try_from(parse_int(s)?).ok()?)
        }
        KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => {
            Value::I64(i64::try_from(parse_int(s)?).ok()?)
        }
        KindIndex::Uint32 | KindIndex::Fixed32 => Value::U32(u32::try_from(parse_int(s)?).ok()?),
        KindIndex::Uint64 | KindIndex::Fixed64 => Value::U64(u64::try_from(parse_int(s)?).ok()?),
        KindIndex::Bool => match s {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return None,
        },
        KindIndex::String => Value::String(s.to_owned()),
        KindIndex::Bytes => Value::Bytes(Bytes::from(unescape_c(s)?)),
        KindIndex::Enum(e) => {
            let en = &pool.enums[e as usize];
            let v = *en.by_name.get(s)?;
            Value::EnumNumber(pool.enum_values[v as usize].number)
        }
        KindIndex::Message(_) => return None,
    })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

fn parse_int(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(h, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Undoes protoc's C escaping of a `bytes` default (`\n`, `\"`, `\\`, octal `\NNN`, hex `\xNN`).
fn unescape_c(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = *b.get(i)?;
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' | b'?' => out.push(c),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match b.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v).ok()?);
            }
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match b.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    return None;
                }
                out.push(v as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names() {
        assert_eq!(to_json_name("foo_bar"), "fooBar");
        assert_eq!(to_json_name("field_name13"), "fieldName13");
        assert_eq!(to_json_name("FIELD_NAME11"), "FIELDNAME11");
        assert_eq!(to_json_name("__field_name17"), "FieldName17");
        assert_eq!(to_json_name("field__Name18__"), "fieldName18");
        assert_eq!(to_json_name("x_0"), "x0");
    }

    #[test]
    fn defaults() {
        assert_eq!(parse_int("-0x10"), Some(-16));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("12"), Some(12));
        assert_eq!(parse_int(""), None);
        assert_eq!(
            unescape_c(r#"a\001\x7f\n\\\""#).unwrap(),
            b"a\x01\x7f\n\\\""
        );
        assert_eq!(unescape_c(r"\400"), None);
        assert!(parse_float("nan").unwrap().is_nan());
        assert_eq!(parse_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("1e10"), Some(1e10));
    }
}
