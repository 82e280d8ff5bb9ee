//! [`Builder`]: compiling `.proto` files to Rust from a build script, with courier-idl (pure
//! Rust: no protoc needed).

use std::path::{Path, PathBuf};

use crate::config::{Config, Error, GeneratedFile};

/// Compiles `.proto` files and writes the generated Rust, by default into `$OUT_DIR` — for
/// `build.rs`.
///
/// ```no_run
/// // in build.rs's main:
/// courier_codegen::Builder::new()
///     .include("proto")
///     .file("helloworld/helloworld.proto")
///     .btree_map(["."])
///     .compile()
///     .unwrap();
/// // src/lib.rs: one file per package, named after it:
/// //     pub mod helloworld { courier_types::include_proto!("helloworld"); }
/// // or every package at once, in nested modules:
/// //     include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
    includes: Vec<PathBuf>,
    files: Vec<String>,
    out_dir: Option<PathBuf>,
    module_tree: Option<String>,
    rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with [`Config::new`]'s settings, writing to `$OUT_DIR`, with a module tree
    /// named `courier_generated.rs`, printing `cargo:rerun-if-changed` lines.
    pub fn new() -> Builder {
        Builder {
            config: Config::new(),
            includes: Vec::new(),
            files: Vec::new(),
            out_dir: None,
            module_tree: Some("courier_generated.rs".to_owned()),
            rerun_if_changed: true,
        }
    }

    /// The generator settings, to change any of them.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Adds an import path (protoc's `-I`).
    pub fn include(&mut self, dir: impl Into<PathBuf>) -> &mut Builder {
        self.includes.push(dir.into());
        self
    }

    /// Adds a file to generate, named relative to an import path.
    pub fn file(&mut self, name: impl Into<String>) -> &mut Builder {
        self.files.push(name.into());
        self
    }

    /// Adds files to generate.
    pub fn files<I, S>(&mut self, names: I) -> &mut Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.files.extend(names.into_iter().map(Into::into));
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// The name of the module-tree file (`None`: do not write one).
    pub fn module_tree(&mut self, name: Option<&str>) -> &mut Builder {
        self.module_tree = name.map(str::to_owned);
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every `.proto` read (default: yes).
    pub fn rerun_if_changed(&mut self, yes: bool) -> &mut Builder {
        self.rerun_if_changed = yes;
        self
    }

    /// [`Config::btree_map`].
    pub fn btree_map<I, S>(&mut self, paths: I) -> &mut Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.btree_map(paths);
        self
    }

    /// [`Config::type_attribute`].
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Builder {
        self.config.type_attribute(path, attribute);
        self
    }

    /// [`Config::field_attribute`].
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Builder {
        self.config.field_attribute(path, attribute);
        self
    }

    /// [`Config::extern_path`].
    pub fn extern_path(
        &mut self,
        proto_path: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> &mut Builder {
        self.config.extern_path(proto_path, rust_path);
        self
    }

    /// Compiles, generates and writes; returns the paths written (unchanged files are not
    /// rewritten, so cargo does not rebuild for nothing).
    pub fn compile(&self) -> Result<Vec<PathBuf>, Error> {
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new("OUT_DIR is not set (not in a build script?): set out_dir")
                })?,
        };
        let mut c = courier_idl::Compiler::new();
        c.include_source_info(true);
        for i in &self.includes {
            c.include(i);
        }
        let names: Vec<&str> = self.files.iter().map(String::as_str).collect();
        let compiled = c.compile(&names).map_err(|e| Error::new(e.to_string()))?;
        if self.rerun_if_changed {
            for f in compiled.files() {
                let name = f.name.as_deref().unwrap_or("");
                if let Some(p) = self
                    .includes
                    .iter()
                    .map(|i| i.join(name))
                    .find(|p| p.exists())
                {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
        }
        let mut files = self.config.generate(compiled.files(), &names)?;
        if let Some(tree) = &self.module_tree {
            files.push(GeneratedFile {
                name: tree.clone(),
                package: String::new(),
                content: crate::module_tree(&files, true),
            });
        }
        std::fs::create_dir_all(&out).map_err(|e| io_error(&out, &e))?;
        let mut written = Vec::new();
        for f in files {
            let path = out.join(&f.name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(f.content.as_str()) {
                std::fs::write(&path, &f.content).map_err(|e| io_error(&path, &e))?;
            }
            written.push(path);
        }
        Ok(written)
    }
}

#[cold]
fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::new(format!("{}: {e}", path.display()))
}

/// Compiles `files` found under `includes` into `$OUT_DIR` with the default settings.
pub fn compile_protos(files: &[&str], includes: &[&str]) -> Result<Vec<PathBuf>, Error> {
    let mut b = Builder::new();
    for i in includes {
        b.include(i);
    }
    b.files(files.iter().copied()).compile()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_package_files_and_tree() {
        let dir =
            std::env::temp_dir().join(format!("courier-codegen-builder-{}", std::process::id()));
        let protos = dir.join("protos");
        std::fs::create_dir_all(protos.join("a")).unwrap();
        std::fs::write(
            protos.join("a/x.proto"),
            "syntax = \"proto3\";\npackage a.b;\nmessage X { int32 v = 1; }\n",
        )
        .unwrap();
        let out = dir.join("out");
        let written = Builder::new()
            .include(&protos)
            .file("a/x.proto")
            .out_dir(&out)
            .rerun_if_changed(false)
            .compile()
            .unwrap();
        assert_eq!(
            written,
            [out.join("a.b.rs"), out.join("courier_generated.rs")]
        );
        let tree = std::fs::read_to_string(out.join("courier_generated.rs")).unwrap();
        assert!(tree.contains("pub mod a {"), "{tree}");
        assert!(tree.contains("include!(concat!(env!(\"OUT_DIR\"), \"/a.b.rs\"));"));
        let err = Builder::new()
            .include(&protos)
            .file("missing.proto")
            .out_dir(&out)
            .compile();
        assert!(err.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
