//! The `.proto` compiler front end: turns `.proto` source into a syntax tree, with protoc's
//! grammar, error messages and comment attribution.
//!
//! What it does today: tokenizing ([`lex`]), parsing proto2, proto3 and editions (2023, 2024)
//! into an [`ast::File`] with a [`Span`] on every part ([`parse()`]), and reporting every error
//! of a file as `file:line:col: message` with a source snippet ([`Diagnostic`]). Parsing never
//! panics, never hangs, and its recursion is bounded ([`ParseOptions`]).
//!
//! What it does not do (yet): name resolution, validation and `FileDescriptorProto` output
//! (issue [B], later layers). It does no I/O.
//!
//! ```
//! use courier_idl::{parse, SourceFile};
//!
//! let src = "syntax = \"proto3\";\nmessage Point { int32 x = 1; int32 y = 2; }\n";
//! let parsed = parse(src);
//! assert!(parsed.errors.is_empty());
//! assert_eq!(parsed.file.items.len(), 1);
//!
//! let bad = parse("syntax = \"proto3\";\nmessage { }\n");
//! let file = SourceFile::new("bad.proto", "syntax = \"proto3\";\nmessage { }\n");
//! assert_eq!(bad.errors[0].short(&file), "bad.proto:2:9: Expected message name.");
//! ```

pub mod ast;
mod compile;
pub mod diag;
pub mod lex;
mod link;
pub mod names;
mod options;
pub mod parse;
pub mod span;
mod validate;

pub use compile::{Compilation, CompileError, Compiler, embedded_file};
pub use diag::{Diagnostic, Diagnostics};
pub use parse::{ParseOptions, Parsed, parse, parse_with};
pub use span::{LineCol, SourceFile, Span};
