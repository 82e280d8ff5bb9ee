//! The compiler driver: finds and loads files (include paths like protoc's `-I`, in-memory
//! files, and the embedded well-known types), checks the import graph, links, and hands back
//! `FileDescriptorProto`s in dependency order.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use courier_types::{FeatureSet, FileDescriptorProto, FileDescriptorSet, SourceCodeInfo};

use crate::ast;
use crate::diag::Diagnostic;
use crate::feature_defaults::Languages;
use crate::link::{Builder, LinkFile, Symbols};
use crate::options;
use crate::parse::{ParseOptions, parse_with};
use crate::span::SourceFile;
use crate::validate;

/// The `.proto` files protoc bundles (protobuf v35.1, byte for byte): the well-known types,
/// `descriptor.proto`, the language features (`cpp_features.proto`, `java_features.proto`,
/// `go_features.proto`) and `compiler/plugin.proto`, so they can be imported with no files on
/// disk, as protoc finds them.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "google/protobuf/any.proto",
        include_str!("../proto/google/protobuf/any.proto"),
    ),
    (
        "google/protobuf/api.proto",
        include_str!("../proto/google/protobuf/api.proto"),
    ),
    (
        "google/protobuf/descriptor.proto",
        include_str!("../proto/google/protobuf/descriptor.proto"),
    ),
    (
        "google/protobuf/duration.proto",
        include_str!("../proto/google/protobuf/duration.proto"),
    ),
    (
        "google/protobuf/empty.proto",
        include_str!("../proto/google/protobuf/empty.proto"),
    ),
    (
        "google/protobuf/field_mask.proto",
        include_str!("../proto/google/protobuf/field_mask.proto"),
    ),
    (
        "google/protobuf/source_context.proto",
        include_str!("../proto/google/protobuf/source_context.proto"),
    ),
    (
        "google/protobuf/struct.proto",
        include_str!("../proto/google/protobuf/struct.proto"),
    ),
    (
        "google/protobuf/timestamp.proto",
        include_str!("../proto/google/protobuf/timestamp.proto"),
    ),
    (
        "google/protobuf/type.proto",
        include_str!("../proto/google/protobuf/type.proto"),
    ),
    (
        "google/protobuf/wrappers.proto",
        include_str!("../proto/google/protobuf/wrappers.proto"),
    ),
    (
        "google/protobuf/cpp_features.proto",
        include_str!("../proto/google/protobuf/cpp_features.proto"),
    ),
    (
        "google/protobuf/java_features.proto",
        include_str!("../proto/google/protobuf/java_features.proto"),
    ),
    (
        "google/protobuf/go_features.proto",
        include_str!("../proto/google/protobuf/go_features.proto"),
    ),
    (
        "google/protobuf/compiler/plugin.proto",
        include_str!("../proto/google/protobuf/compiler/plugin.proto"),
    ),
];

/// The source of an embedded file (`google/protobuf/*.proto`), if there is one by that name.
pub fn embedded_file(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Every embedded file, as `(import path, source)`: the `.proto` files protoc 35.1 bundles,
/// copied unchanged from protobuf v35.1.
///
/// ```
/// let names: Vec<&str> = courier_idl::embedded_files().map(|(n, _)| n).collect();
/// assert!(names.contains(&"google/protobuf/descriptor.proto"));
/// assert!(names.contains(&"google/protobuf/cpp_features.proto"));
/// ```
pub fn embedded_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    EMBEDDED.iter().copied()
}

/// Compiles `.proto` files to descriptors.
///
/// ```
/// use courier_idl::Compiler;
///
/// let mut c = Compiler::new();
/// c.add_file("hello.proto", "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nmessage Hi { google.protobuf.Timestamp at = 1; }\n");
/// let out = c.compile(&["hello.proto"]).unwrap();
/// let set = out.file_descriptor_set(true);
/// assert_eq!(set.file[0].name.as_deref(), Some("google/protobuf/timestamp.proto"));
/// assert_eq!(set.file[1].message_type[0].field[0].type_name.as_deref(), Some(".google.protobuf.Timestamp"));
/// ```
#[derive(Clone, Debug)]
pub struct Compiler {
    include_paths: Vec<PathBuf>,
    files: HashMap<String, String>,
    embedded: bool,
    parse_options: ParseOptions,
    max_import_depth: usize,
    source_info: bool,
}

impl Default for Compiler {
    fn default() -> Compiler {
        Compiler::new()
    }
}

impl Compiler {
    /// A compiler with no include paths and the embedded well-known types enabled.
    pub fn new() -> Compiler {
        Compiler {
            include_paths: Vec::new(),
            files: HashMap::new(),
            embedded: true,
            parse_options: ParseOptions::default(),
            max_import_depth: 512,
            source_info: false,
        }
    }

    /// Whether descriptors carry `SourceCodeInfo` (spans and comments), like protoc's
    /// `--include_source_info` (default: no).
    pub fn include_source_info(&mut self, yes: bool) -> &mut Compiler {
        self.source_info = yes;
        self
    }

    /// Adds an include directory, searched in the order added (protoc's `-I`).
    pub fn include(&mut self, dir: impl Into<PathBuf>) -> &mut Compiler {
        self.include_paths.push(dir.into());
        self
    }

    /// Adds an in-memory file, found before the include paths.
    pub fn add_file(
        &mut self,
        name: impl Into<String>,
        source: impl Into<String>,
    ) -> &mut Compiler {
        self.files.insert(name.into(), source.into());
        self
    }

    /// Whether the embedded `google/protobuf/*.proto` files are found when no include path
    /// has them (default: yes).
    pub fn embedded_well_known_types(&mut self, yes: bool) -> &mut Compiler {
        self.embedded = yes;
        self
    }

    /// Limits for parsing each file.
    pub fn parse_options(&mut self, options: ParseOptions) -> &mut Compiler {
        self.parse_options = options;
        self
    }

    /// The longest chain of imports followed (default 512).
    pub fn max_import_depth(&mut self, depth: usize) -> &mut Compiler {
        self.max_import_depth = depth;
        self
    }

    fn read(&self, name: &str) -> Option<String> {
        if let Some(s) = self.files.get(name) {
            return Some(s.clone());
        }
        // An absolute name would escape the include directories.
        if name.starts_with('/') {
            return None;
        }
        for dir in &self.include_paths {
            if let Ok(s) = std::fs::read_to_string(dir.join(name)) {
                return Some(s);
            }
        }
        if self.embedded {
            return embedded_file(name).map(str::to_string);
        }
        None
    }

    /// Compiles `files` (import paths, as protoc takes them relative to an include path) and
    /// everything they import.
    pub fn compile(&self, files: &[&str]) -> Result<Compilation, CompileError> {
        let mut loader = Loader {
            compiler: self,
            files: Vec::new(),
            by_name: HashMap::new(),
            stack: Vec::new(),
            cycle: None,
            errors: CompileError::default(),
        };
        let mut roots = Vec::new();
        for name in files {
            if let Some(i) = loader.load(name, None) {
                roots.push(i);
            }
        }
        if !loader.errors.entries.is_empty() {
            return Err(loader.errors);
        }
        let Loader {
            files: loaded,
            mut errors,
            ..
        } = loader;
        // Link in dependency order (the loader finished each file after its imports).
        let link_files: Vec<LinkFile<'_>> = loaded
            .iter()
            .map(|l| LinkFile {
                name: &l.name,
                ast: &l.ast,
                source: &l.source,
                imports: l.imports.clone(),
            })
            .collect();
        let mut symbols = Symbols::default();
        let mut link_errors = Vec::new();
        for (i, f) in link_files.iter().enumerate() {
            symbols.collect(i, f, &mut link_errors);
        }
        let mut descriptors = Vec::with_capacity(link_files.len());
        let mut pending = Vec::with_capacity(link_files.len());
        let mut locations = Vec::with_capacity(link_files.len());
        let mut spans = Vec::with_capacity(link_files.len());
        let mut max_ranges = Vec::with_capacity(link_files.len());
        for i in 0..link_files.len() {
            let mut b = Builder::new(&symbols, &link_files, i);
            b.record_locations = self.source_info;
            descriptors.push(b.build());
            link_errors.extend(b.errors.drain(..).map(|d| (i, d)));
            pending.push(std::mem::take(&mut b.pending));
            locations.push(std::mem::take(&mut b.locs));
            spans.push(std::mem::take(&mut b.spans));
            max_ranges.push(std::mem::take(&mut b.max_ranges));
        }
        // protoc's two passes: the standard options first (`features` among them), then the
        // custom options, encoded once every element's features are resolved.
        let mut interpreted: Vec<options::Interpreted> = Vec::with_capacity(pending.len());
        for custom in [false, true] {
            let staged;
            let pool = if custom {
                let mut d = descriptors.clone();
                for (f, x) in d.iter_mut().zip(&interpreted) {
                    options::apply(f, x.clone(), &mut |_| {});
                }
                staged = d;
                options::Pool::new(&staged)
            } else {
                options::Pool::new(&descriptors)
            };
            let mut prior = std::mem::take(&mut interpreted).into_iter();
            for (i, p) in pending.iter().enumerate() {
                let (x, loc_paths) = options::interpret(
                    &symbols,
                    &link_files,
                    &pool,
                    i,
                    p,
                    custom.then(|| prior.next().unwrap_or_default()),
                    &mut link_errors,
                );
                for (loc, path) in loc_paths {
                    if let Some(l) = locations[i].get_mut(loc) {
                        l.path = path;
                    }
                }
                interpreted.push(x);
            }
        }
        let mut option_paths = Vec::with_capacity(descriptors.len());
        for (i, x) in interpreted.into_iter().enumerate() {
            option_paths.push(options::apply(&mut descriptors[i], x, &mut |d| {
                link_errors.push((i, d))
            }));
        }
        for (d, paths) in descriptors.iter_mut().zip(&max_ranges) {
            crate::link::adjust_max_ranges(d, paths);
        }
        // With every option in place (retention included), put them in protoc's final form.
        let snapshot = descriptors.clone();
        let pool = options::Pool::new(&snapshot);
        for (i, paths) in option_paths.iter().enumerate() {
            let mut option_errors = Vec::new();
            match options::finish(&pool, &mut descriptors[i], paths, &mut option_errors) {
                Ok(removed) => {
                    // Locations inside removed options go too, as protoc drops them.
                    locations[i].retain(|l| !removed.iter().any(|r| l.path.starts_with(r)));
                }
                Err(e) => link_errors.push((
                    i,
                    Diagnostic::error(Default::default(), format!("Internal error: {e}")),
                )),
            }
            for (path, message) in option_errors {
                link_errors.push((
                    i,
                    Diagnostic::error(element_span(&spans[i], &path), message),
                ));
            }
        }
        // Validation sees the options as written, source-retention features included.
        if link_errors.is_empty() {
            validate::validate(&snapshot, &spans, &mut link_errors);
        }
        // Last, as protoc does once the files are otherwise valid: every feature and option set
        // exists in its file's edition.
        if link_errors.is_empty() {
            for (i, paths) in option_paths.iter().enumerate() {
                let edition = crate::features::edition_of(&snapshot[i]);
                let mut file = snapshot[i].clone();
                for path in paths {
                    let mut messages = Vec::new();
                    options::check_lifetimes(&pool, &mut file, path, edition, &mut messages);
                    // protoc points at the element's name.
                    let element = &path[..path.len().saturating_sub(1)];
                    let span = spans[i]
                        .get(&[element, &[1]].concat())
                        .unwrap_or_else(|| element_span(&spans[i], path));
                    for message in messages {
                        link_errors.push((i, Diagnostic::error(span, message)));
                    }
                }
            }
        }
        drop(pool);
        if self.source_info {
            for (d, locs) in descriptors.iter_mut().zip(locations) {
                d.source_code_info = Some(SourceCodeInfo {
                    location: locs,
                    ..Default::default()
                });
            }
        }
        for (file, d) in link_errors {
            errors.push_diag(&loaded[file].source, &d);
        }
        if !errors.entries.is_empty() {
            return Err(errors);
        }
        Ok(Compilation {
            files: descriptors,
            languages: Languages::new(&snapshot),
            unstripped: snapshot,
            imports: loaded
                .iter()
                .map(|l| l.imports.iter().flatten().copied().collect())
                .collect(),
            roots,
        })
    }
}

/// The span of the element whose options are at `path` (the options path minus its field
/// number), or of its nearest recorded ancestor.
fn element_span(spans: &crate::span::Spans, path: &[i32]) -> crate::span::Span {
    let element = &path[..path.len().saturating_sub(1)];
    (0..=element.len())
        .rev()
        .find_map(|n| spans.get(&element[..n]))
        .unwrap_or_default()
}

struct Loaded {
    name: String,
    source: SourceFile,
    ast: ast::File,
    imports: Vec<Option<usize>>,
}

struct Loader<'c> {
    compiler: &'c Compiler,
    files: Vec<Loaded>,
    by_name: HashMap<String, Option<usize>>,
    stack: Vec<String>,
    /// An import cycle found deeper down: the stack index of the file that starts it, and the
    /// chain of files.
    cycle: Option<(usize, String)>,
    errors: CompileError,
}

impl Loader<'_> {
    /// Loads `name` and its imports; `None` if it (or an import) failed.
    fn load(&mut self, name: &str, from: Option<(&SourceFile, &ast::Import)>) -> Option<usize> {
        if let Some(pos) = self.stack.iter().position(|n| n == name) {
            // protoc reports the cycle at the import that starts it, in the file where it
            // starts: remember it until the recursion unwinds to that file.
            let mut chain: Vec<&str> = self.stack[pos..].iter().map(String::as_str).collect();
            chain.push(name);
            self.cycle = Some((pos, chain.join(" -> ")));
            let _ = from;
            return None;
        }
        if let Some(done) = self.by_name.get(name) {
            return *done;
        }
        if self.stack.len() >= self.compiler.max_import_depth {
            if let Some((src, imp)) = from {
                self.errors.push_diag(
                    src,
                    &Diagnostic::error(
                        imp.span,
                        format!(
                            "Imports are nested deeper than the limit of {} files.",
                            self.compiler.max_import_depth
                        ),
                    ),
                );
            }
            return None;
        }
        // protoc's virtual paths are canonical and relative: this also keeps imports inside
        // the include directories.
        if name.contains('\\')
            || name.contains("//")
            || name.split('/').any(|part| part == "." || part == "..")
        {
            self.errors.push_plain(
                name,
                "Backslashes, consecutive slashes, \".\", or \"..\" are not allowed in the virtual path",
            );
            if let Some((src, imp)) = from {
                self.import_failed(src, imp);
            }
            self.by_name.insert(name.to_string(), None);
            return None;
        }
        let Some(text) = self.compiler.read(name) else {
            self.errors.push_plain(name, "File not found.");
            if let Some((src, imp)) = from {
                self.import_failed(src, imp);
            }
            self.by_name.insert(name.to_string(), None);
            return None;
        };
        let source = SourceFile::new(name, text);
        // Comments only matter for SourceCodeInfo.
        let mut options = self.compiler.parse_options.clone();
        options.comments &= self.compiler.source_info;
        let parsed = parse_with(source.text(), &options);
        if !parsed.errors.is_empty() {
            for e in &parsed.errors {
                self.errors.push_diag(&source, e);
            }
            if let Some((src, imp)) = from {
                self.import_failed(src, imp);
            }
            self.by_name.insert(name.to_string(), None);
            return None;
        }
        self.stack.push(name.to_string());
        let mut imports = Vec::new();
        let mut ok = true;
        for item in &parsed.file.items {
            if let ast::FileItem::Import(imp) = item {
                let dep = self.load(&imp.path, Some((&source, imp)));
                if let Some((pos, chain)) = &self.cycle
                    && *pos + 1 == self.stack.len()
                {
                    let msg = format!("File recursively imports itself: {chain}");
                    self.errors
                        .push_diag(&source, &Diagnostic::error(imp.span, msg));
                    self.cycle = None;
                }
                if dep.is_none() {
                    ok = false;
                    if self.by_name.contains_key(&imp.path) || self.stack.contains(&imp.path) {
                        self.import_failed(&source, imp);
                    }
                }
                imports.push(dep);
            }
        }
        self.stack.pop();
        if !ok {
            self.by_name.insert(name.to_string(), None);
            return None;
        }
        let index = self.files.len();
        self.files.push(Loaded {
            name: name.to_string(),
            source,
            ast: parsed.file,
            imports,
        });
        self.by_name.insert(name.to_string(), Some(index));
        Some(index)
    }

    #[cold]
    fn import_failed(&mut self, src: &SourceFile, imp: &ast::Import) {
        let msg = format!("Import \"{}\" was not found or had errors.", imp.path);
        if !self
            .errors
            .entries
            .iter()
            .any(|e| e.file == src.name() && e.message == msg)
        {
            self.errors
                .push_diag(src, &Diagnostic::error(imp.span, msg));
        }
    }
}

/// The result of a successful compilation.
#[derive(Clone, Debug)]
pub struct Compilation {
    /// Every file, imports before importers.
    files: Vec<FileDescriptorProto>,
    /// `files` before source-retention options were removed (for feature resolution).
    unstripped: Vec<FileDescriptorProto>,
    /// The language features the files declare (extensions of `FeatureSet`), with their
    /// defaults.
    languages: Languages,
    /// Per file, the indices of the files it imports.
    imports: Vec<Vec<usize>>,
    /// The files asked for, in the order asked.
    roots: Vec<usize>,
}

impl Compilation {
    /// Every compiled file (the ones asked for and everything they import), imports first.
    pub fn files(&self) -> &[FileDescriptorProto] {
        &self.files
    }

    /// The compiled file named `name`.
    pub fn file(&self, name: &str) -> Option<&FileDescriptorProto> {
        self.files.iter().find(|f| f.name.as_deref() == Some(name))
    }

    /// The editions features in force on one element: `google.protobuf.FeatureSet` with every
    /// field set, as protoc resolves them. `path` is the element's `SourceCodeInfo` path in
    /// `file` (`[]` the file, `[4, 0]` its first message, `[4, 0, 2, 1]` that message's second
    /// field, `[4, 0, 8, 0]` its first oneof, `[5, 0, 2, 0]` the first value of the first enum,
    /// `[6, 0, 2, 0]` the first method of the first service, `[7, 0]` the first top-level
    /// extension). `None` if `file` was not compiled or `path` names no such element.
    ///
    /// Resolution starts from the defaults of the file's edition (proto2 and proto3 files are
    /// editions `EDITION_PROTO2` and `EDITION_PROTO3`), then applies the features set by the
    /// file and by each enclosing element: message → nested message → oneof → field; enum →
    /// value; service → method; an extension's scope is the message it is declared in (or the
    /// file). In proto2 and proto3 a field's legacy syntax counts as features, as in protoc:
    /// `required` is `LEGACY_REQUIRED`, a group is `DELIMITED`, `[packed = true]` is `PACKED`
    /// and proto3's `[packed = false]` is `EXPANDED`. Source-retention features
    /// (`enforce_naming_style`, `default_symbol_visibility`) are included.
    ///
    /// The language features the compilation declares (extensions of `FeatureSet`: `pb.cpp`,
    /// `pb.java` and `pb.go` when a file imports `cpp_features.proto`, `java_features.proto` or
    /// `go_features.proto`, or when they are among the files compiled) are resolved the same
    /// way, from the defaults [`Self::edition_defaults`] compiles, and come back as the
    /// `FeatureSet`'s unknown fields: one record per extension, holding every one of its
    /// features, in number order. As in protoc, `[ctype = CORD]` is `pb.cpp`'s
    /// `string_type = CORD`.
    ///
    /// ```
    /// use courier_idl::Compiler;
    ///
    /// let mut c = Compiler::new();
    /// c.add_file("a.proto", "edition = \"2023\";\n\
    ///     option features.field_presence = IMPLICIT;\n\
    ///     message M { int32 a = 1; M b = 2; }\n");
    /// let c = c.compile(&["a.proto"]).unwrap();
    /// const IMPLICIT: i32 = 2;
    /// const EXPLICIT: i32 = 1;
    /// let a = c.resolved_features("a.proto", &[4, 0, 2, 0]).unwrap();
    /// assert_eq!(a.field_presence, Some(IMPLICIT));
    /// assert_eq!(a.enum_type, Some(1)); // OPEN, the edition 2023 default
    /// // Message fields always have presence; the file-level IMPLICIT only applies to
    /// // fields that can be implicit, which is for the code generator to decide.
    /// let b = c.resolved_features("a.proto", &[4, 0, 2, 1]).unwrap();
    /// assert_eq!(b.field_presence, Some(IMPLICIT));
    /// assert!(c.resolved_features("a.proto", &[4, 1]).is_none());
    /// # let _ = EXPLICIT;
    /// ```
    pub fn resolved_features(&self, file: &str, path: &[i32]) -> Option<FeatureSet> {
        let f = self
            .unstripped
            .iter()
            .find(|f| f.name.as_deref() == Some(file))?;
        crate::features::resolve_with(f, path, &self.languages)
    }

    /// What `protoc --edition_defaults_out` writes for these files: the default features of
    /// every edition from `minimum` to `maximum` where some default changes (and
    /// `EDITION_UNSTABLE`), split into the ones a file may override and the fixed ones, for
    /// `google.protobuf.FeatureSet` and every extension of it the files declare (the language
    /// features). protoc's defaults for these flags are `EDITION_PROTO2` and `EDITION_2024`.
    /// The `FeatureSet` is the compilation's own `descriptor.proto`'s, or the embedded one's.
    ///
    /// An error, in protoc's words, when a feature is declared in a way protoc rejects (not a
    /// bool or enum, no `EDITION_LEGACY` default, no `feature_support`, ...).
    ///
    /// ```
    /// use courier_idl::Compiler;
    /// use courier_types::Edition;
    ///
    /// let c = Compiler::new()
    ///     .compile(&["google/protobuf/cpp_features.proto"])
    ///     .unwrap();
    /// let d = c.edition_defaults(Edition::EDITION_PROTO2, Edition::EDITION_2024).unwrap();
    /// let editions: Vec<i32> = d.defaults.iter().filter_map(|x| x.edition).collect();
    /// // EDITION_LEGACY, EDITION_PROTO3, EDITION_2023, EDITION_2024, EDITION_UNSTABLE.
    /// assert_eq!(editions, [900, 999, 1000, 1001, 9999]);
    /// ```
    pub fn edition_defaults(
        &self,
        minimum: courier_types::Edition,
        maximum: courier_types::Edition,
    ) -> Result<courier_types::FeatureSetDefaults, String> {
        crate::feature_defaults::compile(
            &self.unstripped,
            crate::options::builtin_descriptor(),
            minimum.0,
            maximum.0,
        )
    }

    /// The files asked for, as protoc's `--descriptor_set_out` writes them; with
    /// `include_imports`, preceded by everything they import, in protoc's order
    /// (`--include_imports`: depth first, each file after its imports, no repeats).
    pub fn file_descriptor_set(&self, include_imports: bool) -> FileDescriptorSet {
        FileDescriptorSet {
            file: self
                .order(include_imports)
                .into_iter()
                .map(|i| self.files[i].clone())
                .collect(),
            ..Default::default()
        }
    }

    /// [`Self::file_descriptor_set`], moving the descriptors out instead of copying them.
    pub fn into_file_descriptor_set(self, include_imports: bool) -> FileDescriptorSet {
        let order = self.order(include_imports);
        let mut files: Vec<Option<FileDescriptorProto>> =
            self.files.into_iter().map(Some).collect();
        FileDescriptorSet {
            file: order.into_iter().filter_map(|i| files[i].take()).collect(),
            ..Default::default()
        }
    }

    /// The indices of the files a descriptor set holds, in protoc's order.
    fn order(&self, include_imports: bool) -> Vec<usize> {
        let mut order = Vec::new();
        let mut seen = vec![false; self.files.len()];
        for &root in &self.roots {
            if include_imports {
                self.visit(root, &mut seen, &mut order);
            } else if !seen[root] {
                seen[root] = true;
                order.push(root);
            }
        }
        order
    }

    fn visit(&self, file: usize, seen: &mut [bool], order: &mut Vec<usize>) {
        // Iterative depth-first post-order: imports before the file.
        let mut stack = vec![(file, 0usize)];
        if seen[file] {
            return;
        }
        seen[file] = true;
        while let Some((f, next)) = stack.pop() {
            if let Some(&dep) = self.imports[f].get(next) {
                stack.push((f, next + 1));
                if !seen[dep] {
                    seen[dep] = true;
                    stack.push((dep, 0));
                }
            } else {
                order.push(f);
            }
        }
    }
}

/// Every error of a failed compilation.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CompileError {
    entries: Vec<ErrorEntry>,
}

#[derive(Clone, Debug)]
struct ErrorEntry {
    file: String,
    message: String,
    short: String,
    rendered: String,
}

impl CompileError {
    #[cold]
    fn push_diag(&mut self, src: &SourceFile, d: &Diagnostic) {
        self.entries.push(ErrorEntry {
            file: src.name().to_string(),
            message: d.message().to_string(),
            short: d.short(src),
            rendered: d.render(src),
        });
    }

    /// An error about a whole file (no position): `file: message`.
    #[cold]
    fn push_plain(&mut self, file: &str, message: &str) {
        let line = format!("{file}: {message}");
        self.entries.push(ErrorEntry {
            file: file.to_string(),
            message: message.to_string(),
            short: line.clone(),
            rendered: line,
        });
    }

    /// Each error as protoc prints it: `file:line:col: message`.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.short.as_str())
    }

    /// Each error's message alone.
    pub fn messages(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.message.as_str())
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none (never, for an error returned by [`Compiler::compile`]).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&e.rendered)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}
