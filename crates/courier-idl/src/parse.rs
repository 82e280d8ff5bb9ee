//! The parser: tokens to [`crate::ast::File`], with error recovery.
//!
//! It follows protoc's hand-written parser (`compiler/parser.cc`): the same grammar, the same
//! error messages where protoc has one, the same recovery (a statement that fails to parse is
//! skipped up to its `;` or past its `{...}` block, and parsing goes on), and the same rules for
//! which comments attach to which declaration.
//!
//! Recursion is bounded: nested messages (and groups) by [`ParseOptions::max_depth`], and
//! text-format aggregates in option values by the same limit. Skipping a bad block is iterative.

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::lex::{self, Comments, Lexed, Token, TokenKind};
use crate::span::Span;

/// Limits for [`parse_with`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ParseOptions {
    /// The deepest nesting of messages, groups, and text-format aggregates. protoc allows 32
    /// levels of nested messages; so do we by default.
    pub max_depth: u32,
    /// The largest source accepted, in bytes (default 64 MiB).
    pub max_source_len: usize,
    /// Whether comments are kept and attached to the tree ([`DocComments`]); they are
    /// needed only for `SourceCodeInfo` (default: yes).
    pub comments: bool,
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            max_depth: 32,
            max_source_len: 64 << 20,
            comments: true,
        }
    }
}

/// The result of parsing one file: the tree (as much as could be parsed) and every error.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The syntax tree. When there are errors it holds the statements that parsed.
    pub file: File,
    /// Lexical and syntax errors, in source order of discovery.
    pub errors: Vec<Diagnostic>,
}

/// Parses `src` with default limits.
pub fn parse(src: &str) -> Parsed {
    parse_with(src, &ParseOptions::default())
}

/// Parses `src`.
pub fn parse_with(src: &str, options: &ParseOptions) -> Parsed {
    if src.len() > options.max_source_len {
        return Parsed {
            file: File::default(),
            errors: vec![Diagnostic::error(
                Span::new(0, 0),
                format!(
                    "File is larger than the limit of {} bytes.",
                    options.max_source_len
                ),
            )],
        };
    }
    let lexed = lex::lex_with(src, options.comments);
    let mut p = Parser {
        src,
        tokens: &lexed.tokens,
        comments: &lexed.comments,
        pos: 0,
        errors: Vec::new(),
        upcoming_doc: String::new(),
        upcoming_detached: Vec::new(),
        depth: 0,
        max_depth: options.max_depth,
        syntax: Syntax::Proto2,
    };
    let file = p.file();
    let Lexed {
        errors: lex_errors, ..
    } = lexed;
    let mut errors = lex_errors;
    errors.extend(p.errors);
    errors.sort_by_key(|e| e.span().start);
    Parsed { file, errors }
}

/// An error has been recorded; the caller recovers.
struct Failed;

type PResult<T> = Result<T, Failed>;

struct Parser<'a> {
    src: &'a str,
    tokens: &'a [Token],
    comments: &'a [Comments],
    pos: usize,
    errors: Vec<Diagnostic>,
    upcoming_doc: String,
    upcoming_detached: Vec<String>,
    depth: u32,
    max_depth: u32,
    syntax: Syntax,
}

impl<'a> Parser<'a> {
    // ----- token access -----

    fn tok(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn text(&self) -> &'a str {
        self.src.get(self.tok().span.range()).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.tok().kind == TokenKind::Eof
    }

    fn at(&self, sym: char) -> bool {
        self.tok().kind == TokenKind::Symbol(sym)
    }

    fn at_kw(&self, kw: &str) -> bool {
        self.tok().kind == TokenKind::Ident && self.text() == kw
    }

    fn peek_is(&self, n: usize, sym: char) -> bool {
        self.tokens
            .get(self.pos + n)
            .is_some_and(|t| t.kind == TokenKind::Symbol(sym))
    }

    fn bump(&mut self) -> Token {
        let t = self.tok();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.tokens[self.pos - 1].span.end
        }
    }

    fn span_from(&self, start: u32) -> Span {
        Span::new(start, self.prev_end().max(start))
    }

    // ----- errors -----

    #[cold]
    fn error(&mut self, message: impl Into<String>) -> Failed {
        let span = self.tok().span;
        self.errors.push(Diagnostic::error(span, message));
        Failed
    }

    #[cold]
    fn error_at(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    #[cold]
    fn error_help(&mut self, message: impl Into<String>, help: impl Into<String>) -> Failed {
        let span = self.tok().span;
        self.errors
            .push(Diagnostic::error(span, message).with_help(help));
        Failed
    }

    fn expect(&mut self, sym: char) -> PResult<Span> {
        if self.at(sym) {
            Ok(self.bump().span)
        } else {
            Err(self.error(format!("Expected \"{sym}\".")))
        }
    }

    fn expect_msg(&mut self, sym: char, message: &str) -> PResult<Span> {
        if self.at(sym) {
            Ok(self.bump().span)
        } else {
            Err(self.error(message))
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<Span> {
        if self.at_kw(kw) {
            Ok(self.bump().span)
        } else {
            Err(self.error(format!("Expected \"{kw}\".")))
        }
    }

    fn ident(&mut self, message: &str) -> PResult<Ident> {
        if self.tok().kind == TokenKind::Ident {
            let name = self.text().to_string();
            let span = self.bump().span;
            Ok(Ident { name, span })
        } else {
            Err(self.error(message))
        }
    }

    /// One or more adjacent string literals, joined (C-style concatenation).
    fn string(&mut self, message: &str) -> PResult<(Vec<u8>, Span)> {
        if self.tok().kind != TokenKind::Str {
            return Err(self.error(message));
        }
        let start = self.tok().span.start;
        let mut value = Vec::new();
        while self.tok().kind == TokenKind::Str {
            value.extend(lex::unescape(self.text()));
            self.bump();
        }
        Ok((value, self.span_from(start)))
    }

    fn utf8_string(&mut self, message: &str) -> PResult<(String, Span)> {
        let (bytes, span) = self.string(message)?;
        match String::from_utf8(bytes) {
            Ok(s) => Ok((s, span)),
            Err(e) => {
                self.error_at(span, "String is not valid UTF-8.");
                Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), span))
            }
        }
    }

    /// An unsigned integer no larger than `max`.
    fn integer(&mut self, max: u64, message: &str) -> PResult<IntLit> {
        if self.tok().kind != TokenKind::Int {
            return Err(self.error(message));
        }
        let span = self.tok().span;
        let value = match lex::parse_int(self.text()) {
            Some(v) if v <= max => v,
            _ => {
                self.error("Integer out of range.");
                0
            }
        };
        self.bump();
        Ok(IntLit {
            negative: false,
            value,
            span,
        })
    }

    /// An integer with an optional `-`, within `i32`.
    fn signed_integer(&mut self, message: &str) -> PResult<IntLit> {
        let start = self.tok().span.start;
        let negative = self.at('-');
        if negative {
            self.bump();
        }
        let max = i32::MAX as u64 + u64::from(negative);
        let mut lit = self.integer(max, message)?;
        lit.negative = negative && lit.value != 0;
        lit.span = self.span_from(start);
        Ok(lit)
    }

    // ----- comments -----

    /// protoc's `TryConsumeEndOfDeclaration`: consumes `sym` and moves the comment state along.
    /// With `attach`, returns the comments that belong to the declaration just ended.
    fn end_decl(&mut self, sym: char, attach: bool) -> Option<DocComments> {
        if !self.at(sym) {
            return None;
        }
        let idx = self.pos;
        self.bump();
        let c = self.comments.get(idx + 1).cloned().unwrap_or_default();
        let leading = std::mem::replace(&mut self.upcoming_doc, c.leading);
        if attach {
            let detached = std::mem::replace(&mut self.upcoming_detached, c.detached);
            Some(DocComments {
                leading,
                trailing: c.prev_trailing,
                detached,
            })
        } else {
            if sym == '}' {
                self.upcoming_detached = c.detached;
            } else {
                self.upcoming_detached.extend(c.detached);
            }
            Some(DocComments::default())
        }
    }

    fn expect_end_decl(&mut self, sym: char) -> PResult<DocComments> {
        match self.end_decl(sym, true) {
            Some(c) => Ok(c),
            None => Err(self.error(format!("Expected \"{sym}\"."))),
        }
    }

    /// Takes the comment state wholesale from the transition into the current token (after
    /// an unmatched `}` at top level, and at the start of the file).
    fn reset_comments_here(&mut self) {
        let c = self.comments.get(self.pos).cloned().unwrap_or_default();
        self.upcoming_doc = c.leading;
        self.upcoming_detached = c.detached;
    }

    // ----- recovery -----

    /// protoc's `SkipStatement`: skips to just past the next `;`, or past a `{...}` block, or to
    /// (not past) a `}`.
    fn skip_statement(&mut self) {
        loop {
            if self.at_end() {
                return;
            }
            if let TokenKind::Symbol(c) = self.tok().kind {
                if self.end_decl(';', false).is_some() {
                    return;
                } else if c == '{' {
                    self.bump();
                    self.skip_rest_of_block();
                    return;
                } else if c == '}' {
                    return;
                }
            }
            self.bump();
        }
    }

    /// Skips to just past the `}` closing the current block (nested blocks included).
    fn skip_rest_of_block(&mut self) {
        let mut depth: usize = 1;
        loop {
            if self.at_end() {
                return;
            }
            if self.at('}') {
                self.end_decl('}', false);
                depth -= 1;
                if depth == 0 {
                    return;
                }
                continue;
            }
            if self.at('{') {
                depth += 1;
            }
            self.bump();
        }
    }

    // ----- file -----

    fn file(&mut self) -> File {
        self.reset_comments_here();
        let mut file = File::default();
        if self.at_kw("syntax") || self.at_kw("edition") {
            match self.syntax_decl() {
                Ok(s) => {
                    self.syntax = s.syntax.clone();
                    file.syntax = Some(s);
                }
                // protoc does not parse a file whose syntax it does not know.
                Err(Failed) => return file,
            }
        }
        let mut has_package = false;
        while !self.at_end() {
            match self.top_level(&mut has_package) {
                Ok(Some(item)) => file.items.push(item),
                Ok(None) => {}
                Err(Failed) => {
                    self.skip_statement();
                    if self.at('}') {
                        self.error("Unmatched \"}\".");
                        self.bump();
                        self.reset_comments_here();
                    }
                }
            }
        }
        // protoc's root location runs from the first token to the last.
        let last = self.tokens.len().saturating_sub(2);
        file.span = match (self.tokens.first(), self.tokens.get(last)) {
            (Some(first), Some(l)) if first.kind != TokenKind::Eof => {
                Span::new(first.span.start, l.span.end)
            }
            _ => Span::new(0, 0),
        };
        file
    }

    fn syntax_decl(&mut self) -> PResult<SyntaxDecl> {
        let start = self.tok().span.start;
        let is_edition = self.at_kw("edition");
        self.bump();
        self.expect('=')?;
        let (value, value_span) = self.utf8_string("Expected syntax identifier.")?;
        let comments = self.expect_end_decl(';')?;
        let span = self.span_from(start);
        let syntax = if is_edition {
            // protoc: an edition is known if `EDITION_<name>` names one, from 2023 on.
            match value.as_str() {
                "2023" | "2024" => Syntax::Edition(value),
                _ => {
                    self.error_at(value_span, format!("Unknown edition \"{value}\"."));
                    return Err(Failed);
                }
            }
        } else {
            match value.as_str() {
                "proto2" => Syntax::Proto2,
                "proto3" => Syntax::Proto3,
                _ => {
                    self.errors.push(
                        Diagnostic::error(
                            value_span,
                            format!(
                                "Unrecognized syntax identifier \"{value}\".  This parser only recognizes \"proto2\" and \"proto3\"."
                            ),
                        )
                        .with_help("use `syntax = \"proto3\";`, or `edition = \"2023\";`"),
                    );
                    return Err(Failed);
                }
            }
        };
        Ok(SyntaxDecl {
            syntax,
            is_edition,
            value_span,
            span,
            comments,
        })
    }

    fn top_level(&mut self, has_package: &mut bool) -> PResult<Option<FileItem>> {
        if self.end_decl(';', false).is_some() {
            return Ok(None);
        }
        let visibility = self.visibility();
        let item = if self.at_kw("message") {
            FileItem::Message(self.message(visibility)?)
        } else if self.at_kw("enum") {
            FileItem::Enum(self.enum_def(visibility)?)
        } else if self.at_kw("service") {
            FileItem::Service(self.service()?)
        } else if self.at_kw("extend") {
            FileItem::Extend(self.extend()?)
        } else if self.at_kw("import") {
            FileItem::Import(self.import()?)
        } else if self.at_kw("package") {
            if *has_package {
                self.error("Multiple package definitions.");
            }
            *has_package = true;
            FileItem::Package(self.package()?)
        } else if self.at_kw("option") {
            FileItem::Option(self.option_statement()?)
        } else if self.at_kw("syntax") || self.at_kw("edition") {
            return Err(self.error_help(
                "Expected top-level statement (e.g. \"message\").",
                "the syntax or edition statement must be the first statement in the file",
            ));
        } else {
            return Err(self.error("Expected top-level statement (e.g. \"message\")."));
        };
        Ok(Some(item))
    }

    fn import(&mut self) -> PResult<Import> {
        let start = self.bump().span.start;
        let (kind, kind_span) = if self.at_kw("public") {
            (ImportKind::Public, Some(self.bump().span))
        } else if self.at_kw("weak") {
            (ImportKind::Weak, Some(self.bump().span))
        } else if self.at_kw("option") {
            (ImportKind::Option, Some(self.bump().span))
        } else {
            (ImportKind::Plain, None)
        };
        let (path, path_span) = self.utf8_string("Expected a string naming the file to import.")?;
        let comments = self.expect_end_decl(';')?;
        Ok(Import {
            kind,
            kind_span,
            path,
            path_span,
            span: self.span_from(start),
            comments,
        })
    }

    fn package(&mut self) -> PResult<Package> {
        let start = self.bump().span.start;
        let name_start = self.tok().span.start;
        let mut parts = vec![self.ident("Expected identifier.")?];
        while self.at('.') {
            self.bump();
            parts.push(self.ident("Expected identifier.")?);
        }
        let name = TypeName {
            absolute: false,
            parts,
            span: self.span_from(name_start),
        };
        let comments = self.expect_end_decl(';')?;
        Ok(Package {
            name,
            span: self.span_from(start),
            comments,
        })
    }

    // ----- options -----

    fn option_statement(&mut self) -> PResult<OptionDecl> {
        let start = self.tok().span.start;
        self.expect_kw("option")?;
        let mut opt = self.option_assignment()?;
        opt.comments = self.expect_end_decl(';')?;
        opt.span = self.span_from(start);
        Ok(opt)
    }

    /// `name = value`.
    fn option_assignment(&mut self) -> PResult<OptionDecl> {
        let start = self.tok().span.start;
        let name = self.option_name()?;
        self.expect('=')?;
        let value = self.option_value()?;
        Ok(OptionDecl {
            name,
            value,
            span: self.span_from(start),
            comments: DocComments::default(),
        })
    }

    fn option_name(&mut self) -> PResult<OptionName> {
        let start = self.tok().span.start;
        let mut parts = vec![self.option_name_part()?];
        while self.at('.') {
            self.bump();
            parts.push(self.option_name_part()?);
        }
        Ok(OptionName {
            parts,
            span: self.span_from(start),
        })
    }

    fn option_name_part(&mut self) -> PResult<OptionNamePart> {
        let start = self.tok().span.start;
        if self.at('(') {
            self.bump();
            let name_start = self.tok().span.start;
            let mut absolute = false;
            let mut parts = Vec::new();
            if self.tok().kind == TokenKind::Ident {
                parts.push(self.ident("Expected identifier.")?);
            }
            while self.at('.') {
                self.bump();
                if parts.is_empty() {
                    absolute = true;
                }
                parts.push(self.ident("Expected identifier.")?);
            }
            let name = TypeName {
                absolute,
                parts,
                span: self.span_from(name_start),
            };
            self.expect(')')?;
            // protoc accepts `()` here and rejects it when interpreting the option.
            Ok(OptionNamePart {
                name,
                is_extension: true,
                span: self.span_from(start),
            })
        } else {
            let id = self.ident("Expected identifier.")?;
            let span = id.span;
            Ok(OptionNamePart {
                name: TypeName {
                    absolute: false,
                    parts: vec![id],
                    span,
                },
                is_extension: false,
                span,
            })
        }
    }

    fn option_value(&mut self) -> PResult<OptionValue> {
        if self.at('{') {
            return Ok(OptionValue::Aggregate(self.message_literal(0)?));
        }
        Ok(OptionValue::Literal(self.literal(
            "Expected option value.",
            "Identifier after '-' symbol must be inf or nan.",
            false,
        )?))
    }

    /// A scalar constant with an optional `-`: a scalar value: of an option statement, or (`text_format`) inside an aggregate, where
    /// text format also takes `-infinity` and any case (`-Inf`, `-NaN`).
    fn literal(
        &mut self,
        message: &str,
        bad_negative_ident: &str,
        text_format: bool,
    ) -> PResult<Literal> {
        let start = self.tok().span.start;
        let negative = self.at('-');
        if negative {
            self.bump();
        }
        match self.tok().kind {
            TokenKind::Ident => {
                let special = if text_format {
                    let t = self.text().to_ascii_lowercase();
                    t == "inf" || t == "infinity" || t == "nan"
                } else {
                    self.text() == "inf" || self.text() == "nan"
                };
                if negative && !special {
                    return Err(self.error(bad_negative_ident));
                }
                let ident = self.ident(message)?;
                Ok(Literal::Ident {
                    negative,
                    ident,
                    span: self.span_from(start),
                })
            }
            TokenKind::Int => {
                let mut lit = self.integer(u64::MAX, message)?;
                lit.negative = negative;
                lit.span = self.span_from(start);
                Ok(Literal::Int(lit))
            }
            TokenKind::Float => {
                let value = lex::parse_float(self.text());
                self.bump();
                Ok(Literal::Float {
                    negative,
                    value,
                    span: self.span_from(start),
                })
            }
            TokenKind::Str => {
                if negative {
                    return Err(self.error("Invalid '-' symbol before string."));
                }
                let (value, span) = self.string(message)?;
                Ok(Literal::String { value, span })
            }
            TokenKind::Symbol(_) | TokenKind::Eof => {
                if self.at_end() {
                    Err(self.error("Unexpected end of stream while parsing option value."))
                } else {
                    Err(self.error(message))
                }
            }
        }
    }

    /// `[a = 1, (b) = 2]` after a field, enum value, or extension range.
    fn compact_options(&mut self) -> PResult<(Vec<OptionDecl>, Option<Span>)> {
        if !self.at('[') {
            return Ok((Vec::new(), None));
        }
        let start = self.bump().span.start;
        let mut options = vec![self.option_assignment()?];
        while self.at(',') {
            self.bump();
            options.push(self.option_assignment()?);
        }
        self.expect(']')?;
        Ok((options, Some(self.span_from(start))))
    }

    // ----- text format (aggregate option values) -----

    fn message_literal(&mut self, depth: u32) -> PResult<MessageLiteral> {
        let start = self.tok().span.start;
        let close = if self.at('<') { '>' } else { '}' };
        self.bump();
        if self.depth + depth >= self.max_depth {
            return Err(self.error(format!(
                "Message literal nesting is deeper than the limit of {}.",
                self.max_depth
            )));
        }
        let mut fields = Vec::new();
        loop {
            if self.at(close) {
                self.bump();
                break;
            }
            if self.at_end() {
                return Err(self.error(format!(
                    "Reached end of input in aggregate value (missing '{close}')."
                )));
            }
            fields.push(self.field_literal(depth)?);
            if self.at(',') || self.at(';') {
                self.bump();
            }
        }
        Ok(MessageLiteral {
            fields,
            span: self.span_from(start),
        })
    }

    fn field_literal(&mut self, depth: u32) -> PResult<FieldLiteral> {
        let start = self.tok().span.start;
        let name = if self.at('[') {
            self.bump();
            let name_start = self.tok().span.start;
            let mut parts = vec![self.ident("Expected identifier.")?];
            let mut prefix: Option<String> = None;
            loop {
                if self.at('.') {
                    self.bump();
                    parts.push(self.ident("Expected identifier.")?);
                } else if self.at('/') {
                    // `[type.googleapis.com/pkg.Msg]`: all before the last `/` is the prefix.
                    self.bump();
                    let mut p = prefix.take().map(|p| p + "/").unwrap_or_default();
                    p.push_str(
                        &parts
                            .iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join("."),
                    );
                    prefix = Some(p);
                    parts = vec![self.ident("Expected identifier.")?];
                } else {
                    break;
                }
            }
            let type_name = TypeName {
                absolute: false,
                parts,
                span: self.span_from(name_start),
            };
            self.expect(']')?;
            match prefix {
                Some(prefix) => FieldLiteralName::AnyType { prefix, type_name },
                None => FieldLiteralName::Extension(type_name),
            }
        } else {
            FieldLiteralName::Field(self.ident("Expected identifier.")?)
        };
        let name_span = self.span_from(start);
        let colon = self.at(':');
        if colon {
            self.bump();
        }
        let value = if self.at('{') || self.at('<') {
            FieldLiteralValue::Message(self.message_literal(depth + 1)?)
        } else if self.at('[')
            && (colon
                || self.tokens.get(self.pos + 1).is_some_and(|t| {
                    matches!(t.kind, TokenKind::Symbol('{') | TokenKind::Symbol('<'))
                }))
        {
            // Text format: the ':' is optional before a message value, a list of messages
            // (`kids [{ a: 1 }, { a: 2 }]`) included; a list of scalars needs it.
            let list_start = self.bump().span.start;
            let mut items = Vec::new();
            if !self.at(']') {
                loop {
                    if self.at('{') || self.at('<') {
                        items.push(FieldLiteralValue::Message(self.message_literal(depth + 1)?));
                    } else {
                        items.push(FieldLiteralValue::Scalar(self.literal(
                            "Expected value.",
                            "Identifier after '-' symbol must be inf or nan.",
                            true,
                        )?));
                    }
                    if self.at(',') {
                        self.bump();
                    } else {
                        break;
                    }
                }
            }
            self.expect(']')?;
            FieldLiteralValue::List(items, self.span_from(list_start))
        } else if colon {
            FieldLiteralValue::Scalar(self.literal(
                "Expected value.",
                "Identifier after '-' symbol must be inf or nan.",
                true,
            )?)
        } else {
            return Err(self.error("Expected \":\"."));
        };
        Ok(FieldLiteral {
            name,
            name_span,
            value,
            span: self.span_from(start),
        })
    }

    // ----- messages -----

    /// Enters one more level of message nesting. protoc counts the top-level message too and
    /// stops at the 32nd level.
    fn enter(&mut self) -> PResult<()> {
        if self.depth + 1 >= self.max_depth {
            return Err(self.error_help(
                "Reached maximum recursion limit for nested messages.",
                format!(
                    "at most {} levels of nesting are allowed; flatten the nesting, or raise ParseOptions::max_depth",
                    self.max_depth.saturating_sub(1)
                ),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Edition 2024's `export` / `local` before `message` or `enum`.
    fn visibility(&mut self) -> Option<(Visibility, Span)> {
        let v = match self.text() {
            "export" => Visibility::Export,
            "local" => Visibility::Local,
            _ => return None,
        };
        let next_is_decl = self.tokens.get(self.pos + 1).is_some_and(|t| {
            t.kind == TokenKind::Ident
                && matches!(self.src.get(t.span.range()), Some("message" | "enum"))
        });
        if self.tok().kind != TokenKind::Ident || !next_is_decl {
            return None;
        }
        Some((v, self.bump().span))
    }

    fn message(&mut self, visibility: Option<(Visibility, Span)>) -> PResult<Message> {
        self.enter()?;
        let start = self.bump().span.start;
        let body = self
            .ident("Expected message name.")
            .and_then(|name| Ok((name, self.message_block()?)));
        self.depth -= 1;
        let (name, (items, comments)) = body?;
        Ok(Message {
            name,
            items,
            visibility,
            span: self.span_from(start),
            comments,
        })
    }

    /// `{ statements }`, recovering inside; fails only when the block never closes.
    fn message_block(&mut self) -> PResult<(Vec<MessageItem>, DocComments)> {
        let comments = self.expect_end_decl('{')?;
        let mut items = Vec::new();
        while self.end_decl('}', false).is_none() {
            if self.at_end() {
                return Err(self.error("Reached end of input in message definition (missing '}')."));
            }
            match self.message_statement() {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                Err(Failed) => self.skip_statement(),
            }
        }
        Ok((items, comments))
    }

    fn message_statement(&mut self) -> PResult<Option<MessageItem>> {
        if self.end_decl(';', false).is_some() {
            return Ok(None);
        }
        let visibility = self.visibility();
        Ok(Some(if self.at_kw("message") {
            MessageItem::Message(self.message(visibility)?)
        } else if self.at_kw("enum") {
            MessageItem::Enum(self.enum_def(visibility)?)
        } else if self.at_kw("extensions") {
            MessageItem::Extensions(self.extensions()?)
        } else if self.at_kw("reserved") {
            MessageItem::Reserved(self.reserved(false)?)
        } else if self.at_kw("extend") {
            MessageItem::Extend(self.extend()?)
        } else if self.at_kw("option") {
            MessageItem::Option(self.option_statement()?)
        } else if self.at_kw("oneof") {
            MessageItem::Oneof(self.oneof()?)
        } else {
            MessageItem::Field(self.field(FieldContext::Message)?)
        }))
    }

    fn label(&mut self) -> Option<(Label, Span)> {
        let label = match self.text() {
            "optional" => Label::Optional,
            "required" => Label::Required,
            "repeated" => Label::Repeated,
            _ => return None,
        };
        if self.tok().kind != TokenKind::Ident {
            return None;
        }
        Some((label, self.bump().span))
    }

    fn field(&mut self, ctx: FieldContext) -> PResult<Field> {
        let start = self.tok().span.start;
        let label = if ctx == FieldContext::Oneof {
            if self.label().is_some() {
                self.error_at(
                    self.tokens[self.pos - 1].span,
                    "Fields in oneofs must not have labels (required / optional / repeated).",
                );
            }
            None
        } else {
            self.label()
        };
        let ty = if self.at_kw("map") && self.peek_is(1, '<') {
            let map_start = self.bump().span.start;
            if ctx == FieldContext::Oneof {
                return Err(self.error("Map fields are not allowed in oneofs."));
            }
            if label.is_some() {
                return Err(self.error(
                    "Field labels (required/optional/repeated) are not allowed on map fields.",
                ));
            }
            if ctx == FieldContext::Extend {
                return Err(self.error("Map fields are not allowed to be extensions."));
            }
            self.expect('<')?;
            let key = self.field_type()?;
            self.expect(',')?;
            let value = self.field_type()?;
            self.expect('>')?;
            FieldType::Map {
                key: Box::new(key),
                value: Box::new(value),
                span: self.span_from(map_start),
            }
        } else {
            if label.is_none() && ctx != FieldContext::Oneof && self.syntax == Syntax::Proto2 {
                self.errors.push(
                    Diagnostic::error(
                        self.tok().span,
                        "Expected \"required\", \"optional\", or \"repeated\".",
                    )
                    .with_help("proto2 fields need a label; add `optional`"),
                );
            }
            if self.at_kw("group") {
                if matches!(self.syntax, Syntax::Edition(_)) {
                    self.error_at(
                        self.tok().span,
                        "Group syntax is no longer supported in editions. To get group behavior you can specify features.message_encoding = DELIMITED on a message field.",
                    );
                }
                FieldType::Group(self.bump().span)
            } else {
                self.field_type()?
            }
        };
        let name = self.ident("Expected field name.")?;
        self.expect_msg('=', "Missing field number.")?;
        let number = self.integer(i32::MAX as u64, "Expected field number.")?;
        let (options, options_span) = self.compact_options()?;
        if let FieldType::Group(_) = ty {
            if !name.name.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.error_at(name.span, "Group names must start with a capital letter.");
            }
            if !self.at('{') {
                return Err(self.error("Missing group body."));
            }
            self.enter()?;
            let body = self.message_block();
            self.depth -= 1;
            let (items, comments) = body?;
            return Ok(Field {
                label,
                ty,
                name,
                number: Some(number),
                options,
                options_span,
                group_body: Some(items),
                span: self.span_from(start),
                comments,
            });
        }
        let comments = self.expect_end_decl(';')?;
        Ok(Field {
            label,
            ty,
            name,
            number: Some(number),
            options,
            options_span,
            group_body: None,
            span: self.span_from(start),
            comments,
        })
    }

    /// A scalar keyword or a (possibly qualified) type name.
    fn field_type(&mut self) -> PResult<FieldType> {
        if self.tok().kind == TokenKind::Ident
            && let Some(s) = ScalarType::from_keyword(self.text())
        {
            return Ok(FieldType::Scalar(s, self.bump().span));
        }
        Ok(FieldType::Named(self.type_name("Expected type name.")?))
    }

    /// `[.]a.b.C`
    fn type_name(&mut self, message: &str) -> PResult<TypeName> {
        let start = self.tok().span.start;
        let absolute = self.at('.');
        if absolute {
            self.bump();
        }
        let mut parts = vec![self.ident(message)?];
        while self.at('.') {
            self.bump();
            parts.push(self.ident("Expected identifier.")?);
        }
        Ok(TypeName {
            absolute,
            parts,
            span: self.span_from(start),
        })
    }

    /// A message type: protoc rejects scalar keywords here.
    fn message_type(&mut self) -> PResult<TypeName> {
        if self.tok().kind == TokenKind::Ident
            && (ScalarType::from_keyword(self.text()).is_some() || self.text() == "group")
        {
            let id = Ident {
                name: self.text().to_string(),
                span: self.tok().span,
            };
            self.error("Expected message type.");
            self.bump();
            let span = id.span;
            return Ok(TypeName {
                absolute: false,
                parts: vec![id],
                span,
            });
        }
        self.type_name("Expected type name.")
    }

    fn oneof(&mut self) -> PResult<Oneof> {
        let start = self.bump().span.start;
        let name = self.ident("Expected oneof name.")?;
        let comments = self.expect_end_decl('{')?;
        let mut items = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.error("Reached end of input in oneof definition (missing '}')."));
            }
            if self.at_kw("option") {
                items.push(OneofItem::Option(self.option_statement()?));
            } else {
                match self.field(FieldContext::Oneof) {
                    Ok(f) => items.push(OneofItem::Field(f)),
                    Err(Failed) => self.skip_statement(),
                }
            }
            if self.end_decl('}', false).is_some() {
                break;
            }
        }
        Ok(Oneof {
            name,
            items,
            span: self.span_from(start),
            comments,
        })
    }

    /// `N`, `N to M`, `N to max`.
    fn range(&mut self, signed: bool, first_message: &str) -> PResult<Range> {
        let start_pos = self.tok().span.start;
        let start = if signed {
            self.signed_integer(first_message)?
        } else {
            self.integer(i32::MAX as u64, first_message)?
        };
        let end = if self.at_kw("to") {
            self.bump();
            if self.at_kw("max") {
                RangeEnd::Max(self.bump().span)
            } else if signed {
                RangeEnd::Int(self.signed_integer("Expected integer.")?)
            } else {
                RangeEnd::Int(self.integer(i32::MAX as u64, "Expected integer.")?)
            }
        } else {
            RangeEnd::Single
        };
        Ok(Range {
            start,
            end,
            span: self.span_from(start_pos),
        })
    }

    fn extensions(&mut self) -> PResult<Extensions> {
        let start = self.bump().span.start;
        let mut ranges = vec![self.range(false, "Expected field number range.")?];
        while self.at(',') {
            self.bump();
            ranges.push(self.range(false, "Expected field number range.")?);
        }
        let (options, options_span) = self.compact_options()?;
        let comments = self.expect_end_decl(';')?;
        Ok(Extensions {
            ranges,
            options,
            options_span,
            span: self.span_from(start),
            comments,
        })
    }

    fn reserved(&mut self, in_enum: bool) -> PResult<Reserved> {
        let start = self.bump().span.start;
        let editions = matches!(self.syntax, Syntax::Edition(_));
        let kind = if self.tok().kind == TokenKind::Str {
            if editions {
                return Err(self.error_help(
                    "Reserved names must be identifiers in editions, not string literals.",
                    "remove the quotes",
                ));
            }
            let mut names = Vec::new();
            loop {
                let (name, span) = self.utf8_string(if in_enum {
                    "Expected enum value."
                } else {
                    "Expected field name."
                })?;
                names.push(ReservedName {
                    name,
                    is_ident: false,
                    span,
                });
                if !self.at(',') {
                    break;
                }
                self.bump();
            }
            ReservedKind::Names(names)
        } else if self.tok().kind == TokenKind::Ident {
            if !editions {
                return Err(self.error_help(
                    "Reserved names must be string literals. (Only editions supports identifiers.)",
                    "quote the name",
                ));
            }
            let mut names = Vec::new();
            loop {
                let id = self.ident(if in_enum {
                    "Expected enum value."
                } else {
                    "Expected field name."
                })?;
                names.push(ReservedName {
                    name: id.name,
                    is_ident: true,
                    span: id.span,
                });
                if !self.at(',') {
                    break;
                }
                self.bump();
            }
            ReservedKind::Names(names)
        } else {
            let (first, rest) = if in_enum {
                (
                    "Expected enum value or number range.",
                    "Expected enum number range.",
                )
            } else {
                (
                    "Expected field name or number range.",
                    "Expected field number range.",
                )
            };
            let mut ranges = vec![self.range(in_enum, first)?];
            while self.at(',') {
                self.bump();
                ranges.push(self.range(in_enum, rest)?);
            }
            ReservedKind::Ranges(ranges)
        };
        let comments = self.expect_end_decl(';')?;
        Ok(Reserved {
            kind,
            span: self.span_from(start),
            comments,
        })
    }

    fn extend(&mut self) -> PResult<Extend> {
        let start = self.bump().span.start;
        let extendee = self.message_type()?;
        let comments = self.expect_end_decl('{')?;
        let mut fields = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.error("Reached end of input in extend definition (missing '}')."));
            }
            if self.end_decl(';', false).is_none() {
                match self.field(FieldContext::Extend) {
                    Ok(f) => fields.push(f),
                    Err(Failed) => self.skip_statement(),
                }
            }
            if self.end_decl('}', false).is_some() {
                break;
            }
        }
        Ok(Extend {
            extendee,
            fields,
            span: self.span_from(start),
            comments,
        })
    }

    // ----- enums -----

    fn enum_def(&mut self, visibility: Option<(Visibility, Span)>) -> PResult<Enum> {
        let start = self.bump().span.start;
        let name = self.ident("Expected enum name.")?;
        let comments = self.expect_end_decl('{')?;
        let mut items = Vec::new();
        while self.end_decl('}', false).is_none() {
            if self.at_end() {
                return Err(self.error("Reached end of input in enum definition (missing '}')."));
            }
            match self.enum_statement() {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                Err(Failed) => self.skip_statement(),
            }
        }
        Ok(Enum {
            name,
            items,
            visibility,
            span: self.span_from(start),
            comments,
        })
    }

    fn enum_statement(&mut self) -> PResult<Option<EnumItem>> {
        if self.end_decl(';', false).is_some() {
            return Ok(None);
        }
        if self.at_kw("option") {
            return Ok(Some(EnumItem::Option(self.option_statement()?)));
        }
        if self.at_kw("reserved") {
            return Ok(Some(EnumItem::Reserved(self.reserved(true)?)));
        }
        let start = self.tok().span.start;
        let name = self.ident("Expected enum constant name.")?;
        self.expect_msg('=', "Missing numeric value for enum constant.")?;
        let number = self.signed_integer("Expected integer.")?;
        let (options, options_span) = self.compact_options()?;
        let comments = self.expect_end_decl(';')?;
        Ok(Some(EnumItem::Value(EnumValue {
            name,
            number: Some(number),
            options,
            options_span,
            span: self.span_from(start),
            comments,
        })))
    }

    // ----- services -----

    fn service(&mut self) -> PResult<Service> {
        let start = self.bump().span.start;
        let name = self.ident("Expected service name.")?;
        let comments = self.expect_end_decl('{')?;
        let mut items = Vec::new();
        while self.end_decl('}', false).is_none() {
            if self.at_end() {
                return Err(self.error("Reached end of input in service definition (missing '}')."));
            }
            if self.end_decl(';', false).is_some() {
                continue;
            }
            let item = if self.at_kw("option") {
                self.option_statement().map(ServiceItem::Option)
            } else {
                self.method().map(ServiceItem::Method)
            };
            match item {
                Ok(item) => items.push(item),
                Err(Failed) => self.skip_statement(),
            }
        }
        Ok(Service {
            name,
            items,
            span: self.span_from(start),
            comments,
        })
    }

    fn method(&mut self) -> PResult<Method> {
        let start = self.tok().span.start;
        self.expect_kw("rpc")?;
        let name = self.ident("Expected method name.")?;
        self.expect('(')?;
        let client_streaming = if self.at_kw("stream") {
            Some(self.bump().span)
        } else {
            None
        };
        let input = self.message_type()?;
        self.expect(')')?;
        self.expect_kw("returns")?;
        self.expect('(')?;
        let server_streaming = if self.at_kw("stream") {
            Some(self.bump().span)
        } else {
            None
        };
        let output = self.message_type()?;
        self.expect(')')?;
        let mut options = Vec::new();
        let comments;
        let has_body = self.at('{');
        if has_body {
            comments = self.expect_end_decl('{')?;
            while self.end_decl('}', false).is_none() {
                if self.at_end() {
                    return Err(self.error("Reached end of input in method options (missing '}')."));
                }
                if self.end_decl(';', false).is_some() {
                    continue;
                }
                match self.option_statement() {
                    Ok(o) => options.push(o),
                    Err(Failed) => self.skip_statement(),
                }
            }
        } else {
            comments = self.expect_end_decl(';')?;
        }
        Ok(Method {
            name,
            input,
            client_streaming,
            output,
            server_streaming,
            options,
            has_body,
            span: self.span_from(start),
            comments,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldContext {
    Message,
    Oneof,
    Extend,
}
