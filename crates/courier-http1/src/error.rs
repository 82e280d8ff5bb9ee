//! Errors: what went wrong with received bytes ([`Error`], [`ErrorKind`]) and with an
//! application's command ([`CommandError`]), and the one place that maps an error to the status
//! code a server answers with (DESIGN.md decision 3).

/// What is wrong with a received message.
///
/// Each kind maps to the status code a server answers with ([`ErrorKind::status`]); a client
/// reports the same kinds for a bad response and closes the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request-line is not `method SP request-target SP HTTP-version`.
    InvalidRequestLine,
    /// The status-line is not `HTTP-version SP status-code SP [ reason-phrase ]`.
    InvalidStatusLine,
    /// The method is not a token.
    InvalidMethod,
    /// The request-target has a character or form that is not allowed.
    InvalidTarget,
    /// The HTTP-version is not `HTTP/DIGIT.DIGIT`.
    InvalidVersion,
    /// The major version is not 1 (a server answers 505).
    UnsupportedVersion,
    /// A line ends with a bare LF (not CRLF).
    BareLf,
    /// A bare CR (not followed by LF) inside the head or a chunk line.
    BareCr,
    /// Whitespace between the start-line and the first header field.
    WhitespaceAfterStartLine,
    /// A field line whose name is not a token, or that has no colon.
    InvalidFieldName,
    /// Whitespace between a field name and its colon.
    WhitespaceBeforeColon,
    /// A field value with CR, LF, NUL or another control character.
    InvalidFieldValue,
    /// Obsolete line folding in a request.
    ObsFold,
    /// The request-line is longer than [`Config::max_request_line`](crate::Config) (414).
    RequestLineTooLong,
    /// The header (or trailer) section is larger than allowed (431).
    HeaderSectionTooLarge,
    /// More header (or trailer) fields than allowed (431).
    TooManyFields,
    /// The content is larger than [`Config::max_body_size`](crate::Config) (413).
    BodyTooLarge,
    /// An HTTP/1.1 request without Host.
    MissingHost,
    /// More than one Host field line.
    DuplicateHost,
    /// A Host value that is not `uri-host [ ":" port ]`.
    InvalidHost,
    /// A Content-Length that is not a decimal number, or several that differ.
    InvalidContentLength,
    /// Both Transfer-Encoding and Content-Length.
    ContentLengthWithTransferEncoding,
    /// Transfer-Encoding in an HTTP/1.0 message.
    TransferEncodingInHttp10,
    /// A request's Transfer-Encoding does not end with chunked.
    ChunkedNotFinal,
    /// chunked applied more than once, or with parameters.
    InvalidTransferEncoding,
    /// A transfer coding other than chunked (a server answers 501).
    UnsupportedTransferCoding,
    /// A chunk-size that is not hexadecimal, or larger than 64 bits.
    InvalidChunkSize,
    /// A chunk extension with characters that are not allowed.
    InvalidChunkExtension,
    /// A chunk-size line (with its extensions) longer than allowed.
    ChunkLineTooLong,
    /// Chunk data not followed by CRLF.
    InvalidChunkEnd,
    /// The connection ended before the message was complete.
    IncompleteMessage,
    /// A response arrived with no request outstanding, or a 101 that was not asked for.
    UnexpectedResponse,
    /// Nothing arrived in time (a server answers 408 if a request had begun).
    Timeout,
}

impl ErrorKind {
    /// The status code a server answers a request with this error with, if it answers at all
    /// (a timeout before any octet of a request, or a client's view of a bad response, has
    /// none).
    pub fn status(self) -> u16 {
        use ErrorKind::*;
        match self {
            // RFC 9112 §3: "A server that receives a request-target longer than any URI it
            // wishes to parse MUST respond with a 414 (URI Too Long) status code".
            // <https://www.rfc-editor.org/rfc/rfc9112#section-3>
            RequestLineTooLong => 414,
            // RFC 6585 §5: "The 431 status code indicates that the server is unwilling to process
            // the request because its header fields are too large."
            HeaderSectionTooLarge | TooManyFields => 431,
            BodyTooLarge => 413,
            // RFC 9112 §6.1: "A server that receives a request message with a transfer coding it
            // does not understand SHOULD respond with 501 (Not Implemented)."
            UnsupportedTransferCoding => 501,
            // RFC 9110 §15.6.6: 505 "indicates that the server does not support, or refuses to
            // support, the major version of HTTP that was used in the request message."
            UnsupportedVersion => 505,
            Timeout => 408,
            _ => 400,
        }
    }

    fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidRequestLine => "invalid request-line",
            InvalidStatusLine => "invalid status-line",
            InvalidMethod => "invalid method",
            InvalidTarget => "invalid request-target",
            InvalidVersion => "invalid HTTP-version",
            UnsupportedVersion => "HTTP major version not supported",
            BareLf => "line ends with a bare LF",
            BareCr => "bare CR",
            WhitespaceAfterStartLine => "whitespace between the start-line and the first field",
            InvalidFieldName => "invalid field name",
            WhitespaceBeforeColon => "whitespace between a field name and colon",
            InvalidFieldValue => "invalid character in a field value",
            ObsFold => "obsolete line folding",
            RequestLineTooLong => "request-line too long",
            HeaderSectionTooLarge => "header section too large",
            TooManyFields => "too many fields",
            BodyTooLarge => "content too large",
            MissingHost => "HTTP/1.1 request without Host",
            DuplicateHost => "more than one Host field line",
            InvalidHost => "invalid Host",
            InvalidContentLength => "invalid Content-Length",
            ContentLengthWithTransferEncoding => "both Transfer-Encoding and Content-Length",
            TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 message",
            ChunkedNotFinal => "Transfer-Encoding does not end with chunked",
            InvalidTransferEncoding => "invalid Transfer-Encoding",
            UnsupportedTransferCoding => "unsupported transfer coding",
            InvalidChunkSize => "invalid chunk-size",
            InvalidChunkExtension => "invalid chunk extension",
            ChunkLineTooLong => "chunk-size line too long",
            InvalidChunkEnd => "chunk data not followed by CRLF",
            IncompleteMessage => "connection closed before the message was complete",
            UnexpectedResponse => "unexpected response",
            Timeout => "timed out",
        }
    }
}

/// A received message that cannot be accepted: its [`ErrorKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    #[cold]
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The status code a server answers with (see [`ErrorKind::status`]).
    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HTTP/1.1: {}", self.kind.describe())
    }
}

impl std::error::Error for Error {}

/// Why an application command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandErrorKind {
    /// The connection is closed or closing.
    Closed,
    /// Not now: no request waits for a response, a response was already started, the previous
    /// request is still being sent, content after the end of the message, ...
    InvalidState,
    /// A header field this endpoint must not send: a name that is not a token, a value with
    /// CR, LF or NUL (response splitting), or a framing field the connection sets itself.
    InvalidHeader,
    /// A status code out of range, or a 1xx where a final response is needed (or the reverse).
    InvalidStatus,
    /// The request-target or method is not valid.
    InvalidRequestLine,
    /// More (or less) content than the Content-Length announced.
    LengthMismatch,
    /// Content for a message that cannot have any (HEAD, 1xx, 204, 304).
    NoContentAllowed,
}

/// A refused application command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandError {
    kind: CommandErrorKind,
    detail: &'static str,
}

impl CommandError {
    #[cold]
    pub(crate) fn new(kind: CommandErrorKind, detail: &'static str) -> Self {
        CommandError { kind, detail }
    }

    /// What went wrong.
    pub fn kind(&self) -> CommandErrorKind {
        self.kind
    }
}

impl core::fmt::Display for CommandError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HTTP/1.1 command refused: {:?}", self.kind)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for CommandError {}
