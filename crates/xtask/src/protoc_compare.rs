//! `cargo xtask protoc-compare [DIR...]`: compiles every `.proto` under each directory with
//! courier-idl and with protoc (the peer venv's `python -m grpc_tools.protoc`), with and without
//! source info, and compares the descriptor sets semantically: both are decoded by the Python
//! protobuf runtime and compared file by file, field by field. Prints a diff per mismatching
//! file and ends with `protoc-compare: N files, M identical, K differ`.
//!
//! Each directory is the include path of the files under it (like `protoc -I DIR`). The default
//! corpus is `tests/data/protos`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::peers;
use crate::util::{self, Result};

/// Decodes each (protoc, courier) pair of descriptor sets and prints a diff per file that
/// differs; the last line of output is a JSON list of booleans (identical or not), one per pair.
const COMPARE_PY: &str = r#"
import difflib, json, sys
from google.protobuf import descriptor_pb2, text_format

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
    sets = []
    for path in (theirs, ours):
        s = descriptor_pb2.FileDescriptorSet()
        s.ParseFromString(open(path, "rb").read())
        sets.append(s)
    a, b = sets
    same = True
    names = [f.name for f in a.file], [f.name for f in b.file]
    if names[0] != names[1]:
        print(f"--- {label}: files differ: protoc {names[0]} courier {names[1]}")
        same = False
    for fa, fb in zip(a.file, b.file):
        if fa == fb:
            continue
        same = False
        ta = text_format.MessageToString(fa).splitlines()
        tb = text_format.MessageToString(fb).splitlines()
        diff = list(difflib.unified_diff(ta, tb, "protoc", "courier-idl", lineterm="", n=2))
        print(f"--- {label}: {fa.name} differs")
        print("\n".join(diff[:60]))
        if len(diff) > 60:
            print(f"    ... {len(diff) - 60} more diff lines")
    verdicts.append(same)
print(json.dumps(verdicts))
"#;

pub(crate) fn main(args: &[String]) -> Result {
    let root = util::root();
    let dirs: Vec<PathBuf> = if args.is_empty() {
        vec![root.join("tests/data/protos")]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let python = peers::python();
    if !python.exists() {
        return Err("the peers are not installed; run `cargo xtask peers`".into());
    }
    util::step("build courier-idl's compile example");
    util::run(util::cargo().args(["build", "-q", "-p", "courier-idl", "--example", "compile"]))?;
    let ours_bin = util::target_dir().join("debug/examples/compile");

    let tmp = std::env::temp_dir().join(format!("courier-protoc-compare-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut pairs = Vec::new();
    let mut names = Vec::new();
    for dir in &dirs {
        let mut files = Vec::new();
        find_protos(dir, dir, &mut files)?;
        util::step(&format!(
            "compile {} files under {}",
            files.len(),
            dir.display()
        ));
        for name in files {
            for source_info in [false, true] {
                let n = pairs.len();
                let theirs = tmp.join(format!("{n}-protoc.pb"));
                let ours = tmp.join(format!("{n}-courier.pb"));
                let mut protoc = Command::new(&python);
                protoc
                    .args(["-m", "grpc_tools.protoc", "-I"])
                    .arg(dir)
                    .arg(format!("--descriptor_set_out={}", theirs.display()))
                    .arg("--include_imports");
                let mut courier = Command::new(&ours_bin);
                courier.arg("-I").arg(dir).arg("-o").arg(&ours);
                if source_info {
                    protoc.arg("--include_source_info");
                    courier.arg("--source-info");
                }
                let theirs_ok = quiet(protoc.arg(&name))?;
                let ours_ok = quiet(courier.arg(&name))?;
                let label = format!(
                    "{name} ({})",
                    if source_info {
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
            names.push(name);
        }
    }
    util::step("compare (decoded by Python protobuf)");
    let mut child = Command::new(&python)
        .args(["-c", COMPARE_PY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", python.display()))?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        stdin
            .write_all(serde_json::Value::Array(pairs).to_string().as_bytes())
            .map_err(|e| format!("writing to the compare script: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("compare script: {e}"))?;
    let _ = std::fs::remove_dir_all(&tmp);
    if !out.status.success() {
        return Err("the compare script failed".into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
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
    let total = names.len();
    println!(
        "protoc-compare: {total} files, {identical} identical, {} differ",
        total - identical
    );
    if identical == total {
        Ok(())
    } else {
        Err(format!("{} files differ from protoc", total - identical))
    }
}

/// Runs a compiler quietly (its errors still show); whether it succeeded.
fn quiet(cmd: &mut Command) -> Result<bool> {
    let out = cmd
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.status.success())
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
