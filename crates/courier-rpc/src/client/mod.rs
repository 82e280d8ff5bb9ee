//! The client: [`Channel`], a [`Transport`](crate::Transport) that balances calls over
//! HTTP/2 connections (gRPC), or over gRPC-Web or Connect on HTTP/1.1 or HTTP/2
//! ([`ChannelBuilder::web`]).
//!
//! Where things live (resolver → LB policy → subchannels, then the call):
//! - `channel`: [`Channel`] and [`ChannelBuilder`]; a call's settings (request, service
//!   config, channel defaults) and its plan of attempts.
//! - `resolver`: targets and [`Resolver`]s ([`DnsResolver`], [`StaticResolver`],
//!   [`ManualResolver`], `unix:` paths) — addresses in.
//! - `lb`: the public load-balancing API ([`lb`](crate::lb): policies, pickers, the policy
//!   registry, config selectors) and the pick_first and round_robin policies on it.
//! - `balancer`: the resolver and balancer tasks that drive a channel's root policy and
//!   publish the picker calls read (one shared read, no lock held across an await).
//! - `subchannel`: one connection per address, its state and backoff (`backoff`),
//!   keepalive, drain on GOAWAY, and client-side health checking (`health`).
//! - `connector`: how a connection's bytes are made ([`TcpConnector`], TLS elsewhere).
//! - `attempt`: one attempt of a call on one connection (headers, body, response).
//! - `web_attempt`: the same over a web protocol (gRPC-Web, Connect) when the channel was
//!   built with [`ChannelBuilder::web`], through the web client's code (`crate::web`).
//! - `retry`: retry and hedging schedules, the replay buffer, throttling, pushback.
//! - `service_config`: the JSON service config.

mod attempt;
mod backoff;
mod balancer;
mod channel;
mod connector;
mod health;
pub mod lb;
mod resolver;
mod retry;
mod service_config;
mod subchannel;
mod web_attempt;

pub use backoff::Backoff;
pub use channel::{Channel, ChannelBuilder};
pub use connector::{BoxIo, Connector, Io, TcpConnector};
pub use resolver::{
    Address, DnsResolver, ManualResolver, Resolver, ResolverBuilder, StaticResolver,
    register_resolver,
};
pub use service_config::{
    HedgingPolicy, LbPolicy, MethodConfig, RetryPolicy, ServiceConfig, ServiceConfigError,
};

/// A channel's (or subchannel's) connectivity state (gRPC's connectivity-semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectivityState {
    /// No connection and none being made (until a call or [`Channel::connect`]).
    Idle,
    /// Connecting.
    Connecting,
    /// Connected; calls go out at once.
    Ready,
    /// The last attempt failed; the next one starts after the backoff delay.
    TransientFailure,
    /// The channel was shut down.
    Shutdown,
}
