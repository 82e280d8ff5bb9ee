//! TLS material: an [`Identity`] (certificate chain + private key) and [`Roots`] (trusted CA
//! certificates), parsed from PEM with rustls-pki-types, and where each comes from (memory or
//! files, so that files can be read again on reload).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, ErrorKind};

/// The largest PEM file read (certificate bundles are kilobytes; a system bundle ~250 KiB).
pub const MAX_PEM_FILE: u64 = 16 << 20;

/// A certificate chain (leaf first) and the leaf's private key: what a server presents, and
/// what an mTLS client presents.
///
/// ```
/// # #[cfg(feature = "dev-certs")] {
/// use courier_tls::{Identity, dev::DevPki};
///
/// let pki = DevPki::generate(&["localhost"]).unwrap();
/// let id = Identity::from_pem(pki.server_cert_pem().as_bytes(), pki.server_key_pem().as_bytes())
///     .unwrap();
/// assert_eq!(id.chain().len(), 1);
/// # }
/// ```
#[derive(Clone)]
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl Identity {
    /// From DER: the chain (leaf first) and the private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_der(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Identity {
        Identity {
            chain,
            key: Arc::new(key),
        }
    }

    /// From PEM text: every `CERTIFICATE` section of `chain_pem` (leaf first) and the first
    /// private key section of `key_pem`.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Identity, Error> {
        let chain = certs_from_pem(chain_pem)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
            pem::Error::NoItemsFound => Error::new(
                ErrorKind::NoPrivateKey,
                "no PRIVATE KEY section in the key PEM",
            ),
            e => Error::new(ErrorKind::Pem, format!("key PEM: {e}")),
        })?;
        Ok(Identity::from_der(chain, key))
    }

    /// From two PEM files: the chain and the key.
    pub fn from_pem_files(
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Identity, Error> {
        let (chain, key) = (chain.as_ref(), key.as_ref());
        let chain_pem = read_pem_file(chain)?;
        let key_pem = read_pem_file(key)?;
        let chain_certs = certs_from_pem(&chain_pem).map_err(|e| e.context(chain.display()))?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
            pem::Error::NoItemsFound => Error::new(
                ErrorKind::NoPrivateKey,
                format!("{}: no PRIVATE KEY section", key.display()),
            ),
            e => Error::new(ErrorKind::Pem, format!("{}: {e}", key.display())),
        })?;
        Ok(Identity::from_der(chain_certs, key))
    }

    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKeyDer<'static> {
        &self.key
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Identity")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Trusted CA certificates: the roots a client verifies servers against, or a server verifies
/// client certificates against.
///
/// ```
/// # #[cfg(feature = "dev-certs")] {
/// use courier_tls::{Roots, dev::DevPki};
///
/// let pki = DevPki::generate(&["localhost"]).unwrap();
/// let roots = Roots::from_pem(pki.ca_cert_pem().as_bytes()).unwrap();
/// assert_eq!(roots.len(), 1);
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Roots {
    certs: Vec<CertificateDer<'static>>,
}

impl Roots {
    /// No roots.
    pub fn new() -> Roots {
        Roots::default()
    }

    /// Every `CERTIFICATE` section of `pem` (at least one).
    pub fn from_pem(pem: &[u8]) -> Result<Roots, Error> {
        Ok(Roots {
            certs: certs_from_pem(pem)?,
        })
    }

    /// Every `CERTIFICATE` section of the PEM file at `path` (at least one).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Roots, Error> {
        let path = path.as_ref();
        Roots::from_pem(&read_pem_file(path)?).map_err(|e| e.context(path.display()))
    }

    /// The operating system's trust roots (rustls-native-certs). Certificates the platform
    /// store holds but that do not parse are skipped; none at all is an error.
    #[cfg(feature = "platform-roots")]
    pub fn platform() -> Result<Roots, Error> {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let why: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
            return Err(Error::new(
                ErrorKind::NoCertificate,
                format!("no platform trust roots found ({})", why.join("; ")),
            ));
        }
        Ok(Roots { certs: found.certs })
    }

    /// Adds one DER certificate.
    pub fn add(&mut self, cert: CertificateDer<'static>) {
        self.certs.push(cert);
    }

    /// Adds every certificate of `other`.
    pub fn extend(&mut self, other: Roots) {
        self.certs.extend(other.certs);
    }

    /// The certificates.
    pub fn certs(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }

    /// How many certificates.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// A rustls root store; a certificate rustls cannot use as a trust anchor is an error.
    pub(crate) fn store(&self) -> Result<Arc<rustls::RootCertStore>, Error> {
        let mut store = rustls::RootCertStore::empty();
        for c in &self.certs {
            store
                .add(c.clone())
                .map_err(|e| Error::config("trust root", e))?;
        }
        Ok(Arc::new(store))
    }
}

/// Every `CERTIFICATE` section of `pem`; none is an error.
fn certs_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::new(ErrorKind::Pem, e.to_string()))?;
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::NoCertificate,
            "no CERTIFICATE section in the PEM",
        ));
    }
    Ok(certs)
}

/// Reads a PEM file of at most [`MAX_PEM_FILE`] bytes.
fn read_pem_file(path: &Path) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_PEM_FILE {
        return Err(Error::new(
            ErrorKind::Pem,
            format!(
                "{}: larger than {MAX_PEM_FILE} bytes, not a PEM bundle",
                path.display()
            ),
        ));
    }
    Ok(bytes)
}

/// Where an [`Identity`] comes from.
#[derive(Clone, Debug)]
pub(crate) enum IdentitySource {
    Memory(Identity),
    Files { chain: PathBuf, key: PathBuf },
}

impl IdentitySource {
    pub(crate) fn load(&self) -> Result<Identity, Error> {
        match self {
            IdentitySource::Memory(id) => Ok(id.clone()),
            IdentitySource::Files { chain, key } => Identity::from_pem_files(chain, key),
        }
    }

    fn files(&self, out: &mut Vec<PathBuf>) {
        if let IdentitySource::Files { chain, key } = self {
            out.push(chain.clone());
            out.push(key.clone());
        }
    }
}

/// Where trust roots come from; several add up.
#[derive(Clone, Debug)]
pub(crate) enum RootSource {
    Memory(Roots),
    File(PathBuf),
    #[cfg(feature = "platform-roots")]
    Platform,
}

pub(crate) fn load_roots(sources: &[RootSource]) -> Result<Roots, Error> {
    let mut roots = Roots::new();
    for s in sources {
        match s {
            RootSource::Memory(r) => roots.extend(r.clone()),
            RootSource::File(p) => roots.extend(Roots::from_pem_file(p)?),
            #[cfg(feature = "platform-roots")]
            RootSource::Platform => roots.extend(Roots::platform()?),
        }
    }
    Ok(roots)
}

/// The files some material is read from, with what they looked like when last read: the
/// periodic reload check compares these (modification time, length and a hash of the content,
/// so that a rewrite within the file system's time granularity is still seen) to decide whether
/// to read again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stamps(Vec<(PathBuf, Option<Stamp>)>);

/// A file's modification time, length and content hash.
type Stamp = (SystemTime, u64, u64);

impl Stamps {
    pub(crate) fn of(identity: Option<&IdentitySource>, roots: &[RootSource]) -> Stamps {
        let mut files = Vec::new();
        if let Some(id) = identity {
            id.files(&mut files);
        }
        for r in roots {
            if let RootSource::File(p) = r {
                files.push(p.clone());
            }
        }
        Stamps(
            files
                .into_iter()
                .map(|p| {
                    let stamp = std::fs::metadata(&p).ok().and_then(|m| {
                        let content = read_pem_file(&p).ok()?;
                        let mut h = std::hash::DefaultHasher::new();
                        std::hash::Hash::hash(&content, &mut h);
                        Some((m.modified().ok()?, m.len(), std::hash::Hasher::finish(&h)))
                    });
                    (p, stamp)
                })
                .collect(),
        )
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
