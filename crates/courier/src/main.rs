//! The `courier` command-line tool.
//!
//! ```text
//! courier demo      show the stack at work (today: the protobuf wire codec)
//! ```

mod demo;

use std::process::ExitCode;

const USAGE: &str = "\
usage: courier <command>

commands:
  demo    show Courier at work: what a message looks like on the wire, and what the codec
          guarantees (round trip, unknown fields kept, zero-copy bytes, located errors)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo::run(),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprint!("courier: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
