//! The syntax tree of one `.proto` file, as written, with a [`Span`] on every part.
//!
//! The tree keeps what the source says and no more: names are not resolved, numbers are not
//! range-checked beyond what the grammar needs, options are not interpreted. The linker turns it
//! into descriptors.

use crate::span::Span;

/// The comments protoc attaches to a declaration (`SourceCodeInfo.Location`). Empty strings
/// mean "none".
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DocComments {
    /// The comment block directly above the declaration.
    pub leading: String,
    /// The comment right after the declaration's first line (or its `;`).
    pub trailing: String,
    /// Comment blocks above, separated from it by a blank line.
    pub detached: Vec<String>,
}

/// An identifier.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ident {
    /// Its text.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A possibly qualified name: `Foo`, `foo.Bar`, `.foo.Bar` (fully qualified).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TypeName {
    /// Whether it starts with `.`.
    pub absolute: bool,
    /// The dot-separated parts.
    pub parts: Vec<Ident>,
    /// Where it is.
    pub span: Span,
}

impl TypeName {
    /// The name as written, e.g. `.foo.Bar`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.absolute {
            s.push('.');
        }
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&p.name);
        }
        s
    }
}

/// An integer literal with an optional minus sign.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IntLit {
    /// Whether a `-` came first.
    pub negative: bool,
    /// The magnitude.
    pub value: u64,
    /// Where it is, sign included.
    pub span: Span,
}

impl IntLit {
    /// The value as `i64`, if it fits.
    pub fn as_i64(&self) -> Option<i64> {
        if self.negative {
            0i64.checked_sub_unsigned(self.value)
        } else {
            i64::try_from(self.value).ok()
        }
    }
}

/// A whole file.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct File {
    /// The `syntax` or `edition` statement, if any.
    pub syntax: Option<SyntaxDecl>,
    /// Everything after it, in source order.
    pub items: Vec<FileItem>,
    /// The comments after the last declaration are not attached anywhere; protoc drops them too.
    pub span: Span,
}

/// Which language the file is written in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Syntax {
    /// `syntax = "proto2";` (also the default when there is no statement).
    Proto2,
    /// `syntax = "proto3";`.
    Proto3,
    /// `edition = "...";` with the edition's name, e.g. `2023`.
    Edition(String),
}

/// `syntax = "proto3";` or `edition = "2023";`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxDecl {
    /// What it says.
    pub syntax: Syntax,
    /// Whether the keyword was `edition`.
    pub is_edition: bool,
    /// The quoted value's span.
    pub value_span: Span,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// A top-level declaration.
#[derive(Clone, PartialEq, Debug)]
pub enum FileItem {
    /// `package foo.bar;`
    Package(Package),
    /// `import "x.proto";`
    Import(Import),
    /// `option java_package = "x";`
    Option(OptionDecl),
    /// `message Foo { ... }`
    Message(Message),
    /// `enum Foo { ... }`
    Enum(Enum),
    /// `extend Foo { ... }`
    Extend(Extend),
    /// `service Foo { ... }`
    Service(Service),
}

/// `package foo.bar;`
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Package {
    /// The package name.
    pub name: TypeName,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// The kind of import.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ImportKind {
    /// `import "x";`
    Plain,
    /// `import public "x";`
    Public,
    /// `import weak "x";`
    Weak,
    /// `import option "x";` (edition 2024: only for custom options).
    Option,
}

/// An import statement.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Import {
    /// Plain, public or weak.
    pub kind: ImportKind,
    /// The span of the `public`/`weak` keyword.
    pub kind_span: Option<Span>,
    /// The imported path.
    pub path: String,
    /// The span of the quoted path.
    pub path_span: Span,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// One part of an option name: `foo` or `(foo.bar)`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OptionNamePart {
    /// The name (for an extension, as written inside the parentheses).
    pub name: TypeName,
    /// Whether it was in parentheses (an extension).
    pub is_extension: bool,
    /// Where it is, parentheses included.
    pub span: Span,
}

/// An option name: `java_package`, `(my.opt).field.(other.ext)`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OptionName {
    /// The dot-separated parts.
    pub parts: Vec<OptionNamePart>,
    /// Where it is.
    pub span: Span,
}

/// A scalar constant: in option values, field defaults, and text-format aggregates.
#[derive(Clone, PartialEq, Debug)]
pub enum Literal {
    /// An identifier: `true`, `FOO`, `inf`; `-inf` and `-nan` have `negative` set.
    Ident {
        /// Whether a `-` came first.
        negative: bool,
        /// The identifier.
        ident: Ident,
        /// Where it is, sign included.
        span: Span,
    },
    /// An integer.
    Int(IntLit),
    /// A floating-point number.
    Float {
        /// Whether a `-` came first.
        negative: bool,
        /// The magnitude.
        value: f64,
        /// Where it is, sign included.
        span: Span,
    },
    /// One or more adjacent string literals, joined and unescaped.
    String {
        /// The bytes.
        value: Vec<u8>,
        /// Where it is (all the pieces).
        span: Span,
    },
}

impl Literal {
    /// Where it is.
    pub fn span(&self) -> Span {
        match self {
            Literal::Ident { span, .. }
            | Literal::Float { span, .. }
            | Literal::String { span, .. } => *span,
            Literal::Int(i) => i.span,
        }
    }
}

/// An option's value.
#[derive(Clone, PartialEq, Debug)]
pub enum OptionValue {
    /// A scalar.
    Literal(Literal),
    /// A message in text format: `{ a: 1 b: "x" }`.
    Aggregate(MessageLiteral),
}

impl OptionValue {
    /// Where it is.
    pub fn span(&self) -> Span {
        match self {
            OptionValue::Literal(l) => l.span(),
            OptionValue::Aggregate(m) => m.span,
        }
    }
}

/// `option name = value;`, or one `name = value` inside `[...]`.
#[derive(Clone, PartialEq, Debug)]
pub struct OptionDecl {
    /// The name.
    pub name: OptionName,
    /// The value.
    pub value: OptionValue,
    /// The whole statement (for `[...]` options, `name = value`).
    pub span: Span,
    /// Its comments (always empty for `[...]` options).
    pub comments: DocComments,
}

/// A text-format message: the fields between `{` and `}` (or `<` and `>`).
#[derive(Clone, PartialEq, Debug)]
pub struct MessageLiteral {
    /// The fields, in order.
    pub fields: Vec<FieldLiteral>,
    /// Where it is, braces included.
    pub span: Span,
}

/// The name of a field in a text-format message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FieldLiteralName {
    /// A plain field name.
    Field(Ident),
    /// `[pkg.ext]`: an extension.
    Extension(TypeName),
    /// `[type.googleapis.com/pkg.Msg]`: an expanded `Any`.
    AnyType {
        /// The part before the last `/`, e.g. `type.googleapis.com`.
        prefix: String,
        /// The message type.
        type_name: TypeName,
    },
}

/// One field of a text-format message.
#[derive(Clone, PartialEq, Debug)]
pub struct FieldLiteral {
    /// Its name.
    pub name: FieldLiteralName,
    /// Where the name is (brackets included).
    pub name_span: Span,
    /// Its value.
    pub value: FieldLiteralValue,
    /// The whole field.
    pub span: Span,
}

/// A value in a text-format message.
#[derive(Clone, PartialEq, Debug)]
pub enum FieldLiteralValue {
    /// A scalar.
    Scalar(Literal),
    /// A nested message.
    Message(MessageLiteral),
    /// `[a, b, c]`: each element is a scalar or a message.
    List(Vec<FieldLiteralValue>, Span),
}

/// Edition 2024's symbol visibility keyword.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Visibility {
    /// `export`
    Export,
    /// `local`
    Local,
}

/// `message Foo { ... }`
#[derive(Clone, PartialEq, Debug)]
pub struct Message {
    /// The name.
    pub name: Ident,
    /// The body.
    pub items: Vec<MessageItem>,
    /// `export` or `local` (edition 2024), with the keyword's span.
    pub visibility: Option<(Visibility, Span)>,
    /// From `message` to `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// A declaration inside a message.
#[derive(Clone, PartialEq, Debug)]
pub enum MessageItem {
    /// A field, map field or group.
    Field(Field),
    /// `oneof x { ... }`
    Oneof(Oneof),
    /// A nested message.
    Message(Message),
    /// A nested enum.
    Enum(Enum),
    /// A nested `extend` block.
    Extend(Extend),
    /// `extensions 100 to 199;`
    Extensions(Extensions),
    /// `reserved 1, 2 to 5;` or `reserved "a";`
    Reserved(Reserved),
    /// `option x = y;`
    Option(OptionDecl),
}

/// A field label.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Label {
    /// `optional`
    Optional,
    /// `required`
    Required,
    /// `repeated`
    Repeated,
}

/// A scalar field type keyword.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(missing_docs)] // The variants are the keywords.
pub enum ScalarType {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
}

impl ScalarType {
    /// The keyword's type, if `name` is one.
    pub fn from_keyword(name: &str) -> Option<ScalarType> {
        use ScalarType::*;
        Some(match name {
            "double" => Double,
            "float" => Float,
            "int64" => Int64,
            "uint64" => Uint64,
            "int32" => Int32,
            "fixed64" => Fixed64,
            "fixed32" => Fixed32,
            "bool" => Bool,
            "string" => String,
            "bytes" => Bytes,
            "uint32" => Uint32,
            "sfixed32" => Sfixed32,
            "sfixed64" => Sfixed64,
            "sint32" => Sint32,
            "sint64" => Sint64,
            _ => return None,
        })
    }
}

/// A field's type as written.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FieldType {
    /// A scalar keyword.
    Scalar(ScalarType, Span),
    /// A message or enum name, resolved by the linker.
    Named(TypeName),
    /// `map<K, V>`.
    Map {
        /// The key type.
        key: Box<FieldType>,
        /// The value type.
        value: Box<FieldType>,
        /// From `map` to `>`.
        span: Span,
    },
    /// `group`: the field's type is the nested message in [`Field::group_body`].
    Group(Span),
}

impl FieldType {
    /// Where it is.
    pub fn span(&self) -> Span {
        match self {
            FieldType::Scalar(_, s) | FieldType::Map { span: s, .. } | FieldType::Group(s) => *s,
            FieldType::Named(n) => n.span,
        }
    }
}

/// A field, a map field, or a group (`optional group Foo = 1 { ... }`).
#[derive(Clone, PartialEq, Debug)]
pub struct Field {
    /// The label and its span, if written.
    pub label: Option<(Label, Span)>,
    /// The type.
    pub ty: FieldType,
    /// The name (for a group, the group's type name as written).
    pub name: Ident,
    /// The number, if it parsed.
    pub number: Option<IntLit>,
    /// The options in `[...]`.
    pub options: Vec<OptionDecl>,
    /// The span of `[...]`, if present.
    pub options_span: Option<Span>,
    /// For a group: the body of its message.
    pub group_body: Option<Vec<MessageItem>>,
    /// From the label (or type) to `;` or `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// `oneof name { ... }`
#[derive(Clone, PartialEq, Debug)]
pub struct Oneof {
    /// The name.
    pub name: Ident,
    /// Its fields, groups and options, in source order.
    pub items: Vec<OneofItem>,
    /// From `oneof` to `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// A declaration inside a oneof.
#[derive(Clone, PartialEq, Debug)]
pub enum OneofItem {
    /// A field or group (no label).
    Field(Field),
    /// `option x = y;`
    Option(OptionDecl),
}

/// The end of a range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RangeEnd {
    /// `N` alone: the range is `N to N`.
    Single,
    /// `to M`.
    Int(IntLit),
    /// `to max`.
    Max(Span),
}

/// `N`, `N to M` or `N to max`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Range {
    /// The first number.
    pub start: IntLit,
    /// The end.
    pub end: RangeEnd,
    /// Where it is.
    pub span: Span,
}

/// `extensions 100 to 199 [options];`
#[derive(Clone, PartialEq, Debug)]
pub struct Extensions {
    /// The ranges.
    pub ranges: Vec<Range>,
    /// The options in `[...]`.
    pub options: Vec<OptionDecl>,
    /// The span of `[...]`, if present.
    pub options_span: Option<Span>,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// What a `reserved` statement reserves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ReservedKind {
    /// Numbers.
    Ranges(Vec<Range>),
    /// Names, as strings (proto2/proto3) or identifiers (editions).
    Names(Vec<ReservedName>),
}

/// One reserved name.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReservedName {
    /// The name.
    pub name: String,
    /// Whether it was an identifier rather than a string.
    pub is_ident: bool,
    /// Where it is.
    pub span: Span,
}

/// `reserved ...;`
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reserved {
    /// What it reserves.
    pub kind: ReservedKind,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// `enum Foo { ... }`
#[derive(Clone, PartialEq, Debug)]
pub struct Enum {
    /// The name.
    pub name: Ident,
    /// The body.
    pub items: Vec<EnumItem>,
    /// `export` or `local` (edition 2024), with the keyword's span.
    pub visibility: Option<(Visibility, Span)>,
    /// From `enum` to `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// A declaration inside an enum.
#[derive(Clone, PartialEq, Debug)]
pub enum EnumItem {
    /// `NAME = 1;`
    Value(EnumValue),
    /// `option allow_alias = true;`
    Option(OptionDecl),
    /// `reserved 1, 2;` or `reserved "A";`
    Reserved(Reserved),
}

/// `NAME = -1 [options];`
#[derive(Clone, PartialEq, Debug)]
pub struct EnumValue {
    /// The name.
    pub name: Ident,
    /// The number, if it parsed.
    pub number: Option<IntLit>,
    /// The options in `[...]`.
    pub options: Vec<OptionDecl>,
    /// The span of `[...]`, if present.
    pub options_span: Option<Span>,
    /// The whole statement.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// `extend Foo { fields }`
#[derive(Clone, PartialEq, Debug)]
pub struct Extend {
    /// The extended message.
    pub extendee: TypeName,
    /// The extension fields (and groups).
    pub fields: Vec<Field>,
    /// From `extend` to `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// `service Foo { ... }`
#[derive(Clone, PartialEq, Debug)]
pub struct Service {
    /// The name.
    pub name: Ident,
    /// Its methods and options, in source order.
    pub items: Vec<ServiceItem>,
    /// From `service` to `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}

/// A declaration inside a service.
#[derive(Clone, PartialEq, Debug)]
pub enum ServiceItem {
    /// `rpc ...`
    Method(Method),
    /// `option x = y;`
    Option(OptionDecl),
}

/// `rpc Foo (stream Req) returns (stream Resp) { options }`
#[derive(Clone, PartialEq, Debug)]
pub struct Method {
    /// The name.
    pub name: Ident,
    /// The request type.
    pub input: TypeName,
    /// The span of `stream` before the request type, if present.
    pub client_streaming: Option<Span>,
    /// The response type.
    pub output: TypeName,
    /// The span of `stream` before the response type, if present.
    pub server_streaming: Option<Span>,
    /// Its options (from the `{ ... }` body).
    pub options: Vec<OptionDecl>,
    /// Whether it has a `{ ... }` body (even an empty one: protoc then sets empty options).
    pub has_body: bool,
    /// From `rpc` to `;` or `}`.
    pub span: Span,
    /// Its comments.
    pub comments: DocComments,
}
