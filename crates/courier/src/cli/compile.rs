//! `courier compile`: `.proto` files to the `FileDescriptorSet` bytes protoc writes
//! (`--descriptor_set_out`), and to Rust with courier-codegen (`--rust_out`).

use std::path::{Path, PathBuf};

use courier_idl::{Compilation, Compiler};
use courier_wire::Message as _;

use super::error::{CliError, Result};

/// `courier compile`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  courier compile -I proto proto/helloworld/helloworld.proto -o hello.pb --include_imports
  courier compile -I proto helloworld/helloworld.proto --rust_out src/gen

The descriptor set is byte for byte what `protoc --descriptor_set_out` writes for the same
flags. Files are named as protoc names them: a path on disk must lie under an import path (-I)
and is named relative to it; a name that is not a file on disk is looked up in the import
paths. The well-known types and descriptor.proto are built in, as in protoc.")]
pub(crate) struct CompileArgs {
    /// The .proto files to compile
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,

    /// An import path (repeatable; default: the current directory)
    #[arg(
        short = 'I',
        long = "proto_path",
        visible_alias = "import-path",
        value_name = "DIR"
    )]
    pub(crate) include: Vec<PathBuf>,

    /// Write the FileDescriptorSet here
    #[arg(short = 'o', long = "descriptor_set_out", value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,

    /// Put every imported file in the set too (what a protoset for `--protoset` needs)
    #[arg(long = "include_imports")]
    pub(crate) include_imports: bool,

    /// Keep the source info (locations and comments) in the set
    #[arg(long = "include_source_info")]
    pub(crate) include_source_info: bool,

    /// Generate Rust with courier-codegen into this directory: one file per package and a
    /// `mod.rs` that includes them
    #[arg(long = "rust_out", value_name = "DIR")]
    pub(crate) rust_out: Option<PathBuf>,
}

/// Runs `courier compile`.
pub(crate) fn run(args: &CompileArgs) -> Result {
    if args.out.is_none() && args.rust_out.is_none() {
        return Err(CliError::usage("missing output: nothing to write")
            .hint("give -o FILE for a descriptor set, --rust_out DIR for Rust, or both"));
    }
    let includes = if args.include.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.include.clone()
    };
    let names = virtual_names(&args.files, &includes)?;
    let compiled = compile_files(&includes, &names, args.include_source_info)?;
    if let Some(out) = &args.out {
        let set = compiled.file_descriptor_set(args.include_imports);
        std::fs::write(out, set.encode_to_vec())
            .map_err(|e| CliError::new(format!("{}: {e}", out.display())))?;
    }
    if let Some(dir) = &args.rust_out {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut files = courier_codegen::Config::new()
            .generate(compiled.files(), &names)
            .map_err(|e| CliError::new(format!("--rust_out: {e}")))?;
        let tree = courier_codegen::module_tree(&files, false);
        files.push(courier_codegen::GeneratedFile {
            name: "mod.rs".into(),
            package: String::new(),
            content: tree,
        });
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::new(format!("{}: {e}", dir.display())))?;
        for f in files {
            let path = dir.join(&f.name);
            std::fs::write(&path, f.content)
                .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Compiles `names` (import paths) found under `includes`.
pub(crate) fn compile_files(
    includes: &[PathBuf],
    names: &[String],
    source_info: bool,
) -> Result<Compilation> {
    let mut c = Compiler::new();
    for i in includes {
        c.include(i);
    }
    c.include_source_info(source_info);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    c.compile(&names).map_err(|e| {
        // courier-idl's errors are protoc's: `file:line:col: message` with a snippet.
        CliError::new(format!("the .proto files do not compile:\n{e}"))
    })
}

/// The names protoc gives the input files: a file on disk is named by its path relative to
/// the first import path that contains it (it must be inside one); a name that is not a
/// file on disk is taken as an import path to look up.
pub(crate) fn virtual_names(files: &[PathBuf], includes: &[PathBuf]) -> Result<Vec<String>> {
    let canonical: Vec<Option<PathBuf>> = includes.iter().map(|i| i.canonicalize().ok()).collect();
    let mut names = Vec::new();
    for f in files {
        if !f.is_file() {
            let name = to_slashes(f);
            if includes.iter().any(|i| i.join(&name).is_file()) {
                names.push(name);
                continue;
            }
            return Err(
                CliError::new(format!("{}: no such file", f.display())).hint(
                    if includes.len() == 1 && includes[0] == Path::new(".") {
                        "files are looked up in the current directory; add -I DIR for others"
                            .to_owned()
                    } else {
                        format!(
                            "files are looked up in the import paths: {}",
                            show_paths(includes)
                        )
                    },
                ),
            );
        }
        let file = f
            .canonicalize()
            .map_err(|e| CliError::new(format!("{}: {e}", f.display())))?;
        let found = canonical.iter().enumerate().find_map(|(i, inc)| {
            let rel = file.strip_prefix(inc.as_ref()?).ok()?;
            Some((i, to_slashes(rel)))
        });
        let Some((index, name)) = found else {
            return Err(CliError::new(format!(
                "{}: File does not reside within any path specified using --proto_path (or -I).",
                f.display()
            ))
            .hint(format!(
                "give an import path that contains it with -I (now: {})",
                show_paths(includes)
            )));
        };
        // protoc: "Input is shadowed in the --proto_path by ...": an earlier import path
        // holds another file of the same name, which imports of it would get.
        if let Some(earlier) = includes[..index].iter().find(|i| i.join(&name).is_file()) {
            return Err(CliError::new(format!(
                "{}: Input is shadowed in the --proto_path by \"{}\".  Either use the latter \
                 file as your input or reorder the --proto_path so that the former file's \
                 location comes first.",
                f.display(),
                earlier.join(&name).display()
            )));
        }
        names.push(name);
    }
    Ok(names)
}

fn to_slashes(p: &Path) -> String {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("courier-cli-compile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::create_dir_all(d.join("other/b")).unwrap();
        d
    }

    #[test]
    fn names_are_relative_to_the_import_path() {
        let d = tmp("names");
        std::fs::write(d.join("a/b/x.proto"), "syntax = \"proto3\";\n").unwrap();
        let inc = vec![d.join("a")];
        assert_eq!(
            virtual_names(&[d.join("a/b/x.proto")], &inc).unwrap(),
            ["b/x.proto"]
        );
        // A name that is no file on disk is looked up.
        assert_eq!(
            virtual_names(&[PathBuf::from("b/x.proto")], &inc).unwrap(),
            ["b/x.proto"]
        );
        // Outside every import path.
        let e = virtual_names(&[d.join("a/b/x.proto")], &[d.join("other")]).unwrap_err();
        assert!(e.message().contains("does not reside"), "{e}");
        // Missing.
        assert!(virtual_names(&[PathBuf::from("nope.proto")], &inc).is_err());
        // Shadowed by an earlier import path.
        std::fs::write(d.join("other/b/x.proto"), "syntax = \"proto3\";\n").unwrap();
        let e =
            virtual_names(&[d.join("a/b/x.proto")], &[d.join("other"), d.join("a")]).unwrap_err();
        assert!(e.message().contains("shadowed"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn writes_a_descriptor_set_and_rust() {
        let d = tmp("write");
        std::fs::write(
            d.join("a/b/x.proto"),
            "syntax = \"proto3\";\npackage b;\nimport \"google/protobuf/empty.proto\";\n\
             message X { google.protobuf.Empty e = 1; }\n",
        )
        .unwrap();
        let args = CompileArgs {
            files: vec![d.join("a/b/x.proto")],
            include: vec![d.join("a")],
            out: Some(d.join("x.pb")),
            include_imports: true,
            include_source_info: false,
            rust_out: Some(d.join("gen")),
        };
        run(&args).unwrap();
        let set =
            courier_types::FileDescriptorSet::decode(&std::fs::read(d.join("x.pb")).unwrap()[..])
                .unwrap();
        let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
        assert_eq!(names, ["google/protobuf/empty.proto", "b/x.proto"]);
        let rust = std::fs::read_to_string(d.join("gen/b.rs")).unwrap();
        assert!(rust.contains("pub struct X"), "{rust}");
        assert!(
            std::fs::read_to_string(d.join("gen/mod.rs"))
                .unwrap()
                .contains("b.rs")
        );
        // No output asked: a usage error.
        let none = CompileArgs {
            out: None,
            rust_out: None,
            ..args
        };
        assert_eq!(run(&none).unwrap_err().exit_code(), 2);
        let _ = std::fs::remove_dir_all(&d);
    }
}
