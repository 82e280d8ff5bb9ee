//! Peer check: on the corpus of invalid protos (`crates/courier-idl/tests/data/invalid`),
//! courier-idl rejects exactly the files protoc rejects, and protoc's first error message is
//! among courier-idl's.
//!
//! protoc is the peer venv's `python -m grpc_tools.protoc`.

use std::process::Command;

use courier_idl::Compiler;

#[test]
fn rejects_what_protoc_rejects() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let dir = courier_tests::repo_root().join("crates/courier-idl/tests/data/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("invalid corpus")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".proto").then_some(name)
        })
        .collect();
    names.sort();
    let mut mismatches = Vec::new();
    for name in &names {
        let out = Command::new(&python)
            .args(["-m", "grpc_tools.protoc", "-I"])
            .arg(&dir)
            .arg("--descriptor_set_out=/dev/null")
            .arg(name)
            .current_dir(&dir)
            .output()
            .expect("protoc runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // protoc's first error, without its `file:line:col: ` prefix.
        let first = stderr
            .lines()
            .filter(|l| {
                !l.contains("warning:") && !l.starts_with("WARNING") && !l.contains("parser.cc")
            })
            .map(|l| {
                let mut parts = l.splitn(4, ':');
                let (a, b, c, d) = (parts.next(), parts.next(), parts.next(), parts.next());
                match (b, c, d) {
                    (Some(b), Some(c), Some(d))
                        if b.chars().all(|x| x.is_ascii_digit())
                            && c.chars().all(|x| x.is_ascii_digit()) =>
                    {
                        d.trim().to_string()
                    }
                    _ => l
                        .split_once(": ")
                        .map_or(a.unwrap_or(""), |(_, rest)| rest)
                        .trim()
                        .to_string(),
                }
            })
            .next();
        let mut c = Compiler::new();
        c.include(&dir);
        let ours = c.compile(&[name]);
        match (out.status.success(), ours) {
            (true, Ok(_)) => mismatches.push(format!("{name}: both accept it (not invalid)")),
            (false, Ok(_)) => mismatches.push(format!("{name}: protoc rejects it, we accept it")),
            (true, Err(_)) => mismatches.push(format!("{name}: protoc accepts it, we reject it")),
            (false, Err(e)) => {
                let first = first.unwrap_or_default();
                if !e.messages().any(|m| m == first) {
                    mismatches.push(format!(
                        "{name}: protoc says {first:?}, we say {:?}",
                        e.messages().collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
