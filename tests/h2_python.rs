//! Real-peer interop of courier-h2's sans-IO `Connection` with Python h2 (hyper-h2 4.x), over
//! the peer process's stdin/stdout (tests/peers/h2_peer.py).
//!
//! - Courier client ↔ Python server: GET, a 300,000-octet POST echoed back with a trailer (well
//!   beyond Python's 65,535-octet default windows, so flow control runs both ways), 20
//!   concurrent GETs, a PING, and a graceful GOAWAY.
//! - Python client ↔ Courier server: Python's requests (GET, a 100,000-octet POST, 10 concurrent
//!   GETs) answered by Courier; Python reports what it received.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_h2::{Config, Connection, Event, Role, StreamId};
use courier_hpack::HeaderField;

struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Vec<u8>>,
}

impl Peer {
    fn spawn(python: &std::path::Path, mode: &str) -> Peer {
        let script = courier_tests::repo_root().join("tests/peers/h2_peer.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the Python h2 peer");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Vec::new());
                        return;
                    }
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Peer { child, stdin, rx }
    }

    /// Writes everything `conn` has to send to the peer.
    fn flush(&mut self, conn: &mut Connection) {
        while let Some(bytes) = conn.poll_transmit() {
            if let Some(stdin) = &mut self.stdin {
                // The peer may have exited already (after a GOAWAY): ignore a broken pipe.
                let _ = stdin.write_all(&bytes);
                let _ = stdin.flush();
            }
        }
    }

    /// Feeds the next chunk from the peer into `conn`; false at end of stream.
    fn receive(&mut self, conn: &mut Connection) -> bool {
        let bytes = self
            .rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the Python peer went silent");
        if bytes.is_empty() {
            conn.handle_eof();
            return false;
        }
        conn.handle_received(&bytes);
        true
    }

    fn finish(mut self) -> String {
        drop(self.stdin.take());
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let status = self.child.wait().expect("peer exits");
        assert!(status.success(), "Python h2 peer failed: {err}");
        err
    }
}

fn fields(list: &[(&str, &str)]) -> Vec<HeaderField> {
    list.iter()
        .map(|(n, v)| HeaderField::new(n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn request(method: &str, path: &str) -> Vec<HeaderField> {
    fields(&[
        (":method", method),
        (":scheme", "http"),
        (":authority", "localhost"),
        (":path", path),
    ])
}

#[derive(Default, Debug)]
struct Response {
    status: Option<u16>,
    body: Vec<u8>,
    trailers: Vec<HeaderField>,
    ended: bool,
}

#[test]
fn courier_client_python_server() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let mut peer = Peer::spawn(&python, "server");
    let mut conn = Connection::new(Role::Client, Config::default(), Instant::now());
    let echo_body: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();

    let mut responses: HashMap<StreamId, Response> = HashMap::new();
    let get = conn.open_stream(&request("GET", "/"), true).unwrap();
    let post = conn.open_stream(&request("POST", "/echo"), false).unwrap();
    let mut unsent = Bytes::from(echo_body.clone());
    let mut gets = Vec::new();
    for i in 0..20 {
        gets.push(
            conn.open_stream(&request("GET", &format!("/n/{i}")), true)
                .unwrap(),
        );
    }
    for id in std::iter::once(get)
        .chain(std::iter::once(post))
        .chain(gets.iter().copied())
    {
        responses.insert(id, Response::default());
    }
    conn.ping(*b"interop!").unwrap();
    let mut pong = false;
    loop {
        // Queue as much of the POST body as the send buffer takes.
        while !unsent.is_empty() {
            let n = conn.send_capacity(post).min(unsent.len()).min(64 * 1024);
            if n == 0 {
                break;
            }
            let chunk = unsent.split_to(n);
            conn.send_data(post, chunk, unsent.is_empty()).unwrap();
        }
        peer.flush(&mut conn);
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Headers {
                    stream_id,
                    section,
                    end_stream,
                } => {
                    let r = responses.get_mut(&stream_id).unwrap();
                    r.status = section.pseudo.status;
                    r.ended |= end_stream;
                }
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => {
                    conn.consume(stream_id, data.len());
                    let r = responses.get_mut(&stream_id).unwrap();
                    r.body.extend_from_slice(&data);
                    r.ended |= end_stream;
                }
                Event::Trailers { stream_id, fields } => {
                    let r = responses.get_mut(&stream_id).unwrap();
                    r.trailers = fields;
                    r.ended = true;
                }
                Event::Pong { payload } => {
                    assert_eq!(&payload, b"interop!");
                    pong = true;
                }
                Event::Reset {
                    stream_id, reason, ..
                } => panic!("stream {stream_id} reset: {reason}"),
                Event::Closed { error: Some(e) } => panic!("connection error: {e}"),
                _ => {}
            }
        }
        if pong && responses.values().all(|r| r.ended) {
            break;
        }
        peer.flush(&mut conn);
        assert!(peer.receive(&mut conn), "peer closed early");
    }
    conn.graceful_shutdown();
    peer.flush(&mut conn);
    assert!(conn.is_closed(), "a client with no streams closes at once");
    peer.finish();

    let g = &responses[&get];
    assert_eq!(g.status, Some(200));
    assert_eq!(g.body, b"hello from python h2");
    let p = &responses[&post];
    assert_eq!(p.status, Some(200));
    assert_eq!(p.body.len(), echo_body.len());
    assert!(p.body == echo_body, "echoed body differs");
    assert_eq!(p.trailers.len(), 1);
    assert_eq!(p.trailers[0].name().as_ref(), b"x-echo-len");
    assert_eq!(p.trailers[0].value().as_ref(), b"300000");
    for id in &gets {
        assert_eq!(responses[id].body, b"hello from python h2");
    }
}

#[test]
fn python_client_courier_server() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let mut peer = Peer::spawn(&python, "client");
    let mut conn = Connection::new(Role::Server, Config::default(), Instant::now());
    let mut bodies: HashMap<StreamId, (Vec<HeaderField>, bool, Vec<u8>)> = HashMap::new();
    let mut answered = 0;
    loop {
        peer.flush(&mut conn);
        while let Some(event) = conn.poll_event() {
            let finished = match event {
                Event::Headers {
                    stream_id,
                    section,
                    end_stream,
                } => {
                    let post = section.pseudo.method.as_deref() == Some(&b"POST"[..]);
                    bodies.insert(stream_id, (Vec::new(), post, Vec::new()));
                    end_stream.then_some(stream_id)
                }
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => {
                    conn.consume(stream_id, data.len());
                    bodies
                        .get_mut(&stream_id)
                        .unwrap()
                        .2
                        .extend_from_slice(&data);
                    end_stream.then_some(stream_id)
                }
                Event::Reset {
                    stream_id, reason, ..
                } => panic!("stream {stream_id} reset: {reason}"),
                Event::Closed { error: Some(e) } => panic!("connection error: {e}"),
                _ => None,
            };
            if let Some(id) = finished {
                let (_, post, body) = bodies.remove(&id).unwrap();
                if post {
                    conn.send_headers(id, &fields(&[(":status", "200")]), false)
                        .unwrap();
                    conn.send_data(id, Bytes::from(body), true).unwrap();
                } else {
                    let body = b"hello from courier";
                    conn.send_headers(
                        id,
                        &fields(&[(":status", "200"), ("content-length", "18")]),
                        false,
                    )
                    .unwrap();
                    conn.send_data(id, Bytes::from_static(body), true).unwrap();
                }
                answered += 1;
            }
        }
        peer.flush(&mut conn);
        if !peer.receive(&mut conn) {
            break;
        }
        if conn.is_closed() {
            break;
        }
    }
    assert_eq!(answered, 12);
    let report = peer.finish();
    let json: serde_json::Value = serde_json::from_str(report.trim()).expect("peer report");
    let streams = json.as_object().unwrap();
    assert_eq!(streams.len(), 12);
    for (_, s) in streams {
        assert_eq!(s["status"], "200", "{s}");
        assert_eq!(s["ended"], true);
        if s["path"] == "/echo" {
            assert_eq!(s["body_len"], 100_000);
            assert_eq!(s["body_ok"], true);
        } else {
            assert_eq!(s["body_head"], "hello from courier");
        }
    }
}
