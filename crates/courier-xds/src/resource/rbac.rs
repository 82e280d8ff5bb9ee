//! Server-side RBAC (the `envoy.extensions.filters.http.rbac.v3.RBAC` HTTP filter, as gRFC A41
//! describes it for gRPC): policies of permissions (what the call is) and principals (who
//! makes it); ALLOW lets through calls that match a policy, DENY refuses them. Without TLS
//! (no certificate providers here), `authenticated` principals never match.

use std::net::SocketAddr;

use courier_rpc::Metadata;

use super::listener::Cidr;
use super::matcher::{HeaderMatcher, Invalid, StringMatch, string_matcher};
use crate::pb::envoy::config::rbac::v3 as pb;
use crate::pb::envoy::r#type::matcher::v3 as matcher;

/// A validated RBAC config.
#[derive(Clone, Debug)]
pub struct Rbac {
    /// ALLOW (`true`): matching calls pass, others are refused; DENY (`false`): the reverse.
    pub allow: bool,
    /// The policies (name, permissions, principals).
    pub policies: Vec<(String, Vec<Permission>, Vec<Principal>)>,
}

/// What a call is.
#[derive(Clone, Debug)]
pub enum Permission {
    /// Every call.
    Any,
    /// All of these.
    And(Vec<Permission>),
    /// One of these.
    Or(Vec<Permission>),
    /// Not this.
    Not(Box<Permission>),
    /// A request header.
    Header(HeaderMatcher),
    /// The `:path`.
    Path(StringMatch, bool),
    /// The server address the connection came to.
    DestinationIp(Cidr),
    /// The server port.
    DestinationPort(u16),
    /// An SNI name: none without TLS, so only an empty-string match matches.
    ServerName(StringMatch, bool),
}

/// Who makes a call.
#[derive(Clone, Debug)]
pub enum Principal {
    /// Anyone.
    Any,
    /// All of these.
    And(Vec<Principal>),
    /// One of these.
    Or(Vec<Principal>),
    /// Not this.
    Not(Box<Principal>),
    /// An authenticated peer (never, without TLS).
    Authenticated,
    /// The peer's address.
    SourceIp(Cidr),
    /// A request header.
    Header(HeaderMatcher),
    /// The `:path`.
    Path(StringMatch, bool),
}

/// What RBAC sees of a call.
#[derive(Clone, Copy, Debug)]
pub struct RbacCall<'a> {
    /// The request metadata.
    pub metadata: &'a Metadata,
    /// The `:path`.
    pub path: &'a str,
    /// The peer.
    pub peer: Option<SocketAddr>,
    /// The local address of the connection.
    pub local: Option<SocketAddr>,
}

fn path_matcher(p: &matcher::PathMatcher) -> Result<(StringMatch, bool), Invalid> {
    match &p.rule {
        Some(matcher::path_matcher::Rule::Path(s)) => string_matcher(s),
        None => Err("PathMatcher without a rule".into()),
    }
}

fn permission(p: &pb::Permission) -> Result<Permission, Invalid> {
    use pb::permission::Rule as R;
    Ok(match &p.rule {
        Some(R::AndRules(s)) => {
            Permission::And(s.rules.iter().map(permission).collect::<Result<_, _>>()?)
        }
        Some(R::OrRules(s)) => {
            Permission::Or(s.rules.iter().map(permission).collect::<Result<_, _>>()?)
        }
        Some(R::Any(true)) => Permission::Any,
        Some(R::NotRule(n)) => Permission::Not(Box::new(permission(n)?)),
        Some(R::Header(h)) => Permission::Header(HeaderMatcher::parse(h)?),
        Some(R::UrlPath(p)) => {
            let (m, ic) = path_matcher(p)?;
            Permission::Path(m, ic)
        }
        Some(R::DestinationIp(c)) => Permission::DestinationIp(Cidr::parse(c)?),
        Some(R::DestinationPort(p)) => Permission::DestinationPort(*p as u16),
        Some(R::RequestedServerName(s)) => {
            let (m, ic) = string_matcher(s)?;
            Permission::ServerName(m, ic)
        }
        // gRFC A41: rules gRPC cannot evaluate make the config invalid.
        _ => return Err("RBAC: unsupported permission".into()),
    })
}

fn principal(p: &pb::Principal) -> Result<Principal, Invalid> {
    use pb::principal::Identifier as I;
    Ok(match &p.identifier {
        Some(I::AndIds(s)) => {
            Principal::And(s.ids.iter().map(principal).collect::<Result<_, _>>()?)
        }
        Some(I::OrIds(s)) => Principal::Or(s.ids.iter().map(principal).collect::<Result<_, _>>()?),
        Some(I::Any(true)) => Principal::Any,
        Some(I::NotId(n)) => Principal::Not(Box::new(principal(n)?)),
        Some(I::Authenticated(_)) => Principal::Authenticated,
        Some(I::SourceIp(c)) | Some(I::DirectRemoteIp(c)) | Some(I::RemoteIp(c)) => {
            Principal::SourceIp(Cidr::parse(c)?)
        }
        Some(I::Header(h)) => Principal::Header(HeaderMatcher::parse(h)?),
        Some(I::UrlPath(p)) => {
            let (m, ic) = path_matcher(p)?;
            Principal::Path(m, ic)
        }
        _ => return Err("RBAC: unsupported principal".into()),
    })
}

/// Parses an RBAC config.
pub fn parse(r: &pb::RBAC) -> Result<Rbac, Invalid> {
    let allow = match pb::rbac::Action(r.action) {
        pb::rbac::Action::ALLOW => true,
        pb::rbac::Action::DENY => false,
        _ => return Err("RBAC: only ALLOW and DENY actions are supported".into()),
    };
    let mut names: Vec<&String> = r.policies.keys().collect();
    names.sort();
    let mut policies = Vec::with_capacity(names.len());
    for n in names {
        let p = &r.policies[n];
        if p.condition.is_some() || p.checked_condition.is_some() {
            return Err(format!("RBAC policy {n:?}: conditions are not supported"));
        }
        policies.push((
            n.clone(),
            p.permissions
                .iter()
                .map(permission)
                .collect::<Result<_, _>>()?,
            p.principals
                .iter()
                .map(principal)
                .collect::<Result<_, _>>()?,
        ));
    }
    Ok(Rbac { allow, policies })
}

impl Permission {
    fn matches(&self, c: &RbacCall<'_>) -> bool {
        match self {
            Permission::Any => true,
            Permission::And(v) => v.iter().all(|p| p.matches(c)),
            Permission::Or(v) => v.iter().any(|p| p.matches(c)),
            Permission::Not(p) => !p.matches(c),
            Permission::Header(h) => h.matches(c.metadata),
            Permission::Path(m, ic) => m.matches(c.path, *ic),
            Permission::DestinationIp(r) => c.local.is_some_and(|a| r.contains(a.ip())),
            Permission::DestinationPort(p) => c.local.is_some_and(|a| a.port() == *p),
            Permission::ServerName(m, ic) => m.matches("", *ic),
        }
    }
}

impl Principal {
    fn matches(&self, c: &RbacCall<'_>) -> bool {
        match self {
            Principal::Any => true,
            Principal::And(v) => v.iter().all(|p| p.matches(c)),
            Principal::Or(v) => v.iter().any(|p| p.matches(c)),
            Principal::Not(p) => !p.matches(c),
            Principal::Authenticated => false,
            Principal::SourceIp(r) => c.peer.is_some_and(|a| r.contains(a.ip())),
            Principal::Header(h) => h.matches(c.metadata),
            Principal::Path(m, ic) => m.matches(c.path, *ic),
        }
    }
}

impl Rbac {
    /// Whether the call may proceed; with the name of the policy that decided, if one did.
    pub fn allows(&self, c: &RbacCall<'_>) -> (bool, Option<&str>) {
        let hit = self.policies.iter().find(|(_, perms, princs)| {
            perms.iter().any(|p| p.matches(c)) && princs.iter().any(|p| p.matches(c))
        });
        match hit {
            Some((name, _, _)) => (self.allow, Some(name)),
            None => (!self.allow, None),
        }
    }
}
