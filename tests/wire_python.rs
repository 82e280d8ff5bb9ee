//! Real-peer cross-check of courier-wire against Python `protobuf` (upb).
//!
//! `tests/data/protos/courier/wire_test.proto` (every field kind) is compiled with
//! `python -m grpc_tools.protoc` into a temporary directory. Messages encoded by Courier are
//! decoded by Python and compared field by field (a canonical dump both sides print), and
//! Python's re-encoding is decoded by Courier and compared with the original; messages generated
//! and encoded by Python are decoded by Courier and compared field by field the same way.

use std::path::PathBuf;
use std::process::Command;

use bytes::Bytes;
use courier_wire::Message;
use courier_wire::testing::TestAll;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex from the peer"))
        .collect()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!("courier-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn courier_and_python_protobuf_agree() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let root = courier_tests::repo_root();
    let tmp = TempDir::new("wire-python");
    let status = Command::new(&python)
        .args(["-m", "grpc_tools.protoc"])
        .arg(format!("-I{}", root.join("tests/data/protos").display()))
        .arg(format!("--python_out={}", tmp.0.display()))
        .arg("courier/wire_test.proto")
        .status()
        .expect("run protoc");
    assert!(status.success(), "protoc failed");

    // Courier → Python: 400 random messages (every field kind, unknown fields, nesting).
    let ours: Vec<TestAll> = (0..400).map(|seed| TestAll::random(seed, 3)).collect();
    let input: String = ours
        .iter()
        .map(|m| hex(&m.encode_to_vec()) + "\n")
        .collect();
    let input_path = tmp.0.join("courier.hex");
    std::fs::write(&input_path, input).expect("write input");
    let python_count = 400;
    let out = Command::new(&python)
        .arg(root.join("tests/peers/wire_peer.py"))
        .arg(&tmp.0)
        .arg(&input_path)
        .arg(python_count.to_string())
        .output()
        .expect("run wire_peer.py");
    assert!(
        out.status.success(),
        "wire_peer.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        ours.len() + python_count,
        "one line per message"
    );

    let mut unknown_checked = 0;
    for (i, (line, original)) in lines.iter().zip(&ours).enumerate() {
        let mut parts = line.split('\t');
        assert_eq!(parts.next(), Some("R"));
        let (dump, reencoded) = (parts.next().unwrap(), unhex(parts.next().unwrap()));
        // Python decoded Courier's bytes to the same fields.
        assert_eq!(
            dump,
            original.dump(),
            "message {i}: Python's decode differs"
        );
        // Python's encoding decodes to the original, unknown fields included.
        let back = TestAll::decode_bytes(Bytes::from(reencoded))
            .unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert_eq!(
            &back, original,
            "message {i}: Courier's decode of Python's encoding differs"
        );
        if !original.unknown_fields.is_empty() {
            unknown_checked += 1;
        }
    }
    assert!(unknown_checked > 50, "enough messages carry unknown fields");

    // Python → Courier: messages Python generated and encoded.
    let mut nonempty = 0;
    for (i, line) in lines[ours.len()..].iter().enumerate() {
        let mut parts = line.split('\t');
        assert_eq!(parts.next(), Some("P"));
        let (dump, encoded) = (parts.next().unwrap(), unhex(parts.next().unwrap()));
        let m = TestAll::decode(&encoded[..]).unwrap_or_else(|e| panic!("python message {i}: {e}"));
        assert_eq!(
            m.dump(),
            dump,
            "python message {i}: Courier's decode differs"
        );
        assert!(m.unknown_fields.is_empty());
        // Courier's encoding of it has the same length (same canonical form, field order aside).
        assert_eq!(m.encoded_len(), encoded.len(), "python message {i}");
        if !encoded.is_empty() {
            nonempty += 1;
        }
    }
    assert!(nonempty > python_count / 2);
}
