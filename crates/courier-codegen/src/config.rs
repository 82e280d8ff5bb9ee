//! [`Config`]: what to generate and how, and [`GeneratedFile`].

use std::fmt;

use courier_types::FileDescriptorProto;

/// Settings for a generation run. `Config::new()` gives the defaults; the setters chain.
///
/// ```
/// let mut c = courier_codegen::Config::new();
/// c.btree_map(["."]).type_attribute(".demo.Point", "#[derive(Eq, Hash)]");
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) btree_maps: Vec<String>,
    pub(crate) type_attributes: Vec<(String, String)>,
    pub(crate) field_attributes: Vec<(String, String)>,
    pub(crate) extern_paths: Vec<(String, String)>,
    pub(crate) comments: bool,
    pub(crate) services: bool,
    pub(crate) json: bool,
    pub(crate) json_feature: Option<String>,
    pub(crate) serde: bool,
    pub(crate) serde_feature: Option<String>,
    pub(crate) text_format: bool,
    pub(crate) file_descriptor_set: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

/// Whether proto path `path` (`.pkg.Msg`, `.pkg.Msg.field`, or `.` for everything) selects
/// the element named `full`.
pub(crate) fn path_matches(path: &str, full: &str) -> bool {
    path == "."
        || full == path
        || (full.starts_with(path) && full.as_bytes().get(path.len()) == Some(&b'.'))
}

impl Config {
    /// The defaults: `HashMap` for maps, comments as doc comments, services generated, and
    /// `google.protobuf` types taken from `courier_types` (the well-known types).
    pub fn new() -> Config {
        Config {
            btree_maps: Vec::new(),
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
            extern_paths: vec![(".google.protobuf".to_owned(), "::courier_types".to_owned())],
            comments: true,
            services: true,
            json: false,
            json_feature: None,
            serde: false,
            serde_feature: None,
            text_format: false,
            file_descriptor_set: false,
        }
    }

    /// Map fields selected by these proto paths (`.` for all) become `BTreeMap`s.
    pub fn btree_map<I, S>(&mut self, paths: I) -> &mut Config
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.btree_maps.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Adds `attribute` (e.g. `#[derive(Eq, Hash)]`) to the messages, enums and oneofs that
    /// `path` selects.
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Config {
        self.type_attributes.push((path.into(), attribute.into()));
        self
    }

    /// Adds `attribute` to the fields that `path` (`.pkg.Msg.field`) selects.
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Config {
        self.field_attributes.push((path.into(), attribute.into()));
        self
    }

    /// Uses existing Rust types for the proto types under `proto_path` (`.pkg` or
    /// `.pkg.Msg`) instead of generating them: `rust_path` is where they live
    /// (`::other_crate::pkg`).
    pub fn extern_path(
        &mut self,
        proto_path: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> &mut Config {
        let proto = proto_path.into();
        self.extern_paths.retain(|(p, _)| *p != proto);
        self.extern_paths.push((proto, rust_path.into()));
        self
    }

    /// Generates `google.protobuf` types instead of taking them from `courier_types` (what
    /// courier-types itself uses).
    pub fn compile_well_known_types(&mut self) -> &mut Config {
        self.extern_paths.retain(|(p, _)| p != ".google.protobuf");
        self
    }

    /// Whether `.proto` comments become doc comments (default: yes).
    pub fn comments(&mut self, yes: bool) -> &mut Config {
        self.comments = yes;
        self
    }

    /// Whether services get client stubs and server traits (default: yes).
    pub fn services(&mut self, yes: bool) -> &mut Config {
        self.services = yes;
        self
    }

    /// Whether messages and enums implement ProtoJSON (`courier_json::ProtoJson` and
    /// `courier_json::JsonEnum`; default: no, and code generated without pays nothing for it).
    /// The generated code then needs `courier-json` as a dependency (and `courier-types` with its
    /// `json` feature for the well-known types). Each package also gets `register_types`, which
    /// adds its messages and extensions to a `courier_json::TypeRegistry` (the types an `Any`
    /// may hold), and each extension a `<NAME>_JSON` constant. Services' server adapters give
    /// each method its JSON codec (`courier_rpc::web::MessageJson`, courier-rpc's `json`
    /// feature, on by default), so that Connect and gRPC-Web JSON need no descriptors.
    pub fn json(&mut self, yes: bool) -> &mut Config {
        self.json = yes;
        self
    }

    /// Puts the ProtoJSON impls behind `#[cfg(feature = "<feature>")]` (for a crate that
    /// offers them as a feature, as courier-types does).
    pub fn json_feature(&mut self, feature: impl Into<String>) -> &mut Config {
        self.json_feature = Some(feature.into());
        self
    }

    /// Whether messages and enums implement `serde::Serialize` and `serde::Deserialize` with
    /// ProtoJSON semantics (through `courier_json::serde`; default: no). Implies
    /// [`json`](Config::json). The generated code needs `courier-json` with its `serde`
    /// feature (no direct `serde` dependency).
    pub fn serde(&mut self, yes: bool) -> &mut Config {
        self.serde = yes;
        if yes {
            self.json = true;
        }
        self
    }

    /// Puts the serde impls behind `#[cfg(feature = "<feature>")]`.
    pub fn serde_feature(&mut self, feature: impl Into<String>) -> &mut Config {
        self.serde_feature = Some(feature.into());
        self
    }

    /// Whether messages get the protobuf text format and `Display` through courier-reflect
    /// (default: no). Each package then embeds its descriptors (`FILE_DESCRIPTOR_SET`: its
    /// files and everything they import, without source info) with a `descriptor_pool()` built
    /// from them on first use, and every message implements `courier_reflect::ReflectMessage`
    /// (`to_text`, `from_text`, conversion to and from `DynamicMessage`) and
    /// `core::fmt::Display` (the text format on one line; `{:#}` one field per line). The
    /// generated code then needs `courier-reflect` as a dependency.
    pub fn text_format(&mut self, yes: bool) -> &mut Config {
        self.text_format = yes;
        self
    }

    /// Whether each package embeds its descriptors as `FILE_DESCRIPTOR_SET` (the encoded
    /// `FileDescriptorSet` of its files and everything they import, without source info) with
    /// no other code (default: no; [`text_format`](Config::text_format) implies it). For a
    /// crate below courier-reflect that hands its descriptors up, as courier-types does.
    pub fn file_descriptor_set(&mut self, yes: bool) -> &mut Config {
        self.file_descriptor_set = yes;
        self
    }

    /// Generates Rust for the files named in `to_generate` (`FileDescriptorProto.name`),
    /// given `files`, which must also hold everything they import. Returns one file per
    /// proto package, named `package.rs` (`_.rs` for no package).
    pub fn generate(
        &self,
        files: &[FileDescriptorProto],
        to_generate: &[&str],
    ) -> Result<Vec<GeneratedFile>, Error> {
        crate::generate::run(self, files, to_generate)
    }
}

/// One generated Rust file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name: `package.rs` (`_.rs` when the files have no package).
    pub name: String,
    /// The proto package the file holds (empty for none).
    pub package: String,
    /// Rust source.
    pub content: String,
}

/// A generation failure (a descriptor that does not hold together).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    message: String,
}

impl Error {
    #[cold]
    pub(crate) fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
