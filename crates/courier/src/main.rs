//! The `courier` command-line tool.

fn main() {
    eprintln!("usage: courier demo");
    std::process::exit(2);
}
