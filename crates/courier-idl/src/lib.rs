//! The `.proto` compiler front end: `.proto` source in, `FileDescriptorProto`s out, identical
//! to what `protoc --descriptor_set_out` writes.
//!
//! What it does: tokenizing ([`lex`]) and parsing ([`parse()`]) proto2, proto3 and editions
//! (2023, 2024) into an [`ast::File`] with a [`Span`] on every part; loading files through
//! include paths, in-memory files and the files protoc bundles ([`Compiler`],
//! [`embedded_files`]: the well-known types, `descriptor.proto`, `compiler/plugin.proto` and the
//! language features `cpp_features.proto`, `java_features.proto` and `go_features.proto`, copied
//! unchanged from the protobuf v35.1 release, the one protoc 35.1 bundles); linking
//! (protobuf's scoping rules, public-import visibility, edition 2024 symbol visibility, enum
//! value scoping); interpreting standard and custom options, including text-format
//! aggregates, into the bytes protoc writes, with source-retention options stripped; editions
//! feature resolution per element, language features (`pb.cpp`, `pb.java`, `pb.go`, ...)
//! included ([`Compilation::resolved_features`], [`Compilation::edition_defaults`]), and the
//! checks protoc makes on features and options (targets, the editions each exists in); the
//! validation rules protoc enforces; and `SourceCodeInfo` (spans, leading, trailing and
//! detached comments). Errors are reported all at once, as `file:line:col: message` with a
//! source snippet and caret ([`Diagnostic`], [`CompileError`]), in protoc's wording. Parsing
//! and compiling never panic, never hang, and recursion is bounded ([`ParseOptions`]).
//!
//! What it does not do: code generation (courier-codegen); protoc's warnings (unused imports,
//! naming style, deprecated features); the checks a language's code generator makes on its
//! own features; edition 2024's `STRICT` visibility rules beyond making every type local
//! (`export`/`local` and `default_symbol_visibility` are enforced on type references;
//! `import option` files serve options only); a string `default` that is not valid UTF-8
//! (`"\xff"`) cannot be represented (`FieldDescriptorProto.default_value` is a Rust `String`).
//!
//! ```
//! use courier_idl::{parse, Compiler, SourceFile};
//!
//! let src = "syntax = \"proto3\";\nmessage Point { int32 x = 1; int32 y = 2; }\n";
//! let parsed = parse(src);
//! assert!(parsed.errors.is_empty());
//! assert_eq!(parsed.file.items.len(), 1);
//!
//! let bad = parse("syntax = \"proto3\";\nmessage { }\n");
//! let file = SourceFile::new("bad.proto", "syntax = \"proto3\";\nmessage { }\n");
//! assert_eq!(bad.errors[0].short(&file), "bad.proto:2:9: Expected message name.");
//!
//! let mut compiler = Compiler::new();
//! compiler.add_file("point.proto", src);
//! let set = compiler.compile(&["point.proto"]).unwrap().file_descriptor_set(false);
//! assert_eq!(set.file[0].message_type[0].field[1].json_name.as_deref(), Some("y"));
//! ```

pub mod ast;
mod compile;
pub mod diag;
mod feature_defaults;
mod features;
pub mod lex;
mod link;
pub mod names;
mod options;
pub mod parse;
pub mod span;
mod validate;

pub use compile::{Compilation, CompileError, Compiler, embedded_file, embedded_files};
pub use diag::{Diagnostic, Diagnostics};
pub use parse::{ParseOptions, Parsed, parse, parse_with};
pub use span::{LineCol, SourceFile, Span};
