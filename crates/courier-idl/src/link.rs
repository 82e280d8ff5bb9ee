//! The linker: syntax trees to `FileDescriptorProto`s, with names resolved by protobuf's scoping
//! rules and the structural rules protoc enforces.
//!
//! It runs in two passes over the files of one compilation, which arrive in dependency order:
//! first every file's symbols are collected into one table ([`Symbols`]), then each file is
//! turned into a descriptor, resolving each type name from its scope outwards and only among
//! the files the file can see (itself, its imports, and what those re-export with
//! `import public`).

use std::collections::{HashMap, HashSet};

use courier_types::descriptor_proto::{ExtensionRange, ReservedRange};
use courier_types::enum_descriptor_proto::EnumReservedRange;
use courier_types::field_descriptor_proto::{Label as PLabel, Type as PType};
use courier_types::source_code_info::Location;
use courier_types::{
    DescriptorProto, Edition, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, MessageOptions, MethodDescriptorProto, OneofDescriptorProto,
    ServiceDescriptorProto,
};

use crate::ast::{self, FieldType, Label, Literal, ScalarType, Syntax};
use crate::diag::Diagnostic;
use crate::names;
use crate::span::{SourceFile, Span};

/// The largest field number: 2^29 - 1.
pub(crate) const MAX_FIELD_NUMBER: i32 = (1 << 29) - 1;

/// One loaded, parsed file, as the linker sees it.
#[derive(Debug)]
pub(crate) struct LinkFile<'a> {
    /// Its import path.
    pub name: &'a str,
    /// Its syntax tree.
    pub ast: &'a ast::File,
    /// Its text, for source locations.
    pub source: &'a SourceFile,
    /// Per import statement, the index of the imported file (`None` if it failed to load).
    pub imports: Vec<Option<usize>>,
}

/// What a name denotes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SymKind {
    Package,
    Message,
    Enum,
    EnumValue,
    Field,
    Oneof,
    Extension,
    Service,
    Method,
}

impl SymKind {
    fn is_type(self) -> bool {
        matches!(self, SymKind::Message | SymKind::Enum)
    }

    fn is_aggregate(self) -> bool {
        matches!(
            self,
            SymKind::Package | SymKind::Message | SymKind::Enum | SymKind::Service
        )
    }
}

/// One defined name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Symbol {
    pub kind: SymKind,
    pub file: usize,
    /// Whether (and why) the symbol is local to its file (edition 2024 visibility).
    pub local: Local,
}

/// Edition 2024's symbol visibility: whether a message or enum may be used outside its file.
/// <https://protobuf.dev/editions/features/#symbol-vis>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Local {
    /// Visible from any file that imports its file.
    No,
    /// Marked `local`.
    Explicit,
    /// Local by the file's `default_symbol_visibility` (its value's name).
    Default(&'static str),
}

/// Every name defined by the files of a compilation.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    map: HashMap<String, Symbol>,
    /// For each package name (and each of its prefixes), the files that declare it.
    packages: HashMap<String, Vec<usize>>,
    /// The names of the files collected so far, by index.
    file_names: HashMap<usize, String>,
}

/// An error found while linking, in file `file`.
pub(crate) type LinkError = (usize, Diagnostic);

impl Symbols {
    pub(crate) fn get(&self, name: &str) -> Option<Symbol> {
        self.map.get(name).copied()
    }

    /// Collects the symbols of `files[index]`, reporting duplicates.
    pub(crate) fn collect(
        &mut self,
        index: usize,
        file: &LinkFile<'_>,
        errors: &mut Vec<LinkError>,
    ) {
        self.file_names.insert(index, file.name.to_string());
        let mut c = Collector {
            symbols: self,
            file: index,
            file_name: file.name,
            errors,
            package: String::new(),
            default_visibility: default_visibility(file.ast),
        };
        let mut package = String::new();
        for item in &file.ast.items {
            if let ast::FileItem::Package(p) = item {
                package = p.name.text();
                c.package = package.clone();
                let mut prefix = String::new();
                for part in &p.name.parts {
                    if !prefix.is_empty() {
                        prefix.push('.');
                    }
                    prefix.push_str(&part.name);
                    c.add_package(&prefix, part.span);
                }
            }
        }
        // protoc's DescriptorBuilder order (which decides where a duplicate is reported):
        // message types (with group types of top-level extends), enums, services, extensions.
        for item in &file.ast.items {
            match item {
                ast::FileItem::Message(m) => c.message(&package, m),
                ast::FileItem::Extend(x) => {
                    for f in &x.fields {
                        c.nested_of_field(&package, f);
                    }
                }
                _ => {}
            }
        }
        for item in &file.ast.items {
            if let ast::FileItem::Enum(e) = item {
                c.enumeration(&package, e);
            }
        }
        for item in &file.ast.items {
            if let ast::FileItem::Service(s) = item {
                let full = join(&package, &s.name.name);
                c.add(&full, SymKind::Service, s.name.span, &package);
                for si in &s.items {
                    if let ast::ServiceItem::Method(m) = si {
                        c.add(
                            &join(&full, &m.name.name),
                            SymKind::Method,
                            m.name.span,
                            &full,
                        );
                    }
                }
            }
        }
        for item in &file.ast.items {
            if let ast::FileItem::Extend(x) = item {
                c.extend(&package, x);
            }
        }
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

struct Collector<'s, 'e> {
    symbols: &'s mut Symbols,
    file: usize,
    file_name: &'s str,
    errors: &'e mut Vec<LinkError>,
    /// The file's package.
    package: String,
    /// Edition 2024 and later: the file's `features.default_symbol_visibility` (value name).
    default_visibility: Option<&'static str>,
}

impl Collector<'_, '_> {
    fn add_package(&mut self, name: &str, span: Span) {
        if let Some(existing) = self.symbols.map.get(name)
            && existing.kind != SymKind::Package
        {
            self.errors.push((
                self.file,
                Diagnostic::error(
                    span,
                    format!("\"{name}\" is already defined (as something other than a package) in file \"{}\".", self.file_name),
                ),
            ));
            return;
        }
        self.symbols.map.entry(name.to_string()).or_insert(Symbol {
            kind: SymKind::Package,
            file: self.file,
            local: Local::No,
        });
        let files = self.symbols.packages.entry(name.to_string()).or_default();
        if !files.contains(&self.file) {
            files.push(self.file);
        }
    }

    fn add(&mut self, full: &str, kind: SymKind, span: Span, _scope: &str) {
        if let Some(existing) = self.symbols.map.get(full) {
            let (short, parent) = match full.rsplit_once('.') {
                Some((p, s)) => (s, p),
                None => (full, ""),
            };
            let message = if existing.kind == SymKind::Package && kind != SymKind::Package {
                format!("\"{full}\" is already defined (as a package).")
            } else if existing.file == self.file {
                if parent.is_empty() {
                    format!("\"{short}\" is already defined.")
                } else {
                    format!("\"{short}\" is already defined in \"{parent}\".")
                }
            } else {
                format!(
                    "\"{full}\" is already defined in file \"{}\".",
                    self.file_name_of(existing.file)
                )
            };
            self.errors
                .push((self.file, Diagnostic::error(span, message)));
            return;
        }
        self.symbols.map.insert(
            full.to_string(),
            Symbol {
                kind,
                file: self.file,
                local: Local::No,
            },
        );
    }

    /// Marks the message or enum `full` just added as local when edition 2024's rules say so:
    /// `local` is local and `export` is not; otherwise the file's
    /// `features.default_symbol_visibility` decides (`EXPORT_TOP_LEVEL`, the default, makes
    /// nested types local; `LOCAL_ALL` and `STRICT` every type).
    fn visibility(&mut self, full: &str, scope: &str, written: Option<ast::Visibility>) {
        let Some(default) = self.default_visibility else {
            return;
        };
        let local = match written {
            Some(ast::Visibility::Local) => Local::Explicit,
            Some(ast::Visibility::Export) => Local::No,
            None => match default {
                "EXPORT_ALL" => Local::No,
                "EXPORT_TOP_LEVEL" if scope == self.package => Local::No,
                _ => Local::Default(default),
            },
        };
        if let Some(sym) = self.symbols.map.get_mut(full)
            && sym.file == self.file
        {
            sym.local = local;
        }
    }

    fn file_name_of(&self, file: usize) -> String {
        self.symbols
            .file_names
            .get(&file)
            .cloned()
            .unwrap_or_default()
    }

    fn message(&mut self, scope: &str, m: &ast::Message) {
        let full = join(scope, &m.name.name);
        self.add(&full, SymKind::Message, m.name.span, scope);
        self.visibility(&full, scope, m.visibility.map(|(v, _)| v));
        self.message_body(&full, &m.items);
    }

    /// A message's members in protoc's order: oneofs, fields, nested types (messages, group
    /// types and map entries, in declaration order), enums, extensions.
    fn message_body(&mut self, full: &str, items: &[ast::MessageItem]) {
        for item in items {
            if let ast::MessageItem::Oneof(o) = item {
                self.add(&join(full, &o.name.name), SymKind::Oneof, o.name.span, full);
            }
        }
        for item in items {
            match item {
                ast::MessageItem::Field(f) => self.field(full, f),
                ast::MessageItem::Oneof(o) => {
                    for oi in &o.items {
                        if let ast::OneofItem::Field(f) = oi {
                            self.field(full, f);
                        }
                    }
                }
                _ => {}
            }
        }
        for item in items {
            match item {
                ast::MessageItem::Message(n) => self.message(full, n),
                ast::MessageItem::Field(f) => self.nested_of_field(full, f),
                ast::MessageItem::Oneof(o) => {
                    for oi in &o.items {
                        if let ast::OneofItem::Field(f) = oi {
                            self.nested_of_field(full, f);
                        }
                    }
                }
                ast::MessageItem::Extend(x) => {
                    for f in &x.fields {
                        self.nested_of_field(full, f);
                    }
                }
                _ => {}
            }
        }
        for item in items {
            if let ast::MessageItem::Enum(e) = item {
                self.enumeration(full, e);
            }
        }
        for item in items {
            if let ast::MessageItem::Extend(x) = item {
                self.extend(full, x);
            }
        }
    }

    fn field(&mut self, scope: &str, f: &ast::Field) {
        let name = field_name(f);
        self.add(&join(scope, &name), SymKind::Field, f.name.span, scope);
    }

    /// The message type a field declares: a map entry or a group's type.
    fn nested_of_field(&mut self, scope: &str, f: &ast::Field) {
        match &f.ty {
            FieldType::Map { .. } => {
                let entry = join(scope, &names::map_entry_name(&f.name.name));
                self.add(&entry, SymKind::Message, f.name.span, scope);
                self.add(&join(&entry, "key"), SymKind::Field, f.name.span, &entry);
                self.add(&join(&entry, "value"), SymKind::Field, f.name.span, &entry);
            }
            FieldType::Group(_) => {
                let full = join(scope, &f.name.name);
                self.add(&full, SymKind::Message, f.name.span, scope);
                if let Some(body) = &f.group_body {
                    self.message_body(&full, body);
                }
            }
            _ => {}
        }
    }

    fn extend(&mut self, scope: &str, x: &ast::Extend) {
        for f in &x.fields {
            let name = field_name(f);
            self.add(&join(scope, &name), SymKind::Extension, f.name.span, scope);
        }
    }

    fn enumeration(&mut self, scope: &str, e: &ast::Enum) {
        let full = join(scope, &e.name.name);
        self.add(&full, SymKind::Enum, e.name.span, scope);
        self.visibility(&full, scope, e.visibility.map(|(v, _)| v));
        for item in &e.items {
            if let ast::EnumItem::Value(v) = item {
                // protoc: "enum values use C++ scoping rules, meaning that enum values are
                // siblings of their type, not children of it."
                let value_full = join(scope, &v.name.name);
                if let Some(existing) = self.symbols.map.get(&value_full)
                    && existing.kind == SymKind::EnumValue
                    && existing.file == self.file
                {
                    let within = if scope.is_empty() {
                        "the global scope".to_string()
                    } else {
                        format!("\"{scope}\"")
                    };
                    let dup = if scope.is_empty() {
                        format!("\"{}\" is already defined.", v.name.name)
                    } else {
                        format!("\"{}\" is already defined in \"{scope}\".", v.name.name)
                    };
                    self.errors
                        .push((self.file, Diagnostic::error(v.name.span, dup)));
                    self.errors.push((
                        self.file,
                        Diagnostic::error(
                            v.name.span,
                            format!(
                                "Note that enum values use C++ scoping rules, meaning that enum values are siblings of their type, not children of it.  Therefore, \"{}\" must be unique within {within}, not just within \"{}\".",
                                v.name.name, e.name.name
                            ),
                        ),
                    ));
                    continue;
                }
                self.add(&value_full, SymKind::EnumValue, v.name.span, scope);
            }
        }
    }
}

/// For edition 2024 and later files, the `features.default_symbol_visibility` in force (the
/// edition's default, `EXPORT_TOP_LEVEL`, unless the file sets it); `None` before 2024, where
/// every symbol is visible.
fn default_visibility(file: &ast::File) -> Option<&'static str> {
    let Some(ast::Syntax::Edition(e)) = file.syntax.as_ref().map(|s| &s.syntax) else {
        return None;
    };
    if e.as_str() < "2024" {
        return None;
    }
    let mut value = "EXPORT_TOP_LEVEL";
    for item in &file.items {
        if let ast::FileItem::Option(o) = item
            && let [a, b] = &o.name.parts[..]
            && !a.is_extension
            && !b.is_extension
            && a.name.text() == "features"
            && b.name.text() == "default_symbol_visibility"
            && let ast::OptionValue::Literal(ast::Literal::Ident { ident, .. }) = &o.value
        {
            value = match ident.name.as_str() {
                "EXPORT_ALL" => "EXPORT_ALL",
                "LOCAL_ALL" => "LOCAL_ALL",
                "STRICT" => "STRICT",
                _ => "EXPORT_TOP_LEVEL",
            };
        }
    }
    Some(value)
}

/// The field's name in descriptors: a group's field is its type name in lower case.
fn field_name(f: &ast::Field) -> String {
    match f.ty {
        FieldType::Group(_) => f.name.name.to_ascii_lowercase(),
        _ => f.name.name.clone(),
    }
}

/// Options waiting for interpretation: where they go and what they say.
#[derive(Debug)]
pub(crate) struct PendingOptions<'a> {
    /// The `SourceCodeInfo`-style path of the element in its file's descriptor.
    pub path: Vec<i32>,
    /// The full name of the scope names are resolved in.
    pub scope: String,
    /// The option statements, in order.
    pub options: Vec<&'a ast::OptionDecl>,
    /// For each option, the index of its `SourceCodeInfo` location, whose path is completed
    /// with the option's field numbers once it is interpreted.
    pub locs: Vec<usize>,
}

/// Builds one file's descriptor.
pub(crate) struct Builder<'a> {
    symbols: &'a Symbols,
    files: &'a [LinkFile<'a>],
    file: usize,
    /// Files whose types this file may use.
    visible: HashSet<usize>,
    /// Files whose extensions this file's options may use (`visible` and option imports).
    option_visible: HashSet<usize>,
    syntax: Syntax,
    package: String,
    pub errors: Vec<Diagnostic>,
    pub pending: Vec<PendingOptions<'a>>,
    /// Where each element's entry in `pending` is, by options path.
    pending_index: HashMap<Vec<i32>, usize>,
    /// `SourceCodeInfo` locations, in protoc's order (each element before its parts); only
    /// recorded when `record_locations` is set.
    pub locs: Vec<Location>,
    /// Whether to record `locs` (source info was asked for); `spans` are always recorded.
    pub record_locations: bool,
    /// The byte span of each location path (the first one recorded), for error positions.
    pub spans: crate::span::Spans,
    /// Paths of the extension and reserved ranges written `to max`, whose end depends on the
    /// message's `message_set_wire_format` option (see [`adjust_max_ranges`]).
    pub max_ranges: Vec<Vec<i32>>,
}

/// protoc's `AdjustExtensionRangesWithMaxEndNumber`: a range written `N to max` ends at
/// 2^29 (exclusive) in ordinary messages and at `i32::MAX` in MessageSets, which is known only
/// once options are interpreted.
pub(crate) fn adjust_max_ranges(fd: &mut FileDescriptorProto, paths: &[Vec<i32>]) {
    for path in paths {
        let Some((kind_index, message_path)) = path.split_last_chunk::<2>().map(|(m, k)| (*k, m))
        else {
            continue;
        };
        let Some(m) = message_at(fd, message_path) else {
            continue;
        };
        let message_set = m
            .options
            .as_ref()
            .and_then(|o| o.message_set_wire_format)
            .unwrap_or(false);
        if !message_set {
            continue;
        }
        let i = kind_index[1] as usize;
        match kind_index[0] {
            5 => {
                if let Some(r) = m.extension_range.get_mut(i) {
                    r.end = Some(i32::MAX);
                }
            }
            9 => {
                if let Some(r) = m.reserved_range.get_mut(i) {
                    r.end = Some(i32::MAX);
                }
            }
            _ => {}
        }
    }
}

/// The message at `path` (`[4, i]`, `[4, i, 3, j]`, ...).
fn message_at<'f>(
    fd: &'f mut FileDescriptorProto,
    path: &[i32],
) -> Option<&'f mut DescriptorProto> {
    let (first, rest) = path.split_first_chunk::<2>()?;
    if first[0] != 4 {
        return None;
    }
    let mut m = fd.message_type.get_mut(usize::try_from(first[1]).ok()?)?;
    for pair in rest.chunks(2) {
        if pair.len() != 2 || pair[0] != 3 {
            return None;
        }
        m = m.nested_type.get_mut(usize::try_from(pair[1]).ok()?)?;
    }
    Some(m)
}

/// The files `file` can see: itself, its direct imports, and (transitively) what those import
/// publicly. Files imported with `import option` (edition 2024) count only for options.
pub(crate) fn visible_files(
    files: &[LinkFile<'_>],
    file: usize,
    for_options: bool,
) -> HashSet<usize> {
    let mut visible = HashSet::from([file]);
    let mut stack: Vec<usize> = files[file]
        .ast
        .items
        .iter()
        .filter_map(import_of)
        .zip(&files[file].imports)
        .filter(|(imp, _)| for_options || imp.kind != ast::ImportKind::Option)
        .filter_map(|(_, dep)| *dep)
        .collect();
    while let Some(f) = stack.pop() {
        if visible.insert(f) {
            for (i, imp) in files[f].ast.items.iter().filter_map(import_of).enumerate() {
                if imp.kind == ast::ImportKind::Public
                    && let Some(Some(dep)) = files[f].imports.get(i)
                {
                    stack.push(*dep);
                }
            }
        }
    }
    visible
}

fn import_of(item: &ast::FileItem) -> Option<&ast::Import> {
    match item {
        ast::FileItem::Import(i) => Some(i),
        _ => None,
    }
}

enum Lookup {
    Found(String, Symbol),
    NotFound,
    NotImported(usize),
    MissingNested(String),
}

impl<'a> Builder<'a> {
    pub(crate) fn new(symbols: &'a Symbols, files: &'a [LinkFile<'a>], file: usize) -> Builder<'a> {
        let ast = files[file].ast;
        let syntax = ast
            .syntax
            .as_ref()
            .map_or(Syntax::Proto2, |s| s.syntax.clone());
        let package = ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::FileItem::Package(p) => Some(p.name.text()),
                _ => None,
            })
            .next_back()
            .unwrap_or_default();
        Builder {
            symbols,
            files,
            file,
            visible: visible_files(files, file, false),
            option_visible: visible_files(files, file, true),
            syntax,
            package,
            errors: Vec::new(),
            pending: Vec::new(),
            pending_index: HashMap::new(),
            locs: Vec::new(),
            record_locations: true,
            spans: crate::span::Spans::default(),
            max_ranges: Vec::new(),
        }
    }

    /// Records a location (protoc's `LocationRecorder`) and returns its index.
    fn loc(&mut self, path: &[i32], span: Span, comments: Option<&ast::DocComments>) -> usize {
        self.spans.record(path, span);
        if !self.record_locations {
            // No location: the index is never found in the (empty) list.
            return usize::MAX;
        }
        let src = self.files[self.file].source;
        let a = src.line_col(span.start);
        let b = src.line_col(span.end);
        let span = if a.line == b.line {
            vec![a.line as i32, a.col as i32, b.col as i32]
        } else {
            vec![a.line as i32, a.col as i32, b.line as i32, b.col as i32]
        };
        let mut l = Location {
            path: path.to_vec(),
            span,
            ..Default::default()
        };
        if let Some(c) = comments {
            if !c.leading.is_empty() {
                l.leading_comments = Some(c.leading.clone());
            }
            if !c.trailing.is_empty() {
                l.trailing_comments = Some(c.trailing.clone());
            }
            l.leading_detached_comments = c.detached.clone();
        }
        self.locs.push(l);
        self.locs.len() - 1
    }

    /// The pending options of the element whose options field is at `path` (created empty).
    fn pending_at(&mut self, path: &[i32], scope: &str) -> &mut PendingOptions<'a> {
        let i = match self.pending_index.get(path) {
            Some(&i) => i,
            None => {
                self.pending.push(PendingOptions {
                    path: path.to_vec(),
                    scope: scope.to_string(),
                    options: Vec::new(),
                    locs: Vec::new(),
                });
                self.pending_index
                    .insert(path.to_vec(), self.pending.len() - 1);
                self.pending.len() - 1
            }
        };
        &mut self.pending[i]
    }

    /// `option name = value;` for the element whose options field is at `path`: the
    /// statement's location, and one for the option itself (which gets the comments).
    fn option_statement(&mut self, path: &[i32], scope: &str, o: &'a ast::OptionDecl) {
        self.loc(path, o.span, None);
        self.option_at(path, scope, o, Some(&o.comments));
    }

    /// One `[...]` entry of the element whose options field is at `path`.
    fn option_assignment(&mut self, path: &[i32], scope: &str, o: &'a ast::OptionDecl) {
        self.option_at(path, scope, o, None);
    }

    fn option_at(
        &mut self,
        path: &[i32],
        scope: &str,
        o: &'a ast::OptionDecl,
        comments: Option<&ast::DocComments>,
    ) {
        let l = self.loc(path, o.span, comments);
        let p = self.pending_at(path, scope);
        p.options.push(o);
        p.locs.push(l);
    }

    #[cold]
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    /// protoc's `FindSymbol`: the symbol, if defined in a file this file can see.
    fn find(&self, name: &str, for_options: bool) -> Result<Option<Symbol>, usize> {
        let Some(sym) = self.symbols.get(name) else {
            return Ok(None);
        };
        let visible = if for_options {
            &self.option_visible
        } else {
            &self.visible
        };
        if visible.contains(&sym.file) {
            return Ok(Some(sym));
        }
        if sym.kind == SymKind::Package
            && let Some(files) = self.symbols.packages.get(name)
            && files.iter().any(|f| visible.contains(f))
        {
            return Ok(Some(sym));
        }
        Err(sym.file)
    }

    /// protoc's `LookupSymbol`: resolves `name` relative to the element named `relative_to`,
    /// trying each enclosing scope from the innermost out.
    fn lookup(&self, name: &str, relative_to: &str, types_only: bool) -> Lookup {
        // Type lookups see only ordinary imports; option (extension) lookups also see option
        // imports.
        let for_options = !types_only;
        let mut hidden = None;
        let mut found = |full: &str| -> Option<Symbol> {
            match self.find(full, for_options) {
                Ok(s) => s,
                Err(file) => {
                    hidden.get_or_insert((full.to_string(), file));
                    None
                }
            }
        };
        if let Some(abs) = name.strip_prefix('.') {
            if let Some(s) = found(abs) {
                return Lookup::Found(abs.to_string(), s);
            }
            return match hidden {
                Some((_, f)) => Lookup::NotImported(f),
                None => Lookup::NotFound,
            };
        }
        let first = name.split('.').next().unwrap_or(name);
        let mut scope = relative_to.to_string();
        loop {
            let candidate = match scope.rfind('.') {
                Some(dot) => {
                    scope.truncate(dot);
                    format!("{scope}.{first}")
                }
                None => {
                    scope.clear();
                    first.to_string()
                }
            };
            if let Some(sym) = found(&candidate) {
                if first.len() < name.len() {
                    if sym.kind.is_aggregate() {
                        let full = format!("{candidate}{}", &name[first.len()..]);
                        return match found(&full) {
                            Some(s) => Lookup::Found(full, s),
                            None => Lookup::MissingNested(full),
                        };
                    }
                } else if !types_only || sym.kind.is_type() {
                    return Lookup::Found(candidate, sym);
                }
            }
            if scope.is_empty() {
                break;
            }
        }
        match hidden {
            Some((_, f)) => Lookup::NotImported(f),
            None => Lookup::NotFound,
        }
    }

    /// Resolves a type name, reporting protoc's errors. Returns the full name and kind.
    fn resolve_type(
        &mut self,
        name: &ast::TypeName,
        relative_to: &str,
    ) -> Option<(String, SymKind)> {
        self.resolve_type_as(name, relative_to, "")
    }

    /// [`Self::resolve_type`], with protoc's description of the use (`target of extend`) for
    /// visibility errors.
    fn resolve_type_as(
        &mut self,
        name: &ast::TypeName,
        relative_to: &str,
        usage: &str,
    ) -> Option<(String, SymKind)> {
        let text = name.text();
        match self.lookup(&text, relative_to, true) {
            Lookup::Found(full, sym) => {
                if sym.kind.is_type() && sym.file != self.file && sym.local != Local::No {
                    // protoc (edition 2024 symbol visibility): a `local` type "cannot be
                    // accessed outside its own file".
                    // <https://protobuf.dev/editions/features/#symbol-vis>
                    let why = match sym.local {
                        Local::Default(v) => format!(
                            "defaulted to local from file-level 'option features.default_symbol_visibility = '{v}';"
                        ),
                        _ => "is explicitly marked 'local'".to_string(),
                    };
                    let msg = format!(
                        "Symbol \"{full}\", defined in \"{}\" {usage} is not visible from \"{}\". It {why} and cannot be accessed outside its own file",
                        self.files[sym.file].name, self.files[self.file].name
                    );
                    self.error(name.span, msg);
                    None
                } else if sym.kind.is_type() {
                    Some((full, sym.kind))
                } else {
                    self.error(name.span, format!("\"{text}\" is not a type."));
                    None
                }
            }
            Lookup::NotFound => {
                self.error(name.span, format!("\"{text}\" is not defined."));
                None
            }
            Lookup::NotImported(file) => {
                let msg = format!(
                    "\"{text}\" seems to be defined in \"{}\", which is not imported by \"{}\".  To use it here, please add the necessary import.",
                    self.files[file].name, self.files[self.file].name
                );
                self.error(name.span, msg);
                None
            }
            Lookup::MissingNested(full) => {
                let msg = format!(
                    "\"{text}\" is resolved to \"{full}\", which is not defined. The innermost scope is searched first in name resolution. Consider using a leading '.'(i.e., \".{text}\") to start from the outermost scope."
                );
                self.error(name.span, msg);
                None
            }
        }
    }

    /// Resolves an extension name used in an option, like a type name but for extensions.
    pub(crate) fn resolve_extension(
        &self,
        name: &str,
        relative_to: &str,
    ) -> Result<String, String> {
        match self.lookup(name, relative_to, false) {
            Lookup::Found(full, sym) if sym.kind == SymKind::Extension => Ok(full),
            Lookup::Found(full, _) => Err(format!("\"{full}\" is not an extension.")),
            Lookup::NotFound => Err(format!("\"{name}\" is not defined.")),
            Lookup::NotImported(file) => Err(format!(
                "\"{name}\" seems to be defined in \"{}\", which is not imported by \"{}\".  To use it here, please add the necessary import.",
                self.files[file].name, self.files[self.file].name
            )),
            Lookup::MissingNested(full) => Err(format!(
                "\"{name}\" is resolved to \"{full}\", which is not defined. The innermost scope is searched first in name resolution. Consider using a leading '.'(i.e., \".{name}\") to start from the outermost scope."
            )),
        }
    }

    // ----- files -----

    pub(crate) fn build(&mut self) -> FileDescriptorProto {
        let file = &self.files[self.file];
        let ast = file.ast;
        let mut fd = FileDescriptorProto {
            name: Some(file.name.to_string()),
            ..Default::default()
        };
        self.loc(&[], ast.span, None);
        if !self.package.is_empty() {
            fd.package = Some(self.package.clone());
        }
        if let Some(s) = &ast.syntax {
            // protoc records `edition = ...;` under `syntax` (12) too.
            self.loc(&[12], s.span, Some(&s.comments));
        }
        match &self.syntax {
            Syntax::Proto2 => {}
            Syntax::Proto3 => fd.syntax = Some("proto3".into()),
            Syntax::Edition(e) => {
                fd.syntax = Some("editions".into());
                fd.edition = Some(match e.as_str() {
                    "2023" => Edition::EDITION_2023.0,
                    _ => Edition::EDITION_2024.0,
                });
            }
        }
        let scope = self.package.clone();
        // protoc resolves file options' names from a dummy element inside the package.
        let option_scope = join(&scope, "dummy");
        for item in &ast.items {
            match item {
                ast::FileItem::Import(i) => {
                    let index = fd.dependency.len() as i32;
                    match i.kind {
                        ast::ImportKind::Option => {
                            self.loc(
                                &[15, fd.option_dependency.len() as i32],
                                i.span,
                                Some(&i.comments),
                            );
                            fd.option_dependency.push(i.path.clone());
                        }
                        kind => {
                            self.loc(&[3, index], i.span, Some(&i.comments));
                            fd.dependency.push(i.path.clone());
                            if kind == ast::ImportKind::Public {
                                if let Some(k) = i.kind_span {
                                    self.loc(&[10, fd.public_dependency.len() as i32], k, None);
                                }
                                fd.public_dependency.push(index);
                            } else if kind == ast::ImportKind::Weak {
                                if let Some(k) = i.kind_span {
                                    self.loc(&[11, fd.weak_dependency.len() as i32], k, None);
                                }
                                fd.weak_dependency.push(index);
                            }
                        }
                    }
                }
                ast::FileItem::Package(p) => {
                    self.loc(&[2], p.span, Some(&p.comments));
                }
                ast::FileItem::Option(o) => self.option_statement(&[8], &option_scope, o),
                ast::FileItem::Message(m) => {
                    let path = vec![4, fd.message_type.len() as i32];
                    let msg = self.message(m, &scope, path);
                    fd.message_type.push(msg);
                }
                ast::FileItem::Enum(e) => {
                    let path = vec![5, fd.enum_type.len() as i32];
                    fd.enum_type.push(self.enumeration(e, &scope, path));
                }
                ast::FileItem::Service(s) => {
                    let path = vec![6, fd.service.len() as i32];
                    fd.service.push(self.service(s, &scope, path));
                }
                ast::FileItem::Extend(x) => {
                    self.loc(&[7], x.span, Some(&x.comments));
                    for f in &x.fields {
                        let path = vec![7, fd.extension.len() as i32];
                        let mut group_types = Vec::new();
                        let ext = self.field(
                            f,
                            &scope,
                            path,
                            Some(&x.extendee),
                            None,
                            &mut group_types,
                            (&[], 4, fd.message_type.len()),
                        );
                        fd.extension.push(ext);
                        fd.message_type.extend(group_types);
                    }
                }
            }
        }
        fd
    }

    // ----- messages -----

    /// Builds message `m` in `scope` (group types of its `extend` blocks become its nested
    /// types).
    fn message(&mut self, m: &'a ast::Message, scope: &str, path: Vec<i32>) -> DescriptorProto {
        let full = join(scope, &m.name.name);
        let mut d = DescriptorProto {
            name: Some(m.name.name.clone()),
            visibility: m.visibility.map(|(v, _)| visibility_value(v)),
            ..Default::default()
        };
        self.loc(&path, m.span, Some(&m.comments));
        self.loc(&[&path[..], &[1]].concat(), m.name.span, None);
        self.message_body(&mut d, &m.items, &full, path);
        d
    }

    fn message_body(
        &mut self,
        d: &mut DescriptorProto,
        items: &'a [ast::MessageItem],
        full: &str,
        path: Vec<i32>,
    ) {
        let sub = |tail: &[i32]| [&path[..], tail].concat();
        let mut proto3_optional = Vec::new();
        let mut names_in_use: HashSet<String> = HashSet::new();
        for item in items {
            match item {
                ast::MessageItem::Field(f) => {
                    let p = sub(&[2, d.field.len() as i32]);
                    let nested_len = d.nested_type.len();
                    let mut nested = Vec::new();
                    let fd =
                        self.field(f, full, p, None, None, &mut nested, (&path, 3, nested_len));
                    if fd.proto3_optional == Some(true) {
                        proto3_optional.push(d.field.len());
                    }
                    names_in_use.insert(fd.name.clone().unwrap_or_default());
                    d.field.push(fd);
                    d.nested_type.extend(nested);
                }
                ast::MessageItem::Oneof(o) => {
                    let index = d.oneof_decl.len() as i32;
                    let oneof_path = sub(&[8, index]);
                    self.loc(&oneof_path, o.span, Some(&o.comments));
                    self.loc(&[&oneof_path[..], &[1]].concat(), o.name.span, None);
                    names_in_use.insert(o.name.name.clone());
                    d.oneof_decl.push(OneofDescriptorProto {
                        name: Some(o.name.name.clone()),
                        ..Default::default()
                    });
                    let oneof_scope = join(full, &o.name.name);
                    let mut count = 0;
                    for oi in &o.items {
                        match oi {
                            ast::OneofItem::Field(f) => {
                                let p = sub(&[2, d.field.len() as i32]);
                                let nested_len = d.nested_type.len();
                                let mut nested = Vec::new();
                                let fd = self.field(
                                    f,
                                    full,
                                    p,
                                    None,
                                    Some(index),
                                    &mut nested,
                                    (&path, 3, nested_len),
                                );
                                names_in_use.insert(fd.name.clone().unwrap_or_default());
                                d.field.push(fd);
                                d.nested_type.extend(nested);
                                count += 1;
                            }
                            ast::OneofItem::Option(opt) => self.option_statement(
                                &[&oneof_path[..], &[2]].concat(),
                                &oneof_scope,
                                opt,
                            ),
                        }
                    }
                    if count == 0 {
                        self.error(o.name.span, "Oneof must have at least one field.");
                    }
                }
                ast::MessageItem::Message(n) => {
                    let p = sub(&[3, d.nested_type.len() as i32]);
                    let msg = self.message(n, full, p);
                    d.nested_type.push(msg);
                }
                ast::MessageItem::Enum(e) => {
                    let p = sub(&[4, d.enum_type.len() as i32]);
                    d.enum_type.push(self.enumeration(e, full, p));
                }
                ast::MessageItem::Extend(x) => {
                    self.loc(&sub(&[6]), x.span, Some(&x.comments));
                    for f in &x.fields {
                        let p = sub(&[6, d.extension.len() as i32]);
                        let nested_len = d.nested_type.len();
                        let mut nested = Vec::new();
                        let ext = self.field(
                            f,
                            full,
                            p,
                            Some(&x.extendee),
                            None,
                            &mut nested,
                            (&path, 3, nested_len),
                        );
                        d.extension.push(ext);
                        d.nested_type.extend(nested);
                    }
                }
                ast::MessageItem::Extensions(x) => {
                    self.loc(&sub(&[5]), x.span, Some(&x.comments));
                    let first = d.extension_range.len();
                    for r in &x.ranges {
                        let rp = sub(&[5, d.extension_range.len() as i32]);
                        self.range_locs(&rp, r);
                        let (start, end) = self.range_bounds(r, false);
                        d.extension_range.push(ExtensionRange {
                            start: Some(start),
                            end: Some(end),
                            ..Default::default()
                        });
                    }
                    if let Some(bracket) = x.options_span {
                        // protoc parses the options once and copies them to every range.
                        for i in first..d.extension_range.len() {
                            let op = sub(&[5, i as i32, 3]);
                            self.loc(&op, bracket, None);
                            for o in &x.options {
                                self.option_assignment(&op, full, o);
                            }
                        }
                    }
                }
                ast::MessageItem::Reserved(r) => match &r.kind {
                    ast::ReservedKind::Ranges(ranges) => {
                        self.loc(&sub(&[9]), r.span, Some(&r.comments));
                        for range in ranges {
                            let rp = sub(&[9, d.reserved_range.len() as i32]);
                            self.range_locs(&rp, range);
                            let (start, end) = self.range_bounds(range, false);
                            d.reserved_range.push(ReservedRange {
                                start: Some(start),
                                end: Some(end),
                                ..Default::default()
                            });
                        }
                    }
                    ast::ReservedKind::Names(names) => {
                        self.loc(&sub(&[10]), r.span, Some(&r.comments));
                        for n in names {
                            self.loc(&sub(&[10, d.reserved_name.len() as i32]), n.span, None);
                            d.reserved_name.push(n.name.clone());
                        }
                    }
                },
                ast::MessageItem::Option(o) => self.option_statement(&sub(&[7]), full, o),
            }
        }
        // protoc gives each proto3 `optional` field a synthetic oneof of its own, named after
        // the field with `_` in front (and `X`s until the name is free).
        for i in proto3_optional {
            let field_name = d.field[i].name.clone().unwrap_or_default();
            let mut name = if field_name.starts_with('_') {
                field_name
            } else {
                format!("_{field_name}")
            };
            while names_in_use.contains(&name) {
                name.insert(0, 'X');
            }
            names_in_use.insert(name.clone());
            d.field[i].oneof_index = Some(d.oneof_decl.len() as i32);
            d.oneof_decl.push(OneofDescriptorProto {
                name: Some(name),
                ..Default::default()
            });
        }
    }

    /// The locations of a range: the range, its start, and its end (the start's first token
    /// again for a single number).
    fn range_locs(&mut self, path: &[i32], r: &ast::Range) {
        if matches!(r.end, ast::RangeEnd::Max(_)) {
            self.max_ranges.push(path.to_vec());
        }
        self.loc(path, r.span, None);
        self.loc(&[path, &[1]].concat(), r.start.span, None);
        let end = match r.end {
            // protoc: the start's first token, so only the `-` of `- 1`.
            ast::RangeEnd::Single if r.start.negative => Span {
                start: r.start.span.start,
                end: r.start.span.start + 1,
            },
            ast::RangeEnd::Single => r.start.span,
            ast::RangeEnd::Int(e) => e.span,
            ast::RangeEnd::Max(s) => s,
        };
        self.loc(&[path, &[2]].concat(), end, None);
    }

    /// `(start, end)` of a range: exclusive end for messages, inclusive for enums.
    fn range_bounds(&mut self, r: &ast::Range, inclusive: bool) -> (i32, i32) {
        let start = int_value(&r.start);
        let end = match r.end {
            ast::RangeEnd::Single => start,
            ast::RangeEnd::Int(e) => int_value(&e),
            ast::RangeEnd::Max(_) => {
                if inclusive {
                    i32::MAX
                } else {
                    MAX_FIELD_NUMBER
                }
            }
        };
        if inclusive {
            (start, end)
        } else {
            (start, end.saturating_add(1))
        }
    }

    // ----- fields -----

    /// Builds a field or extension at `path`. Group types and map entries go to `nested`,
    /// which the caller appends to a list of message types described by `nested_at`: the path
    /// of the list's owner, the list's field number, and its current length.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        f: &'a ast::Field,
        scope: &str,
        path: Vec<i32>,
        extendee: Option<&ast::TypeName>,
        oneof: Option<i32>,
        nested: &mut Vec<DescriptorProto>,
        nested_at: (&[i32], i32, usize),
    ) -> FieldDescriptorProto {
        let sub = |tail: &[i32]| [&path[..], tail].concat();
        let name = field_name(f);
        let full = join(scope, &name);
        let is_group = matches!(f.ty, FieldType::Group(_));
        // A group's comments belong to its message type, not to the field.
        self.loc(&path, f.span, (!is_group).then_some(&f.comments));
        let mut fd = FieldDescriptorProto {
            name: Some(name.clone()),
            number: f.number.map(|n| n.value as i32),
            ..Default::default()
        };
        let label = match (f.label, &f.ty) {
            (_, FieldType::Map { .. }) => PLabel::LABEL_REPEATED,
            (Some((Label::Repeated, _)), _) => PLabel::LABEL_REPEATED,
            (Some((Label::Required, _)), _) => PLabel::LABEL_REQUIRED,
            _ => PLabel::LABEL_OPTIONAL,
        };
        fd.label = Some(label.0);
        if let Some(x) = extendee {
            self.loc(&sub(&[2]), x.span, None);
            if let Some((ext_full, kind)) = self.resolve_type_as(x, &full, "target of extend") {
                if kind == SymKind::Message {
                    fd.extendee = Some(format!(".{ext_full}"));
                } else {
                    self.error(x.span, format!("\"{}\" is not a message type.", x.text()));
                }
            }
        }
        if let Some((_, span)) = f.label {
            self.loc(&sub(&[4]), span, None);
        }
        if self.syntax == Syntax::Proto3 && matches!(f.label, Some((Label::Optional, _))) {
            fd.proto3_optional = Some(true);
        }
        match &f.ty {
            FieldType::Scalar(s, span) => {
                self.loc(&sub(&[5]), *span, None);
                fd.r#type = Some(scalar_type(*s).0);
            }
            FieldType::Named(n) => {
                self.loc(&sub(&[6]), n.span, None);
                if let Some((t, kind)) = self.resolve_type(n, &full) {
                    fd.r#type = Some(if kind == SymKind::Enum {
                        PType::TYPE_ENUM.0
                    } else {
                        PType::TYPE_MESSAGE.0
                    });
                    fd.type_name = Some(format!(".{t}"));
                }
            }
            FieldType::Group(span) => {
                self.loc(&sub(&[5]), *span, None);
                fd.r#type = Some(PType::TYPE_GROUP.0);
                fd.type_name = Some(format!(".{}", join(scope, &f.name.name)));
            }
            FieldType::Map { key, value, span } => {
                self.loc(&sub(&[6]), *span, None);
                let entry_name = names::map_entry_name(&f.name.name);
                let entry_full = join(scope, &entry_name);
                fd.r#type = Some(PType::TYPE_MESSAGE.0);
                fd.type_name = Some(format!(".{entry_full}"));
                let mut entry = DescriptorProto {
                    name: Some(entry_name),
                    options: Some(MessageOptions {
                        map_entry: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                for (i, (fname, ty)) in [("key", key), ("value", value)].into_iter().enumerate() {
                    let mut kf = FieldDescriptorProto {
                        name: Some(fname.into()),
                        number: Some(i as i32 + 1),
                        label: Some(PLabel::LABEL_OPTIONAL.0),
                        json_name: Some(fname.into()),
                        ..Default::default()
                    };
                    match ty.as_ref() {
                        FieldType::Scalar(s, _) => kf.r#type = Some(scalar_type(*s).0),
                        FieldType::Named(n) => {
                            if let Some((t, kind)) = self.resolve_type(n, &join(&entry_full, fname))
                            {
                                kf.r#type = Some(if kind == SymKind::Enum {
                                    PType::TYPE_ENUM.0
                                } else {
                                    PType::TYPE_MESSAGE.0
                                });
                                kf.type_name = Some(format!(".{t}"));
                            }
                        }
                        _ => {}
                    }
                    entry.field.push(kf);
                }
                nested.push(entry);
            }
        }
        self.loc(&sub(&[1]), f.name.span, None);
        if let Some(n) = f.number {
            self.loc(&sub(&[3]), n.span, None);
        }
        fd.oneof_index = oneof;
        fd.json_name = Some(names::json_name(&name));
        // `default` and `json_name` look like options but are fields of the descriptor.
        let mut json_name_set = false;
        if let Some(bracket) = f.options_span {
            self.loc(&sub(&[8]), bracket, None);
        }
        for o in &f.options {
            let simple = (o.name.parts.len() == 1 && !o.name.parts[0].is_extension)
                .then(|| o.name.parts[0].name.text());
            match simple.as_deref() {
                Some("default") => {
                    self.loc(&sub(&[7]), o.value.span(), None);
                    self.default_value(&mut fd, o);
                }
                Some("json_name") => {
                    self.loc(&sub(&[10]), o.span, None);
                    self.loc(&sub(&[10]), o.value.span(), None);
                    if json_name_set {
                        self.error(o.name.span, "Already set option \"json_name\".");
                    }
                    json_name_set = true;
                    if extendee.is_some() {
                        self.error(
                            o.span,
                            "option json_name is not allowed on extension fields.",
                        );
                    }
                    match &o.value {
                        ast::OptionValue::Literal(Literal::String { value, .. }) => {
                            fd.json_name = Some(String::from_utf8_lossy(value).into_owned());
                        }
                        v => self.error(v.span(), "Expected string for JSON name."),
                    }
                }
                _ => self.option_assignment(&sub(&[8]), &full, o),
            }
        }
        if is_group {
            // A group is also a message type, declared where the field is.
            let (owner, list_field, base) = nested_at;
            let group_path = [owner, &[list_field, (base + nested.len()) as i32]].concat();
            let group_full = join(scope, &f.name.name);
            self.loc(&group_path, f.span, Some(&f.comments));
            self.loc(&[&group_path[..], &[1]].concat(), f.name.span, None);
            self.loc(&sub(&[6]), f.name.span, None);
            let mut g = DescriptorProto {
                name: Some(f.name.name.clone()),
                ..Default::default()
            };
            if let Some(body) = &f.group_body {
                self.message_body(&mut g, body, &group_full, group_path);
            }
            nested.push(g);
        }
        fd
    }

    /// `[default = ...]`, spelled the way protoc writes `default_value`.
    fn default_value(&mut self, fd: &mut FieldDescriptorProto, o: &ast::OptionDecl) {
        if fd.default_value.is_some() {
            self.error(o.span, "Already set option \"default\".");
            return;
        }
        let ty = fd.r#type.map(PType);
        if fd.label == Some(PLabel::LABEL_REPEATED.0) {
            // Validation reports "Repeated fields can't have default values."; keep the text.
            let text = self.files[self.file].source.slice(o.value.span());
            fd.default_value = Some(text.to_string());
            return;
        }
        let lit = match &o.value {
            ast::OptionValue::Literal(l) => l,
            ast::OptionValue::Aggregate(m) => {
                self.error(m.span, "Messages can't have default values.");
                return;
            }
        };
        let value = match ty {
            Some(PType::TYPE_STRING) => match lit {
                Literal::String { value, .. } => String::from_utf8_lossy(value).into_owned(),
                l => return self.error(l.span(), "Expected string for field default value."),
            },
            Some(PType::TYPE_BYTES) => match lit {
                Literal::String { value, .. } => names::c_escape(value),
                l => return self.error(l.span(), "Expected string for field default value."),
            },
            Some(PType::TYPE_BOOL) => match lit {
                Literal::Ident {
                    negative: false,
                    ident,
                    ..
                } if ident.name == "true" || ident.name == "false" => ident.name.clone(),
                l => return self.error(l.span(), "Expected \"true\" or \"false\"."),
            },
            Some(PType::TYPE_FLOAT | PType::TYPE_DOUBLE) => {
                let v = match lit {
                    Literal::Int(i) => {
                        let m = i.value as f64;
                        if i.negative { -m } else { m }
                    }
                    Literal::Float {
                        negative, value, ..
                    } => {
                        if *negative {
                            -value
                        } else {
                            *value
                        }
                    }
                    Literal::Ident {
                        negative, ident, ..
                    } if ident.name == "inf" || ident.name == "nan" => {
                        let v = if ident.name == "inf" {
                            f64::INFINITY
                        } else {
                            f64::NAN
                        };
                        if *negative { -v } else { v }
                    }
                    l => return self.error(l.span(), "Expected number."),
                };
                if ty == Some(PType::TYPE_FLOAT) {
                    names::format_float(v as f32)
                } else {
                    names::format_double(v)
                }
            }
            Some(
                t @ (PType::TYPE_INT32
                | PType::TYPE_SINT32
                | PType::TYPE_SFIXED32
                | PType::TYPE_INT64
                | PType::TYPE_SINT64
                | PType::TYPE_SFIXED64
                | PType::TYPE_UINT32
                | PType::TYPE_FIXED32
                | PType::TYPE_UINT64
                | PType::TYPE_FIXED64),
            ) => {
                let Literal::Int(i) = lit else {
                    return self.error(lit.span(), "Expected integer for field default value.");
                };
                let (min, max): (i128, i128) = match t {
                    PType::TYPE_INT32 | PType::TYPE_SINT32 | PType::TYPE_SFIXED32 => {
                        (i32::MIN.into(), i32::MAX.into())
                    }
                    PType::TYPE_INT64 | PType::TYPE_SINT64 | PType::TYPE_SFIXED64 => {
                        (i64::MIN.into(), i64::MAX.into())
                    }
                    PType::TYPE_UINT32 | PType::TYPE_FIXED32 => (0, u32::MAX.into()),
                    _ => (0, u64::MAX.into()),
                };
                let v = if i.negative {
                    -i128::from(i.value)
                } else {
                    i128::from(i.value)
                };
                if i.negative && min == 0 {
                    // protoc points past the sign.
                    let digits = Span::new(i.span.start + 1, i.span.end);
                    return self.error(digits, "Unsigned field can't have negative default value.");
                }
                if v < min || v > max {
                    return self.error(i.span, "Integer out of range.");
                }
                v.to_string()
            }
            Some(PType::TYPE_ENUM) => match lit {
                Literal::Ident {
                    negative: false,
                    ident,
                    ..
                } => ident.name.clone(),
                l => {
                    return self.error(
                        l.span(),
                        "Default value for an enum field must be an identifier.",
                    );
                }
            },
            Some(PType::TYPE_MESSAGE | PType::TYPE_GROUP) => {
                return self.error(o.value.span(), "Messages can't have default values.");
            }
            _ => return,
        };
        fd.default_value = Some(value);
    }

    // ----- enums -----

    fn enumeration(
        &mut self,
        e: &'a ast::Enum,
        scope: &str,
        path: Vec<i32>,
    ) -> EnumDescriptorProto {
        let sub = |tail: &[i32]| [&path[..], tail].concat();
        let full = join(scope, &e.name.name);
        let mut d = EnumDescriptorProto {
            name: Some(e.name.name.clone()),
            visibility: e.visibility.map(|(v, _)| visibility_value(v)),
            ..Default::default()
        };
        self.loc(&path, e.span, Some(&e.comments));
        self.loc(&sub(&[1]), e.name.span, None);
        for item in &e.items {
            match item {
                ast::EnumItem::Value(v) => {
                    let number = v.number.map(|n| int_value(&n));
                    let p = sub(&[2, d.value.len() as i32]);
                    self.loc(&p, v.span, Some(&v.comments));
                    self.loc(&[&p[..], &[1]].concat(), v.name.span, None);
                    if let Some(n) = v.number {
                        self.loc(&[&p[..], &[2]].concat(), n.span, None);
                    }
                    let value_scope = join(scope, &v.name.name);
                    if let Some(bracket) = v.options_span {
                        let op = [&p[..], &[3]].concat();
                        self.loc(&op, bracket, None);
                        for o in &v.options {
                            self.option_assignment(&op, &value_scope, o);
                        }
                    }
                    d.value.push(EnumValueDescriptorProto {
                        name: Some(v.name.name.clone()),
                        number,
                        ..Default::default()
                    });
                }
                ast::EnumItem::Option(o) => self.option_statement(&sub(&[3]), &full, o),
                ast::EnumItem::Reserved(r) => match &r.kind {
                    ast::ReservedKind::Ranges(ranges) => {
                        self.loc(&sub(&[4]), r.span, Some(&r.comments));
                        for range in ranges {
                            let rp = sub(&[4, d.reserved_range.len() as i32]);
                            self.range_locs(&rp, range);
                            let (start, end) = self.range_bounds(range, true);
                            d.reserved_range.push(EnumReservedRange {
                                start: Some(start),
                                end: Some(end),
                                ..Default::default()
                            });
                        }
                    }
                    ast::ReservedKind::Names(names) => {
                        self.loc(&sub(&[5]), r.span, Some(&r.comments));
                        for n in names {
                            self.loc(&sub(&[5, d.reserved_name.len() as i32]), n.span, None);
                            d.reserved_name.push(n.name.clone());
                        }
                    }
                },
            }
        }
        if d.value.is_empty() {
            self.error(e.name.span, "Enums must contain at least one value.");
        }
        d
    }

    // ----- services -----

    fn service(
        &mut self,
        s: &'a ast::Service,
        scope: &str,
        path: Vec<i32>,
    ) -> ServiceDescriptorProto {
        let sub = |tail: &[i32]| [&path[..], tail].concat();
        let full = join(scope, &s.name.name);
        let mut d = ServiceDescriptorProto {
            name: Some(s.name.name.clone()),
            ..Default::default()
        };
        self.loc(&path, s.span, Some(&s.comments));
        self.loc(&sub(&[1]), s.name.span, None);
        for item in &s.items {
            match item {
                ast::ServiceItem::Method(m) => {
                    let mp = sub(&[2, d.method.len() as i32]);
                    let msub = |tail: &[i32]| [&mp[..], tail].concat();
                    self.loc(&mp, m.span, Some(&m.comments));
                    self.loc(&msub(&[1]), m.name.span, None);
                    let mfull = join(&full, &m.name.name);
                    let mut md = MethodDescriptorProto {
                        name: Some(m.name.name.clone()),
                        ..Default::default()
                    };
                    if let Some(span) = m.client_streaming {
                        self.loc(&msub(&[5]), span, None);
                        md.client_streaming = Some(true);
                    }
                    self.loc(&msub(&[2]), m.input.span, None);
                    if let Some(span) = m.server_streaming {
                        self.loc(&msub(&[6]), span, None);
                        md.server_streaming = Some(true);
                    }
                    self.loc(&msub(&[3]), m.output.span, None);
                    for (ty, out) in [
                        (&m.input, &mut md.input_type),
                        (&m.output, &mut md.output_type),
                    ] {
                        if let Some((t, kind)) = self.resolve_type(ty, &mfull) {
                            if kind == SymKind::Message {
                                *out = Some(format!(".{t}"));
                            } else {
                                self.error(
                                    ty.span,
                                    format!("\"{}\" is not a message type.", ty.text()),
                                );
                            }
                        }
                    }
                    if m.has_body {
                        // protoc creates the options as soon as it sees a body, even empty.
                        self.pending_at(&msub(&[4]), &mfull);
                    }
                    for o in &m.options {
                        self.option_statement(&msub(&[4]), &mfull, o);
                    }
                    d.method.push(md);
                }
                ast::ServiceItem::Option(o) => self.option_statement(&sub(&[3]), &full, o),
            }
        }
        d
    }
}

/// `SymbolVisibility`: `VISIBILITY_LOCAL` = 1, `VISIBILITY_EXPORT` = 2.
fn visibility_value(v: ast::Visibility) -> i32 {
    match v {
        ast::Visibility::Local => 1,
        ast::Visibility::Export => 2,
    }
}

fn int_value(i: &ast::IntLit) -> i32 {
    i.as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or(if i.negative { i32::MIN } else { i32::MAX })
}

fn scalar_type(s: ScalarType) -> PType {
    match s {
        ScalarType::Double => PType::TYPE_DOUBLE,
        ScalarType::Float => PType::TYPE_FLOAT,
        ScalarType::Int64 => PType::TYPE_INT64,
        ScalarType::Uint64 => PType::TYPE_UINT64,
        ScalarType::Int32 => PType::TYPE_INT32,
        ScalarType::Fixed64 => PType::TYPE_FIXED64,
        ScalarType::Fixed32 => PType::TYPE_FIXED32,
        ScalarType::Bool => PType::TYPE_BOOL,
        ScalarType::String => PType::TYPE_STRING,
        ScalarType::Bytes => PType::TYPE_BYTES,
        ScalarType::Uint32 => PType::TYPE_UINT32,
        ScalarType::Sfixed32 => PType::TYPE_SFIXED32,
        ScalarType::Sfixed64 => PType::TYPE_SFIXED64,
        ScalarType::Sint32 => PType::TYPE_SINT32,
        ScalarType::Sint64 => PType::TYPE_SINT64,
    }
}
