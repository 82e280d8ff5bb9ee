//! channelz end to end: a Courier channel makes real calls to a Courier server, both with
//! channelz on; then the Channelz service (on a separate admin server, so that the queries do
//! not count) is asked — through Courier's own client and through grpcio's (grpcio-channelz's
//! stubs, tests/peers/channelz_query.py) — and the counters, states, trace events and
//! addresses must be what happened.
//!
//! The grpcio test needs `COURIER_PYTHON` with `grpc_channelz` (`cargo xtask peers`); without
//! it, it prints why and passes unless `COURIER_REQUIRE_PEERS=1`.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "../../courier-rpc/tests/gen/courier.echo.rs"]
mod echo;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use courier_channelz::pb::{self, channel_connectivity_state::State};
use courier_channelz::{ChannelzClient, ChannelzService};
use courier_rpc::{BoxStream, Channel, Code, Request, Response, Server, Status, Streaming};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

struct Svc;

impl Echo for Svc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let r = request.into_inner();
        if r.fail_code != 0 {
            return Err(Status::new(Code(r.fail_code), "asked to fail"));
        }
        Ok(Response::new(EchoResponse {
            message: r.message,
            ..Default::default()
        }))
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let r = request.into_inner();
        let items: Vec<Result<EchoResponse, Status>> = (0..r.count)
            .map(|i| {
                Ok(EchoResponse {
                    message: format!("{i}"),
                    ..Default::default()
                })
            })
            .collect();
        Ok(Response::new(Box::pin(courier_rpc::iter(items))))
    }

    async fn client_stream(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "not here"))
    }

    async fn bidi(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        Err(Status::new(Code::UNIMPLEMENTED, "not here"))
    }
}

/// What the scenario did, to check channelz's answers against.
struct Scenario {
    /// The echo server (channelz on).
    server: SocketAddr,
    /// The tested channel's target.
    target: String,
    /// The admin server: the Channelz service only, channelz off (the queries count nowhere).
    admin: SocketAddr,
    /// When the calls began (seconds since the epoch, rounded down).
    began: i64,
    channel: Channel,
    other: Channel,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An echo server and a channel to it, both with channelz on, and: 3 unary calls that
/// succeed, 1 that fails (NOT_FOUND), 1 server-streaming call of 3 messages (OK) — 5 calls, 4
/// OK; the channel sends 5 messages and receives 6. A second channel (channelz off) makes one
/// call, so that the server has two connections.
async fn scenario() -> Scenario {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .channelz(true)
            .add_service(EchoServer::new(Svc))
            .build()
            .serve(listener),
    );
    let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = admin_listener.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .add_service(ChannelzService::new().server())
            .build()
            .serve(admin_listener),
    );

    let began = now_secs();
    let target = server.to_string();
    let channel = Channel::builder(target.clone()).channelz(true).build();
    let client = EchoClient::new(channel.clone());
    for i in 0..3 {
        let r = client
            .unary(EchoRequest {
                message: format!("m{i}"),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(r.into_inner().message, format!("m{i}"));
    }
    let e = client
        .unary(EchoRequest {
            fail_code: Code::NOT_FOUND.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    let mut s = client
        .server_stream(EchoRequest {
            count: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while let Some(m) = s.message().await.unwrap() {
        assert_eq!(m.message, n.to_string());
        n += 1;
    }
    assert_eq!(n, 3);

    let other = Channel::builder(target.clone()).build();
    EchoClient::new(other.clone())
        .unary(EchoRequest::default())
        .await
        .unwrap();
    // A server counts a call's end just after its status went out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Scenario {
        server,
        target,
        admin,
        began,
        channel,
        other,
    }
}

fn admin_client(admin: SocketAddr) -> ChannelzClient<Channel> {
    ChannelzClient::new(Channel::builder(admin.to_string()).build())
}

fn ts_secs(t: &Option<courier_types::Timestamp>) -> i64 {
    t.as_ref().map_or(0, |t| t.seconds)
}

fn tcp(a: &Option<pb::Address>) -> Option<SocketAddr> {
    match a.as_ref()?.address.as_ref()? {
        pb::address::Address::TcpipAddress(t) => {
            let ip: std::net::IpAddr = match t.ip_address.len() {
                4 => <[u8; 4]>::try_from(&t.ip_address[..]).ok()?.into(),
                16 => <[u8; 16]>::try_from(&t.ip_address[..]).ok()?.into(),
                _ => return None,
            };
            Some(SocketAddr::new(ip, u16::try_from(t.port).ok()?))
        }
        _ => None,
    }
}

#[tokio::test]
async fn courier_client_reads_what_happened() {
    let sc = scenario().await;
    let cz = admin_client(sc.admin);

    // The channel, found by paging through the top channels one at a time.
    let mut start = 0;
    let mut found = None;
    loop {
        let r = cz
            .get_top_channels(pb::GetTopChannelsRequest {
                start_channel_id: start,
                max_results: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(r.channel.len() <= 1);
        if let Some(c) = r.channel.first() {
            let id = c.r#ref.as_ref().unwrap().channel_id;
            assert!(id >= start, "pages go up by id");
            if c.data.as_ref().unwrap().target == sc.target {
                found = Some(c.clone());
            }
            start = id + 1;
        }
        if r.end {
            break;
        }
    }
    let channel = found.expect("the channel is a top channel");
    let d = channel.data.as_ref().unwrap();
    assert_eq!(
        (d.calls_started, d.calls_succeeded, d.calls_failed),
        (5, 4, 1)
    );
    assert!(ts_secs(&d.last_call_started_timestamp) >= sc.began);
    assert_eq!(d.state.as_ref().unwrap().state, State::READY.0);
    assert!(
        d.trace
            .as_ref()
            .unwrap()
            .events
            .iter()
            .any(|e| e.description.starts_with("Child Subchannel created")),
        "{:?}",
        d.trace
    );
    assert!(
        d.trace
            .as_ref()
            .unwrap()
            .events
            .iter()
            .any(|e| e.description == "Channel state changed to READY"),
        "{:?}",
        d.trace
    );
    assert_eq!(channel.subchannel_ref.len(), 1);
    // GetChannel answers the same.
    let id = channel.r#ref.as_ref().unwrap().channel_id;
    let again = cz
        .get_channel(pb::GetChannelRequest {
            channel_id: id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    assert_eq!(again.data.as_ref().unwrap().calls_started, 5);

    // Its subchannel: the same calls (one attempt each), READY, with its state changes traced.
    let sub = cz
        .get_subchannel(pb::GetSubchannelRequest {
            subchannel_id: channel.subchannel_ref[0].subchannel_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subchannel
        .unwrap();
    let d = sub.data.as_ref().unwrap();
    assert_eq!(
        (d.calls_started, d.calls_succeeded, d.calls_failed),
        (5, 4, 1)
    );
    assert_eq!(d.state.as_ref().unwrap().state, State::READY.0);
    assert_eq!(d.target, sc.target);
    let events: Vec<&str> = d
        .trace
        .as_ref()
        .unwrap()
        .events
        .iter()
        .map(|e| e.description.as_str())
        .collect();
    assert!(
        events.contains(&"Subchannel state changed to CONNECTING")
            && events.contains(&"Subchannel state changed to READY"),
        "{events:?}"
    );
    assert_eq!(sub.socket_ref.len(), 1);

    // The client's socket.
    let cs = cz
        .get_socket(pb::GetSocketRequest {
            socket_id: sub.socket_ref[0].socket_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .socket
        .unwrap();
    let d = cs.data.as_ref().unwrap();
    assert_eq!(
        (d.streams_started, d.streams_succeeded, d.streams_failed),
        (5, 4, 1)
    );
    assert_eq!((d.messages_sent, d.messages_received), (5, 6));
    assert!(ts_secs(&d.last_local_stream_created_timestamp) >= sc.began);
    assert!(ts_secs(&d.last_message_sent_timestamp) >= sc.began);
    assert!(ts_secs(&d.last_message_received_timestamp) >= sc.began);
    assert!(d.local_flow_control_window.as_ref().unwrap().value > 0);
    assert!(d.remote_flow_control_window.as_ref().unwrap().value > 0);
    assert_eq!(tcp(&cs.remote), Some(sc.server));
    let client_local = tcp(&cs.local).expect("the client's local address");
    assert_eq!(client_local.ip(), sc.server.ip());
    assert_ne!(client_local.port(), 0);

    // The server, found by its listen socket.
    let servers = cz
        .get_servers(pb::GetServersRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(servers.end);
    let server = servers
        .server
        .iter()
        .find(|s| {
            s.listen_socket
                .iter()
                .any(|l| l.name == sc.server.to_string())
        })
        .expect("the server, listening");
    let server_id = server.r#ref.as_ref().unwrap().server_id;
    let d = server.data.as_ref().unwrap();
    // Five calls from the tested channel, one from the other.
    assert_eq!(
        (d.calls_started, d.calls_succeeded, d.calls_failed),
        (6, 5, 1)
    );
    assert!(ts_secs(&d.last_call_started_timestamp) >= sc.began);
    // The listen socket is a socket too.
    let listen = cz
        .get_socket(pb::GetSocketRequest {
            socket_id: server.listen_socket[0].socket_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .socket
        .unwrap();
    assert_eq!(tcp(&listen.local), Some(sc.server));
    assert!(listen.remote.is_none());

    // Its two connections, one page each.
    let p1 = cz
        .get_server_sockets(pb::GetServerSocketsRequest {
            server_id,
            start_socket_id: 0,
            max_results: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p1.socket_ref.len(), 1);
    assert!(!p1.end);
    let p2 = cz
        .get_server_sockets(pb::GetServerSocketsRequest {
            server_id,
            start_socket_id: p1.socket_ref[0].socket_id + 1,
            max_results: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p2.socket_ref.len(), 1);
    assert!(p2.end);
    let mut ours = None;
    for r in p1.socket_ref.iter().chain(&p2.socket_ref) {
        let s = cz
            .get_socket(pb::GetSocketRequest {
                socket_id: r.socket_id,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .socket
            .unwrap();
        if tcp(&s.remote) == Some(client_local) {
            ours = Some(s);
        }
    }
    let ss = ours.expect("the server's end of the tested channel's connection");
    assert_eq!(tcp(&ss.local), Some(sc.server));
    let d = ss.data.as_ref().unwrap();
    assert_eq!(
        (d.streams_started, d.streams_succeeded, d.streams_failed),
        (5, 4, 1)
    );
    assert_eq!((d.messages_sent, d.messages_received), (6, 5));
    assert!(ts_secs(&d.last_remote_stream_created_timestamp) >= sc.began);
    assert_eq!(ts_secs(&d.last_local_stream_created_timestamp), 0);

    // Unknown ids, and a bad page size.
    for code in [
        cz.get_channel(pb::GetChannelRequest {
            channel_id: 1 << 62,
            ..Default::default()
        })
        .await
        .map(drop)
        .unwrap_err()
        .code(),
        cz.get_subchannel(pb::GetSubchannelRequest {
            subchannel_id: 1 << 62,
            ..Default::default()
        })
        .await
        .map(drop)
        .unwrap_err()
        .code(),
        cz.get_server(pb::GetServerRequest {
            server_id: 1 << 62,
            ..Default::default()
        })
        .await
        .map(drop)
        .unwrap_err()
        .code(),
        cz.get_socket(pb::GetSocketRequest {
            socket_id: 1 << 62,
            ..Default::default()
        })
        .await
        .map(drop)
        .unwrap_err()
        .code(),
    ] {
        assert_eq!(code, Code::NOT_FOUND);
    }
    let bad = cz
        .get_servers(pb::GetServersRequest {
            max_results: -1,
            ..Default::default()
        })
        .await
        .map(drop)
        .unwrap_err();
    assert_eq!(bad.code(), Code::INVALID_ARGUMENT);

    // A dropped channel leaves the registry (once its tasks have ended).
    drop(sc.channel);
    let mut gone = false;
    for _ in 0..200 {
        let r = cz
            .get_channel(pb::GetChannelRequest {
                channel_id: id,
                ..Default::default()
            })
            .await;
        if r.is_err_and(|e| e.code() == Code::NOT_FOUND) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(gone, "the dropped channel is still registered");
    drop(sc.other);
}

#[tokio::test]
async fn admin_services_in_one_line() {
    use courier_rpc::health::pb::{HealthCheckRequest, health_rpc::HealthClient};
    use courier_rpc::reflection::v1::{
        ServerReflectionRequest, server_reflection_request::MessageRequest,
        server_reflection_response::MessageResponse, server_reflection_rpc::ServerReflectionClient,
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        courier_channelz::admin(Server::builder().add_service(EchoServer::new(Svc))).build();
    tokio::spawn(server.serve(listener));
    let ch = Channel::builder(addr.to_string()).build();

    // Health: the server is SERVING.
    let h = HealthClient::new(ch.clone())
        .check(HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.status, courier_rpc::health::ServingStatus::SERVING.0);

    // Reflection: lists every service, and knows channelz's descriptors.
    let req = ServerReflectionRequest {
        message_request: Some(MessageRequest::ListServices(String::new())),
        ..Default::default()
    };
    let mut s = ServerReflectionClient::new(ch.clone())
        .server_reflection_info(Request::new(courier_rpc::iter([req])))
        .await
        .unwrap()
        .into_inner();
    let r = s.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = r.message_response else {
        panic!("{r:?}")
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"grpc.channelz.v1.Channelz"), "{names:?}");
    let req = ServerReflectionRequest {
        message_request: Some(MessageRequest::FileContainingSymbol(
            "grpc.channelz.v1.Channelz".into(),
        )),
        ..Default::default()
    };
    let mut s = ServerReflectionClient::new(ch.clone())
        .server_reflection_info(Request::new(courier_rpc::iter([req])))
        .await
        .unwrap()
        .into_inner();
    let r = s.message().await.unwrap().unwrap();
    assert!(
        matches!(
            r.message_response,
            Some(MessageResponse::FileDescriptorResponse(_))
        ),
        "{r:?}"
    );

    // Channelz: the server reports itself, with the calls just made (health, two reflection
    // calls) and this one.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let servers = ChannelzClient::new(ch.clone())
        .get_servers(pb::GetServersRequest::default())
        .await
        .unwrap()
        .into_inner();
    let me = servers
        .server
        .iter()
        .find(|s| s.listen_socket.iter().any(|l| l.name == addr.to_string()))
        .expect("the admin server reports itself");
    let d = me.data.as_ref().unwrap();
    assert_eq!(d.calls_started, 4);
    assert_eq!(d.calls_succeeded, 3, "the GetServers call is still running");
}

/// The peers' Python with `module` importable, or `None` (and a note) when peers are optional.
fn python(module: &str) -> Option<PathBuf> {
    let required = std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1");
    let found = std::env::var_os("COURIER_PYTHON")
        .map(PathBuf::from)
        .filter(|p| {
            Command::new(p)
                .args(["-c", &format!("import {module}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            !required,
            "COURIER_REQUIRE_PEERS=1 but COURIER_PYTHON cannot import {module}; run `cargo xtask peers`"
        );
        eprintln!(
            "skipped: no peer Python with {module} (set COURIER_PYTHON, or run `cargo xtask test`)"
        );
    }
    found
}

#[tokio::test]
async fn grpcio_client_reads_what_happened() {
    let Some(python) = python("grpc_channelz.v1.channelz_pb2") else {
        return;
    };
    let sc = scenario().await;
    let out = tokio::task::spawn_blocking({
        let (admin, target, port) = (sc.admin, sc.target.clone(), sc.server.port());
        move || {
            Command::new(&python)
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/peers/channelz_query.py"
                ))
                .arg(admin.to_string())
                .arg(target)
                .arg(port.to_string())
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = |k: &str| {
        v[k].as_i64()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    for prefix in ["channel", "subchannel"] {
        assert_eq!(n(&format!("{prefix}.calls_started")), 5, "{v}");
        assert_eq!(n(&format!("{prefix}.calls_succeeded")), 4, "{v}");
        assert_eq!(n(&format!("{prefix}.calls_failed")), 1, "{v}");
        assert_eq!(s(&format!("{prefix}.state")), "READY");
    }
    assert!(n("channel.last_call_started") >= sc.began);
    assert_eq!(n("channel.subchannels"), 1);
    assert_eq!(n("subchannel.sockets"), 1);
    let trace: Vec<&str> = v["subchannel.trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(trace.contains(&"Subchannel state changed to READY"), "{v}");
    for (prefix, sent, received) in [("client_socket", 5, 6), ("server_socket", 6, 5)] {
        assert_eq!(n(&format!("{prefix}.streams_started")), 5, "{v}");
        assert_eq!(n(&format!("{prefix}.streams_succeeded")), 4, "{v}");
        assert_eq!(n(&format!("{prefix}.streams_failed")), 1, "{v}");
        assert_eq!(n(&format!("{prefix}.messages_sent")), sent, "{v}");
        assert_eq!(n(&format!("{prefix}.messages_received")), received, "{v}");
        assert!(n(&format!("{prefix}.local_window")) > 0, "{v}");
        assert!(n(&format!("{prefix}.remote_window")) > 0, "{v}");
        assert!(n(&format!("{prefix}.last_message_sent")) >= sc.began, "{v}");
        assert!(
            n(&format!("{prefix}.last_message_received")) >= sc.began,
            "{v}"
        );
    }
    assert!(n("client_socket.last_local_stream") >= sc.began);
    assert!(n("server_socket.last_remote_stream") >= sc.began);
    assert_eq!(s("client_socket.remote"), sc.server.to_string());
    assert_eq!(s("server_socket.local"), sc.server.to_string());
    assert_eq!(s("server_socket.remote"), s("client_socket.local"));
    assert_eq!(n("server.calls_started"), 6);
    assert_eq!(n("server.calls_succeeded"), 5);
    assert_eq!(n("server.calls_failed"), 1);
    assert!(n("server.last_call_started") >= sc.began);
    assert_eq!(n("server.sockets"), 2);
    assert!(n("server_socket_pages") >= 2, "{v}");
    assert_eq!(s("missing_channel"), "NOT_FOUND");
    drop((sc.channel, sc.other));
}

/// The other way round: Courier's generated Channelz client reads grpcio's channelz (a grpcio
/// channel that made 3 OK calls and 1 NOT_FOUND call to a grpcio server).
#[tokio::test]
async fn courier_client_reads_grpcio_channelz() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let Some(python) = python("grpc_channelz.v1.channelz") else {
        return;
    };
    let mut peer = Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/grpcio_channelz_server.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut words = line.split_whitespace();
    let (port, target) = match (words.next(), words.next(), words.next(), words.next()) {
        (Some("PORT"), Some(port), Some("TARGET"), Some(target)) => {
            (port.to_owned(), target.to_owned())
        }
        _ => panic!("peer said {line:?}"),
    };
    let cz = ChannelzClient::new(Channel::builder(format!("127.0.0.1:{port}")).build());

    let top = cz
        .get_top_channels(pb::GetTopChannelsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(top.end);
    let ch = top
        .channel
        .iter()
        .find(|c| c.data.as_ref().unwrap().target.ends_with(&target))
        .unwrap_or_else(|| panic!("{top:?}"));
    let d = ch.data.as_ref().unwrap();
    assert_eq!(
        (d.calls_started, d.calls_succeeded, d.calls_failed),
        (4, 3, 1)
    );
    assert_eq!(d.state.as_ref().unwrap().state, State::READY.0);
    assert!(!ch.subchannel_ref.is_empty());
    let sub = cz
        .get_subchannel(pb::GetSubchannelRequest {
            subchannel_id: ch.subchannel_ref[0].subchannel_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subchannel
        .unwrap();
    assert_eq!(sub.data.as_ref().unwrap().calls_started, 4);
    // grpcio's socket, with whatever options and addresses it reports, decodes.
    let socket = cz
        .get_socket(pb::GetSocketRequest {
            socket_id: sub.socket_ref[0].socket_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .socket
        .unwrap();
    assert_eq!(
        tcp(&socket.remote).map(|a| a.port().to_string()),
        Some(port.clone())
    );
    assert_eq!(socket.data.as_ref().unwrap().streams_started, 4);

    let servers = cz
        .get_servers(pb::GetServersRequest::default())
        .await
        .unwrap()
        .into_inner();
    let server = servers
        .server
        .iter()
        .find(|s| s.data.as_ref().is_some_and(|d| d.calls_failed == 1))
        .unwrap_or_else(|| panic!("{servers:?}"));
    let sockets = cz
        .get_server_sockets(pb::GetServerSocketsRequest {
            server_id: server.r#ref.as_ref().unwrap().server_id,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!sockets.socket_ref.is_empty());
    drop(peer.stdin.take());
    assert!(peer.wait().unwrap().success());
}
