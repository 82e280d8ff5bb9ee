//! [`PeerIdentity`]: who is on the other end of a verified TLS connection, read from its
//! certificate after the handshake.

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, ErrorKind};

/// The verified peer of a TLS connection: the subject and subject alternative names of its
/// leaf certificate, and the chain it presented.
///
/// Built only from a chain rustls has verified (against the configured roots, and, for a
/// server, for the server name), so a handler or interceptor can make authorization decisions
/// on it. SPIFFE IDs are URI SANs with the `spiffe` scheme
/// (<https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md>).
///
/// ```
/// # #[cfg(feature = "dev-certs")] {
/// use courier_tls::{PeerIdentity, dev::DevPki};
///
/// let pki = DevPki::builder()
///     .server_sans(["localhost"])
///     .client_spiffe_id("spiffe://example.org/ns/prod/sa/billing")
///     .build()
///     .unwrap();
/// let id = PeerIdentity::from_chain(pki.client_identity().chain()).unwrap();
/// assert_eq!(id.spiffe_id(), Some("spiffe://example.org/ns/prod/sa/billing"));
/// assert!(id.subject().contains("courier dev client"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerIdentity {
    subject: String,
    dns_names: Vec<String>,
    uris: Vec<String>,
    ip_addresses: Vec<IpAddr>,
    chain: Vec<CertificateDer<'static>>,
}

impl PeerIdentity {
    /// Reads the identity of `chain`'s leaf (the first certificate). The chain must not be
    /// empty. This parses; it does not verify: use it on chains a handshake verified.
    pub fn from_chain(chain: &[CertificateDer<'_>]) -> Result<PeerIdentity, Error> {
        let leaf = chain.first().ok_or_else(|| {
            Error::new(
                ErrorKind::NoCertificate,
                "the peer presented no certificate",
            )
        })?;
        let (_, cert) = X509Certificate::from_der(leaf)
            .map_err(|e| Error::new(ErrorKind::Certificate, format!("peer certificate: {e}")))?;
        let mut id = PeerIdentity {
            subject: cert.subject().to_string(),
            dns_names: Vec::new(),
            uris: Vec::new(),
            ip_addresses: Vec::new(),
            chain: chain.iter().map(|c| c.clone().into_owned()).collect(),
        };
        let san = cert
            .subject_alternative_name()
            .map_err(|e| Error::new(ErrorKind::Certificate, format!("subjectAltName: {e}")))?;
        if let Some(san) = san {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => id.dns_names.push((*d).to_owned()),
                    GeneralName::URI(u) => id.uris.push((*u).to_owned()),
                    GeneralName::IPAddress(bytes) => {
                        if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                            id.ip_addresses.push(IpAddr::from(v4));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                            id.ip_addresses.push(IpAddr::from(v6));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(id)
    }

    /// The leaf's subject distinguished name, as text (`CN=..., O=...`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The leaf's DNS names (subjectAltName dNSName).
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// The leaf's URIs (subjectAltName uniformResourceIdentifier), SPIFFE IDs included.
    pub fn uris(&self) -> &[String] {
        &self.uris
    }

    /// The leaf's IP addresses (subjectAltName iPAddress).
    pub fn ip_addresses(&self) -> &[IpAddr] {
        &self.ip_addresses
    }

    /// The SPIFFE ID: the URI SAN with the `spiffe://` scheme. An X509-SVID has exactly one
    /// URI SAN; when there are several, the first SPIFFE one.
    pub fn spiffe_id(&self) -> Option<&str> {
        self.uris
            .iter()
            .map(String::as_str)
            .find(|u| u.starts_with("spiffe://"))
    }

    /// The chain the peer presented, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// Whether `name` is one of the leaf's DNS names (ASCII case-insensitive) or URIs (exact).
    pub fn has_san(&self, name: &str) -> bool {
        self.dns_names.iter().any(|d| d.eq_ignore_ascii_case(name))
            || self.uris.iter().any(|u| u == name)
    }
}
