//! `.proto` compiler front end: courier-idl side by side with protox 0.10, in the same run.
//!
//! Rows (criterion groups `idl/ROW`, functions `courier` and `protox`):
//! - `descriptor`: parse, link, interpret options and validate `google/protobuf/descriptor.proto`
//!   (about 1,300 lines, the protobuf 35 copy courier-idl embeds);
//! - `large`: the same for a generated file of about 16,000 lines (see [`large_proto`]): 300
//!   messages with nested messages and enums, every scalar type, `repeated`, `map`, `oneof`,
//!   field and message options, reserved ranges, extension ranges and extensions, 30 enums and 30
//!   services with streaming methods and method options;
//! - `large_source_info`: `large` with `SourceCodeInfo` (spans and comments) on both sides.
//!
//! Both sides do the same work each iteration: a new compiler, the source text handed to it in
//! memory (courier: `Compiler::add_file`; protox: a `FileResolver` that calls
//! `File::from_source`, so protox parses descriptor.proto from text too instead of using its
//! pre-built descriptor pool), compile, and build the `FileDescriptorSet` of the requested file
//! without its imports, without source info unless the row says so (courier moves the set out of
//! its `Compilation` with `into_file_descriptor_set`; protox's `file_descriptor_set` builds it
//! from its pool).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DESCRIPTOR: &str = "google/protobuf/descriptor.proto";
const LARGE: &str = "bench/large.proto";

/// A deterministic proto2 file of about 16,000 lines exercising most of the language.
fn large_proto() -> String {
    use std::fmt::Write as _;
    const SCALARS: [&str; 15] = [
        "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
        "sfixed64", "float", "double", "bool", "string", "bytes",
    ];
    let mut s = String::with_capacity(600_000);
    s.push_str("// A generated file for the idl benchmark.\nsyntax = \"proto2\";\n\n");
    s.push_str("package bench.large.v1;\n\n");
    s.push_str("option java_package = \"com.example.bench.large\";\n");
    s.push_str("option java_multiple_files = true;\noption optimize_for = SPEED;\n\n");
    for e in 0..30 {
        let _ = writeln!(s, "// Enum number {e}.\nenum Kind{e} {{");
        let _ = writeln!(s, "  option allow_alias = true;");
        for v in 0..12 {
            let _ = writeln!(s, "  KIND{e}_VALUE_{v} = {v};");
        }
        let _ = writeln!(
            s,
            "  KIND{e}_ALIAS = 1 [deprecated = true];\n  reserved 100 to 199;\n}}\n"
        );
    }
    for m in 0..300 {
        let _ = writeln!(
            s,
            "// Message number {m}.\n// It has every kind of field.\nmessage Msg{m} {{"
        );
        if m % 7 == 0 {
            let _ = writeln!(s, "  option deprecated = true;");
        }
        // Nested enum and message.
        let _ = writeln!(
            s,
            "  enum State {{\n    STATE_UNKNOWN = 0;\n    STATE_ON = 1;\n    STATE_OFF = 2;\n  }}"
        );
        let _ = writeln!(s, "  message Entry {{");
        let _ = writeln!(s, "    optional string key = 1 [json_name = \"k\"];");
        let _ = writeln!(s, "    optional int64 value = 2 [default = -42];");
        let _ = writeln!(s, "    optional State state = 3 [default = STATE_ON];");
        let _ = writeln!(
            s,
            "    message Deep {{ repeated Entry entries = 1; optional double d = 2 [default = 1.5e3]; }}"
        );
        let _ = writeln!(s, "    optional Deep deep = 4;");
        let _ = writeln!(s, "  }}");
        let mut n = 1;
        for (i, ty) in SCALARS.iter().enumerate() {
            // A trailing comment on every other field.
            let label = if i % 3 == 0 { "repeated" } else { "optional" };
            let opts = match (i, *ty) {
                (_, "string" | "bytes" | "bool") if label == "repeated" => String::new(),
                (_, "string" | "bytes") => String::new(),
                _ if label == "repeated" => " [packed = true]".to_string(),
                _ if i % 2 == 0 => " [deprecated = true]".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(s, "  {label} {ty} f_{ty}_{n} = {n}{opts}; // field {n}");
            n += 1;
        }
        let other = (m + 1) % 300;
        let _ = writeln!(s, "  optional Msg{other} next = {n};");
        n += 1;
        let _ = writeln!(s, "  repeated Msg{other}.Entry entries = {n};");
        n += 1;
        let _ = writeln!(
            s,
            "  optional Kind{} kind = {n} [default = KIND{}_VALUE_3];",
            m % 30,
            m % 30
        );
        n += 1;
        let _ = writeln!(s, "  optional State state = {n};");
        n += 1;
        let _ = writeln!(s, "  map<string, Entry> by_key = {n};");
        n += 1;
        let _ = writeln!(s, "  map<int32, Kind{}> kinds = {n};", (m + 3) % 30);
        n += 1;
        let _ = writeln!(s, "  oneof choice {{");
        let _ = writeln!(s, "    string name = {n};");
        n += 1;
        let _ = writeln!(s, "    int64 id = {n};");
        n += 1;
        let _ = writeln!(s, "    Entry entry = {n};");
        n += 1;
        let _ = writeln!(s, "  }}");
        let _ = writeln!(
            s,
            "  optional group Result = {n} {{\n    optional string url = {};\n    repeated string snippets = {};\n  }}",
            n + 1,
            n + 2
        );
        let _ = writeln!(
            s,
            "  reserved 500 to 599, 700;\n  reserved \"old_name\", \"older_name\";"
        );
        let _ = writeln!(s, "  extensions 1000 to 1999;\n}}\n");
        let _ = writeln!(
            s,
            "extend Msg{m} {{\n  optional string ext_{m}_note = 1000;\n  repeated int32 ext_{m}_ids = 1001;\n}}\n"
        );
    }
    for v in 0..30 {
        let _ = writeln!(s, "// Service number {v}.\nservice Service{v} {{");
        for r in 0..8 {
            let m = (v * 8 + r) % 300;
            let (cs, ss) = match r % 4 {
                0 => ("", ""),
                1 => ("stream ", ""),
                2 => ("", "stream "),
                _ => ("stream ", "stream "),
            };
            let _ = writeln!(
                s,
                "  // Method {r}.\n  rpc Call{r}({cs}Msg{m}) returns ({ss}Msg{}) {{",
                (m + 1) % 300
            );
            let _ = writeln!(
                s,
                "    option deprecated = true;\n    option idempotency_level = NO_SIDE_EFFECTS;\n  }}"
            );
        }
        let _ = writeln!(s, "}}\n");
    }
    s
}

/// protox 0.10's parser does not accept a single-number extension range with options
/// (`extensions 536000000 [declaration = {...}];`, which protobuf 35's descriptor.proto has), so
/// both sides get it written as the equivalent `extensions 536000000 to 536000000 [...]`: the
/// same descriptor, with one more token.
fn protox_compatible(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    for line in source.split_inclusive('\n') {
        let single = line
            .trim_start()
            .strip_prefix("extensions ")
            .and_then(|rest| rest.split_once(" ["))
            .filter(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()));
        match single {
            Some((n, _)) => out.push_str(&line.replacen(n, &format!("{n} to {n}"), 1)),
            None => out.push_str(line),
        }
    }
    out
}

fn courier(name: &str, source: &str, source_info: bool) -> usize {
    let mut compiler = courier_idl::Compiler::new();
    compiler
        .embedded_well_known_types(false)
        .include_source_info(source_info)
        .add_file(name, source);
    let set = compiler
        .compile(&[name])
        .expect("courier-idl compiles the bench file")
        .into_file_descriptor_set(false);
    set.file.len()
}

/// Serves one in-memory file to protox, parsed from source. (protox needs a `'static`
/// resolver, so it owns a copy of the text, as courier's `add_file` does.)
struct OneFile {
    name: String,
    source: String,
}

impl protox::file::FileResolver for OneFile {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        if name == self.name {
            protox::file::File::from_source(name, &self.source)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }

    fn resolve_path(&self, path: &Path) -> Option<String> {
        path.to_str()
            .filter(|p| *p == self.name)
            .map(str::to_string)
    }
}

fn protox(name: &str, source: &str, source_info: bool) -> usize {
    let mut compiler = protox::Compiler::with_file_resolver(OneFile {
        name: name.to_string(),
        source: source.to_string(),
    });
    compiler
        .include_imports(false)
        .include_source_info(source_info)
        .open_file(name)
        .expect("protox compiles the bench file");
    compiler.file_descriptor_set().file.len()
}

fn row(c: &mut Criterion, row: &str, name: &str, source: &str, source_info: bool) {
    // Both sides must accept the file before it is measured.
    assert_eq!(courier(name, source, source_info), 1);
    assert_eq!(protox(name, source, source_info), 1);
    let mut g = c.benchmark_group(format!("idl/{row}"));
    if source.len() > 100_000 {
        // protox takes over a second per iteration on the large file: criterion's minimum.
        g.sample_size(10);
    }
    g.throughput(Throughput::Bytes(source.len() as u64));
    g.bench_function("courier", |b| {
        b.iter(|| courier(black_box(name), black_box(source), source_info))
    });
    g.bench_function("protox", |b| {
        b.iter(|| protox(black_box(name), black_box(source), source_info))
    });
    g.finish();
}

fn idl(c: &mut Criterion) {
    let descriptor = protox_compatible(
        courier_idl::embedded_file(DESCRIPTOR).expect("embedded descriptor.proto"),
    );
    let large = large_proto();
    assert!(
        large.lines().count() >= 10_000,
        "{} lines",
        large.lines().count()
    );
    row(c, "descriptor", DESCRIPTOR, &descriptor, false);
    row(c, "large", LARGE, &large, false);
    row(c, "large_source_info", LARGE, &large, true);
}

criterion_group!(benches, idl);
criterion_main!(benches);
