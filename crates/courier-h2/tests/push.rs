//! HTTP/2 server push through the tokio driver: a server promises responses with
//! `SendStream::push`, a client made with `client_with_push` reads or refuses them,
//! SETTINGS_ENABLE_PUSH and SETTINGS_MAX_CONCURRENT_STREAMS are honoured both ways, and nghttp
//! sees the pushed streams of the `h2_push_server` example.

#![allow(missing_docs, unreachable_pub)]

#[path = "../examples/push/site.rs"]
mod site;

use std::net::SocketAddr;
use std::time::Duration;

use courier_h2::driver::{self, Error, Push, Pushes};
use courier_h2::{CommandErrorKind, Config, Reason};
use courier_hpack::HeaderField;

async fn start_site() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(site::serve(tcp));
        }
    });
    addr
}

fn get(path: &str) -> Vec<HeaderField> {
    vec![
        HeaderField::new(":method", "GET"),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":authority", "localhost"),
        HeaderField::new(":path", path.to_owned()),
    ]
}

fn path(p: &Push) -> String {
    String::from_utf8_lossy(p.request.pseudo.path.as_deref().unwrap_or_default()).into_owned()
}

async fn next_push(pushes: &mut Pushes) -> Push {
    tokio::time::timeout(Duration::from_secs(5), pushes.next())
        .await
        .expect("a push")
        .expect("the connection is open")
}

#[tokio::test]
async fn a_page_comes_with_its_assets_pushed() {
    let addr = start_site().await;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, mut pushes, conn) = driver::client_with_push(tcp, Config::default());
    tokio::spawn(conn);
    let (_send, mut page) = client.send_request(get("/"), true).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..2 {
        let mut p = next_push(&mut pushes).await;
        assert_eq!(p.associated, page.stream_id().unwrap());
        assert!(p.promised.get() % 2 == 0, "pushed streams are even");
        let (head, _) = p.response.response().await.unwrap();
        assert_eq!(head.pseudo.status, Some(200));
        let body = p.response.collect().await.unwrap();
        got.push((path(&p), String::from_utf8(body).unwrap()));
    }
    got.sort();
    let mut want: Vec<_> = site::ASSETS
        .iter()
        .map(|(p, _, b)| (p.to_string(), b.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    let (head, _) = page.response().await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    assert_eq!(page.collect().await.unwrap(), site::PAGE.as_bytes());
}

#[tokio::test]
async fn a_client_may_refuse_a_push() {
    // A server that reports how its pushed stream ended.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let (mut server, conn) = driver::server(tcp, Config::default());
        tokio::spawn(conn);
        let req = server.accept().await.unwrap();
        let pushed = req.respond.push(get("/refused.css")).await.unwrap();
        req.respond
            .send_headers(vec![HeaderField::new(":status", "204")], true)
            .unwrap();
        let _ = tx.send(pushed.closed().await);
        // Keep the connection until the test is done.
        let _ = server.accept().await;
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, mut pushes, conn) = driver::client_with_push(tcp, Config::default());
    tokio::spawn(conn);
    let (_send, mut page) = client.send_request(get("/"), true).await.unwrap();
    next_push(&mut pushes).await.refuse();
    assert_eq!(page.response().await.unwrap().0.pseudo.status, Some(204));
    let closed = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            closed,
            Err(Error::Reset {
                reason: Reason::CANCEL,
                remote: true
            })
        ),
        "{closed:?}"
    );
}

#[tokio::test]
async fn push_is_off_unless_the_client_turns_it_on() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let (mut server, conn) = driver::server(tcp, Config::default());
        tokio::spawn(conn);
        let req = server.accept().await.unwrap();
        let r = req.respond.push(get("/x")).await;
        let _ = tx.send(r.map(|_| ()));
        req.respond
            .send_headers(vec![HeaderField::new(":status", "200")], true)
            .unwrap();
        let _ = server.accept().await;
    });
    // driver::client: SETTINGS_ENABLE_PUSH = 0.
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    tokio::spawn(conn);
    let (_send, mut page) = client.send_request(get("/"), true).await.unwrap();
    assert_eq!(page.response().await.unwrap().0.pseudo.status, Some(200));
    match rx.await.unwrap() {
        Err(Error::Command(e)) => assert_eq!(e.kind(), CommandErrorKind::PushDisabled),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pushes_stay_within_the_clients_stream_limit() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let (mut server, conn) = driver::server(tcp, Config::default());
        tokio::spawn(conn);
        let req = server.accept().await.unwrap();
        let first = req.respond.push(get("/1")).await.map(|_| ());
        let second = req.respond.push(get("/2")).await.map(|_| ());
        let _ = tx.send((first, second));
        req.respond
            .send_headers(vec![HeaderField::new(":status", "200")], true)
            .unwrap();
        let _ = server.accept().await;
    });
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 1;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, _pushes, conn) = driver::client_with_push(tcp, cfg);
    tokio::spawn(conn);
    let (_send, mut page) = client.send_request(get("/"), true).await.unwrap();
    assert_eq!(page.response().await.unwrap().0.pseudo.status, Some(200));
    let (first, second) = rx.await.unwrap();
    assert!(first.is_ok());
    match second {
        Err(Error::Command(e)) => assert_eq!(e.kind(), CommandErrorKind::ConcurrencyLimit),
        other => panic!("{other:?}"),
    }
}

/// nghttp (nghttp2's client, push enabled by default) against the example's site: `-v` shows
/// the PUSH_PROMISE frames and the pushed streams' responses.
#[tokio::test]
async fn nghttp_shows_the_pushed_streams() {
    if std::process::Command::new("nghttp")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("COURIER_REQUIRE_PEERS").is_none(),
            "nghttp is required (cargo xtask peers installs nghttp2-client)"
        );
        eprintln!("skipped: nghttp not found");
        return;
    }
    let addr = start_site().await;
    let out = tokio::process::Command::new("nghttp")
        .args(["-nv", &format!("http://{addr}/")])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("recv PUSH_PROMISE frame").count(), 2, "{text}");
    for (asset, _, _) in site::ASSETS {
        assert!(text.contains(&format!(":path: {asset}")), "{asset}: {text}");
    }
    // The promised streams 2 and 4 answered 200 and ended.
    for id in [2, 4] {
        for want in [
            format!("promised_stream_id={id})"),
            format!("recv (stream_id={id}) :status: 200"),
            format!("flags=0x01, stream_id={id}>"),
        ] {
            assert!(text.contains(&want), "`{want}` not in {text}");
        }
    }
}
