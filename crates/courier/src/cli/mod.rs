//! The `courier` command line: argument parsing (clap) and the commands that talk to servers
//! (`list`, `describe`, `call`, `bench`), compile `.proto` files (`compile`), and print shell
//! completions; `demo` and `certs` live beside this module.

mod bench;
mod call;
mod compile;
mod conn;
mod error;
mod histogram;
mod input;
mod jsonseq;
mod lean;
mod protoprint;
mod reflect;
mod source;
mod status;
mod style;
mod util;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

pub(crate) use error::CliError;
use error::Result;
use source::{Source, SourceArgs, Symbol, all_names, find};

const LONG_ABOUT: &str = "\
Courier's command-line tool: talk to any gRPC server from the shell (list its services,
describe its types, call its methods with JSON), compile .proto files, and load-test a method.
No protoc and no .proto files are needed when the server has reflection.";

const AFTER_HELP: &str = "\
Talk to a server:
  courier list localhost:50051                         services (by server reflection)
  courier list localhost:50051 helloworld.Greeter      its methods
  courier describe localhost:50051 helloworld.HelloRequest
  courier call localhost:50051 helloworld.Greeter/SayHello -d '{\"name\": \"Ada\"}'
  courier bench localhost:50051 helloworld.Greeter/SayHello -d '{}' --duration 10s

Exit codes: 0 success; 1 an error before or outside a call (a file, bad JSON, no reflection,
an unknown method); 2 a wrong command line; 64 + N when a call ended with gRPC status N
(65 CANCELLED, 66 UNKNOWN, 67 INVALID_ARGUMENT, 68 DEADLINE_EXCEEDED, 69 NOT_FOUND,
70 ALREADY_EXISTS, 71 PERMISSION_DENIED, 72 RESOURCE_EXHAUSTED, 73 FAILED_PRECONDITION,
74 ABORTED, 75 OUT_OF_RANGE, 76 UNIMPLEMENTED, 77 INTERNAL, 78 UNAVAILABLE, 79 DATA_LOSS,
80 UNAUTHENTICATED).

Colour is used on terminals only (NO_COLOR or --color never turn it off).";

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "courier",
    version,
    about = "Call any gRPC server from the shell, compile .proto files, load-test a method",
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to use colour
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = style::ColorChoice::Auto)]
    color: style::ColorChoice,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List a server's services, or the methods of one service
    #[command(after_help = "\
Examples:
  courier list localhost:50051
  courier list localhost:50051 routeguide.RouteGuide
  courier list --proto route_guide.proto routeguide.RouteGuide     (no server needed)

Methods are printed as `courier call` takes them, with their types and streaming kinds:
  routeguide.RouteGuide/RouteChat(stream routeguide.RouteNote) returns (stream routeguide.RouteNote)")]
    List(ListArgs),

    /// Show the definition of a service, method, message or enum as .proto text
    #[command(after_help = "\
Examples:
  courier describe localhost:50051                                   every service
  courier describe localhost:50051 routeguide.RouteGuide.RouteChat   a method and its messages
  courier describe localhost:50051 routeguide.Point --template       a JSON request to edit")]
    Describe(DescribeArgs),

    /// Call a method with JSON requests; print the responses as JSON
    Call(Box<call::CallArgs>),

    /// Compile .proto files to a descriptor set (as protoc does) or to Rust
    Compile(compile::CompileArgs),

    /// Load-test a method: requests/s, latency percentiles and a histogram, status counts
    Bench(Box<bench::BenchArgs>),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  courier completions bash > ~/.local/share/bash-completion/completions/courier
  courier completions zsh > ~/.zfunc/_courier
  courier completions fish > ~/.config/fish/completions/courier.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Show the stack at work: a route guide server and client on loopback over mTLS (all four
    /// kinds of call), multiplexing and header compression measured on the wire, the codec
    Demo,

    /// Write a development CA, a server and a client certificate with their keys (PEM)
    Certs(crate::certs::CertsArgs),
}

/// `courier list`.
#[derive(clap::Args, Debug)]
struct ListArgs {
    /// The server (host:port, https://host, unix:/path; may be left out with --proto or
    /// --protoset), then optionally a service whose methods to list
    #[arg(value_name = "ADDR] [SERVICE", num_args = 0..=2)]
    args: Vec<String>,

    #[command(flatten)]
    conn: conn::ConnArgs,

    #[command(flatten)]
    source: SourceArgs,
}

/// `courier describe`.
#[derive(clap::Args, Debug)]
struct DescribeArgs {
    /// The server (host:port, https://host, unix:/path; may be left out with --proto or
    /// --protoset), then optionally what to describe: a service, a method
    /// (pkg.Service.Method or pkg.Service/Method), a message, an enum, a field or a file
    #[arg(value_name = "ADDR] [SYMBOL", num_args = 0..=2)]
    args: Vec<String>,

    /// Print a JSON template of the message (of a method: its request) instead
    #[arg(long)]
    template: bool,

    #[command(flatten)]
    conn: conn::ConnArgs,

    #[command(flatten)]
    source: SourceArgs,
}

/// Splits the positionals of list/describe: an address has a `:`, a symbol never does.
fn address_and_symbol(
    args: &[String],
    source: &SourceArgs,
) -> Result<(Option<String>, Option<String>)> {
    let (addr, symbol) = match args {
        [] => (None, None),
        [one] if one.contains(':') => (Some(one.clone()), None),
        [one] => (None, Some(one.clone())),
        [a, s, ..] => (Some(a.clone()), Some(s.clone())),
    };
    if addr.is_none() && !source.uses_files() {
        return Err(CliError::usage("the server address is missing").hint(
            "give ADDR (host:port, https://host, unix:/path), or read the descriptors from \
             files with --proto FILE or --protoset FILE",
        ));
    }
    Ok((addr, symbol))
}

/// A source for list/describe: reflection on `addr`, or the files.
fn open_source(addr: Option<&str>, conn: &conn::ConnArgs, source: &SourceArgs) -> Result<Source> {
    match addr {
        Some(a) => {
            let target = conn::parse_target(a)?;
            let channel = conn.channel(&target)?;
            Source::new(source, &channel, conn, &target)
        }
        None => Ok(Source::Files(source.pool()?)),
    }
}

async fn list(args: ListArgs) -> Result {
    let (addr, service) = address_and_symbol(&args.args, &args.source)?;
    let mut src = open_source(addr.as_deref(), &args.conn, &args.source)?;
    let mut out = String::new();
    match service {
        None => {
            for s in src.services().await? {
                out.push_str(&s);
                out.push('\n');
            }
        }
        Some(service) => {
            for m in src.service(&service).await?.methods() {
                out.push_str(&protoprint::method_line(&m));
                out.push('\n');
            }
        }
    }
    print!("{out}");
    Ok(())
}

async fn describe(args: DescribeArgs) -> Result {
    let (addr, symbol) = address_and_symbol(&args.args, &args.source)?;
    let mut src = open_source(addr.as_deref(), &args.conn, &args.source)?;
    // Each symbol, or the name of a listed service the source cannot describe.
    let symbols: Vec<std::result::Result<Symbol, String>> = match &symbol {
        None => {
            let mut v = Vec::new();
            for s in src.services().await? {
                match src.pool_with(&s).await?.and_then(|pool| find(&pool, &s)) {
                    Some(sym) => v.push(Ok(sym)),
                    None => v.push(Err(s)),
                }
            }
            v
        }
        Some(name) => match src.pool_with(name).await? {
            Some(pool) => vec![Ok(find(&pool, name).expect("pool_with found it"))],
            None => {
                let mut err =
                    CliError::new(format!("`{name}` is not defined in {}", src.describe()));
                let mut names = Vec::new();
                for s in src.services().await.unwrap_or_default() {
                    if let Ok(Some(pool)) = src.pool_with(&s).await {
                        names = all_names(&pool);
                    }
                }
                if let Some(pool) = src.known_pool() {
                    names.extend(all_names(&pool));
                }
                names.sort();
                names.dedup();
                let near = util::closest(name, names.iter().map(String::as_str));
                if !near.is_empty() {
                    err = err.hint(format!("did you mean {}?", near.join(" or ")));
                }
                return Err(err.hint(
                    "symbols are full names: package.Service, package.Service.Method, \
                     package.Message, package.Enum; `courier list ADDR` lists the services",
                ));
            }
        },
    };
    let mut out = String::new();
    for (i, s) in symbols.iter().enumerate() {
        let s = match s {
            Ok(s) => s,
            Err(name) => {
                if !args.template {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&format!(
                        "// {name}: service, listed but not described by {}\n",
                        src.describe()
                    ));
                }
                continue;
            }
        };
        if args.template {
            let msg = match s {
                Symbol::Message(m) => m.clone(),
                Symbol::Method(m) => m.input(),
                other => {
                    return Err(CliError::new(format!(
                        "--template needs a message or a method, and `{}` is a {}",
                        symbol.as_deref().unwrap_or(""),
                        other.kind_name()
                    )));
                }
            };
            out.push_str(&protoprint::json_template(&msg));
            out.push('\n');
            continue;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&protoprint::describe(s));
    }
    print!("{out}");
    Ok(())
}

/// A runtime for one command: a current-thread one is enough for everything but `bench`.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("starting the async runtime: {e}")))
}

/// Parses the command line and runs the command; the process's exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { error::EXIT_USAGE } else { 0 });
        }
    };
    style::init(cli.color);
    let result: Result<u8> = match cli.command {
        Command::List(a) => runtime().and_then(|rt| rt.block_on(list(a))).map(|()| 0),
        Command::Describe(a) => runtime()
            .and_then(|rt| rt.block_on(describe(a)))
            .map(|()| 0),
        Command::Call(a) => runtime().and_then(|rt| rt.block_on(call::run(*a))),
        Command::Compile(a) => compile::run(&a).map(|()| 0),
        Command::Bench(a) => bench::main(*a),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "courier", &mut std::io::stdout());
            Ok(0)
        }
        Command::Demo => return crate::demo::run(),
        Command::Certs(a) => return crate::certs::run(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            e.print();
            ExitCode::from(e.exit_code())
        }
    }
}

/// Where a completion or help test writes (unused outside tests).
#[cfg(test)]
fn help_of(args: &[&str]) -> String {
    let mut cmd = Cli::command();
    let mut sub = &mut cmd;
    for a in args {
        sub = sub.find_subcommand_mut(a).expect("a subcommand");
    }
    sub.render_long_help().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_reads_well() {
        let top = help_of(&[]);
        for c in [
            "list",
            "describe",
            "call",
            "compile",
            "bench",
            "completions",
            "demo",
            "certs",
        ] {
            assert!(top.contains(c), "{c} in\n{top}");
        }
        assert!(top.contains("64 + N"), "{top}");
        let call = help_of(&["call"]);
        for flag in [
            "--data",
            "--deadline",
            "--authority",
            "--compress",
            "--verbose",
            "--header",
            "--cacert",
            "--insecure",
            "--cert",
            "--key",
            "--proto",
            "--protoset",
            "--emit-defaults",
            "--proto-names",
            "--enums-as-ints",
        ] {
            assert!(call.contains(flag), "{flag} in\n{call}");
        }
    }

    #[test]
    fn positionals_of_list_and_describe() {
        let files = SourceArgs {
            protos: vec!["x.proto".into()],
            ..Default::default()
        };
        let none = SourceArgs::default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            address_and_symbol(&s(&["localhost:1", "a.B"]), &none).unwrap(),
            (Some("localhost:1".into()), Some("a.B".into()))
        );
        assert_eq!(
            address_and_symbol(&s(&["a.B"]), &files).unwrap(),
            (None, Some("a.B".into()))
        );
        assert_eq!(
            address_and_symbol(&s(&["unix:/x"]), &none).unwrap(),
            (Some("unix:/x".into()), None)
        );
        assert_eq!(
            address_and_symbol(&s(&["a.B"]), &none)
                .unwrap_err()
                .exit_code(),
            2
        );
    }
}
