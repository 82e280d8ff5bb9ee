//! Errors of dynamic messages: [`DecodeError`] (binary input) and [`SetFieldError`].

use std::fmt;

use courier_wire::DecodeErrorKind;

use super::Value;

/// Binary input a [`DynamicMessage`](super::DynamicMessage) could not decode: what went wrong
/// (courier-wire's [`DecodeErrorKind`]) and where (`pkg.Msg.field.sub: invalid UTF-8`), as
/// courier-wire reports errors for generated messages.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    message: Option<String>,
    /// Field names, innermost first.
    path: Vec<String>,
}

impl DecodeError {
    #[cold]
    pub(crate) fn new(kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            inner: Box::new(Inner {
                kind,
                message: None,
                path: Vec::new(),
            }),
        }
    }

    #[cold]
    pub(crate) fn from_wire(e: courier_wire::DecodeError) -> DecodeError {
        DecodeError::new(e.kind())
    }

    /// Records that the error happened in field `field` of message `message` (unwinding,
    /// innermost first).
    #[cold]
    pub(crate) fn in_field(mut self, message: &str, field: &str) -> DecodeError {
        self.inner.path.push(field.to_owned());
        self.inner.message = Some(message.to_owned());
        self
    }

    /// Records the message the error happened in, outside any field.
    #[cold]
    pub(crate) fn in_message(mut self, message: &str) -> DecodeError {
        self.inner.message = Some(message.to_owned());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> DecodeErrorKind {
        self.inner.kind
    }

    /// The full name of the outermost message.
    pub fn message_name(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The dotted field path from the outermost message to the failing field.
    pub fn field_path(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.inner.path.iter().rev().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(seg);
        }
        s
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = &self.inner.message {
            f.write_str(m)?;
            if !self.inner.path.is_empty() {
                write!(f, ".{}", self.field_path())?;
            }
            f.write_str(": ")?;
        }
        fmt::Display::fmt(&self.inner.kind, f)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("field_path", &self.field_path())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// A value that could not be stored in a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetFieldError {
    message: String,
}

impl SetFieldError {
    pub(crate) fn wrong_type(field: &str, value: &Value) -> SetFieldError {
        let what = match value {
            Value::Bool(_) => "a bool",
            Value::I32(_) => "an i32",
            Value::I64(_) => "an i64",
            Value::U32(_) => "a u32",
            Value::U64(_) => "a u64",
            Value::F32(_) => "an f32",
            Value::F64(_) => "an f64",
            Value::String(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::EnumNumber(_) => "an enum number",
            Value::Message(_) => "a message of another type",
            Value::List(_) => "a list (or one with elements of the wrong type)",
            Value::Map(_) => "a map (or one with entries of the wrong types)",
        };
        SetFieldError {
            message: format!("{field} cannot hold {what}"),
        }
    }

    pub(crate) fn not_a_field(field: &str, message: &str) -> SetFieldError {
        SetFieldError {
            message: format!("{field} is not a field of {message}"),
        }
    }

    pub(crate) fn no_such_field(field: &str, message: &str) -> SetFieldError {
        SetFieldError {
            message: format!("{message} has no field {field}"),
        }
    }
}

impl fmt::Display for SetFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SetFieldError {}
