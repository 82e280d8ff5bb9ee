//! Property tests: messages serialized by one role parse back to the same message in the
//! other, whatever the boundaries at which the octets arrive — requests (several pipelined on
//! one connection) from the client to the server, responses from the server to the client,
//! with Content-Length, chunked (with trailers) and empty bodies.

use std::time::Instant;

use bytes::Bytes;
use courier_http1::{
    BodyKind, ClientConnection, ClientEvent, Config, Content, Headers, Method, RequestHead,
    ResponseHead, ServerConnection, ServerEvent,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum BodySpec {
    None,
    /// Content-Length framing, sent in these pieces.
    Length(Vec<Vec<u8>>),
    /// Chunked: these chunks, then trailers.
    Chunked(Vec<Vec<u8>>, Vec<(String, String)>),
}

impl BodySpec {
    fn content(&self) -> Vec<u8> {
        match self {
            BodySpec::None => Vec::new(),
            BodySpec::Length(p) | BodySpec::Chunked(p, _) => p.concat(),
        }
    }

    fn trailers(&self) -> Option<Vec<(String, String)>> {
        match self {
            BodySpec::Chunked(_, t) if !t.is_empty() => Some(t.clone()),
            _ => None,
        }
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9!#$%&'*+.^_`|~-]{0,15}".prop_filter("not a framing or reserved field", |n| {
        ![
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "expect",
            "te",
            "trailer",
            "keep-alive",
            "upgrade",
        ]
        .contains(&n.as_str())
    })
}

/// A field value: visible characters, inner spaces and tabs, obs-text.
fn value() -> impl Strategy<Value = String> {
    "([!-~\u{e9}]([ \t!-~]{0,20}[!-~])?)?"
}

fn fields(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((name(), value()), 0..max)
}

fn pieces() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..300), 0..5)
}

fn body() -> impl Strategy<Value = BodySpec> {
    prop_oneof![
        Just(BodySpec::None),
        pieces().prop_map(BodySpec::Length),
        (pieces(), fields(4)).prop_map(|(p, t)| BodySpec::Chunked(p, t)),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
        "[A-Z][A-Z-]{0,10}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

fn target() -> impl Strategy<Value = String> {
    "/[a-zA-Z0-9._~!$&'()*+,;=:@%/-]{0,40}(\\?[a-zA-Z0-9=&%/?-]{0,20})?"
}

#[derive(Clone, Debug)]
struct Req {
    method: Method,
    target: String,
    fields: Vec<(String, String)>,
    body: BodySpec,
}

fn request() -> impl Strategy<Value = Req> {
    (method(), target(), fields(8), body()).prop_map(|(method, target, fields, body)| Req {
        method,
        target,
        fields,
        body,
    })
}

fn headers(fields: &[(String, String)]) -> Headers {
    let mut h = Headers::new();
    for (n, v) in fields {
        h.append(n.clone(), v.clone());
    }
    h
}

fn pairs(h: &Headers) -> Vec<(String, String)> {
    h.iter()
        .map(|f| {
            (
                String::from_utf8(f.name().to_vec()).unwrap(),
                String::from_utf8(f.value().to_vec()).unwrap(),
            )
        })
        .collect()
}

/// Serializes `reqs` with a client connection (pipelined).
fn client_octets(reqs: &[Req]) -> Vec<u8> {
    let mut conn = ClientConnection::new(Config::default(), Instant::now());
    let mut wire = Vec::new();
    for r in reqs {
        let mut head = RequestHead::new(r.method.clone(), r.target.clone());
        head.headers = headers(&r.fields);
        head.headers.insert("host", "example.com:8080");
        let content = match &r.body {
            BodySpec::None => Content::None,
            BodySpec::Length(p) => Content::Length(p.iter().map(Vec::len).sum::<usize>() as u64),
            BodySpec::Chunked(..) => Content::Streaming,
        };
        conn.send_request(head, content).unwrap();
        if let BodySpec::Length(p) | BodySpec::Chunked(p, _) = &r.body {
            for piece in p {
                conn.send_data(Bytes::from(piece.clone())).unwrap();
            }
        }
        conn.finish(r.body.trailers().map(|t| headers(&t))).unwrap();
        while let Some(b) = conn.poll_transmit() {
            wire.extend_from_slice(&b);
        }
    }
    wire
}

/// What the server saw of one request.
#[derive(Clone, Debug, Default, PartialEq)]
struct Seen {
    method: Vec<u8>,
    target: Vec<u8>,
    fields: Vec<(String, String)>,
    content: Vec<u8>,
    trailers: Option<Vec<(String, String)>>,
}

/// Feeds `wire` to a server in the pieces `cuts` makes, answering each request once it is
/// complete; returns what it saw.
fn serve(wire: &[u8], cuts: &[usize]) -> Vec<Seen> {
    let mut conn = ServerConnection::new(Config::default(), Instant::now());
    let mut seen: Vec<Seen> = Vec::new();
    let mut at = 0;
    let mut bounds: Vec<usize> = cuts.iter().copied().filter(|&c| c < wire.len()).collect();
    bounds.sort_unstable();
    bounds.push(wire.len());
    for b in bounds {
        if b > at {
            conn.handle_received(&wire[at..b]);
            at = b;
        }
        loop {
            let Some(ev) = conn.poll_event() else { break };
            match ev {
                ServerEvent::Request { head, body } => {
                    seen.push(Seen {
                        method: head.method.as_bytes().to_vec(),
                        target: head.target.to_vec(),
                        fields: pairs(&head.headers),
                        ..Seen::default()
                    });
                    if body == BodyKind::Empty {
                        answer(&mut conn);
                    }
                }
                ServerEvent::Data(d) => seen.last_mut().unwrap().content.extend_from_slice(&d),
                ServerEvent::End { trailers } => {
                    seen.last_mut().unwrap().trailers = trailers.as_ref().map(pairs);
                    answer(&mut conn);
                }
                e => panic!("unexpected {e:?}"),
            }
        }
    }
    assert!(!conn.is_closed());
    seen
}

fn answer(conn: &mut ServerConnection) {
    conn.send_response(ResponseHead::new(204), Content::None)
        .unwrap();
    conn.finish(None).unwrap();
    while conn.poll_transmit().is_some() {}
}

fn expected(r: &Req) -> Seen {
    let mut fields: Vec<(String, String)> = r.fields.clone();
    fields.push(("host".into(), "example.com:8080".into()));
    let framing = match &r.body {
        BodySpec::None if matches!(r.method, Method::POST | Method::PUT | Method::PATCH) => {
            Some(("content-length".to_owned(), "0".to_owned()))
        }
        BodySpec::None => None,
        BodySpec::Length(p) => Some((
            "content-length".to_owned(),
            p.iter().map(Vec::len).sum::<usize>().to_string(),
        )),
        BodySpec::Chunked(..) => Some(("transfer-encoding".to_owned(), "chunked".to_owned())),
    };
    fields.extend(framing);
    Seen {
        method: r.method.as_bytes().to_vec(),
        target: r.target.as_bytes().to_vec(),
        fields,
        content: r.body.content(),
        trailers: r.body.trailers(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn requests_round_trip(
        reqs in prop::collection::vec(request(), 1..4),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let wire = client_octets(&reqs);
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len())).collect();
        let want: Vec<Seen> = reqs.iter().map(expected).collect();
        prop_assert_eq!(serve(&wire, &cuts), want.clone());
        // Octet by octet.
        let every: Vec<usize> = (1..wire.len()).collect();
        prop_assert_eq!(serve(&wire, &every), want);
    }

    #[test]
    fn responses_round_trip(
        status in 200u16..600,
        fields in fields(8),
        body in body(),
        head_request in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        // Serialize with a server answering a GET (or HEAD) request.
        let mut server = ServerConnection::new(Config::default(), Instant::now());
        let method = if head_request { "HEAD" } else { "GET" };
        server.handle_received(format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        let _ = server.poll_event();
        let bodiless = head_request || status == 204 || status == 304;
        let content = match &body {
            BodySpec::None => Content::None,
            BodySpec::Length(p) => Content::Length(p.iter().map(Vec::len).sum::<usize>() as u64),
            BodySpec::Chunked(..) => Content::Streaming,
        };
        server.send_response(ResponseHead::with_headers(status, headers(&fields)), content).unwrap();
        if !bodiless {
            if let BodySpec::Length(p) | BodySpec::Chunked(p, _) = &body {
                for piece in p {
                    server.send_data(Bytes::from(piece.clone())).unwrap();
                }
            }
        }
        server.finish(body.trailers().map(|t| headers(&t))).unwrap();
        let mut wire = Vec::new();
        while let Some(b) = server.poll_transmit() {
            wire.extend_from_slice(&b);
        }
        // Parse with a client that sent that request, in pieces.
        let mut client = ClientConnection::new(Config::default(), Instant::now());
        let mut req = RequestHead::new(if head_request { Method::HEAD } else { Method::GET }, "/");
        req.headers.append("host", "a");
        client.send_request(req, Content::None).unwrap();
        while client.poll_transmit().is_some() {}
        let mut bounds: Vec<usize> = cuts.iter().map(|i| i.index(wire.len())).collect();
        bounds.sort_unstable();
        bounds.push(wire.len());
        let mut at = 0;
        for b in bounds {
            client.handle_received(&wire[at..b]);
            at = b;
        }
        let mut got_head = None;
        let mut content = Vec::new();
        let mut trailers = None;
        let mut ended = false;
        while let Some(ev) = client.poll_event() {
            match ev {
                ClientEvent::Response { head, body: kind } => {
                    ended = kind == BodyKind::Empty;
                    got_head = Some(head);
                }
                ClientEvent::Data(d) => content.extend_from_slice(&d),
                ClientEvent::End { trailers: t } => {
                    trailers = t.as_ref().map(pairs);
                    ended = true;
                }
                e => panic!("unexpected {e:?}"),
            }
        }
        prop_assert!(ended);
        let got_head = got_head.unwrap();
        prop_assert_eq!(got_head.status, status);
        let got_fields: Vec<(String, String)> = pairs(&got_head.headers)
            .into_iter()
            .filter(|(n, _)| n != "date" && n != "content-length" && n != "transfer-encoding")
            .collect();
        prop_assert_eq!(got_fields, fields);
        if bodiless {
            prop_assert!(content.is_empty());
            prop_assert_eq!(trailers, None);
        } else {
            prop_assert_eq!(content, body.content());
            prop_assert_eq!(trailers, body.trailers());
        }
        prop_assert!(client.is_idle() && !client.is_closed());
    }
}

#[test]
fn one_message_split_at_every_boundary() {
    let reqs = vec![
        Req {
            method: Method::POST,
            target: "/a?b=c".into(),
            fields: vec![
                ("x-a".into(), "1".into()),
                ("x-b".into(), "two words".into()),
            ],
            body: BodySpec::Chunked(
                vec![b"hello".to_vec(), vec![0; 20], b"\r\n0\r\n".to_vec()],
                vec![("x-sum".into(), "9".into())],
            ),
        },
        Req {
            method: Method::PUT,
            target: "/len".into(),
            fields: vec![],
            body: BodySpec::Length(vec![b"GET / HTTP/1.1\r\n\r\n".to_vec()]),
        },
    ];
    let wire = client_octets(&reqs);
    let want: Vec<Seen> = reqs.iter().map(expected).collect();
    for cut in 0..wire.len() {
        assert_eq!(serve(&wire, &[cut]), want, "cut at {cut}");
    }
}
