//! The protobuf text format (<https://protobuf.dev/reference/protobuf/textformat-spec/>) for
//! dynamic messages: printing and parsing.
//!
//! Printing writes one field per line (or one line with [`PrintOptions::single_line`]), groups
//! under their type name, extensions as `[pkg.ext]`, map entries sorted by key, strings with
//! the spec's escapes (bytes that are not printable ASCII as octal; UTF-8 kept in `string`
//! fields), floats in their shortest round-trip form (`inf`, `-inf`, `nan`), and an `Any` whose
//! type resolves expanded as `[type.googleapis.com/pkg.Type] { ... }`; unknown fields are left
//! out unless [`PrintOptions::print_unknown_fields`] is set.
//!
//! Parsing takes everything the spec's grammar allows: `#` comments, `:` optional before
//! messages, `{}` or `<>`, list syntax for repeated fields, `;` or `,` after fields, adjacent
//! string literals, every escape (octal, hex, `\u`, `\U`), decimal, octal and hexadecimal
//! integers, `inf`/`nan`, enum names or numbers, extensions and expanded `Any`s, reserved field
//! names (ignored). A non-repeated field given twice, two members of a oneof, an unknown field
//! or an out-of-range number is an error with its line and column; nesting is limited.
//!
//! ```
//! use courier_reflect::{DescriptorPool, DynamicMessage};
//!
//! let mut c = courier_idl::Compiler::new();
//! c.add_file("t.proto", "syntax = \"proto3\";\nmessage T { int32 n = 1; repeated string s = 2; T child = 3; }\n");
//! let pool = DescriptorPool::from_file_descriptor_set(
//!     c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
//! ).unwrap();
//! let desc = pool.get_message_by_name("T").unwrap();
//!
//! let m = DynamicMessage::from_text(desc, "n: 0x10 s: ['a', \"b\"] child < n: -1 > # comment").unwrap();
//! assert_eq!(m.to_text(), "n: 16\ns: \"a\"\ns: \"b\"\nchild {\n  n: -1\n}\n");
//! assert_eq!(m.to_string(), "n: 16 s: \"a\" s: \"b\" child { n: -1 }");
//! ```

mod lexer;
mod parse;
mod print;

use std::fmt;
use std::sync::Arc;

pub use lexer::Error;

use crate::descriptor::MessageDescriptor;
use crate::dynamic::DynamicMessage;
use crate::resolver::TypeResolver;

/// The default limit on nested messages in text input.
pub const DEFAULT_DEPTH_LIMIT: u32 = 100;

/// The default limit on the length of text input: 64 MiB.
pub const DEFAULT_MAX_LEN: usize = 64 << 20;

/// How [`DynamicMessage::to_text_with`] prints.
#[derive(Clone)]
#[non_exhaustive]
pub struct PrintOptions {
    pub(crate) single_line: bool,
    pub(crate) print_unknown_fields: bool,
    pub(crate) expand_any: bool,
    pub(crate) resolver: Option<Arc<dyn TypeResolver>>,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            single_line: false,
            print_unknown_fields: false,
            expand_any: true,
            resolver: None,
        }
    }
}

impl fmt::Debug for PrintOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintOptions")
            .field("single_line", &self.single_line)
            .field("print_unknown_fields", &self.print_unknown_fields)
            .field("expand_any", &self.expand_any)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl PrintOptions {
    /// The defaults: one field per line, two-space indentation, `Any` expanded, unknown fields
    /// left out.
    pub fn new() -> PrintOptions {
        PrintOptions::default()
    }

    /// Everything on one line, fields separated by spaces.
    pub fn single_line(mut self, yes: bool) -> PrintOptions {
        self.single_line = yes;
        self
    }

    /// Print unknown fields as `number: value` (they cannot be parsed back by name).
    pub fn print_unknown_fields(mut self, yes: bool) -> PrintOptions {
        self.print_unknown_fields = yes;
        self
    }

    /// Print an `Any` whose type resolves as `[type_url] { ... }` (the default) rather than
    /// its `type_url` and `value` fields.
    pub fn expand_any(mut self, yes: bool) -> PrintOptions {
        self.expand_any = yes;
        self
    }

    /// Resolve `Any` type URLs with `resolver` instead of the message's own pool.
    pub fn resolver(mut self, resolver: Arc<dyn TypeResolver>) -> PrintOptions {
        self.resolver = Some(resolver);
        self
    }
}

/// How [`DynamicMessage::from_text_with`] parses.
#[derive(Clone)]
#[non_exhaustive]
pub struct ParseOptions {
    pub(crate) allow_unknown_fields: bool,
    pub(crate) depth_limit: u32,
    pub(crate) max_len: usize,
    pub(crate) resolver: Option<Arc<dyn TypeResolver>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            allow_unknown_fields: false,
            depth_limit: DEFAULT_DEPTH_LIMIT,
            max_len: DEFAULT_MAX_LEN,
            resolver: None,
        }
    }
}

impl fmt::Debug for ParseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseOptions")
            .field("allow_unknown_fields", &self.allow_unknown_fields)
            .field("depth_limit", &self.depth_limit)
            .field("max_len", &self.max_len)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl ParseOptions {
    /// The defaults: unknown field names are errors, nesting up to [`DEFAULT_DEPTH_LIMIT`],
    /// input up to [`DEFAULT_MAX_LEN`].
    pub fn new() -> ParseOptions {
        ParseOptions::default()
    }

    /// Skip fields whose names the message does not know instead of failing.
    pub fn allow_unknown_fields(mut self, yes: bool) -> ParseOptions {
        self.allow_unknown_fields = yes;
        self
    }

    /// How deeply messages may nest.
    pub fn depth_limit(mut self, limit: u32) -> ParseOptions {
        self.depth_limit = limit;
        self
    }

    /// The longest input accepted, in bytes.
    pub fn max_len(mut self, bytes: usize) -> ParseOptions {
        self.max_len = bytes;
        self
    }

    /// Resolve `Any` type URLs with `resolver` instead of the message's own pool.
    pub fn resolver(mut self, resolver: Arc<dyn TypeResolver>) -> ParseOptions {
        self.resolver = Some(resolver);
        self
    }
}

impl DynamicMessage {
    /// The message in the text format, one field per line.
    pub fn to_text(&self) -> String {
        self.to_text_with(&PrintOptions::default())
    }

    /// The message in the text format.
    pub fn to_text_with(&self, options: &PrintOptions) -> String {
        let pool = self.desc.parent_pool().clone();
        let resolver: &dyn TypeResolver = match &options.resolver {
            Some(r) => &**r,
            None => &pool,
        };
        let mut p = print::Printer::new(options, resolver);
        p.body(self);
        let mut out = p.out;
        if options.single_line {
            out.truncate(out.trim_end().len());
        }
        out
    }

    /// Parses the text format into a new message of type `desc`.
    pub fn from_text(desc: MessageDescriptor, text: &str) -> Result<DynamicMessage, Error> {
        DynamicMessage::from_text_with(desc, text, &ParseOptions::default())
    }

    /// Parses the text format into a new message of type `desc`, with `options`.
    pub fn from_text_with(
        desc: MessageDescriptor,
        text: &str,
        options: &ParseOptions,
    ) -> Result<DynamicMessage, Error> {
        let mut m = DynamicMessage::new(desc);
        m.merge_text_with(text, options)?;
        Ok(m)
    }

    /// Parses the text format into this message (repeated fields are appended to).
    pub fn merge_text_with(&mut self, text: &str, options: &ParseOptions) -> Result<(), Error> {
        if text.len() > options.max_len {
            return Err(Error::new(
                1,
                1,
                format!(
                    "input of {} bytes is longer than the limit of {}",
                    text.len(),
                    options.max_len
                ),
            ));
        }
        let pool = self.desc.parent_pool().clone();
        let resolver: &dyn TypeResolver = match &options.resolver {
            Some(r) => &**r,
            None => &pool,
        };
        parse::Parser::new(text, options, resolver).body(self, None)
    }
}

impl fmt::Display for DynamicMessage {
    /// The text format on one line (`{:#}`: one field per line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opts = PrintOptions::new().single_line(!f.alternate());
        f.write_str(&self.to_text_with(&opts))
    }
}
