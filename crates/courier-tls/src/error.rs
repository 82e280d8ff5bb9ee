//! [`Error`]: why TLS material could not be loaded or a configuration built.
//!
//! Handshake failures are `std::io::Error`s (what a transport returns); their message carries
//! the TLS reason (see `docs/tls.md`, "Errors").

use std::fmt;
use std::path::Path;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
    /// PEM text did not parse.
    Pem,
    /// PEM text held no certificate where one was needed.
    NoCertificate,
    /// PEM text held no private key where one was needed.
    NoPrivateKey,
    /// A certificate did not parse as X.509.
    Certificate,
    /// rustls refused the configuration (a key that does not match its certificate, an
    /// unusable trust root, ...).
    Config,
    /// A dev certificate could not be generated.
    Generate,
}

/// Why TLS material could not be loaded or a configuration built.
///
/// ```
/// use courier_tls::{ErrorKind, Identity};
///
/// let err = Identity::from_pem(b"not pem", b"").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NoCertificate);
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    #[cold]
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    #[cold]
    pub(crate) fn io(path: &Path, e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{}: {e}", path.display()))
    }

    #[cold]
    pub(crate) fn config(what: &str, e: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Config, format!("{what}: {e}"))
    }

    /// The same error with `context` (a file name, say) in front.
    #[cold]
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
    }
}
