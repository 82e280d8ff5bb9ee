//! Client-side load balancing against in-process backends: round_robin spread over one
//! connection per backend, failover when a backend dies (hidden by a retry policy), health
//! checking, pick_first failover, hedging, retries with replayed streams, GOAWAY drains, and
//! `unix:` / manual-resolver targets. Also run by `cargo xtask lb`.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[path = "gen/courier.echo.rs"]
mod echo;
mod support {
    pub mod backend;
}

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use courier_rpc::health::ServingStatus;
use courier_rpc::{
    Backoff, Channel, Code, ConnectivityState, LbPolicy, ManualResolver, Request, Server,
    ServiceConfig, StaticResolver, Status,
};
use echo::EchoRequest;
use echo::echo_rpc::EchoClient;
use support::backend::Backend;

fn req(msg: &str) -> EchoRequest {
    EchoRequest {
        message: msg.into(),
        ..Default::default()
    }
}

async fn backends(n: usize, delay: Duration) -> Vec<Backend> {
    let mut v = Vec::new();
    for i in 0..n {
        v.push(Backend::start(&format!("backend-{i}"), delay).await);
    }
    v
}

/// Fast reconnects for tests.
fn quick_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(500),
        ..Backoff::default()
    }
}

fn channel(bs: &[Backend], policy: LbPolicy) -> courier_rpc::ChannelBuilder {
    Channel::builder("backends")
        .resolver(StaticResolver::new(bs.iter().map(|b| b.addr)))
        .load_balancing(policy)
        .backoff(quick_backoff())
}

const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
  "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
                  "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

/// Calls until every backend has answered once (round_robin connects to all at once, but
/// the first calls may find only some READY).
async fn warm_up(c: &EchoClient<Channel>, bs: &[Backend]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while bs.iter().any(|b| b.hits() == 0) {
        assert!(Instant::now() < deadline, "not every backend became ready");
        c.unary(req("warm")).await.unwrap();
    }
}

/// Runs `total` unary calls, `concurrency` at a time; returns answers per backend name and
/// the failures.
async fn run(
    c: &EchoClient<Channel>,
    total: usize,
    concurrency: usize,
    on_progress: impl Fn(usize) + Send + Sync + 'static,
) -> (HashMap<String, usize>, Vec<Status>) {
    let done = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let on_progress = Arc::new(on_progress);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (c, done, next, on_progress) = (
            c.clone(),
            Arc::clone(&done),
            Arc::clone(&next),
            Arc::clone(&on_progress),
        );
        tasks.push(tokio::spawn(async move {
            let mut counts = HashMap::new();
            let mut failures = Vec::new();
            while next.fetch_add(1, Ordering::SeqCst) < total {
                match c.unary(req("x")).await {
                    Ok(r) => {
                        let name = r.into_inner().message;
                        let name = name.split(' ').next().unwrap().to_owned();
                        *counts.entry(name).or_insert(0) += 1;
                    }
                    Err(s) => failures.push(s),
                }
                on_progress(done.fetch_add(1, Ordering::SeqCst) + 1);
            }
            (counts, failures)
        }));
    }
    let mut counts = HashMap::new();
    let mut failures = Vec::new();
    for t in tasks {
        let (c, f) = t.await.unwrap();
        for (k, v) in c {
            *counts.entry(k).or_insert(0) += v;
        }
        failures.extend(f);
    }
    (counts, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_spreads_3000_calls_evenly_over_three_connections() {
    let bs = backends(3, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::RoundRobin).build();
    let c = EchoClient::new(ch.clone());
    warm_up(&c, &bs).await;
    let (counts, failures) = run(&c, 3000, 16, |_| {}).await;
    assert!(failures.is_empty(), "{failures:?}");
    println!("round_robin: {counts:?}");
    for b in &bs {
        let n = counts.get(&b.name).copied().unwrap_or(0);
        assert!(
            (950..=1050).contains(&n),
            "{}: {n} calls, not within ±5% of 1000 ({counts:?})",
            b.name
        );
        assert_eq!(
            b.conns.load(Ordering::SeqCst),
            1,
            "{}: one connection",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_backend_moves_its_calls_and_a_retry_policy_hides_it() {
    let bs = backends(3, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::RoundRobin)
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .build();
    let c = EchoClient::new(ch.clone());
    warm_up(&c, &bs).await;
    let victim = Arc::new(std::sync::Mutex::new(None::<usize>));
    let bs = Arc::new(bs);
    let (counts, failures) = {
        let (bs2, victim2) = (Arc::clone(&bs), Arc::clone(&victim));
        run(&c, 3000, 16, move |done| {
            if done == 1000 {
                *victim2.lock().unwrap() = Some(bs2[1].hits());
                bs2[1].kill();
            }
        })
        .await
    };
    println!("kill mid-run: {counts:?}");
    assert!(failures.is_empty(), "calls failed: {failures:?}");
    let at_kill = victim.lock().unwrap().unwrap();
    assert!(
        bs[1].hits() <= at_kill + 16,
        "the dead backend kept receiving calls"
    );
    for i in [0, 2] {
        assert!(
            counts[&bs[i].name] > 1200,
            "{} took over: {counts:?}",
            bs[i].name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_retry_policy_killing_a_backend_fails_only_calls_on_it() {
    // The control for the test above: the same kill without retries makes some calls fail,
    // so the retry policy is what hides it.
    let bs = backends(3, Duration::from_millis(5)).await;
    let ch = channel(&bs, LbPolicy::RoundRobin).build();
    let c = EchoClient::new(ch.clone());
    warm_up(&c, &bs).await;
    let bs = Arc::new(bs);
    let bs2 = Arc::clone(&bs);
    let (_, failures) = run(&c, 600, 16, move |done| {
        if done == 200 {
            bs2[1].kill();
        }
    })
    .await;
    assert!(
        !failures.is_empty(),
        "in-flight calls on the killed backend fail"
    );
    assert!(
        failures.len() <= 16,
        "only calls in flight there: {}",
        failures.len()
    );
    for f in &failures {
        assert_eq!(f.code(), Code::UNAVAILABLE, "{f:?}");
        assert!(
            f.message().contains(&bs[1].addr.to_string()),
            "error names the endpoint: {f:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_serving_backends_get_no_calls_until_serving_again() {
    let bs = backends(3, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::RoundRobin).health_check("").build();
    let c = EchoClient::new(ch.clone());
    warm_up(&c, &bs).await;
    bs[1].health.set_status("", ServingStatus::NOT_SERVING);
    // The watch reports it and the picker drops the backend: wait until 30 calls in a row
    // went elsewhere (calls already picked may still reach it meanwhile).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut streak = 0;
    while streak < 30 {
        assert!(
            Instant::now() < deadline,
            "NOT_SERVING backend still picked"
        );
        let before = bs[1].hits();
        c.unary(req("x")).await.unwrap();
        streak = if bs[1].hits() == before {
            streak + 1
        } else {
            0
        };
    }
    let before = bs[1].hits();
    let (counts, failures) = run(&c, 300, 8, |_| {}).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        bs[1].hits(),
        before,
        "NOT_SERVING backend got calls: {counts:?}"
    );
    assert_eq!(counts[&bs[0].name] + counts[&bs[2].name], 300);
    bs[1].health.set_status("", ServingStatus::SERVING);
    let deadline = Instant::now() + Duration::from_secs(10);
    let before = bs[1].hits();
    while bs[1].hits() == before {
        assert!(
            Instant::now() < deadline,
            "SERVING backend never picked again"
        );
        c.unary(req("x")).await.unwrap();
    }
    let (counts, failures) = run(&c, 300, 8, |_| {}).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        (90..=110).contains(&counts[&bs[1].name]),
        "SERVING again: {counts:?}"
    );
    // One connection each all along: health changes do not reconnect.
    for b in bs.iter() {
        assert_eq!(b.conns.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backends_without_a_health_service_count_as_healthy() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // A server with the echo service only.
    let (server, _, _) = support::backend::server("plain", Duration::ZERO, Server::builder());
    drop(server);
    let server = Server::builder()
        .add_service(echo::echo_rpc::EchoServer::new(PlainEcho))
        .build();
    tokio::spawn(server.serve(listener));
    let ch = Channel::builder(addr.to_string()).health_check("").build();
    let c = EchoClient::new(ch);
    assert_eq!(c.unary(req("hi")).await.unwrap().into_inner().message, "hi");
}

struct PlainEcho;
impl echo::echo_rpc::Echo for PlainEcho {
    async fn unary(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<courier_rpc::Response<echo::EchoResponse>, Status> {
        Ok(courier_rpc::Response::new(echo::EchoResponse {
            message: request.into_inner().message,
            ..Default::default()
        }))
    }
    async fn server_stream(
        &self,
        _: Request<EchoRequest>,
    ) -> Result<
        courier_rpc::Response<courier_rpc::BoxStream<Result<echo::EchoResponse, Status>>>,
        Status,
    > {
        Err(Status::unimplemented("no"))
    }
    async fn client_stream(
        &self,
        _: Request<courier_rpc::Streaming<EchoRequest>>,
    ) -> Result<courier_rpc::Response<echo::EchoResponse>, Status> {
        Err(Status::unimplemented("no"))
    }
    async fn bidi(
        &self,
        _: Request<courier_rpc::Streaming<EchoRequest>>,
    ) -> Result<
        courier_rpc::Response<courier_rpc::BoxStream<Result<echo::EchoResponse, Status>>>,
        Status,
    > {
        Err(Status::unimplemented("no"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pick_first_fails_over_to_the_next_address() {
    let bs = backends(2, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::PickFirst).build();
    let c = EchoClient::new(ch.clone());
    for _ in 0..20 {
        let m = c.unary(req("x")).await.unwrap().into_inner().message;
        assert!(m.starts_with("backend-0"), "{m}");
    }
    assert_eq!(
        bs[1].conns.load(Ordering::SeqCst),
        0,
        "pick_first connects to one"
    );
    bs[0].kill();
    // The channel notices the connection is gone (a call racing with that could fail: its
    // request may have reached the dead server, so it is not retried without a policy).
    let st = tokio::time::timeout(
        Duration::from_secs(5),
        ch.state_changed(ConnectivityState::Ready),
    )
    .await
    .unwrap();
    assert_ne!(st, ConnectivityState::Ready);
    for _ in 0..20 {
        let m = c.unary(req("x")).await.unwrap().into_inner().message;
        assert!(m.starts_with("backend-1"), "{m}");
    }
    assert_eq!(bs[1].conns.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedging_finishes_at_the_fast_backends_latency() {
    let fast = Backend::start("fast", Duration::ZERO).await;
    let slow = Backend::start("slow", Duration::from_millis(600)).await;
    let bs = vec![fast, slow];
    let hedged = ServiceConfig::from_json(
        r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo", "method": "Unary"}],
            "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.02s",
                              "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#,
    )
    .unwrap();
    let time = |c: EchoClient<Channel>| async move {
        let mut worst = Duration::ZERO;
        let mut answered_by = HashMap::new();
        for _ in 0..20 {
            let t = Instant::now();
            let m = c.unary(req("x")).await.unwrap().into_inner().message;
            worst = worst.max(t.elapsed());
            *answered_by
                .entry(m.split(' ').next().unwrap().to_owned())
                .or_insert(0) += 1;
        }
        (worst, answered_by)
    };
    // Control: round_robin alone sends half the calls to the slow backend.
    let plain = EchoClient::new(channel(&bs, LbPolicy::RoundRobin).build());
    warm_up(&plain, &bs).await;
    let (worst, _) = time(plain).await;
    assert!(worst >= Duration::from_millis(600), "control: {worst:?}");
    let c = EchoClient::new(
        channel(&bs, LbPolicy::RoundRobin)
            .service_config(hedged)
            .build(),
    );
    warm_up(&c, &bs).await;
    let (worst, by) = time(c).await;
    println!("hedged: worst {worst:?}, answered by {by:?}");
    assert!(
        worst < Duration::from_millis(300),
        "hedged calls finish at the fast backend's latency: worst {worst:?}"
    );
    assert_eq!(by.get("fast"), Some(&20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_send_previous_attempts_and_obey_pushback() {
    let bs = backends(1, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::PickFirst)
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .build();
    let c = EchoClient::new(ch);
    // Fails twice with UNAVAILABLE, then answers: the third attempt says 2 came before.
    let r = c
        .unary(EchoRequest {
            fail_code: Code::UNAVAILABLE.0,
            count: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner().message, "backend-0 attempts=2");
    assert_eq!(bs[0].hits(), 3);
    // Not retryable: one attempt.
    let e = c
        .unary(EchoRequest {
            fail_code: Code::INTERNAL.0,
            count: 1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::INTERNAL);
    assert_eq!(bs[0].hits(), 4);
    // Pushback -1: the server says do not retry.
    let e = c
        .unary(EchoRequest {
            message: "pushback:-1".into(),
            fail_code: Code::UNAVAILABLE.0,
            count: 5,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE);
    assert_eq!(bs[0].hits(), 5);
    // Pushback 150 ms: retried after exactly that delay.
    let t = Instant::now();
    let r = c
        .unary(EchoRequest {
            message: "pushback:150".into(),
            fail_code: Code::UNAVAILABLE.0,
            count: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.into_inner().message, "backend-0 attempts=1");
    // maxAttempts 5: a call failing forever is tried five times.
    let before = bs[0].hits();
    c.unary(EchoRequest {
        fail_code: Code::UNAVAILABLE.0,
        count: 100,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(bs[0].hits() - before, 5);
}

fn stream_of(msgs: Vec<EchoRequest>) -> impl courier_rpc::Stream<Item = EchoRequest> + Send {
    struct It(std::vec::IntoIter<EchoRequest>);
    impl courier_rpc::Stream for It {
        type Item = EchoRequest;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<EchoRequest>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    It(msgs.into_iter())
}

fn failing_stream() -> Vec<EchoRequest> {
    let mut msgs = vec![EchoRequest {
        message: "a".into(),
        fail_code: Code::UNAVAILABLE.0,
        count: 1,
        ..Default::default()
    }];
    msgs.extend(["b", "c", "d"].map(req));
    msgs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_requests_are_replayed_within_the_buffer_limit() {
    let bs = backends(1, Duration::ZERO).await;
    let ch = channel(&bs, LbPolicy::PickFirst)
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .build();
    let c = EchoClient::new(ch);
    // The first attempt fails after the whole stream: the retry replays every message.
    let r = c
        .client_stream(Request::new(stream_of(failing_stream())))
        .await
        .unwrap();
    assert_eq!(r.into_inner().message, "backend-0:abcd");
    assert_eq!(bs[0].hits(), 2);
    // A per-call buffer smaller than the request: committed, not retried.
    let ch = channel(&bs, LbPolicy::PickFirst)
        .service_config(ServiceConfig::from_json(RETRY).unwrap())
        .retry_buffer_size(8)
        .build();
    let c = EchoClient::new(ch);
    let e = c
        .client_stream(Request::new(stream_of(failing_stream())))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE);
    assert_eq!(bs[0].hits(), 3, "not retried once over the buffer limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goaway_drains_connections_without_failing_calls() {
    // Servers that retire every connection after 100 ms (GOAWAY, then a grace period).
    let mut bs = Vec::new();
    for i in 0..2 {
        bs.push(
            Backend::start_with(
                &format!("backend-{i}"),
                Duration::from_millis(2),
                Server::builder()
                    .max_connection_age(Duration::from_millis(100), Duration::from_secs(2)),
            )
            .await,
        );
    }
    let ch = channel(&bs, LbPolicy::RoundRobin).build();
    let c = EchoClient::new(ch);
    warm_up(&c, &bs).await;
    let (counts, failures) = run(&c, 2000, 16, |_| {}).await;
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert_eq!(counts.values().sum::<usize>(), 2000);
    assert!(
        bs.iter().all(|b| b.conns.load(Ordering::SeqCst) > 1),
        "connections were replaced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_resolver_moves_calls_to_new_addresses() {
    let bs = backends(2, Duration::ZERO).await;
    let resolver = ManualResolver::new([bs[0].addr]);
    let ch = Channel::builder("manual")
        .resolver(resolver.clone())
        .load_balancing(LbPolicy::RoundRobin)
        .build();
    let c = EchoClient::new(ch);
    assert!(
        c.unary(req("x"))
            .await
            .unwrap()
            .into_inner()
            .message
            .starts_with("backend-0")
    );
    resolver.set_addresses([bs[1].addr]);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let m = c.unary(req("x")).await.unwrap().into_inner().message;
        if m.starts_with("backend-1") {
            break;
        }
        assert!(Instant::now() < deadline, "calls never moved");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..10 {
        assert!(
            c.unary(req("x"))
                .await
                .unwrap()
                .into_inner()
                .message
                .starts_with("backend-1")
        );
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_targets() {
    let dir = std::env::temp_dir().join(format!("courier-lb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let (server, _, _) = support::backend::server("uds", Duration::ZERO, Server::builder());
    let server = Arc::new(server);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let s = Arc::clone(&server);
            tokio::spawn(async move { s.serve_connection(sock, None).await });
        }
    });
    let ch = Channel::lazy(format!("unix:{}", path.display()));
    let c = EchoClient::new(ch);
    assert_eq!(
        c.unary(req("x")).await.unwrap().into_inner().message,
        "uds attempts=0"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_endpoints_that_failed() {
    let dead: Vec<std::net::SocketAddr> = (0..2)
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        })
        .collect();
    let ch = Channel::builder("dead")
        .resolver(StaticResolver::new(dead.clone()))
        .load_balancing(LbPolicy::RoundRobin)
        .build();
    let e = EchoClient::new(ch).unary(req("x")).await.unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE);
    for a in &dead {
        assert!(e.message().contains(&a.to_string()), "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_pings_too_often_get_too_many_pings_and_the_channel_recovers() {
    // The server allows a ping every 10 s; the channel pings every 50 ms while a call is
    // open: after two strikes the server sends GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
    let b = Backend::start_with(
        "strict",
        Duration::from_millis(600),
        Server::builder().permit_keepalive_time(Duration::from_secs(10)),
    )
    .await;
    let ch = Channel::builder(b.addr.to_string())
        .keepalive_time(Duration::from_millis(50))
        .keepalive_timeout(Duration::from_secs(5))
        .build();
    let c = EchoClient::new(ch.clone());
    let e = c.unary(req("x")).await.unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE, "{e:?}");
    assert!(e.message().contains("too_many_pings"), "{e:?}");
    // The channel reconnects for the next call (with the interval doubled: 100 ms, still too
    // often for this server, so the call fails the same way — but on a new connection).
    let e = c.unary(req("x")).await.unwrap_err();
    assert!(e.message().contains("too_many_pings"), "{e:?}");
    assert_eq!(b.conns.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_notices_a_silent_peer() {
    // A "server" that completes the HTTP/2 handshake (its SETTINGS and the ACK of the
    // client's) and then goes silent: without keepalive a call there waits for its deadline;
    // with it, the unanswered PING closes the connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::Write;
        let mut held = Vec::new();
        while let Ok((mut sock, _)) = listener.accept() {
            // SETTINGS (empty), SETTINGS ACK.
            let _ = sock.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0]);
            held.push(sock);
        }
    });
    let ch = Channel::builder(addr.to_string())
        .keepalive_time(Duration::from_millis(100))
        .keepalive_timeout(Duration::from_millis(200))
        .build();
    let c = EchoClient::new(ch);
    let t = Instant::now();
    let mut r = Request::new(req("x"));
    r.set_timeout(Duration::from_secs(5));
    let e = c.unary(r).await.unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE, "{e:?}");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "keepalive closed it: {:?}",
        t.elapsed()
    );
    assert!(e.message().contains(&addr.to_string()), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_targets_use_every_address() {
    // localhost may resolve to 127.0.0.1 and ::1; the backend listens on the first only:
    // round_robin connects to every address and the calls go to the one that works.
    let bs = backends(1, Duration::ZERO).await;
    let ch = Channel::builder(format!("dns:///localhost:{}", bs[0].addr.port()))
        .load_balancing(LbPolicy::RoundRobin)
        .build();
    let c = EchoClient::new(ch);
    for _ in 0..10 {
        let mut r = Request::new(req("x"));
        r.set_wait_for_ready(true);
        r.set_timeout(Duration::from_secs(5));
        assert!(
            c.unary(r)
                .await
                .unwrap()
                .into_inner()
                .message
                .starts_with("backend-0")
        );
    }
}

#[tokio::test]
async fn an_error_goaway_says_why_the_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that answers the preface with SETTINGS and GOAWAY ENHANCE_YOUR_CALM, then
    // closes: every connection to it ends at once, for a reason only the GOAWAY gives.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut preface = [0u8; 24];
                if s.read_exact(&mut preface).await.is_err() {
                    return;
                }
                let debug = b"come back later";
                let mut out = vec![0, 0, 0, 4, 0, 0, 0, 0, 0]; // SETTINGS, empty
                out.extend_from_slice(&[0, 0, 8 + debug.len() as u8, 7, 0, 0, 0, 0, 0]);
                out.extend_from_slice(&0u32.to_be_bytes()); // last stream id
                out.extend_from_slice(&0xbu32.to_be_bytes()); // ENHANCE_YOUR_CALM
                out.extend_from_slice(debug);
                let _ = s.write_all(&out).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            });
        }
    });
    let c = EchoClient::new(Channel::builder(addr.to_string()).build());
    let err = c.unary(req("x")).await.unwrap_err();
    assert_eq!(err.code(), Code::UNAVAILABLE, "{err:?}");
    assert!(
        err.message()
            .contains("GOAWAY ENHANCE_YOUR_CALM: come back later"),
        "{err:?}"
    );
}
