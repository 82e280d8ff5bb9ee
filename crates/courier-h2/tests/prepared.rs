//! Prepared request heads (`RequestHead`, `Connection::open_stream_prepared`,
//! `driver::Client::start_prepared`): checked once, and a header block sent again only while
//! the HPACK encoder would encode it the same way.

mod support;

use bytes::Bytes;
use courier_h2::driver::{self, Incoming};
use courier_h2::frame::Frame;
use courier_h2::{CommandErrorKind, Config, Event, RequestHead, StreamId};
use courier_hpack::HeaderField;
use support::{Pair, RawPeer, connected, fields, post, request, timeout};

fn grpc_head(path: &str) -> RequestHead {
    let mut h = post(path);
    h.extend(fields(&[
        ("te", "trailers"),
        ("content-type", "application/grpc"),
        ("user-agent", "prepared-test/1"),
    ]));
    RequestHead::new(h).unwrap()
}

/// The request a server saw for each of `events`' requests: (path, regular fields).
fn requests(events: &[Event]) -> Vec<(Bytes, Vec<HeaderField>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Headers { section, .. } => Some((
                section.pseudo.path.clone().unwrap_or_default(),
                section.fields.clone(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn invalid_heads_are_refused_when_made() {
    for bad in [
        fields(&[(":method", "GET"), (":path", "/")]),
        {
            let mut h = post("/");
            h.extend(fields(&[("connection", "close")]));
            h
        },
        {
            let mut h = fields(&[("x-a", "1")]);
            h.extend(post("/"));
            h
        },
        {
            let mut h = post("/");
            h.push(HeaderField::new("X-Upper", "1"));
            h
        },
    ] {
        let e = RequestHead::new(bad).unwrap_err();
        assert_eq!(e.kind(), CommandErrorKind::InvalidHeaders);
    }
    let head = grpc_head("/p.S/M");
    assert_eq!(head.fields().len(), 7);
    assert_eq!(head.fields()[3].value().as_ref(), b"/p.S/M");
}

#[test]
fn the_same_head_reaches_the_server_every_time_as_the_table_changes() {
    let mut p = Pair::new();
    p.drive();
    let a = grpc_head("/p.S/A");
    let b = grpc_head("/p.S/B");
    // A's fields enter the table (first), then A is all indexes (cached from here), then B
    // (a new :path entry: the table changes), then A again (re-encoded: its cached block was
    // made before B's insertion, and B's entry moved A's indexes), then a plain request with a
    // field of its own, then A again.
    let mut sent = Vec::new();
    for (i, step) in ["a", "a", "a", "b", "a", "a", "plain", "a", "b", "b"]
        .into_iter()
        .enumerate()
    {
        let id = match step {
            "a" => p.client.open_stream_prepared(&a, true).unwrap(),
            "b" => p.client.open_stream_prepared(&b, true).unwrap(),
            _ => {
                let mut h = post("/p.S/Plain");
                h.extend(fields(&[("x-extra", &format!("v{i}"))]));
                p.client.open_stream(&h, true).unwrap()
            }
        };
        assert_eq!(id, StreamId::new(2 * i as u32 + 1));
        sent.push(step);
        p.drive();
    }
    let got = requests(&p.take_server_events());
    assert_eq!(got.len(), sent.len());
    for (i, ((path, regular), step)) in got.iter().zip(&sent).enumerate() {
        let want_path: &[u8] = match *step {
            "a" => b"/p.S/A",
            "b" => b"/p.S/B",
            _ => b"/p.S/Plain",
        };
        assert_eq!(path.as_ref(), want_path, "request {i}");
        if *step != "plain" {
            assert_eq!(regular, &a.fields()[4..].to_vec(), "request {i}");
        }
    }
}

#[test]
fn a_repeated_head_is_sent_as_the_same_block() {
    // A raw server sees the blocks themselves: once the head's fields are indexed, the same
    // octets each time; after another request changed the table, a new encoding that decodes
    // to the same fields.
    let mut p = RawPeer::client(Config::default());
    let head = grpc_head("/p.S/M");
    let mut blocks = Vec::new();
    for i in 0..5 {
        if i == 3 {
            let mut h = post("/other");
            h.extend(fields(&[("x-extra", "1")]));
            p.conn.open_stream(&h, true).unwrap();
        }
        p.conn.open_stream_prepared(&head, true).unwrap();
        for f in p.recv() {
            if let Frame::Headers(h) = f {
                let decoded = p.decode_block(&h.fragment);
                blocks.push((h.fragment, decoded));
            }
        }
    }
    let ours: Vec<_> = blocks
        .iter()
        .filter(|(_, d)| d[3].value().as_ref() == b"/p.S/M")
        .collect();
    assert_eq!(ours.len(), 5);
    for (_, decoded) in &ours {
        assert_eq!(decoded, &head.fields().to_vec());
    }
    // First: literals; second and third: all indexes, the same octets.
    assert_ne!(ours[0].0, ours[1].0);
    assert_eq!(ours[1].0, ours[2].0);
    assert!(ours[1].0.len() < ours[0].0.len());
    // After `/other` entered the table, the head's dynamic indexes moved.
    assert_ne!(ours[3].0, ours[2].0);
    assert_eq!(ours[3].0, ours[4].0);
}

async fn answer(req: Incoming) {
    let path = req.request.pseudo.path.clone().unwrap_or_default();
    req.respond
        .send_headers(vec![HeaderField::new(":status", "200")], false)
        .unwrap();
    req.respond
        .send_trailers(vec![HeaderField::new("x-path", path)])
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_prepared_requests_complete() {
    let (client, mut server) = connected(Config::default(), Config::default());
    tokio::spawn(async move {
        while let Some(req) = server.accept().await {
            tokio::spawn(answer(req));
        }
    });
    let a = grpc_head("/p.S/A");
    let plain = request("POST", "/p.S/Plain");
    // The server's SETTINGS_MAX_CONCURRENT_STREAMS known: the requests beyond it wait.
    timeout(client.established()).await.unwrap();
    // Prepared and plain requests interleaved, more in flight than the server's limit.
    let mut calls = Vec::new();
    for i in 0..200 {
        let (send, recv) = if i % 3 == 2 {
            client
                .start_request(plain.clone(), Bytes::from_static(b"x"), true)
                .unwrap()
        } else {
            client
                .start_prepared(&a, Bytes::from_static(b"x"), true)
                .unwrap()
        };
        calls.push((i, send, recv));
    }
    for (i, _send, mut recv) in calls {
        let (head, end) = timeout(recv.response()).await.unwrap();
        assert_eq!((head.pseudo.status, end), (Some(200), false));
        assert!(timeout(recv.collect()).await.unwrap().is_empty());
        let t = recv.trailers().expect("trailers");
        let want: &[u8] = if i % 3 == 2 { b"/p.S/Plain" } else { b"/p.S/A" };
        assert_eq!(t[0].value().as_ref(), want, "call {i}");
    }
    // A connection that has ended: the request fails, at once if the driver is gone
    // already, else from its stream, unsent.
    let (client, server) = connected(Config::default(), Config::default());
    drop(server);
    client.shutdown();
    timeout(client.closed()).await;
    match client.start_prepared(&a, Bytes::new(), true) {
        Err(e) => assert!(matches!(e, driver::Error::Closed), "{e:?}"),
        Ok((_send, mut recv)) => {
            assert!(timeout(recv.response()).await.is_err());
            assert!(recv.is_unsent());
        }
    }
}
