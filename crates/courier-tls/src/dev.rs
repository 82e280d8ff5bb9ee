//! Development certificates made with rcgen: a CA, a server and a client certificate, in
//! memory (`courier certs` writes them as PEM files). For tests, demos and local development;
//! not for production, where certificates come from a real CA and are rotated.

use std::fmt;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use crate::error::{Error, ErrorKind};
use crate::material::{Identity, Roots};

/// How long dev certificates are valid by default.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(90 * 24 * 3600);

#[cold]
fn generate_error(what: &str, e: impl fmt::Display) -> Error {
    Error::new(ErrorKind::Generate, format!("{what}: {e}"))
}

/// What a leaf certificate [`DevPki::issue`] makes says.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// The subject's common name.
    pub common_name: String,
    /// Subject alternative names: DNS names, and IP addresses written as such.
    pub sans: Vec<String>,
    /// URI subject alternative names (SPIFFE IDs: `spiffe://trust-domain/path`).
    pub uris: Vec<String>,
    /// For TLS servers (extended key usage serverAuth).
    pub server: bool,
    /// For TLS clients (extended key usage clientAuth).
    pub client: bool,
    /// How long from now it is valid; `None` makes a certificate that expired yesterday
    /// (for tests of expiry handling).
    pub valid_for: Option<Duration>,
}

/// A certificate and its key, as made by [`DevPki`].
#[derive(Clone)]
pub struct DevCert {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl DevCert {
    /// The certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key, PKCS#8 PEM.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The certificate, DER.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The certificate (a chain of one) and key, to present.
    pub fn identity(&self) -> Identity {
        Identity::from_der(
            vec![self.der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
        )
    }
}

impl fmt::Debug for DevCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevCert").finish_non_exhaustive()
    }
}

/// Builds a [`DevPki`].
#[derive(Clone, Debug)]
pub struct DevPkiBuilder {
    ca_name: Option<String>,
    server_sans: Vec<String>,
    client_sans: Vec<String>,
    client_uris: Vec<String>,
    valid_for: Duration,
}

impl DevPkiBuilder {
    /// The CA's common name (default `courier dev CA` and a few hex digits of its key, so that
    /// two dev CAs never share a name: a verifier then reports an unknown issuer rather than a
    /// bad signature).
    pub fn ca_name(mut self, name: impl Into<String>) -> Self {
        self.ca_name = Some(name.into());
        self
    }

    /// The server certificate's SANs: DNS names and IP addresses (default `localhost`,
    /// `127.0.0.1`, `::1`).
    pub fn server_sans<S: Into<String>>(mut self, sans: impl IntoIterator<Item = S>) -> Self {
        self.server_sans = sans.into_iter().map(Into::into).collect();
        self
    }

    /// The client certificate's DNS SANs (default `client.courier.test`).
    pub fn client_sans<S: Into<String>>(mut self, sans: impl IntoIterator<Item = S>) -> Self {
        self.client_sans = sans.into_iter().map(Into::into).collect();
        self
    }

    /// Gives the client certificate a SPIFFE ID (a URI SAN; default
    /// `spiffe://courier.test/client`).
    pub fn client_spiffe_id(mut self, id: impl Into<String>) -> Self {
        self.client_uris = vec![id.into()];
        self
    }

    /// How long the certificates are valid from now (default [`DEFAULT_VALIDITY`]).
    pub fn valid_for(mut self, d: Duration) -> Self {
        self.valid_for = d;
        self
    }

    /// Generates the keys (ECDSA P-256) and certificates.
    pub fn build(self) -> Result<DevPki, Error> {
        let now = OffsetDateTime::now_utc();
        let ca_key = KeyPair::generate().map_err(|e| generate_error("CA key", e))?;
        let ca_name = match self.ca_name {
            Some(name) => name,
            None => {
                let tag: String = ca_key.public_key_raw()[1..5]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("courier dev CA {tag}")
            }
        };
        let mut ca = CertificateParams::default();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(DnType::CommonName, ca_name.as_str());
        ca.distinguished_name
            .push(DnType::OrganizationName, "Courier development");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = now - time::Duration::hours(1);
        ca.not_after = now + self.valid_for + Duration::from_secs(24 * 3600);
        let ca = CertifiedIssuer::self_signed(ca, ca_key)
            .map_err(|e| generate_error("CA certificate", e))?;
        let server = issue(
            &ca,
            &LeafSpec {
                common_name: "courier dev server".into(),
                sans: self.server_sans,
                uris: Vec::new(),
                server: true,
                client: false,
                valid_for: Some(self.valid_for),
            },
        )?;
        let client = issue(
            &ca,
            &LeafSpec {
                common_name: "courier dev client".into(),
                sans: self.client_sans,
                uris: self.client_uris,
                server: false,
                client: true,
                valid_for: Some(self.valid_for),
            },
        )?;
        Ok(DevPki { ca, server, client })
    }
}

/// A development PKI: a CA, a server certificate and a client certificate it issued, each
/// with a fresh ECDSA P-256 key. It can issue more ([`issue`](DevPki::issue)).
///
/// ```
/// use courier_tls::dev::DevPki;
///
/// let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
/// assert!(pki.ca_cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// assert!(pki.server().key_pem().contains("PRIVATE KEY"));
/// assert_eq!(pki.roots().len(), 1);
/// ```
pub struct DevPki {
    ca: CertifiedIssuer<'static, KeyPair>,
    server: DevCert,
    client: DevCert,
}

impl fmt::Debug for DevPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevPki").finish_non_exhaustive()
    }
}

impl DevPki {
    /// A builder with the defaults.
    pub fn builder() -> DevPkiBuilder {
        DevPkiBuilder {
            ca_name: None,
            server_sans: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            client_sans: vec!["client.courier.test".into()],
            client_uris: vec!["spiffe://courier.test/client".into()],
            valid_for: DEFAULT_VALIDITY,
        }
    }

    /// A CA, a server certificate for `server_sans`, and a client certificate (defaults of
    /// [`DevPki::builder`]).
    pub fn generate(server_sans: &[&str]) -> Result<DevPki, Error> {
        DevPki::builder()
            .server_sans(server_sans.iter().copied())
            .build()
    }

    /// Issues another leaf certificate from this CA.
    pub fn issue(&self, spec: &LeafSpec) -> Result<DevCert, Error> {
        issue(&self.ca, spec)
    }

    /// The CA certificate, PEM.
    pub fn ca_cert_pem(&self) -> String {
        self.ca.pem()
    }

    /// The CA's private key, PKCS#8 PEM (to issue more certificates elsewhere).
    pub fn ca_key_pem(&self) -> String {
        self.ca.key().serialize_pem()
    }

    /// The CA certificate as trust roots.
    pub fn roots(&self) -> Roots {
        let mut r = Roots::new();
        r.add(self.ca.der().clone());
        r
    }

    /// The server certificate and key.
    pub fn server(&self) -> &DevCert {
        &self.server
    }

    /// The client certificate and key.
    pub fn client(&self) -> &DevCert {
        &self.client
    }

    /// The server certificate, PEM.
    pub fn server_cert_pem(&self) -> &str {
        self.server().cert_pem()
    }

    /// The server key, PEM.
    pub fn server_key_pem(&self) -> &str {
        self.server().key_pem()
    }

    /// The client certificate, PEM.
    pub fn client_cert_pem(&self) -> &str {
        self.client().cert_pem()
    }

    /// The client key, PEM.
    pub fn client_key_pem(&self) -> &str {
        self.client().key_pem()
    }

    /// The server's identity, to present.
    pub fn server_identity(&self) -> Identity {
        self.server().identity()
    }

    /// The client's identity, to present.
    pub fn client_identity(&self) -> Identity {
        self.client().identity()
    }
}

/// Issues a leaf certificate from `ca`.
fn issue(ca: &CertifiedIssuer<'static, KeyPair>, spec: &LeafSpec) -> Result<DevCert, Error> {
    let mut params = CertificateParams::new(spec.sans.clone())
        .map_err(|e| generate_error("subject alternative names", e))?;
    for u in &spec.uris {
        let uri = rcgen::string::Ia5String::try_from(u.as_str())
            .map_err(|e| generate_error("URI SAN", e))?;
        params.subject_alt_names.push(SanType::URI(uri));
    }
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, spec.common_name.as_str());
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Courier development");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if spec.server {
        params
            .extended_key_usages
            .push(ExtendedKeyUsagePurpose::ServerAuth);
    }
    if spec.client {
        params
            .extended_key_usages
            .push(ExtendedKeyUsagePurpose::ClientAuth);
    }
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    match spec.valid_for {
        Some(d) => {
            params.not_before = now - time::Duration::hours(1);
            params.not_after = now + d;
        }
        None => {
            params.not_before = now - time::Duration::days(30);
            params.not_after = now - time::Duration::days(1);
        }
    }
    let key = KeyPair::generate().map_err(|e| generate_error("key", e))?;
    let cert = params
        .signed_by(&key, ca)
        .map_err(|e| generate_error("certificate", e))?;
    Ok(DevCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().clone(),
        key_der: key.serialize_der(),
    })
}
