//! `courier-codegen`: compiles `.proto` files (with courier-idl, no protoc) or reads a
//! descriptor set, and writes the generated Rust, one file per package, plus an optional
//! module tree that includes them — for code that is checked in.

use std::path::PathBuf;
use std::process::ExitCode;

use courier_codegen::{Config, GeneratedFile};
use courier_wire::Message;

const USAGE: &str = "\
usage: courier-codegen [options] FILE.proto...

options:
  -I, --include DIR           add an import path (like protoc's -I); repeatable
  -o, --out DIR               write the generated files to DIR (default: .)
  --descriptor-set FILE       read a FileDescriptorSet (protoc --include_imports) instead of
                              compiling; FILE.proto names the files in it to generate
  --module-tree NAME          also write NAME: nested `pub mod`s that include every file
  --btree-map PATH            map fields under proto PATH become BTreeMap (`.` for all)
  --extern-path PROTO=RUST    use existing Rust types for proto path PROTO
  --type-attribute PATH=ATTR  add ATTR to the types under PATH
  --field-attribute PATH=ATTR add ATTR to the fields under PATH
  --compile-well-known-types  generate google.protobuf types instead of using courier_types
  --json                      ProtoJSON for messages and enums (needs courier-json)
  --serde                     serde impls with ProtoJSON semantics (implies --json)
  --text-format               the text format and embedded descriptors (needs courier-reflect)
  --no-comments               no doc comments from .proto comments
  --no-services               no client stubs or server traits
";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("courier-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut cfg = Config::new();
    let mut includes: Vec<PathBuf> = Vec::new();
    let mut out = PathBuf::from(".");
    let mut set: Option<PathBuf> = None;
    let mut tree: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let pair = |v: String| -> Result<(String, String), String> {
            v.split_once('=')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .ok_or_else(|| format!("expected PATH=VALUE, got `{v}`"))
        };
        match a.as_str() {
            "-I" | "--include" => includes.push(value(&a)?.into()),
            "-o" | "--out" => out = value(&a)?.into(),
            "--descriptor-set" => set = Some(value(&a)?.into()),
            "--module-tree" => tree = Some(value(&a)?),
            "--btree-map" => {
                cfg.btree_map([value(&a)?]);
            }
            "--extern-path" => {
                let (p, r) = pair(value(&a)?)?;
                cfg.extern_path(p, r);
            }
            "--type-attribute" => {
                let (p, r) = pair(value(&a)?)?;
                cfg.type_attribute(p, r);
            }
            "--field-attribute" => {
                let (p, r) = pair(value(&a)?)?;
                cfg.field_attribute(p, r);
            }
            "--compile-well-known-types" => {
                cfg.compile_well_known_types();
            }
            "--json" => {
                cfg.json(true);
            }
            "--serde" => {
                cfg.serde(true);
            }
            "--text-format" => {
                cfg.text_format(true);
            }
            "--no-comments" => {
                cfg.comments(false);
            }
            "--no-services" => {
                cfg.services(false);
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n{USAGE}")),
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        return Err(format!("no input files\n{USAGE}"));
    }
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let generated: Vec<GeneratedFile> = match set {
        Some(path) => {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let set = courier_types::FileDescriptorSet::decode(&bytes[..])
                .map_err(|e| format!("{}: {e}", path.display()))?;
            cfg.generate(&set.file, &names).map_err(|e| e.to_string())?
        }
        None => {
            let mut c = courier_idl::Compiler::new();
            c.include_source_info(true);
            for i in &includes {
                c.include(i);
            }
            let compiled = c.compile(&names).map_err(|e| e.to_string())?;
            cfg.generate(compiled.files(), &names)
                .map_err(|e| e.to_string())?
        }
    };
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for f in &generated {
        let path = out.join(&f.name);
        std::fs::write(&path, &f.content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(name) = tree {
        let path = out.join(name);
        std::fs::write(&path, courier_codegen::module_tree(&generated, false))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
