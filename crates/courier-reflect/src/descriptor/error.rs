//! [`DescriptorError`]: why a file could not be added to a pool.

use std::fmt;

/// A descriptor that could not be linked: which file, which element, and what is wrong
/// (`a.proto: pkg.Msg.field: unknown type ".pkg.Missing"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptorError {
    file: String,
    message: String,
}

impl DescriptorError {
    pub(crate) fn new(file: &str, message: impl Into<String>) -> DescriptorError {
        DescriptorError {
            file: file.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn decode(e: courier_wire::DecodeError) -> DescriptorError {
        DescriptorError {
            file: String::new(),
            message: format!("not a valid descriptor: {e}"),
        }
    }

    /// The name of the file at fault (empty when the input could not be decoded at all).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What is wrong, naming the element.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for DescriptorError {}
