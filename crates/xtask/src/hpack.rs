//! `cargo xtask hpack-stories [DIR...]`: decodes HPACK interop stories (the hpack-test-case
//! format, see tests/data/hpack-test-case/README.md) with courier-hpack and counts mismatches.
//!
//! Every `*.json` or `*.json.gz` file under the given directories that holds a `cases` array
//! with `wire` fields is a story; the cases of one story share one decoder, and a case's
//! `header_table_size` is applied (as our acknowledged SETTINGS_HEADER_TABLE_SIZE) before it is
//! decoded. With no directory, the project's own copy in tests/data/hpack-test-case is checked
//! (a CI step). Ends with `hpack-stories: N stories, M cases, K mismatches`; fails if K > 0 or
//! nothing was found.

use std::path::{Path, PathBuf};

use courier_hpack::Decoder;

use crate::util::{self, Result};

/// How many mismatches are printed in full.
const SHOWN: usize = 20;

/// Entry point for `cargo xtask hpack-stories`.
pub(crate) fn main(args: &[String]) -> Result {
    let dirs: Vec<PathBuf> = if args.is_empty() {
        vec![util::root().join("tests/data/hpack-test-case")]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    util::step(&format!(
        "hpack-stories: {}",
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let mut files = Vec::new();
    for d in &dirs {
        if !d.exists() {
            return Err(format!("{}: no such directory", d.display()));
        }
        collect(d, &mut files)?;
    }
    files.sort();
    let (mut stories, mut cases, mut mismatches) = (0usize, 0usize, 0usize);
    for file in &files {
        let story = util::read_json(file)?;
        let Some(list) = story["cases"].as_array() else {
            continue;
        };
        if !list.iter().all(|c| c["wire"].is_string()) {
            continue; // raw-data: header lists without encodings
        }
        stories += 1;
        cases += list.len();
        for problem in check_story(list) {
            mismatches += 1;
            if mismatches <= SHOWN {
                eprintln!("    mismatch: {}: {problem}", file.display());
            }
        }
    }
    if mismatches > SHOWN {
        eprintln!("    ... and {} more", mismatches - SHOWN);
    }
    println!("hpack-stories: {stories} stories, {cases} cases, {mismatches} mismatches");
    if stories == 0 {
        return Err("no HPACK stories found".into());
    }
    if mismatches > 0 {
        return Err(format!(
            "{mismatches} HPACK story cases did not decode as expected"
        ));
    }
    Ok(())
}

/// The CI step: the project's own stories.
pub(crate) fn ci() -> Result {
    main(&[])
}

/// Decodes one story's cases in order with one decoder; returns a line per failing case.
fn check_story(cases: &[serde_json::Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut decoder = Decoder::new(courier_hpack::DEFAULT_TABLE_SIZE);
    let mut broken = false;
    for case in cases {
        let seqno = case["seqno"].as_u64().unwrap_or(0);
        if broken {
            problems.push(format!("case {seqno}: not decoded (context lost earlier)"));
            continue;
        }
        if let Some(size) = case["header_table_size"].as_u64() {
            decoder.set_max_table_size(size as usize);
        }
        let Some(wire) = case["wire"].as_str().and_then(unhex) else {
            problems.push(format!("case {seqno}: `wire` is not hex"));
            broken = true;
            continue;
        };
        let want = expected_headers(&case["headers"]);
        match decoder.decode_to_vec(&wire) {
            Ok(fields) => {
                let got: Vec<(Vec<u8>, Vec<u8>)> = fields
                    .iter()
                    .map(|f| (f.name().to_vec(), f.value().to_vec()))
                    .collect();
                if Some(&got) != want.as_ref() {
                    problems.push(format!("case {seqno}: decoded headers differ"));
                }
            }
            Err(e) => {
                problems.push(format!("case {seqno}: {e}"));
                broken = e.is_compression_error();
            }
        }
    }
    problems
}

/// `headers` as (name, value) pairs: an array of one-entry objects.
fn expected_headers(headers: &serde_json::Value) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    for h in headers.as_array()? {
        let obj = h.as_object()?;
        for (name, value) in obj {
            out.push((
                name.as_bytes().to_vec(),
                value.as_str()?.as_bytes().to_vec(),
            ));
        }
    }
    Some(out)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            if name.ends_with(".json") || name.ends_with(".json.gz") {
                out.push(p);
            }
        }
    }
    Ok(())
}
