//! protoc-plugin mode: a `CodeGeneratorRequest` in, a `CodeGeneratorResponse` out
//! (`protoc --plugin=protoc-gen-courier=PATH --courier_out=DIR`).

use std::io::{Read, Write};
use std::process::ExitCode;

use courier_types::compiler::{
    CodeGeneratorRequest, CodeGeneratorResponse, code_generator_response,
};
use courier_wire::Message;

use crate::config::{Config, Error};
use crate::features::edition;

/// Answers a protoc plugin request: generates the requested files with settings from the
/// request's parameter (`--courier_opt=...`, comma-separated):
///
/// | parameter | effect |
/// |---|---|
/// | `btree_map=PATH` | [`Config::btree_map`] |
/// | `extern_path=PROTO=RUST` | [`Config::extern_path`] |
/// | `type_attribute=PATH=ATTR` | [`Config::type_attribute`] |
/// | `field_attribute=PATH=ATTR` | [`Config::field_attribute`] |
/// | `compile_well_known_types` | [`Config::compile_well_known_types`] |
/// | `json` / `serde` / `text_format` | [`Config::json`] / [`Config::serde`] / [`Config::text_format`] on |
/// | `no_comments` / `no_services` | [`Config::comments`] / [`Config::services`] off |
/// | `module_tree=NAME` | also write a module tree file `NAME` |
///
/// Failures are reported in the response's `error`, as the plugin protocol asks.
pub fn plugin(request: &CodeGeneratorRequest) -> CodeGeneratorResponse {
    let mut response = CodeGeneratorResponse {
        supported_features: Some(
            (code_generator_response::Feature::FEATURE_PROTO3_OPTIONAL.0
                | code_generator_response::Feature::FEATURE_SUPPORTS_EDITIONS.0) as u64,
        ),
        minimum_edition: Some(edition::PROTO2),
        maximum_edition: Some(edition::E2023),
        ..Default::default()
    };
    match run(request) {
        Ok(files) => response.file = files,
        Err(e) => response.error = Some(e.to_string()),
    }
    response
}

/// The whole plugin program: reads a `CodeGeneratorRequest` from stdin, writes the
/// [`plugin`] response to stdout (what the `protoc-gen-courier` binary runs).
pub fn plugin_main() -> ExitCode {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("protoc-gen-courier: reading stdin: {e}");
        return ExitCode::FAILURE;
    }
    let request = match CodeGeneratorRequest::decode(&input[..]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("protoc-gen-courier: stdin is not a CodeGeneratorRequest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let response = plugin(&request);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out
        .write_all(&response.encode_to_vec())
        .and_then(|()| out.flush())
    {
        eprintln!("protoc-gen-courier: writing stdout: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(request: &CodeGeneratorRequest) -> Result<Vec<code_generator_response::File>, Error> {
    let mut cfg = Config::new();
    let mut tree: Option<String> = None;
    for p in request
        .parameter
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (key, value) = p.split_once('=').unwrap_or((p, ""));
        let pair = || {
            value
                .split_once('=')
                .ok_or_else(|| Error::new(format!("parameter `{p}`: expected {key}=PATH=VALUE")))
        };
        match key {
            "btree_map" => {
                cfg.btree_map([value]);
            }
            "extern_path" => {
                let (a, b) = pair()?;
                cfg.extern_path(a, b);
            }
            "type_attribute" => {
                let (a, b) = pair()?;
                cfg.type_attribute(a, b);
            }
            "field_attribute" => {
                let (a, b) = pair()?;
                cfg.field_attribute(a, b);
            }
            "compile_well_known_types" => {
                cfg.compile_well_known_types();
            }
            "json" => {
                cfg.json(true);
            }
            "serde" => {
                cfg.serde(true);
            }
            "text_format" => {
                cfg.text_format(true);
            }
            "no_comments" => {
                cfg.comments(false);
            }
            "no_services" => {
                cfg.services(false);
            }
            "module_tree" => tree = Some(value.to_owned()),
            _ => return Err(Error::new(format!("unknown parameter `{p}`"))),
        }
    }
    let names: Vec<&str> = request
        .file_to_generate
        .iter()
        .map(String::as_str)
        .collect();
    let mut files = cfg.generate(&request.proto_file, &names)?;
    if let Some(name) = tree {
        let content = crate::module_tree(&files, false);
        files.push(crate::GeneratedFile {
            name,
            package: String::new(),
            content,
        });
    }
    Ok(files
        .into_iter()
        .map(|f| code_generator_response::File {
            name: Some(f.name),
            content: Some(f.content),
            ..Default::default()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(parameter: &str) -> CodeGeneratorRequest {
        let mut c = courier_idl::Compiler::new();
        c.add_file(
            "p/a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage A { map<string, int32> m = 1; }\n",
        );
        let compiled = c.compile(&["p/a.proto"]).unwrap();
        CodeGeneratorRequest {
            file_to_generate: vec!["p/a.proto".into()],
            parameter: Some(parameter.into()),
            proto_file: compiled.files().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn generates_with_parameters() {
        let r = plugin(&request("btree_map=.,module_tree=mod.rs"));
        assert_eq!(r.error, None);
        assert_eq!(r.supported_features, Some(3));
        let names: Vec<_> = r.file.iter().map(|f| f.name.clone().unwrap()).collect();
        assert_eq!(names, ["p.rs", "mod.rs"]);
        assert!(r.file[0].content.as_deref().unwrap().contains("BTreeMap<"));
    }

    #[test]
    fn errors_go_in_the_response() {
        let r = plugin(&request("bogus"));
        assert_eq!(r.error.as_deref(), Some("unknown parameter `bogus`"));
        assert!(r.file.is_empty());
        let mut bad = request("");
        bad.file_to_generate = vec!["missing.proto".into()];
        assert!(plugin(&bad).error.unwrap().contains("missing.proto"));
    }
}
