//! Writing TLS secrets in the NSS key log format (`SSLKEYLOGFILE`) so that Wireshark can
//! decrypt a capture. For debugging only: anyone with the file can read the traffic.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The environment variable browsers, curl and OpenSSL-based tools honour.
pub const SSLKEYLOGFILE: &str = "SSLKEYLOGFILE";

/// Appends `LABEL CLIENT_RANDOM SECRET` lines (hex) to a file
/// (<https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html>).
#[derive(Debug)]
pub(crate) struct KeyLogFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Opens (creates, appends to) `path`.
    pub(crate) fn open(path: &Path) -> std::io::Result<Arc<KeyLogFile>> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Arc::new(KeyLogFile {
            path: path.to_owned(),
            file: Mutex::new(file),
        }))
    }

    /// The file `SSLKEYLOGFILE` names, if it is set and can be opened (a warning otherwise).
    pub(crate) fn from_env() -> Option<Arc<KeyLogFile>> {
        let path = std::env::var_os(SSLKEYLOGFILE)?;
        match KeyLogFile::open(Path::new(&path)) {
            Ok(f) => Some(f),
            Err(e) => {
                let path = Path::new(&path).display();
                let why = "SSLKEYLOGFILE cannot be opened; not logging keys";
                tracing::warn!(%path, error = %e, "{why}");
                None
            }
        }
    }
}

impl rustls::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut line =
            String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
        line.push_str(label);
        line.push(' ');
        for b in client_random {
            let _ = write!(line, "{b:02x}");
        }
        line.push(' ');
        for b in secret {
            let _ = write!(line, "{b:02x}");
        }
        line.push('\n');
        let mut file = match self.file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(path = %self.path.display(), error = %e, "key log write failed");
        }
    }
}
