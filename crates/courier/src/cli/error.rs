//! Errors that say what was wrong and what to do, and the exit codes.
//!
//! Exit codes (documented in `courier --help` and docs/cli.md):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (the call ended with status OK) |
//! | 1 | an error before or outside a call: a file that cannot be read, bad JSON, a `.proto` that does not compile, no reflection, an unknown service or method |
//! | 2 | the command line is wrong (unknown flag, missing argument) |
//! | 64 + N | the call (or the reflection call) ended with gRPC status N: 65 CANCELLED, 66 UNKNOWN, 67 INVALID_ARGUMENT, 68 DEADLINE_EXCEEDED, 69 NOT_FOUND, 70 ALREADY_EXISTS, 71 PERMISSION_DENIED, 72 RESOURCE_EXHAUSTED, 73 FAILED_PRECONDITION, 74 ABORTED, 75 OUT_OF_RANGE, 76 UNIMPLEMENTED, 77 INTERNAL, 78 UNAVAILABLE, 79 DATA_LOSS, 80 UNAUTHENTICATED; a code outside 1–16 exits 66 (as UNKNOWN) |

use std::fmt;

use courier_rpc::{Code, Status};

use super::style::Style;

/// The exit code of a successful run.
pub(crate) const EXIT_OK: u8 = 0;
/// The exit code of an error outside a call.
pub(crate) const EXIT_ERROR: u8 = 1;
/// The exit code of a wrong command line (what clap exits with too).
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit codes of gRPC statuses start here: status N exits `STATUS_BASE + N`.
pub(crate) const STATUS_BASE: u8 = 64;

/// The exit code for a call that ended with `code`.
pub(crate) fn exit_code_of(code: Code) -> u8 {
    match code.0 {
        0 => EXIT_OK,
        // The table in the module docs; casts are in range.
        n @ 1..=16 => STATUS_BASE + n as u8,
        _ => STATUS_BASE + Code::UNKNOWN.0 as u8,
    }
}

/// An error to print and exit with: a message, hints on what to do, and an exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    hints: Vec<String>,
    exit: u8,
}

impl CliError {
    /// An error outside a call (exit code 1).
    pub(crate) fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hints: Vec::new(),
            exit: EXIT_ERROR,
        }
    }

    /// A wrong command line (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> CliError {
        CliError::new(message).exit(EXIT_USAGE)
    }

    /// A call that ended with `status` (exit code 64 + its code); `what` says which call.
    pub(crate) fn status(what: &str, status: &Status) -> CliError {
        let name = status.code().name().unwrap_or("unknown code");
        let mut msg = format!("{what} failed: {name} ({})", status.code().0);
        if !status.message().is_empty() {
            msg.push_str(": ");
            msg.push_str(status.message());
        }
        CliError::new(msg).exit(exit_code_of(status.code()))
    }

    /// Adds a hint: what to do about it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hints.push(hint.into());
        self
    }

    /// Sets the exit code.
    pub(crate) fn exit(mut self, code: u8) -> CliError {
        self.exit = code;
        self
    }

    /// The exit code.
    pub(crate) fn exit_code(&self) -> u8 {
        self.exit
    }

    /// The message.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Prints the error and its hints to stderr.
    pub(crate) fn print(&self) {
        eprintln!("{} {}", Style::BoldRed.err("error:"), self.message);
        for h in &self.hints {
            let mut lines = h.lines();
            if let Some(first) = lines.next() {
                eprintln!("  {} {first}", Style::Cyan.err("hint:"));
            }
            for l in lines {
                eprintln!("        {l}");
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for h in &self.hints {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::new(e.to_string())
    }
}

/// A result whose error is a [`CliError`].
pub(crate) type Result<T = ()> = std::result::Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_table() {
        assert_eq!(exit_code_of(Code::OK), 0);
        assert_eq!(exit_code_of(Code::CANCELLED), 65);
        assert_eq!(exit_code_of(Code::DEADLINE_EXCEEDED), 68);
        assert_eq!(exit_code_of(Code::UNIMPLEMENTED), 76);
        assert_eq!(exit_code_of(Code::UNAVAILABLE), 78);
        assert_eq!(exit_code_of(Code::UNAUTHENTICATED), 80);
        assert_eq!(exit_code_of(Code(99)), 66);
        assert_eq!(exit_code_of(Code(-1)), 66);
        let e = CliError::status("the call", &Status::new(Code::NOT_FOUND, "no feature"));
        assert_eq!(e.exit_code(), 69);
        assert_eq!(e.message(), "the call failed: NOT_FOUND (5): no feature");
    }
}
