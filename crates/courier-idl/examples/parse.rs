//! Parses `.proto` files and prints their errors, one `file:line:col: message` line each
//! (`--render` adds the source snippet and help).
//!
//! `cargo run -p courier-idl --example parse -- [--render] a.proto b.proto`

use courier_idl::{SourceFile, parse};

fn main() {
    let mut render = false;
    let mut failed = false;
    for arg in std::env::args().skip(1) {
        if arg == "--render" {
            render = true;
            continue;
        }
        let text = match std::fs::read_to_string(&arg) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{arg}: {e}");
                failed = true;
                continue;
            }
        };
        let file = SourceFile::new(&arg, text);
        let parsed = parse(file.text());
        for e in &parsed.errors {
            failed = true;
            if render {
                println!("{}", e.render(&file));
            } else {
                println!("{}", e.short(&file));
            }
        }
    }
    std::process::exit(i32::from(failed));
}
