//! `courier certs DIR [--san NAME]... [--client-spiffe-id URI] [--days N]`: writes a
//! development CA, a server certificate and a client certificate (rcgen, via courier-tls's
//! [`DevPki`]) with their keys as PEM files, for local TLS and mTLS.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use courier::tls::dev::DevPki;

/// `courier certs`.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(after_help = "\
Writes DIR/ca.pem, ca.key, server.pem, server.key, client.pem and client.key: a development CA
and a server and a client certificate it issued (ECDSA P-256). For development and tests only.

Example, a TLS server and a call to it:
  courier certs certs/
  courier call --cacert certs/ca.pem localhost:50051 helloworld.Greeter/SayHello -d '{}'
  (mutual TLS: add --cert certs/client.pem --key certs/client.key)")]
pub(crate) struct CertsArgs {
    /// The directory to write the files into (created if missing)
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,

    /// A DNS name or IP address of the server certificate (repeatable; default: localhost,
    /// 127.0.0.1, ::1)
    #[arg(long = "san", value_name = "NAME")]
    pub(crate) sans: Vec<String>,

    /// A DNS name of the client certificate (repeatable; default: client.courier.test)
    #[arg(long = "client-san", value_name = "NAME")]
    pub(crate) client_sans: Vec<String>,

    /// The client certificate's SPIFFE ID (default: spiffe://courier.test/client)
    #[arg(long, value_name = "URI")]
    pub(crate) client_spiffe_id: Option<String>,

    /// Validity in days, 1 to 3650
    #[arg(long, value_name = "N", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub(crate) days: u64,
}

/// Runs `courier certs`.
pub(crate) fn run(args: &CertsArgs) -> ExitCode {
    match run_checked(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("courier certs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_checked(args: &CertsArgs) -> Result<(), String> {
    let mut builder = DevPki::builder();
    if let Some(id) = &args.client_spiffe_id {
        builder = builder.client_spiffe_id(id.clone());
    }
    if args.days == 0 || args.days > 3650 {
        return Err("--days must be 1 to 3650".into());
    }
    builder = builder.valid_for(Duration::from_secs(args.days * 24 * 3600));
    let (dir, sans, client_sans) = (
        args.dir.clone(),
        args.sans.clone(),
        args.client_sans.clone(),
    );
    if !sans.is_empty() {
        builder = builder.server_sans(sans);
    }
    if !client_sans.is_empty() {
        builder = builder.client_sans(client_sans);
    }
    let pki = builder.build().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let files = [
        ("ca.pem", pki.ca_cert_pem(), false),
        ("ca.key", pki.ca_key_pem(), true),
        ("server.pem", pki.server_cert_pem().to_owned(), false),
        ("server.key", pki.server_key_pem().to_owned(), true),
        ("client.pem", pki.client_cert_pem().to_owned(), false),
        ("client.key", pki.client_key_pem().to_owned(), true),
    ];
    for (name, text, secret) in &files {
        write(&dir.join(name), text, *secret)?;
        println!("wrote {}", dir.join(name).display());
    }
    Ok(())
}

/// Writes `text` to `path`; private keys readable by the owner only (on Unix).
fn write(path: &Path, text: &str, secret: bool) -> Result<(), String> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier::tls::{ClientTls, Identity, PeerIdentity, Roots, ServerTls};

    #[test]
    fn writes_a_ca_and_certificates_that_work_together() {
        let dir = std::env::temp_dir().join(format!("courier-certs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let args = CertsArgs {
            dir: dir.clone(),
            sans: vec!["foo.test".into(), "10.1.2.3".into()],
            client_spiffe_id: Some("spiffe://example.org/me".into()),
            days: 90,
            ..Default::default()
        };
        run_checked(&args).unwrap();
        let server =
            Identity::from_pem_files(dir.join("server.pem"), dir.join("server.key")).unwrap();
        let id = PeerIdentity::from_chain(server.chain()).unwrap();
        assert_eq!(id.dns_names(), &["foo.test".to_owned()]);
        assert_eq!(
            id.ip_addresses(),
            &["10.1.2.3".parse::<std::net::IpAddr>().unwrap()]
        );
        let client =
            Identity::from_pem_files(dir.join("client.pem"), dir.join("client.key")).unwrap();
        let cid = PeerIdentity::from_chain(client.chain()).unwrap();
        assert_eq!(cid.spiffe_id(), Some("spiffe://example.org/me"));
        assert_eq!(Roots::from_pem_file(dir.join("ca.pem")).unwrap().len(), 1);
        // The files make working configs.
        ServerTls::builder()
            .identity_files(dir.join("server.pem"), dir.join("server.key"))
            .client_ca_file(dir.join("ca.pem"))
            .build()
            .unwrap();
        ClientTls::builder()
            .ca_file(dir.join("ca.pem"))
            .identity_files(dir.join("client.pem"), dir.join("client.key"))
            .build()
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("server.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "keys are private");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let args = CertsArgs {
            dir: std::env::temp_dir().join("courier-certs-never-written"),
            days: 0,
            ..Default::default()
        };
        assert!(run_checked(&args).is_err());
    }
}
