//! Name resolution: a channel's target becomes a list of [`Address`]es.
//!
//! Targets (naming.md): `host:port` and `dns:///host:port` (every A/AAAA record, re-resolved
//! when a connection is lost and at an interval), `http://host:port`, `unix:/path` and
//! `unix:///path` (a Unix domain socket), and static lists `ipv4:a:p,b:p` / `ipv6:[a]:p,...`.
//! [`ManualResolver`] lets a test (or an application with its own discovery) push addresses.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use super::lb::{Endpoint, ResolverUpdate};
use crate::call::BoxFuture;

/// One endpoint a subchannel connects to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A TCP address (connected with [`Connector::connect`](super::Connector::connect)).
    Tcp(SocketAddr),
    /// A Unix domain socket path (connected with
    /// [`Connector::connect_unix`](super::Connector::connect_unix)).
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) => write!(f, "{a}"),
            Address::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// The TCP addresses of `addresses`, in order (what [`Resolver::resolve`] answers).
fn tcp_only(addresses: &[Address]) -> Vec<SocketAddr> {
    addresses
        .iter()
        .filter_map(|a| match a {
            Address::Tcp(s) => Some(*s),
            Address::Unix(_) => None,
        })
        .collect()
}

impl From<SocketAddr> for Address {
    fn from(a: SocketAddr) -> Address {
        Address::Tcp(a)
    }
}

/// Turns a channel's target into addresses (and, for resolvers that know more, a service
/// config, attributes for the load-balancing policies and a config selector: see
/// [`resolve_update`](Self::resolve_update)).
///
/// A resolver is asked again when a connection is lost (at most once per
/// [`ChannelBuilder::min_resolve_interval`](super::ChannelBuilder::min_resolve_interval)),
/// every [`refresh_interval`](Self::refresh_interval), and whenever
/// [`changed`](Self::changed) completes. Implement one of [`resolve`](Self::resolve),
/// [`resolve_addresses`](Self::resolve_addresses) or [`resolve_update`](Self::resolve_update):
/// each defaults to the one before it.
pub trait Resolver: Send + Sync + 'static {
    /// The target's current TCP addresses, in preference order. The default fails: a
    /// resolver implements this or one of the richer methods.
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        Box::pin(async {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this resolver gives no TCP address list",
            ))
        })
    }

    /// The target's current addresses of any kind, in preference order. The default wraps
    /// [`resolve`](Self::resolve).
    fn resolve_addresses(&self) -> BoxFuture<'static, io::Result<Vec<Address>>> {
        let f = self.resolve();
        Box::pin(async move { Ok(f.await?.into_iter().map(Address::Tcp).collect()) })
    }

    /// Everything the resolver knows: endpoints with attributes, a service config,
    /// attributes for the policies, a config selector (gRFC A31). The default wraps
    /// [`resolve_addresses`](Self::resolve_addresses).
    fn resolve_update(&self) -> BoxFuture<'static, io::Result<ResolverUpdate>> {
        let f = self.resolve_addresses();
        Box::pin(async move {
            Ok(ResolverUpdate::new(
                f.await?.into_iter().map(Endpoint::new).collect(),
            ))
        })
    }

    /// Completes when the resolver has new addresses to offer, for resolvers that learn of
    /// changes (push). It must subscribe when called, not when first polled: the channel calls
    /// it before [`resolve_addresses`](Self::resolve_addresses) so no change is missed. The
    /// default never completes.
    fn changed(&self) -> BoxFuture<'static, ()> {
        Box::pin(std::future::pending())
    }

    /// How often to resolve again while the channel is in use (`None`: only on connection
    /// loss and [`changed`](Self::changed)).
    fn refresh_interval(&self) -> Option<Duration> {
        None
    }
}

/// Resolves `host:port` with the system resolver (tokio's `lookup_host`): every A and AAAA
/// record, in the order the system returns them. Resolved again every 30 minutes by default
/// ([`refresh_every`](Self::refresh_every)) and whenever a connection is lost.
#[derive(Clone, Debug)]
pub struct DnsResolver {
    host_port: String,
    refresh: Option<Duration>,
}

impl DnsResolver {
    /// Resolves `host_port` (`localhost:50051`, `[::1]:50051`).
    pub fn new(host_port: impl Into<String>) -> DnsResolver {
        DnsResolver {
            host_port: host_port.into(),
            refresh: Some(Duration::from_secs(30 * 60)),
        }
    }

    /// Resolves again every `interval` while the channel is in use (`None`: never on a timer).
    pub fn refresh_every(mut self, interval: Option<Duration>) -> DnsResolver {
        self.refresh = interval;
        self
    }
}

impl Resolver for DnsResolver {
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let hp = self.host_port.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&hp).await?.collect();
            if addrs.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{hp} resolved to no addresses"),
                ));
            }
            Ok(addrs)
        })
    }

    fn refresh_interval(&self) -> Option<Duration> {
        self.refresh
    }
}

/// A fixed list of addresses.
#[derive(Clone, Debug)]
pub struct StaticResolver {
    addresses: Arc<[Address]>,
}

impl StaticResolver {
    /// Always resolves to `addresses`.
    pub fn new(addresses: impl IntoIterator<Item = impl Into<Address>>) -> StaticResolver {
        StaticResolver {
            addresses: addresses.into_iter().map(Into::into).collect(),
        }
    }
}

impl Resolver for StaticResolver {
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let tcp = tcp_only(&self.addresses);
        Box::pin(async move { Ok(tcp) })
    }

    fn resolve_addresses(&self) -> BoxFuture<'static, io::Result<Vec<Address>>> {
        let all = self.addresses.to_vec();
        Box::pin(async move { Ok(all) })
    }
}

/// Addresses set by hand: [`set_addresses`](Self::set_addresses) pushes a new list to every
/// channel using the resolver (a clone shares the list); [`set_update`](Self::set_update)
/// pushes a whole [`ResolverUpdate`] (a service config, attributes, a config selector).
///
/// ```
/// use courier_rpc::{ManualResolver, Channel};
/// let resolver = ManualResolver::new(["127.0.0.1:50051".parse::<std::net::SocketAddr>().unwrap()]);
/// let channel = Channel::builder("backends").resolver(resolver.clone()).build();
/// resolver.set_addresses(["127.0.0.1:50052".parse::<std::net::SocketAddr>().unwrap()]);
/// # drop(channel);
/// ```
#[derive(Clone, Debug)]
pub struct ManualResolver {
    tx: Arc<watch::Sender<ResolverUpdate>>,
}

fn update_of(addresses: impl IntoIterator<Item = impl Into<Address>>) -> ResolverUpdate {
    ResolverUpdate::new(
        addresses
            .into_iter()
            .map(|a| Endpoint::new(a.into()))
            .collect(),
    )
}

impl ManualResolver {
    /// A resolver whose first answer is `addresses`.
    pub fn new(addresses: impl IntoIterator<Item = impl Into<Address>>) -> ManualResolver {
        ManualResolver {
            tx: Arc::new(watch::Sender::new(update_of(addresses))),
        }
    }

    /// Replaces the addresses (and drops anything else a [`set_update`](Self::set_update)
    /// set); channels using the resolver rebalance at once.
    pub fn set_addresses(&self, addresses: impl IntoIterator<Item = impl Into<Address>>) {
        self.tx.send_replace(update_of(addresses));
    }

    /// Replaces the whole answer.
    pub fn set_update(&self, update: ResolverUpdate) {
        self.tx.send_replace(update);
    }

    /// The current addresses.
    pub fn addresses(&self) -> Vec<Address> {
        match &self.tx.borrow().endpoints {
            Ok(list) => list.iter().map(|e| e.address.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Resolver for ManualResolver {
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let tcp = tcp_only(&self.addresses());
        Box::pin(async move { Ok(tcp) })
    }

    fn resolve_addresses(&self) -> BoxFuture<'static, io::Result<Vec<Address>>> {
        let all = self.addresses();
        Box::pin(async move { Ok(all) })
    }

    fn resolve_update(&self) -> BoxFuture<'static, io::Result<ResolverUpdate>> {
        let u = self.tx.borrow().clone();
        Box::pin(async move { Ok(u) })
    }

    fn changed(&self) -> BoxFuture<'static, ()> {
        let mut rx = self.tx.subscribe();
        Box::pin(async move {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Makes resolvers for the targets of one URI scheme (`xds:///name`), registered with
/// [`register_resolver`]; [`Channel::builder`](super::Channel::builder) looks the target's
/// scheme up here before the schemes it knows itself.
pub trait ResolverBuilder: Send + Sync + 'static {
    /// The scheme, without the colon (`xds`).
    fn scheme(&self) -> &'static str;

    /// The `:authority` for `target` (the whole target string) and its resolver; an error
    /// says why the target is invalid (the channel's calls then fail with it).
    fn build(&self, target: &str) -> Result<(String, Arc<dyn Resolver>), String>;
}

type ResolverRegistry = RwLock<HashMap<&'static str, Arc<dyn ResolverBuilder>>>;

fn resolvers() -> &'static ResolverRegistry {
    static R: OnceLock<ResolverRegistry> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Registers a resolver for every channel of the process whose target has its scheme
/// (replacing one registered for the same scheme).
pub fn register_resolver(builder: Arc<dyn ResolverBuilder>) {
    resolvers()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(builder.scheme(), builder);
}

/// A resolver that always fails (a target a registered builder refused).
#[derive(Debug)]
struct FailingResolver(String);

impl Resolver for FailingResolver {
    fn resolve(&self) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let e = self.0.clone();
        Box::pin(async move { Err(io::Error::new(io::ErrorKind::InvalidInput, e)) })
    }
}

/// A target parsed: the `:authority`, the scheme, and how to resolve it.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) authority: String,
    pub(crate) scheme: &'static str,
    pub(crate) resolver: Arc<dyn Resolver>,
}

impl fmt::Debug for dyn Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resolver")
    }
}

/// Parses a target (naming.md): `dns:[//authority/]host:port`, `unix:path`, `unix://abs`,
/// `ipv4:`/`ipv6:` lists, `http(s)://host:port`, or bare `host:port`.
pub(crate) fn parse_target(target: &str) -> Target {
    if let Some((scheme, _)) = target.split_once(':') {
        let b = resolvers()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(scheme)
            .cloned();
        if let Some(b) = b {
            return match b.build(target) {
                Ok((authority, resolver)) => Target {
                    authority,
                    scheme: "http",
                    resolver,
                },
                Err(e) => Target {
                    authority: target.to_owned(),
                    scheme: "http",
                    resolver: Arc::new(FailingResolver(format!("invalid target {target}: {e}"))),
                },
            };
        }
    }
    let dns = |host_port: &str, scheme| Target {
        authority: host_port.to_owned(),
        scheme,
        resolver: Arc::new(DnsResolver::new(host_port)),
    };
    if let Some(r) = target.strip_prefix("http://") {
        return dns(r.trim_end_matches('/'), "http");
    }
    if let Some(r) = target.strip_prefix("https://") {
        return dns(r.trim_end_matches('/'), "https");
    }
    if let Some(r) = target.strip_prefix("dns:") {
        // naming.md: "dns:[//authority/]host[:port]". The DNS server authority is not
        // supported: the system resolver answers.
        let host_port = match r.strip_prefix("//") {
            Some(rest) => rest.split_once('/').map_or(rest, |(_, hp)| hp),
            None => r,
        };
        return dns(host_port, "http");
    }
    if let Some(r) = target.strip_prefix("unix:") {
        // naming.md: "unix:path or unix://absolute_path".
        let path = r.strip_prefix("//").unwrap_or(r);
        return Target {
            authority: "localhost".to_owned(),
            scheme: "http",
            resolver: Arc::new(StaticResolver::new([Address::Unix(PathBuf::from(path))])),
        };
    }
    for prefix in ["ipv4:", "ipv6:"] {
        if let Some(list) = target.strip_prefix(prefix) {
            let addrs: Vec<Address> = list
                .split(',')
                .filter_map(|a| a.trim().parse::<SocketAddr>().ok())
                .map(Address::Tcp)
                .collect();
            return Target {
                authority: "localhost".to_owned(),
                scheme: "http",
                resolver: Arc::new(StaticResolver::new(addrs)),
            };
        }
    }
    dns(target.trim_end_matches('/'), "http")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn addrs(t: &Target) -> Vec<Address> {
        t.resolver.resolve_addresses().await.unwrap()
    }

    #[tokio::test]
    async fn targets() {
        let t = parse_target("http://127.0.0.1:1/");
        assert_eq!((t.authority.as_str(), t.scheme), ("127.0.0.1:1", "http"));
        assert_eq!(
            addrs(&t).await,
            vec![Address::Tcp("127.0.0.1:1".parse().unwrap())]
        );
        let t = parse_target("[::1]:5");
        assert_eq!(t.authority, "[::1]:5");
        let t = parse_target("dns:///127.0.0.1:7");
        assert_eq!(t.authority, "127.0.0.1:7");
        assert_eq!(
            addrs(&t).await,
            vec![Address::Tcp("127.0.0.1:7".parse().unwrap())]
        );
        let t = parse_target("dns://8.8.8.8/127.0.0.1:8");
        assert_eq!(t.authority, "127.0.0.1:8");
        let t = parse_target("unix:///tmp/x.sock");
        assert_eq!(addrs(&t).await, vec![Address::Unix("/tmp/x.sock".into())]);
        assert_eq!(t.authority, "localhost");
        let t = parse_target("unix:rel.sock");
        assert_eq!(addrs(&t).await, vec![Address::Unix("rel.sock".into())]);
        let t = parse_target("ipv4:127.0.0.1:1,127.0.0.2:2");
        assert_eq!(addrs(&t).await.len(), 2);
    }

    #[tokio::test]
    async fn dns_gives_every_record() {
        let r = DnsResolver::new("localhost:80");
        let a = r.resolve().await.unwrap();
        assert!(!a.is_empty());
        assert!(a.iter().all(|a| a.port() == 80));
    }

    #[tokio::test]
    async fn manual_resolver_announces_changes() {
        let r = ManualResolver::new(["127.0.0.1:1".parse::<SocketAddr>().unwrap()]);
        let changed = r.changed();
        r.set_addresses(["127.0.0.1:2".parse::<SocketAddr>().unwrap()]);
        tokio::time::timeout(Duration::from_secs(1), changed)
            .await
            .unwrap();
        assert_eq!(
            r.resolve().await.unwrap(),
            vec!["127.0.0.1:2".parse::<SocketAddr>().unwrap()]
        );
    }
}
