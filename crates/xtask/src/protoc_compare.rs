//! `cargo xtask protoc-compare [--bundled] [DIR...]`: compiles every `.proto` under each
//! directory with courier-idl and with protoc (the peer venv's grpcio-tools protoc, run in one
//! Python process), with and without source info, and compares the descriptor sets: the
//! serialized bytes of each `FileDescriptorProto`, and the messages decoded by the Python
//! protobuf runtime. A file is identical when both compilers reject it, or when every
//! `FileDescriptorProto` of the two sets is the same bytes. For a file that differs it prints
//! the text-format diff of the decoded messages, or, when those are equal (a difference in the
//! order or encoding of unknown fields, such as interpreted custom options), the first
//! differing byte offset, the field path to it and the two records there, in hex. It ends with
//! `protoc-compare: N files, M identical, K differ (bytes and decoded messages compared)`.
//!
//! Each directory is the include path of the files under it (like `protoc -I DIR`). The default
//! corpus is `tests/data/protos` and every set under `tests/data/published/` (published `.proto`
//! files, each its own include path; `tests/data/published/README.md` says where each comes
//! from).
//!
//! `--bundled` is the mode users hit: the files protoc bundles (the well-known types,
//! `descriptor.proto`, the language features, `compiler/plugin.proto`) are taken out of each
//! directory first, so protoc uses its bundled copies and courier-idl its embedded ones.
//!
//! `--cli` compiles with the `courier` tool instead (`courier compile -I DIR FILE -o OUT
//! --include_imports [--include_source_info]`, run from the include directory with the file
//! named by its path there, as a user would): the tool must write what protoc writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::peers;
use crate::util::{self, Result};

/// Runs protoc once per job in one Python process: stdin is a JSON list of
/// `[include dir, file, output, with source info]`; stdout a JSON list of `[ok, stderr]`.
const PROTOC_PY: &str = r#"
import json, os, sys, tempfile
import grpc_tools
from grpc_tools import protoc
bundled = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
jobs = json.load(sys.stdin)
results = []
saved = os.dup(2)
for include, name, out, source_info in jobs:
    args = ['protoc', '-I' + include, '--descriptor_set_out=' + out, '--include_imports']
    if source_info:
        args.append('--include_source_info')
    # As `python -m grpc_tools.protoc` does: the bundled files are the last include path.
    args += [name, '-I' + bundled]
    with tempfile.TemporaryFile() as err:
        sys.stderr.flush()
        os.dup2(err.fileno(), 2)
        try:
            code = protoc.main(args)
        finally:
            os.dup2(saved, 2)
        err.seek(0)
        text = err.read().decode('utf-8', 'replace')
    results.append([code == 0, text])
print(json.dumps(results))
"#;

/// Prints the directory of protoc's bundled `.proto` files.
const BUNDLED_DIR_PY: &str =
    "import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), '_proto'))";

/// Compares each (protoc, courier) pair of descriptor sets, bytes first; prints what differs.
/// The last line of output is a JSON list of booleans (identical or not), one per pair.
const COMPARE_PY: &str = r#"
import difflib, json, sys
from google.protobuf import descriptor_pb2, text_format

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return v, i

def records(b):
    """(number, wire type, value, record offset, value offset) per record; None if malformed."""
    out, i = [], 0
    try:
        while i < len(b):
            start = i
            tag, i = varint(b, i)
            n, w = tag >> 3, tag & 7
            if w == 0:
                _, j = varint(b, i)
                out.append((n, w, b[i:j], start, i))
                i = j
            elif w == 1 or w == 5:
                j = i + (8 if w == 1 else 4)
                if j > len(b):
                    return None
                out.append((n, w, b[i:j], start, i))
                i = j
            elif w == 2:
                l, j = varint(b, i)
                if j + l > len(b):
                    return None
                out.append((n, w, b[j:j + l], start, j))
                i = j + l
            elif w in (3, 4):
                out.append((n, w, b'', start, i))
            else:
                return None
    except IndexError:
        return None
    return out

WIRE = {0: 'varint', 1: 'i64', 2: 'len', 3: 'sgroup', 4: 'egroup', 5: 'i32'}

def show(r):
    if r is None:
        return '(nothing)'
    v = r[2]
    return f'{r[0]}:{WIRE[r[1]]} {v[:48].hex()}' + ('...' if len(v) > 48 else '')

def first_difference(a, b, desc, path, base_a, base_b):
    """The field path to the first differing record, and the two records there."""
    ra, rb = records(a), records(b)
    if ra is None or rb is None:
        return path, None, None, base_a, base_b
    seen = {}
    for i in range(max(len(ra), len(rb))):
        x = ra[i] if i < len(ra) else None
        y = rb[i] if i < len(rb) else None
        n = (x or y)[0]
        index = seen.get(n, 0)
        seen[n] = index + 1
        if x is not None and y is not None and x[:3] == y[:3]:
            continue
        fd = desc.fields_by_number.get(n) if desc is not None else None
        name = fd.name if fd is not None else f'[{n}]'
        if fd is not None and (fd.is_repeated if hasattr(fd, 'is_repeated') else fd.label == 3):
            name += f'[{index}]'
        if x is not None and y is not None and x[0] == y[0] and x[1] == y[1] == 2:
            sub = fd.message_type if fd is not None else None
            if (fd is None or sub is not None) and records(x[2]) and records(y[2]):
                return first_difference(x[2], y[2], sub, path + [name],
                                        base_a + x[4], base_b + y[4])
        return (path + [name], x, y, base_a + (x[3] if x else len(a)),
                base_b + (y[3] if y else len(b)))
    return path, None, None, base_a + len(a), base_b + len(b)

def file_records(raw):
    return [r[2] for r in (records(raw) or []) if r[0] == 1 and r[1] == 2]

pairs = json.load(sys.stdin)
verdicts = []
for label, theirs, ours in pairs:
    if theirs is None or ours is None:
        if theirs is None and ours is None:
            verdicts.append(True)
            continue
        print(f"--- {label}: " + ("protoc rejected it, courier-idl accepted it" if theirs is None
                                   else "courier-idl rejected it, protoc accepted it"))
        verdicts.append(False)
        continue
    a_raw, b_raw = open(theirs, 'rb').read(), open(ours, 'rb').read()
    if a_raw == b_raw:
        verdicts.append(True)
        continue
    fa_raw, fb_raw = file_records(a_raw), file_records(b_raw)
    same = True
    if len(fa_raw) != len(fb_raw):
        print(f"--- {label}: protoc wrote {len(fa_raw)} files, courier-idl {len(fb_raw)}")
        same = False
    for x, y in zip(fa_raw, fb_raw):
        if x == y:
            continue
        same = False
        fa, fb = descriptor_pb2.FileDescriptorProto(), descriptor_pb2.FileDescriptorProto()
        fa.ParseFromString(x)
        fb.ParseFromString(y)
        ta = text_format.MessageToString(fa, print_unknown_fields=True).splitlines()
        tb = text_format.MessageToString(fb, print_unknown_fields=True).splitlines()
        diff = list(difflib.unified_diff(ta, tb, "protoc", "courier-idl", lineterm="", n=2))
        if diff:
            print(f"--- {label}: {fa.name} differs")
            print("\n".join(diff[:60]))
            if len(diff) > 60:
                print(f"    ... {len(diff) - 60} more diff lines")
            continue
        path, ra, rb, oa, ob = first_difference(x, y, fa.DESCRIPTOR, [], 0, 0)
        off = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
        print(f"--- {label}: {fa.name} differs in its bytes only (the decoded messages are "
              f"equal): first at byte {off} of {len(x)} (protoc) / {len(y)} (courier-idl)")
        print(f"    field path: {'.'.join(path) or '(top level)'}")
        print(f"    protoc      (byte {oa}): {show(ra)}")
        print(f"    courier-idl (byte {ob}): {show(rb)}")
        lo = max(0, off - 16)
        print(f"    protoc      bytes {lo}..: {x[lo:off + 32].hex(' ')}")
        print(f"    courier-idl bytes {lo}..: {y[lo:off + 32].hex(' ')}")
    verdicts.append(same)
print(json.dumps(verdicts))
"#;

/// `cargo xtask protoc-compare [--bundled] [DIR...]`.
pub(crate) fn main(args: &[String]) -> Result {
    let bundled = args.iter().any(|a| a == "--bundled");
    let ours = if args.iter().any(|a| a == "--cli") {
        Ours::Cli
    } else {
        Ours::Idl
    };
    let dirs: Vec<PathBuf> = args
        .iter()
        .filter(|a| *a != "--bundled" && *a != "--cli")
        .map(PathBuf::from)
        .collect();
    let dirs = if dirs.is_empty() {
        default_corpus()?
    } else {
        dirs
    };
    compare(&dirs, bundled, ours)
}

/// Which of Courier's compilers is compared with protoc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ours {
    /// courier-idl, through its `compile` example.
    Idl,
    /// The `courier compile` command.
    Cli,
}

/// The CI step: the default corpus with its own copies of the well-known types.
pub(crate) fn ci() -> Result {
    compare(&default_corpus()?, false, Ours::Idl)
}

/// The CI step: the default corpus with protoc's bundled well-known types.
pub(crate) fn ci_bundled() -> Result {
    compare(&default_corpus()?, true, Ours::Idl)
}

/// The CI step: the default corpus compiled by `courier compile`.
pub(crate) fn ci_cli() -> Result {
    compare(&default_corpus()?, false, Ours::Cli)
}

/// `tests/data/protos` and each set under `tests/data/published/`.
fn default_corpus() -> Result<Vec<PathBuf>> {
    let root = util::root();
    let mut dirs = vec![root.join("tests/data/protos")];
    let published = root.join("tests/data/published");
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&published)
        .map_err(|e| format!("{}: {e}", published.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    dirs.extend(sets);
    Ok(dirs)
}

fn compare(dirs: &[PathBuf], bundled: bool, ours: Ours) -> Result {
    let start = Instant::now();
    let python = peers::python();
    if !python.exists() {
        return Err("the peers are not installed; run `cargo xtask peers`".into());
    }
    let ours_bin = match ours {
        Ours::Idl => {
            util::step("build courier-idl's compile example");
            util::run(util::cargo().args([
                "build",
                "-q",
                "-p",
                "courier-idl",
                "--example",
                "compile",
            ]))?;
            util::target_dir().join("debug/examples/compile")
        }
        Ours::Cli => {
            util::step("build the courier tool");
            util::run(util::cargo().args(["build", "-q", "-p", "courier", "--bin", "courier"]))?;
            util::target_dir().join("debug/courier")
        }
    };

    let tmp = std::env::temp_dir().join(format!("courier-protoc-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let result = compare_in(dirs, bundled, &python, (ours, &ours_bin), &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    let (total, identical) = result?;
    let mode = match (bundled, ours) {
        (true, Ours::Idl) => " (protoc's bundled well-known types)",
        (true, Ours::Cli) => " (courier compile, protoc's bundled well-known types)",
        (false, Ours::Idl) => "",
        (false, Ours::Cli) => " (courier compile)",
    };
    println!(
        "protoc-compare{mode}: {total} files, {identical} identical, {} differ (bytes and decoded messages compared) in {:.1}s",
        total - identical,
        start.elapsed().as_secs_f64()
    );
    if identical == total {
        Ok(())
    } else {
        Err(format!("{} files differ from protoc", total - identical))
    }
}

/// Compiles and compares; (files, identical files).
fn compare_in(
    dirs: &[PathBuf],
    bundled: bool,
    python: &Path,
    (ours, ours_bin): (Ours, &Path),
    tmp: &Path,
) -> Result<(usize, usize)> {
    let bundled_files = if bundled {
        let dir = util::output(Command::new(python).args(["-c", BUNDLED_DIR_PY]))?;
        let dir = PathBuf::from(dir.trim());
        let mut files = Vec::new();
        find_protos(&dir, &dir, &mut files)?;
        if files.is_empty() {
            return Err(format!("no bundled .proto files under {}", dir.display()));
        }
        files
    } else {
        Vec::new()
    };
    // (include dir, file) per file; with `--bundled`, each directory without protoc's files.
    let mut inputs: Vec<(PathBuf, String)> = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let mut files = Vec::new();
        find_protos(dir, dir, &mut files)?;
        let include = if bundled {
            files.retain(|f| !bundled_files.contains(f));
            let copy = tmp.join(format!("include-{i}"));
            for f in &files {
                let to = copy.join(f);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::copy(dir.join(f), &to).map_err(|e| format!("{}: {e}", to.display()))?;
            }
            copy
        } else {
            dir.clone()
        };
        util::step(&format!(
            "{} files under {}{}",
            files.len(),
            dir.display(),
            if bundled {
                " (without the files protoc bundles)"
            } else {
                ""
            }
        ));
        inputs.extend(files.into_iter().map(|f| (include.clone(), f)));
    }
    // Two jobs per file: without and with source info.
    let mut jobs = Vec::new();
    for (include, name) in &inputs {
        for source_info in [false, true] {
            let n = jobs.len();
            jobs.push((
                include.clone(),
                name.clone(),
                source_info,
                tmp.join(format!("{n}-protoc.pb")),
                tmp.join(format!("{n}-courier.pb")),
            ));
        }
    }

    util::step(&format!("protoc: {} compilations", jobs.len()));
    let protoc_jobs: Vec<serde_json::Value> = jobs
        .iter()
        .map(|(inc, name, src, theirs, _)| {
            serde_json::json!([
                inc.display().to_string(),
                name,
                theirs.display().to_string(),
                src
            ])
        })
        .collect();
    let protoc_out = run_python(python, PROTOC_PY, &serde_json::Value::Array(protoc_jobs))?;
    let protoc_results: Vec<(bool, String)> = serde_json::from_str(protoc_out.trim())
        .map_err(|e| format!("protoc driver output: {e}"))?;
    if protoc_results.len() != jobs.len() {
        return Err("the protoc driver answered for a different number of files".into());
    }

    util::step(&format!(
        "{}: {} compilations",
        match ours {
            Ours::Idl => "courier-idl",
            Ours::Cli => "courier compile",
        },
        jobs.len()
    ));
    let ours_kind = ours;
    let mut pairs = Vec::new();
    for ((include, name, source_info, theirs, ours), (theirs_ok, theirs_err)) in
        jobs.iter().zip(&protoc_results)
    {
        let mut courier = Command::new(ours_bin);
        match ours_kind {
            Ours::Idl => {
                courier.arg("-I").arg(include).arg("-o").arg(ours);
                if *source_info {
                    courier.arg("--source-info");
                }
            }
            Ours::Cli => {
                // As a user in the include directory: the file by its path there.
                courier
                    .current_dir(include)
                    .arg("compile")
                    .arg("-I")
                    .arg(include)
                    .arg("-o")
                    .arg(ours)
                    .arg("--include_imports");
                if *source_info {
                    courier.arg("--include_source_info");
                }
            }
        }
        let out = courier
            .arg(name)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("could not start {}: {e}", ours_bin.display()))?;
        let ours_ok = out.status.success();
        // Errors show when exactly one compiler rejects a file.
        if *theirs_ok && !ours_ok {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        } else if !*theirs_ok && ours_ok {
            eprint!("{theirs_err}");
        }
        let label = format!(
            "{name} ({})",
            if *source_info {
                "with source info"
            } else {
                "without source info"
            }
        );
        pairs.push(serde_json::json!([
            label,
            theirs_ok.then(|| theirs.display().to_string()),
            ours_ok.then(|| ours.display().to_string()),
        ]));
    }

    util::step("compare: FileDescriptorProto bytes, then the messages decoded by Python protobuf");
    let text = run_python(python, COMPARE_PY, &serde_json::Value::Array(pairs))?;
    let (report, last) = text
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", text.trim_end()));
    if !report.is_empty() {
        println!("{report}");
    }
    let verdicts: Vec<bool> =
        serde_json::from_str(last).map_err(|e| format!("compare script output: {e}"))?;
    // A file is identical when both of its comparisons (with and without source info) are.
    let identical = verdicts.chunks(2).filter(|c| c.iter().all(|&v| v)).count();
    Ok((inputs.len(), identical))
}

/// Runs a Python script with `input` as JSON on its stdin; its stdout.
fn run_python(python: &Path, script: &str, input: &serde_json::Value) -> Result<String> {
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", python.display()))?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        stdin
            .write_all(input.to_string().as_bytes())
            .map_err(|e| format!("writing to a Python script: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("Python script: {e}"))?;
    if !out.status.success() {
        return Err("a Python script of protoc-compare failed".into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every `.proto` under `dir`, as paths relative to `root` with `/` separators, sorted.
fn find_protos(dir: &Path, root: &Path, out: &mut Vec<String>) -> Result {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_protos(&p, root, out)?;
        } else if p.extension().is_some_and(|e| e == "proto") {
            let rel = p
                .strip_prefix(root)
                .map_err(|_| format!("{} is not under {}", p.display(), root.display()))?;
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
