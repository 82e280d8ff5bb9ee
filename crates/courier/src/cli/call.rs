//! `courier call`: any method of any server, with JSON in and out.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_reflect::json::{ParseOptions, PrintOptions};
use courier_reflect::{DynamicMessage, MethodDescriptor};
use courier_rpc::{
    ByteStream, Code, Encoding, Metadata, MethodKind, Request, Status, Stream, Transport as _,
};
use tokio::sync::mpsc;

use super::conn::{ConnArgs, connection_hint, parse_target};
use super::error::{CliError, EXIT_OK, Result, exit_code_of};
use super::input::{Data, parse_item};
use super::protoprint::kind_words;
use super::source::{Source, SourceArgs, split_method};
use super::status::print_failure;
use super::style::Style;
use super::util::{format_duration, parse_duration, show_value};

/// `--compress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Compression {
    /// gzip every request message.
    Gzip,
    /// No compression.
    Identity,
}

/// How JSON is read and printed.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct JsonArgs {
    /// Print fields that hold their default value too (ProtoJSON's "always print fields
    /// without presence")
    #[arg(long, help_heading = "JSON")]
    pub(crate) emit_defaults: bool,

    /// Print the .proto field names instead of the lowerCamelCase JSON names
    #[arg(long, help_heading = "JSON")]
    pub(crate) proto_names: bool,

    /// Print enum values as numbers instead of names
    #[arg(long, help_heading = "JSON")]
    pub(crate) enums_as_ints: bool,

    /// Print each response on one line (default: indented)
    #[arg(long, help_heading = "JSON")]
    pub(crate) compact: bool,

    /// Skip request fields the request type does not have instead of failing
    #[arg(long, help_heading = "JSON")]
    pub(crate) allow_unknown_fields: bool,
}

impl JsonArgs {
    pub(crate) fn print_options(&self) -> PrintOptions {
        PrintOptions::new()
            .always_print_fields_without_presence(self.emit_defaults)
            .proto_field_names(self.proto_names)
            .enums_as_ints(self.enums_as_ints)
            .indent(if self.compact { None } else { Some(2) })
    }

    pub(crate) fn parse_options(&self) -> ParseOptions {
        ParseOptions::new().ignore_unknown_fields(self.allow_unknown_fields)
    }
}

/// `courier call`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  courier call localhost:50051 helloworld.Greeter/SayHello -d '{\"name\": \"Ada\"}'
  courier call localhost:50051 routeguide.RouteGuide/RecordRoute -d @points.json
  courier call localhost:50051 routeguide.RouteGuide/RouteChat -d @-     (one JSON object per message, sent as typed)
  courier call --proto api.proto -I protos localhost:8080 api.Svc/Get -H 'authorization: Bearer T'

Responses go to standard output as ProtoJSON, one object per message; errors, -v headers and
trailers to standard error. The exit code is 0 for OK and 64 + the status code otherwise
(e.g. 69 for NOT_FOUND, 78 for UNAVAILABLE); see `courier --help`.")]
pub(crate) struct CallArgs {
    /// The server: host:port, https://host[:port], unix:/path/to.sock
    #[arg(value_name = "ADDR")]
    pub(crate) address: String,

    /// The method: package.Service/Method
    #[arg(value_name = "METHOD")]
    pub(crate) method: String,

    /// The request(s) as JSON, @FILE to read them from a file, @- from standard input.
    /// Streaming methods take a sequence of objects, each sent as soon as it is read
    #[arg(short = 'd', long = "data", value_name = "JSON|@FILE|@-")]
    pub(crate) data: Option<String>,

    /// Fail the call with DEADLINE_EXCEEDED after this long (e.g. 500ms, 2s)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) deadline: Option<Duration>,

    /// Compress the request messages
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub(crate) compress: Option<Compression>,

    /// Print the method, the request metadata, the response headers and trailers and the
    /// status (to standard error)
    #[arg(short, long)]
    pub(crate) verbose: bool,

    #[command(flatten)]
    pub(crate) json: JsonArgs,

    #[command(flatten)]
    pub(crate) conn: ConnArgs,

    #[command(flatten)]
    pub(crate) source: SourceArgs,
}

/// Leaks a method descriptor for the transport (which takes `&'static`): one per process.
pub(crate) fn static_method(m: &MethodDescriptor) -> &'static courier_rpc::MethodDescriptor {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Box::leak(Box::new(courier_rpc::MethodDescriptor {
        path: leak(m.path()),
        service: leak(m.parent_service().full_name().to_owned()),
        method: leak(m.name().to_owned()),
        kind: MethodKind::from_streaming(m.is_client_streaming(), m.is_server_streaming()),
    }))
}

/// The request stream of a client- or bidi-streaming call: messages as the input thread
/// encodes them. An input error is kept for the caller and cancels the call.
struct InputStream {
    rx: mpsc::Receiver<std::result::Result<Bytes, CliError>>,
    error: Arc<Mutex<Option<CliError>>>,
    sent: Arc<std::sync::atomic::AtomicUsize>,
}

impl Stream for InputStream {
    type Item = std::result::Result<Bytes, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(b))) => {
                self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Poll::Ready(Some(Ok(b)))
            }
            Poll::Ready(Some(Err(e))) => {
                *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                Poll::Ready(Some(Err(Status::new(
                    Code::CANCELLED,
                    "the request input was not valid",
                ))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs `courier call`; the exit code.
pub(crate) async fn run(args: CallArgs) -> Result<u8> {
    let target = parse_target(&args.address)?;
    let (service, method) = split_method(&args.method)?;
    let data = Data::parse(args.data.as_deref());
    // Read a file or inline data up front, so that its errors come before any connection.
    let channel = args.conn.channel(&target)?;
    let mut source = Source::new(&args.source, &channel, &args.conn, &target)?;
    let md = source.method(&service, &method).await?;
    let pool = md.parent_pool().clone();
    let input = md.input();
    let parse_opts = args.json.parse_options();

    let mut request_md = args.conn.metadata()?;
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let input_error: Arc<Mutex<Option<CliError>>> = Arc::new(Mutex::new(None));
    let body: ByteStream = if md.is_client_streaming() {
        let rx = data.clone().stream(input.clone(), parse_opts);
        Box::pin(InputStream {
            rx,
            error: Arc::clone(&input_error),
            sent: Arc::clone(&sent),
        })
    } else {
        let items = data.read_all()?;
        let msg = match items.as_slice() {
            [] if data == Data::None => DynamicMessage::new(input.clone()),
            [] => {
                return Err(CliError::new(format!(
                    "the request data holds no JSON value; {} takes one {} message",
                    md.name(),
                    input.full_name()
                )));
            }
            [one] => parse_item(&input, one, &parse_opts, &data)?,
            [_, second, ..] => {
                return Err(CliError::new(format!(
                    "{} is a {} method: it takes one request message, but the data holds {} \
                     (the second at line {}, column {})",
                    md.name(),
                    kind_words(&md),
                    items.len(),
                    second.line,
                    second.column
                ))
                .hint("send one JSON object, or call a client-streaming method"));
            }
        };
        sent.store(1, std::sync::atomic::Ordering::Relaxed);
        courier_rpc::once(msg.encode_to_bytes())
    };

    if args.verbose {
        eprintln!(
            "{} {} ({}) on {}, described by {}",
            Style::Dim.err(">"),
            Style::Bold.err(&format!(
                "{}/{}",
                md.parent_service().full_name(),
                md.name()
            )),
            kind_words(&md),
            target.shown,
            source.origin()
        );
        print_metadata(">", "request metadata", &request_md);
    }

    let mut request = Request::from_parts(std::mem::take(&mut request_md), body);
    if let Some(d) = args.deadline {
        request.set_timeout(d);
    }
    match args.compress {
        Some(Compression::Gzip) => request.set_compression(Encoding::Gzip),
        Some(Compression::Identity) => request.set_compression(Encoding::Identity),
        None => {}
    }

    let started = Instant::now();
    let printer = Printer {
        desc: md.output(),
        opts: args.json.print_options(),
    };
    let outcome = channel.call(static_method(&md), request).await;
    let mut received = 0usize;
    let status = match outcome {
        Err(s) => s,
        Ok(response) => {
            let (headers, mut stream) = response.into_parts();
            if args.verbose {
                print_metadata("<", "response headers", &headers);
            }
            loop {
                match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                    Some(Ok(bytes)) => {
                        received += 1;
                        if let Err(e) = printer.print(&bytes, received) {
                            // Dropping the stream cancels the call.
                            drop(stream);
                            return Err(e);
                        }
                    }
                    Some(Err(s)) => break s,
                    None => break Status::new(Code::OK, ""),
                }
            }
        }
    };
    if let Some(e) = input_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    let elapsed = started.elapsed();
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    if args.verbose {
        print_metadata("<", "response trailers", status.metadata());
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        eprintln!(
            "{} {} in {}; sent {}, received {}",
            Style::Dim.err("<"),
            if status.code() == Code::OK {
                Style::BoldGreen.err("status OK")
            } else {
                Style::BoldRed.err(&format!(
                    "status {}",
                    status.code().name().unwrap_or("unknown")
                ))
            },
            format_duration(elapsed),
            plural(sent, "request"),
            plural(received, "response"),
        );
    }
    if status.code() == Code::OK {
        if !md.is_server_streaming() && received != 1 {
            eprintln!(
                "{} the server ended a {} call with OK after {} responses",
                Style::Yellow.err("warning:"),
                kind_words(&md),
                received
            );
        }
        return Ok(EXIT_OK);
    }
    print_failure(&status, Some(&pool));
    if let Some(h) = connection_hint(&status, &args.conn, &target)
        .filter(|_| status.code() == Code::UNAVAILABLE && received == 0)
    {
        eprintln!("  {} {h}", Style::Cyan.err("hint:"));
    }
    if status.code() == Code::DEADLINE_EXCEEDED {
        if let Some(d) = args.deadline {
            eprintln!(
                "  {} the deadline was {}; give more time with --deadline",
                Style::Cyan.err("hint:"),
                format_duration(d)
            );
        }
    }
    Ok(exit_code_of(status.code()))
}

/// Prints response messages as ProtoJSON.
struct Printer {
    desc: courier_reflect::MessageDescriptor,
    opts: PrintOptions,
}

impl Printer {
    fn print(&self, bytes: &Bytes, n: usize) -> Result {
        let msg = DynamicMessage::decode(self.desc.clone(), &bytes[..]).map_err(|e| {
            CliError::new(format!(
                "response {n} is not a valid {}: {e}",
                self.desc.full_name()
            ))
            .hint("the server's messages do not match the descriptors; with --proto, are the files the server's?")
        })?;
        let json = msg
            .to_json_with(&self.opts)
            .map_err(|e| CliError::new(format!("response {n} cannot be printed as JSON: {e}")))?;
        let mut out = std::io::stdout().lock();
        // A closed stdout (`| head`) ends the command quietly.
        if writeln!(out, "{json}").and_then(|()| out.flush()).is_err() {
            std::process::exit(0);
        }
        Ok(())
    }
}

/// Prints metadata to stderr, one entry a line (`-bin` values in base64).
fn print_metadata(arrow: &str, what: &str, md: &Metadata) {
    let arrow = Style::Dim.err(arrow);
    if md.is_empty() {
        eprintln!("{arrow} {what}: {}", Style::Dim.err("(none)"));
        return;
    }
    eprintln!("{arrow} {what}:");
    for (k, v) in md.iter() {
        eprintln!("{arrow}   {}: {}", Style::Magenta.err(k), show_value(k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_methods() {
        let mut c = courier_idl::Compiler::new();
        c.add_file(
            "t.proto",
            "syntax = \"proto3\";\npackage p;\nmessage M {}\nservice S { rpc Chat(stream M) returns (M); }\n",
        );
        let pool = courier_reflect::DescriptorPool::from_file_descriptor_set(
            c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
        )
        .unwrap();
        let m = pool
            .get_service_by_name("p.S")
            .unwrap()
            .methods()
            .next()
            .unwrap();
        let s = static_method(&m);
        assert_eq!(s.path, "/p.S/Chat");
        assert_eq!(s.service, "p.S");
        assert_eq!(s.method, "Chat");
        assert_eq!(s.kind, MethodKind::ClientStreaming);
    }
}
