//! gRPC channelz (gRFC A14) for Courier: the `grpc.channelz.v1.Channelz` service, which answers
//! from courier-rpc's channelz registry ([`courier_rpc::channelz`]), and the admin services —
//! health, reflection and channelz — added to a server in one line ([`admin`]).
//!
//! What it does: GetTopChannels, GetServers, GetServer, GetServerSockets, GetChannel,
//! GetSubchannel and GetSocket over every channel and server built with `.channelz(true)`
//! (their subchannels and sockets come with them): call counters, last-call timestamps,
//! connectivity states, trace events, socket addresses, stream and message counters,
//! keepalives and flow-control windows, paginated by id (`start_*_id`, `max_results`, `end`).
//! Entities that are gone answer NOT_FOUND.
//!
//! What it does not do: socket options, TLS details (`Security`) and `received_goaway_error`
//! are not reported; gRPC-Web and Connect calls are not counted (only gRPC's HTTP/2 path is).
//!
//! ```
//! use courier_rpc::Server;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Health, reflection (with channelz's own descriptors) and channelz, and channelz data
//! // kept for this server.
//! let server = courier_channelz::admin(Server::builder()).build();
//! assert!(server.service_names().any(|s| s == "grpc.channelz.v1.Channelz"));
//! // A channel whose calls channelz reports.
//! let channel = courier_rpc::Channel::builder("127.0.0.1:50051").channelz(true).build();
//! # drop((server, channel));
//! # }
//! ```

use std::time::SystemTime;

use bytes::Bytes;
use courier_rpc::channelz::{self as registry, ChannelInfo, ChildRef, EntityRef, SocketAddress};
use courier_rpc::health::HealthReporter;
use courier_rpc::reflection::Reflection;
use courier_rpc::{Code, ConnectivityState, Request, Response, ServerBuilder, Status};

/// The messages and service generated from `proto/grpc/channelz/v1/channelz.proto`.
#[allow(missing_docs, clippy::all, rustdoc::all)]
pub mod pb {
    include!("generated/grpc.channelz.v1.rs");
}

pub use pb::channelz_rpc::{ChannelzClient, ChannelzServer};

/// The page size when a request's `max_results` is 0 (A14: "If zero, the server will choose a
/// reasonable page size").
pub const DEFAULT_MAX_RESULTS: usize = 100;

/// The channelz service: answers from the process's channelz registry. Serve it with
/// [`ChannelzService::server`] (or [`admin`]).
#[derive(Clone, Debug)]
pub struct ChannelzService {
    max_results: usize,
}

impl Default for ChannelzService {
    fn default() -> Self {
        ChannelzService {
            max_results: DEFAULT_MAX_RESULTS,
        }
    }
}

impl ChannelzService {
    /// The service with the default page size.
    pub fn new() -> ChannelzService {
        ChannelzService::default()
    }

    /// The largest page any request gets, and what a request that asks for 0 gets (default
    /// [`DEFAULT_MAX_RESULTS`]; at least 1).
    pub fn max_results(mut self, n: usize) -> ChannelzService {
        self.max_results = n.max(1);
        self
    }

    /// The service, ready for [`ServerBuilder::add_service`].
    pub fn server(self) -> ChannelzServer<ChannelzService> {
        ChannelzServer::new(self)
    }

    fn page_size(&self, requested: i64) -> Result<usize, Status> {
        match requested {
            // The request fields say: "Must never be negative."
            n if n < 0 => Err(Status::new(
                Code::INVALID_ARGUMENT,
                "max_results must not be negative",
            )),
            0 => Ok(self.max_results),
            n => Ok(usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(self.max_results)),
        }
    }
}

fn timestamp(t: SystemTime) -> Option<courier_types::Timestamp> {
    courier_types::Timestamp::try_from(t).ok()
}

fn channel_ref(r: &EntityRef) -> pb::ChannelRef {
    pb::ChannelRef {
        channel_id: r.id,
        name: r.name.clone(),
        ..Default::default()
    }
}

fn subchannel_ref(r: &EntityRef) -> pb::SubchannelRef {
    pb::SubchannelRef {
        subchannel_id: r.id,
        name: r.name.clone(),
        ..Default::default()
    }
}

fn socket_ref(r: &EntityRef) -> pb::SocketRef {
    pb::SocketRef {
        socket_id: r.id,
        name: r.name.clone(),
        ..Default::default()
    }
}

fn server_ref(r: &EntityRef) -> pb::ServerRef {
    pb::ServerRef {
        server_id: r.id,
        name: r.name.clone(),
        ..Default::default()
    }
}

fn state(s: Option<ConnectivityState>) -> pb::ChannelConnectivityState {
    use pb::channel_connectivity_state::State;
    let state = match s {
        None => State::UNKNOWN,
        Some(ConnectivityState::Idle) => State::IDLE,
        Some(ConnectivityState::Connecting) => State::CONNECTING,
        Some(ConnectivityState::Ready) => State::READY,
        Some(ConnectivityState::TransientFailure) => State::TRANSIENT_FAILURE,
        Some(ConnectivityState::Shutdown) => State::SHUTDOWN,
        Some(_) => State::UNKNOWN,
    };
    pb::ChannelConnectivityState {
        state: state.0,
        ..Default::default()
    }
}

fn trace(t: &registry::Trace) -> pb::ChannelTrace {
    use pb::channel_trace_event::{ChildRef as Child, Severity};
    pb::ChannelTrace {
        num_events_logged: t.num_events_logged,
        creation_timestamp: timestamp(t.creation),
        events: t
            .events
            .iter()
            .map(|e| pb::ChannelTraceEvent {
                description: e.description.clone(),
                severity: match e.severity {
                    registry::Severity::Info => Severity::CT_INFO,
                    registry::Severity::Warning => Severity::CT_WARNING,
                    registry::Severity::Error => Severity::CT_ERROR,
                    _ => Severity::CT_UNKNOWN,
                }
                .0,
                timestamp: timestamp(e.timestamp),
                child_ref: e.child.as_ref().map(|c| match c {
                    ChildRef::Channel(r) => Child::ChannelRef(channel_ref(r)),
                    ChildRef::Subchannel(r) => Child::SubchannelRef(subchannel_ref(r)),
                    _ => Child::ChannelRef(pb::ChannelRef::default()),
                }),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn channel_data(c: &ChannelInfo) -> pb::ChannelData {
    pb::ChannelData {
        state: Some(state(c.state)),
        target: c.target.clone(),
        trace: Some(trace(&c.trace)),
        calls_started: c.calls.calls_started,
        calls_succeeded: c.calls.calls_succeeded,
        calls_failed: c.calls.calls_failed,
        last_call_started_timestamp: c.calls.last_call_started.and_then(timestamp),
        ..Default::default()
    }
}

fn channel(c: &ChannelInfo) -> pb::Channel {
    pb::Channel {
        r#ref: Some(channel_ref(&c.reference)),
        data: Some(channel_data(c)),
        subchannel_ref: c.subchannels.iter().map(subchannel_ref).collect(),
        ..Default::default()
    }
}

fn subchannel(c: &ChannelInfo) -> pb::Subchannel {
    pb::Subchannel {
        r#ref: Some(subchannel_ref(&c.reference)),
        data: Some(channel_data(c)),
        socket_ref: c.sockets.iter().map(socket_ref).collect(),
        ..Default::default()
    }
}

fn server(s: &registry::ServerInfo) -> pb::Server {
    pb::Server {
        r#ref: Some(server_ref(&s.reference)),
        data: Some(pb::ServerData {
            trace: Some(trace(&s.trace)),
            calls_started: s.calls.calls_started,
            calls_succeeded: s.calls.calls_succeeded,
            calls_failed: s.calls.calls_failed,
            last_call_started_timestamp: s.calls.last_call_started.and_then(timestamp),
            ..Default::default()
        }),
        listen_socket: s.listen_sockets.iter().map(socket_ref).collect(),
        ..Default::default()
    }
}

fn address(a: &SocketAddress) -> pb::Address {
    use pb::address::{Address, TcpIpAddress, UdsAddress};
    let address = match a {
        SocketAddress::Tcp(a) => Address::TcpipAddress(TcpIpAddress {
            // "Either the IPv4 or IPv6 address in bytes. Will be either 4 bytes or 16 bytes
            // in length."
            ip_address: match a.ip() {
                std::net::IpAddr::V4(ip) => Bytes::copy_from_slice(&ip.octets()),
                std::net::IpAddr::V6(ip) => Bytes::copy_from_slice(&ip.octets()),
            },
            port: i32::from(a.port()),
            ..Default::default()
        }),
        SocketAddress::Unix(p) => Address::UdsAddress(UdsAddress {
            filename: p.display().to_string(),
            ..Default::default()
        }),
        _ => return pb::Address::default(),
    };
    pb::Address {
        address: Some(address),
        ..Default::default()
    }
}

fn socket(s: &registry::SocketInfo, summary: bool) -> pb::Socket {
    let t = s.transport.clone().unwrap_or_default();
    let data = pb::SocketData {
        streams_started: s.streams_started,
        streams_succeeded: s.streams_succeeded,
        streams_failed: s.streams_failed,
        messages_sent: s.messages_sent,
        messages_received: s.messages_received,
        keep_alives_sent: t.keepalives_sent,
        last_local_stream_created_timestamp: s.last_local_stream_created.and_then(timestamp),
        last_remote_stream_created_timestamp: s.last_remote_stream_created.and_then(timestamp),
        last_message_sent_timestamp: s.last_message_sent.and_then(timestamp),
        last_message_received_timestamp: s.last_message_received.and_then(timestamp),
        // "May be absent if 'summary' is set in GetSocketRequest."
        local_flow_control_window: t
            .local_flow_control_window
            .filter(|_| !summary)
            .map(|value| courier_types::Int64Value {
                value,
                ..Default::default()
            }),
        remote_flow_control_window: t.remote_flow_control_window.filter(|_| !summary).map(
            |value| courier_types::Int64Value {
                value,
                ..Default::default()
            },
        ),
        peer_max_concurrent_streams: t.peer_max_concurrent_streams,
        ..Default::default()
    };
    pb::Socket {
        r#ref: Some(socket_ref(&s.reference)),
        data: Some(data),
        local: s.local.as_ref().map(address),
        remote: s.remote.as_ref().map(address),
        ..Default::default()
    }
}

fn not_found(what: &str, id: i64) -> Status {
    Status::new(Code::NOT_FOUND, format!("no {what} with id {id}"))
}

impl pb::channelz_rpc::Channelz for ChannelzService {
    async fn get_top_channels(
        &self,
        request: Request<pb::GetTopChannelsRequest>,
    ) -> Result<Response<pb::GetTopChannelsResponse>, Status> {
        let r = request.into_inner();
        let page = registry::top_channels(r.start_channel_id, self.page_size(r.max_results)?);
        Ok(Response::new(pb::GetTopChannelsResponse {
            channel: page.items.iter().map(channel).collect(),
            end: page.end,
            ..Default::default()
        }))
    }

    async fn get_servers(
        &self,
        request: Request<pb::GetServersRequest>,
    ) -> Result<Response<pb::GetServersResponse>, Status> {
        let r = request.into_inner();
        let page = registry::servers(r.start_server_id, self.page_size(r.max_results)?);
        Ok(Response::new(pb::GetServersResponse {
            server: page.items.iter().map(server).collect(),
            end: page.end,
            ..Default::default()
        }))
    }

    async fn get_server(
        &self,
        request: Request<pb::GetServerRequest>,
    ) -> Result<Response<pb::GetServerResponse>, Status> {
        let id = request.into_inner().server_id;
        let s = registry::server(id).ok_or_else(|| not_found("server", id))?;
        Ok(Response::new(pb::GetServerResponse {
            server: Some(server(&s)),
            ..Default::default()
        }))
    }

    async fn get_server_sockets(
        &self,
        request: Request<pb::GetServerSocketsRequest>,
    ) -> Result<Response<pb::GetServerSocketsResponse>, Status> {
        let r = request.into_inner();
        let max = self.page_size(r.max_results)?;
        let page = registry::server_sockets(r.server_id, r.start_socket_id, max)
            .ok_or_else(|| not_found("server", r.server_id))?;
        Ok(Response::new(pb::GetServerSocketsResponse {
            socket_ref: page.items.iter().map(socket_ref).collect(),
            end: page.end,
            ..Default::default()
        }))
    }

    async fn get_channel(
        &self,
        request: Request<pb::GetChannelRequest>,
    ) -> Result<Response<pb::GetChannelResponse>, Status> {
        let id = request.into_inner().channel_id;
        let c = registry::channel(id).ok_or_else(|| not_found("channel", id))?;
        Ok(Response::new(pb::GetChannelResponse {
            channel: Some(channel(&c)),
            ..Default::default()
        }))
    }

    async fn get_subchannel(
        &self,
        request: Request<pb::GetSubchannelRequest>,
    ) -> Result<Response<pb::GetSubchannelResponse>, Status> {
        let id = request.into_inner().subchannel_id;
        let c = registry::subchannel(id).ok_or_else(|| not_found("subchannel", id))?;
        Ok(Response::new(pb::GetSubchannelResponse {
            subchannel: Some(subchannel(&c)),
            ..Default::default()
        }))
    }

    async fn get_socket(
        &self,
        request: Request<pb::GetSocketRequest>,
    ) -> Result<Response<pb::GetSocketResponse>, Status> {
        let r = request.into_inner();
        let s = registry::socket(r.socket_id)
            .await
            .ok_or_else(|| not_found("socket", r.socket_id))?;
        Ok(Response::new(pb::GetSocketResponse {
            socket: Some(socket(&s, r.summary)),
            ..Default::default()
        }))
    }
}

/// The admin services of a server — `grpc.health.v1.Health`, server reflection (`v1` and
/// `v1alpha`) and `grpc.channelz.v1.Channelz` — with the handles an application keeps: its
/// [`HealthReporter`] and the descriptors reflection serves. [`admin`] is the one-line form.
///
/// ```
/// use courier_rpc::health::{HealthReporter, ServingStatus};
///
/// let health = HealthReporter::new();
/// let server = courier_channelz::Admin::new()
///     .health(health.clone())
///     // .file_descriptor_set(my_proto::FILE_DESCRIPTOR_SET).unwrap() for reflection
///     .add_to(courier_rpc::Server::builder())
///     .build();
/// health.set_status("helloworld.Greeter", ServingStatus::SERVING);
/// # drop(server);
/// ```
#[derive(Debug)]
pub struct Admin {
    health: HealthReporter,
    reflection: courier_rpc::reflection::ReflectionBuilder,
    channelz: ChannelzService,
}

impl Default for Admin {
    fn default() -> Self {
        Admin::new()
    }
}

impl Admin {
    /// Health with a new reporter (the server SERVING), reflection over channelz's own
    /// descriptors, channelz with the default page size.
    pub fn new() -> Admin {
        let reflection = Reflection::builder()
            .register_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .unwrap_or_else(|_| Reflection::builder());
        Admin {
            health: HealthReporter::new(),
            reflection,
            channelz: ChannelzService::new(),
        }
    }

    /// The health reporter the health service answers from.
    pub fn health(mut self, reporter: HealthReporter) -> Admin {
        self.health = reporter;
        self
    }

    /// Adds the files of an encoded `FileDescriptorSet` (the application's services) to what
    /// reflection serves.
    pub fn file_descriptor_set(
        mut self,
        encoded: &[u8],
    ) -> Result<Admin, courier_wire::DecodeError> {
        self.reflection = self.reflection.register_file_descriptor_set(encoded)?;
        Ok(self)
    }

    /// The channelz service's settings.
    pub fn channelz(mut self, service: ChannelzService) -> Admin {
        self.channelz = service;
        self
    }

    /// Adds the services to `builder` and turns channelz on for its server.
    pub fn add_to(self, builder: ServerBuilder) -> ServerBuilder {
        let reflection = self.reflection.build();
        builder
            .channelz(true)
            .add_service(self.health.service())
            .add_service(reflection.v1())
            .add_service(reflection.v1alpha())
            .add_service(self.channelz.server())
    }
}

/// Adds the admin services — health (a new reporter: SERVING), reflection (v1 and v1alpha,
/// over channelz's descriptors) and channelz — to `builder`, and turns channelz on for its
/// server. [`Admin`] keeps the health reporter and adds the application's descriptors.
///
/// ```
/// let server = courier_channelz::admin(courier_rpc::Server::builder()).build();
/// # drop(server);
/// ```
pub fn admin(builder: ServerBuilder) -> ServerBuilder {
    Admin::new().add_to(builder)
}
