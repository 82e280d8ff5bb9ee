//! Colour on a terminal only: ANSI styles for stdout and stderr, each on when that stream is a
//! terminal (and `NO_COLOR` is unset and `TERM` is not `dumb`), or as `--color` says.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU8, Ordering};

/// `--color`: when to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour a stream when it is a terminal (and `NO_COLOR` is not set).
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Bit 0: stdout is coloured; bit 1: stderr is.
static ENABLED: AtomicU8 = AtomicU8::new(0);

/// Decides, once at start-up, which streams get colour.
pub(crate) fn init(choice: ColorChoice) {
    let env_allows = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb");
    let (out, err) = match choice {
        ColorChoice::Always => (true, true),
        ColorChoice::Never => (false, false),
        ColorChoice::Auto => (
            env_allows && std::io::stdout().is_terminal(),
            env_allows && std::io::stderr().is_terminal(),
        ),
    };
    ENABLED.store(u8::from(out) | (u8::from(err) << 1), Ordering::Relaxed);
}

/// Which stream a piece of text goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    Out,
    Err,
}

/// Whether `stream` is a terminal that gets colour.
pub(crate) fn enabled(stream: Stream) -> bool {
    let bits = ENABLED.load(Ordering::Relaxed);
    match stream {
        Stream::Out => bits & 1 != 0,
        Stream::Err => bits & 2 != 0,
    }
}

/// An ANSI style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
    Magenta,
    BoldRed,
    BoldGreen,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Cyan => "36",
            Style::Magenta => "35",
            Style::BoldRed => "1;31",
            Style::BoldGreen => "1;32",
        }
    }

    /// `text` in this style for `stream` (plain when the stream gets no colour).
    pub(crate) fn paint(self, stream: Stream, text: &str) -> String {
        if enabled(stream) {
            format!("\x1b[{}m{text}\x1b[0m", self.code())
        } else {
            text.to_owned()
        }
    }

    /// For stdout.
    pub(crate) fn out(self, text: &str) -> String {
        self.paint(Stream::Out, text)
    }

    /// For stderr.
    pub(crate) fn err(self, text: &str) -> String {
        self.paint(Stream::Err, text)
    }
}

/// Whether stderr is a terminal (for progress display), whatever the colour choice.
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
