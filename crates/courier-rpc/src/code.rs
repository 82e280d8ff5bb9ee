//! [`Code`]: gRPC status codes as an open newtype, generated from one table.

use std::fmt;

/// A gRPC status code. Unknown values are kept as they are (the type is open).
///
/// ```
/// use courier_rpc::Code;
/// assert_eq!(Code::NOT_FOUND.0, 5);
/// assert_eq!(Code::NOT_FOUND.name(), Some("NOT_FOUND"));
/// assert_eq!(Code(99).name(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Code(pub i32);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $desc:literal;)*) => {
        impl Code {
            $($(#[$doc])* pub const $name: Code = Code($value);)*

            /// Every code the table defines, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// The code's name (`NOT_FOUND`), if the table defines it.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// The status code document's one-line description, if the table defines the code.
            pub fn description(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($desc),)*
                    _ => None,
                }
            }
        }
    };
}

// grpc/doc/statuscodes.md, "Status codes and their use in gRPC".
// <https://github.com/grpc/grpc/blob/master/doc/statuscodes.md>
codes! {
    /// Not an error; returned on success.
    OK = 0, "Not an error; returned on success.";
    /// The operation was cancelled, typically by the caller.
    CANCELLED = 1, "The operation was cancelled, typically by the caller.";
    /// Unknown error.
    UNKNOWN = 2, "Unknown error.";
    /// The client specified an invalid argument.
    INVALID_ARGUMENT = 3, "The client specified an invalid argument.";
    /// The deadline expired before the operation could complete.
    DEADLINE_EXCEEDED = 4, "The deadline expired before the operation could complete.";
    /// Some requested entity was not found.
    NOT_FOUND = 5, "Some requested entity was not found.";
    /// The entity that a client attempted to create already exists.
    ALREADY_EXISTS = 6, "The entity that a client attempted to create already exists.";
    /// The caller does not have permission to execute the specified operation.
    PERMISSION_DENIED = 7, "The caller does not have permission to execute the specified operation.";
    /// Some resource has been exhausted.
    RESOURCE_EXHAUSTED = 8, "Some resource has been exhausted.";
    /// The system is not in a state required for the operation's execution.
    FAILED_PRECONDITION = 9, "The system is not in a state required for the operation's execution.";
    /// The operation was aborted.
    ABORTED = 10, "The operation was aborted.";
    /// The operation was attempted past the valid range.
    OUT_OF_RANGE = 11, "The operation was attempted past the valid range.";
    /// The operation is not implemented or is not supported/enabled in this service.
    UNIMPLEMENTED = 12, "The operation is not implemented or is not supported/enabled in this service.";
    /// Internal errors.
    INTERNAL = 13, "Internal errors.";
    /// The service is currently unavailable.
    UNAVAILABLE = 14, "The service is currently unavailable.";
    /// Unrecoverable data loss or corruption.
    DATA_LOSS = 15, "Unrecoverable data loss or corruption.";
    /// The request does not have valid authentication credentials for the operation.
    UNAUTHENTICATED = 16, "The request does not have valid authentication credentials for the operation.";
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Code({})", self.0),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_ordered() {
        assert_eq!(Code::ALL.len(), 17);
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(c.0, i as i32);
            assert!(c.name().is_some() && c.description().is_some());
        }
        assert_eq!(Code::UNAUTHENTICATED.to_string(), "UNAUTHENTICATED");
        assert_eq!(format!("{:?}", Code(17)), "Code(17)");
    }
}
