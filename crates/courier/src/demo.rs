//! `courier demo`: what Courier does, shown with real numbers and checked as it runs.
//!
//! A route guide server on a loopback port and a client on one channel, over mTLS with
//! certificates made for the run (courier-tls; both sides verify each other and the demo
//! prints whom): the four kinds of call through generated stubs, many concurrent calls
//! multiplexed on one connection (streams and connections counted), header compression read
//! off the connection's own frames ([`crate::wiretap`], which sits above TLS and reads the
//! decrypted HTTP/2 bytes), then the codec: one message as ProtoJSON (printed by its generated
//! code) and as protobuf, and its guarantees (round trip, unknown fields kept, zero-copy bytes,
//! errors that name the field). The codec part uses two generated versions of `RouteNote`
//! (`demo.RouteNote` adds `tags` to `routeguide.RouteNote`) to show an old reader keeping a
//! newer field.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier::json::ProtoJson as _;
use courier::rpc::{BoxFuture, BoxIo, Connector, Extensions, iter};
use courier::tls::dev::DevPki;
use courier::tls::{ClientTls, PeerIdentity, ServerTls};
use courier::{Channel, Server};
use tokio::net::{TcpListener, TcpStream};

use crate::pb::demo::RouteNote as RouteNoteV2;
use crate::pb::routeguide::RouteNote as RouteNoteV1;
use crate::pb::routeguide::route_guide_rpc::{RouteGuideClient, RouteGuideServer};
use crate::pb::routeguide::{Point as RgPoint, Rectangle, RouteNote};
use crate::routeguide::{RouteGuideService, features, point};
use crate::wiretap::{Counts, Tap, Tapped};
use courier_wire::{
    DecodeError, Decoder, Encoder, Message, Tag, UnknownFields, UnknownValue, field,
};

/// `message Chunk { bytes data = 1; }`
#[derive(Clone, Debug, Default, PartialEq)]
struct Chunk {
    data: Bytes,
    unknown: UnknownFields,
}

impl Message for Chunk {
    const NAME: &'static str = "demo.Chunk";
    fn field_name(number: u32) -> Option<&'static str> {
        (number == 1).then_some("data")
    }
    fn encoded_len(&self) -> usize {
        field::bytes::encoded_len_implicit(1, &self.data) + self.unknown.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::bytes::encode_implicit(1, &self.data, enc);
        self.unknown.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::bytes::merge(tag, &mut self.data, dec),
            _ => self.unknown.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Runs the demo; fails (non-zero exit) if any property it shows does not hold.
pub(crate) fn run() -> ExitCode {
    match run_checked() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\ndemo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole demo, as a result.
pub(crate) fn run_checked() -> Result<(), String> {
    let start = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    println!("Courier demo: a gRPC stack written from scratch in Rust");
    rt.block_on(rpc())?;
    codec()?;
    println!(
        "\nAll of it checked as it ran, in {:.2} s.",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn section(n: u32, title: &str) {
    println!("\n{n}. {title}");
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Connects over TCP and TLS, then through a [`Tap`] (above TLS: it reads the decrypted
/// HTTP/2 frames), counting connections and noting whom the handshake verified.
struct TapConnector {
    tls: ClientTls,
    tap: Arc<Mutex<Tap>>,
    connections: Arc<AtomicUsize>,
    verified: Arc<Mutex<Option<Verified>>>,
}

/// What the client's handshake settled.
struct Verified {
    server: PeerIdentity,
    version: String,
    alpn: String,
}

impl Connector for TapConnector {
    fn connect(
        &self,
        addr: SocketAddr,
        authority: &str,
    ) -> BoxFuture<'static, std::io::Result<BoxIo>> {
        let tap = self.tap.clone();
        let connections = self.connections.clone();
        let verified = self.verified.clone();
        let tls = self.tls.clone();
        let host = courier::tls::host_of(authority).to_owned();
        Box::pin(async move {
            let s = TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            let s = tls.connect(s, &host).await?;
            connections.fetch_add(1, Ordering::Relaxed);
            if let Some(server) = s.server_identity() {
                let conn = s.get_ref().1;
                let version = match conn.protocol_version() {
                    Some(courier::tls::rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_owned(),
                    Some(courier::tls::rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_owned(),
                    v => format!("{v:?}"),
                };
                let alpn =
                    String::from_utf8_lossy(conn.alpn_protocol().unwrap_or_default()).into_owned();
                *verified.lock().unwrap_or_else(|p| p.into_inner()) = Some(Verified {
                    server,
                    version,
                    alpn,
                });
            }
            Ok(Box::new(Tapped::new(s, tap)) as BoxIo)
        })
    }
}

/// How many calls section 2 makes at once.
const CONCURRENT_CALLS: usize = 2000;

async fn rpc() -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    let tls_err = |e: courier::tls::Error| e.to_string();
    // Certificates for this run: a CA, a server certificate for localhost / 127.0.0.1 and a
    // client certificate with a SPIFFE ID, all in memory.
    let pki = DevPki::builder()
        .server_sans(["localhost", "127.0.0.1"])
        .client_spiffe_id("spiffe://courier.test/demo-client")
        .build()
        .map_err(tls_err)?;
    let server_tls = ServerTls::builder()
        .identity(pki.server_identity())
        .client_ca(pki.roots())
        .build()
        .map_err(tls_err)?;
    let client_tls = ClientTls::builder()
        .roots(pki.roots())
        .identity(pki.client_identity())
        .build()
        .map_err(tls_err)?;
    // The server: routeguide.RouteGuide on a loopback port, counting the connections it accepts.
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    // Room for every call of section 2 at once (courier-h2 advertises 100 streams by default).
    let mut h2 = courier::h2::Config::default();
    h2.max_concurrent_streams = CONCURRENT_CALLS as u32;
    let server = Arc::new(
        Server::builder()
            .http2_config(h2)
            .add_service(RouteGuideServer::new(RouteGuideService::default()))
            .build(),
    );
    let accepted = Arc::new(AtomicUsize::new(0));
    let client_seen: Arc<Mutex<Option<PeerIdentity>>> = Arc::default();
    let server_task = tokio::spawn({
        let accepted = accepted.clone();
        let client_seen = client_seen.clone();
        async move {
            while let Ok((io, peer)) = listener.accept().await {
                let _ = io.set_nodelay(true);
                accepted.fetch_add(1, Ordering::Relaxed);
                let server = server.clone();
                let (tls, client_seen) = (server_tls.clone(), client_seen.clone());
                tokio::spawn(async move {
                    // The TLS handshake (the client must present a certificate from our CA),
                    // then HTTP/2 with the client's verified identity attached for handlers.
                    let Ok(s) = tls.accept(io).await else { return };
                    let mut ext = Extensions::new();
                    if let Some(id) = s.peer_identity() {
                        *client_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
                        ext.insert(id.clone());
                    }
                    server.serve_connection_with(s, Some(peer), ext).await
                });
            }
        }
    });

    // The client: one channel, its connection tapped to count frames and read header blocks.
    let tap = Tap::client();
    let connections = Arc::new(AtomicUsize::new(0));
    let verified = Arc::new(Mutex::new(None));
    let channel = Channel::builder(format!("localhost:{}", addr.port()))
        .connector(TapConnector {
            tls: client_tls,
            tap: tap.clone(),
            connections: connections.clone(),
            verified: verified.clone(),
        })
        .build();
    let client = RouteGuideClient::new(channel.clone());
    println!(
        "server: routeguide.RouteGuide on {addr}; client: one Channel to it, over mTLS \
         (certificates made for this run)"
    );

    section(
        1,
        "Four kinds of call, through stubs generated from proto/routeguide/route_guide.proto",
    );
    let status = |what: &'static str| move |s: courier::Status| format!("{what}: {s}");
    let t = Instant::now();
    let west_point = point(41.3915, -73.9560);
    let f = client
        .get_feature(west_point.clone())
        .await
        .map_err(status("GetFeature"))?
        .into_inner();
    check(f.name == "West Point", "GetFeature finds West Point")?;
    println!(
        "   unary             GetFeature(41.3915, -73.9560)  -> {:?}  ({}, connecting included)",
        f.name,
        ms(t.elapsed())
    );
    {
        let v = verified.lock().unwrap_or_else(|p| p.into_inner());
        let c = client_seen.lock().unwrap_or_else(|p| p.into_inner());
        let (Some(v), Some(c)) = (v.as_ref(), c.as_ref()) else {
            return Err(
                "property does not hold: both sides of the mTLS handshake verified a peer".into(),
            );
        };
        check(
            v.alpn == "h2" && c.spiffe_id() == Some("spiffe://courier.test/demo-client"),
            "mTLS: ALPN h2, and the server verified the client's SPIFFE ID",
        )?;
        println!(
            "   mTLS              {}, ALPN {}: the client verified the server as localhost \
             ({}),",
            v.version,
            v.alpn,
            v.server.subject(),
        );
        println!(
            "                     the server verified the client as {}",
            c.spiffe_id().unwrap_or(c.subject()),
        );
    }
    let t = Instant::now();
    let f = client
        .get_feature(point(41.3200, -73.9853))
        .await
        .map_err(status("GetFeature"))?
        .into_inner();
    println!(
        "   unary             GetFeature(41.3200, -73.9853)  -> {:?}  ({} on the open connection)",
        f.name,
        ms(t.elapsed())
    );

    let t = Instant::now();
    let rect = Rectangle {
        lo: Some(point(41.0, -74.5)),
        hi: Some(point(41.35, -74.15)),
        ..Default::default()
    };
    let mut stream = client
        .list_features(rect)
        .await
        .map_err(status("ListFeatures"))?
        .into_inner();
    let mut names = Vec::new();
    while let Some(f) = stream.message().await.map_err(status("ListFeatures"))? {
        names.push(f.name);
    }
    check(names.len() == 16, "ListFeatures streams the 16 markers")?;
    println!(
        "   server streaming  ListFeatures(4x4 grid)         -> {} features: {}, {}, ... ({})",
        names.len(),
        names[0],
        names[1],
        ms(t.elapsed())
    );

    let t = Instant::now();
    let route: Vec<RgPoint> = (0..10)
        .map(|i| point(41.0 + f64::from(i) * 0.1, -74.5))
        .collect();
    let summary = client
        .record_route(courier::Request::new(iter(route)))
        .await
        .map_err(status("RecordRoute"))?
        .into_inner();
    check(
        summary.point_count == 10 && summary.feature_count == 10,
        "RecordRoute counts 10 points, 10 features",
    )?;
    println!(
        "   client streaming  RecordRoute(10 points)         -> {} points, {} features, {:.1} km ({})",
        summary.point_count,
        summary.feature_count,
        f64::from(summary.distance) / 1000.0,
        ms(t.elapsed())
    );

    let t = Instant::now();
    let notes: Vec<RouteNote> = ["first", "second", "third", "fourth"]
        .iter()
        .enumerate()
        .map(|(i, m)| RouteNote {
            location: Some(point(41.0 + (i % 2) as f64, -74.0)),
            message: (*m).to_owned(),
            ..Default::default()
        })
        .collect();
    let mut replies = client
        .route_chat(courier::Request::new(iter(notes)))
        .await
        .map_err(status("RouteChat"))?
        .into_inner();
    let mut heard = Vec::new();
    while let Some(n) = replies.message().await.map_err(status("RouteChat"))? {
        heard.push(n.message);
    }
    check(
        heard == ["first", "second"],
        "RouteChat answers each note with the ones left there before",
    )?;
    println!(
        "   bidi streaming    RouteChat(4 notes, 2 places)   -> heard back {heard:?} ({})",
        ms(t.elapsed())
    );

    section(2, "Many calls at once, multiplexed on one connection");
    let (before, _) = Tap::counts(&tap);
    let known = features();
    let t = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..CONCURRENT_CALLS {
        let client = client.clone();
        let want = known[i % known.len()].clone();
        calls.spawn(async move {
            let at = want.location.clone().unwrap_or_default();
            let got = client.get_feature(at).await?.into_inner();
            Ok::<bool, courier::Status>(got.name == want.name)
        });
    }
    let mut right = 0;
    while let Some(r) = calls.join_next().await {
        if r.map_err(|e| e.to_string())?
            .map_err(status("GetFeature"))?
        {
            right += 1;
        }
    }
    let took = t.elapsed();
    let (after, _) = Tap::counts(&tap);
    let streams = after.headers_frames - before.headers_frames;
    check(
        right == CONCURRENT_CALLS,
        "every concurrent call got its feature",
    )?;
    check(
        streams == CONCURRENT_CALLS,
        "each call is one HTTP/2 stream (one HEADERS frame)",
    )?;
    let (conns, acc) = (
        connections.load(Ordering::Relaxed),
        accepted.load(Ordering::Relaxed),
    );
    check(conns == 1 && acc == 1, "one TCP connection for every call")?;
    println!(
        "   {CONCURRENT_CALLS} GetFeature calls started together: all answered right in {} \
         ({:.0} calls/s)",
        ms(took),
        CONCURRENT_CALLS as f64 / took.as_secs_f64()
    );
    println!(
        "   HTTP/2 streams opened: {streams} (one per call); TCP connections: client opened \
         {conns}, server accepted {acc}"
    );

    section(
        3,
        "Header compression (HPACK), read off that connection's frames",
    );
    let (sent, received) = Tap::counts(&tap);
    for c in [&sent, &received] {
        if let Some(e) = &c.decode_error {
            return Err(format!("a header block on the wire did not decode: {e}"));
        }
    }
    let saved =
        |c: &Counts| 100.0 * (1.0 - c.header_block_bytes as f64 / c.header_text_bytes as f64);
    println!(
        "   client -> server: {} header blocks, {} bytes as text, {} bytes on the wire ({:.0}% saved);",
        sent.headers_frames,
        sent.header_text_bytes,
        sent.header_block_bytes,
        saved(&sent)
    );
    println!(
        "                     the first block took {} bytes, the last {} (the dynamic table \
         remembers the rest)",
        sent.first_block, sent.last_block
    );
    println!(
        "   server -> client: {} header blocks (headers and trailers), {} bytes as text, {} on \
         the wire ({:.0}% saved)",
        received.headers_frames,
        received.header_text_bytes,
        received.header_block_bytes,
        saved(&received)
    );
    println!(
        "   all HTTP/2 bytes (inside TLS): {} sent, {} received, of which message data {} / {}",
        sent.bytes, received.bytes, sent.data_bytes, received.data_bytes
    );
    check(
        sent.header_block_bytes < sent.header_text_bytes,
        "HPACK makes request headers smaller",
    )?;

    channel.shutdown();
    server_task.abort();
    Ok(())
}

/// The codec on its own (courier-wire): one message as JSON and as protobuf, and what the
/// codec guarantees.
fn codec() -> Result<(), String> {
    let note = RouteNoteV2 {
        location: Some(RgPoint {
            latitude: 409_146_138,
            longitude: -746_188_906,
            ..RgPoint::default()
        }),
        message: "First note".to_owned(),
        tags: vec!["trail".to_owned(), "north".to_owned()],
        ..RouteNoteV2::default()
    };

    section(
        4,
        "One message as ProtoJSON and as protobuf bytes (courier-json, courier-wire)",
    );
    let wire = note.encode_to_vec();
    // Printed by the message's generated ProtoJSON code (courier-codegen's `json` option).
    let json = note.to_json().map_err(|e| e.to_string())?;
    println!("   {json}");
    println!(
        "   JSON: {} bytes   protobuf: {} bytes   ({:.1}x smaller)",
        json.len(),
        wire.len(),
        json.len() as f64 / wire.len() as f64
    );
    println!("   The protobuf bytes, field by field (tag = field number << 3 | wire type):");
    print!("{}", annotate(&wire, "   "));

    section(5, "What the codec guarantees");
    let back = RouteNoteV2::decode(&wire[..]).map_err(|e| e.to_string())?;
    check(back == note, "decode(encode(m)) == m")?;
    let from_json = RouteNoteV2::from_json(&json).map_err(|e| e.to_string())?;
    check(from_json == note, "from_json(to_json(m)) == m")?;
    println!("   round trip: decode(encode(note)) == note, from_json(to_json(note)) == note");

    // An older reader keeps what it does not know, and writes it back byte for byte.
    let old = RouteNoteV1::decode(&wire[..]).map_err(|e| e.to_string())?;
    let old_wire = old.encode_to_vec();
    check(
        old_wire == wire,
        "an old reader re-encodes unknown fields byte-exact",
    )?;
    println!(
        "   a reader built before `tags` existed keeps field 3 as {} unknown record(s) and \
         re-encodes all {} bytes identically",
        old.unknown_fields.iter().count(),
        old_wire.len()
    );

    // Zero-copy bytes.
    let payload = Bytes::from(vec![0xAB; 64 * 1024]);
    let chunk_wire = Chunk {
        data: payload,
        ..Chunk::default()
    }
    .encode_to_bytes();
    let chunk = Chunk::decode_bytes(chunk_wire.clone()).map_err(|e| e.to_string())?;
    let inside = chunk_wire.as_ptr_range().contains(&chunk.data.as_ptr());
    check(
        inside && chunk.data.len() == 64 * 1024,
        "bytes field sliced from the input",
    )?;
    println!(
        "   a 64 KiB `bytes` field decodes as a slice of the input buffer (offset {} of {}): no copy",
        chunk.data.as_ptr() as usize - chunk_wire.as_ptr() as usize,
        chunk_wire.len()
    );

    // Malformed input is an error that says where.
    let mut bad = wire.clone();
    let text = bad
        .windows(b"First".len())
        .position(|w| w == b"First")
        .ok_or("message text not found")?;
    bad[text] = 0xFF; // not UTF-8
    let err = RouteNoteV2::decode(&bad[..])
        .err()
        .ok_or("bad UTF-8 was accepted")?;
    let truncated = RouteNoteV2::decode(&wire[..wire.len() - 3])
        .err()
        .ok_or("truncation accepted")?;
    println!("   bad input is an error naming the field, never a panic:");
    println!("     one byte of `message` made invalid UTF-8 -> \"{err}\"");
    println!("     the last 3 bytes cut off                  -> \"{truncated}\"");
    Ok(())
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("property does not hold: {what}"))
    }
}

/// A field-by-field reading of encoded bytes, nested messages indented (guessed: a `LEN` record
/// that is not text and parses completely as records is shown as a message).
fn annotate(bytes: &[u8], indent: &str) -> String {
    let mut out = String::new();
    let mut dec = Decoder::new(bytes);
    while !dec.is_empty() {
        let start = bytes.len() - dec.remaining();
        if dec.read_tag().and_then(|tag| dec.skip_field(tag)).is_err() {
            let _ = writeln!(out, "{indent}{} (not a record)", hex(&bytes[start..]));
            break;
        }
        let record = &bytes[start..bytes.len() - dec.remaining()];
        let mut one = UnknownFields::default();
        let Some(f) = one.push_raw(record).ok().and_then(|()| one.iter().next()) else {
            break;
        };
        let (what, nested) = match f.value() {
            UnknownValue::Varint(v) => (format!("varint {}", v as i64), None),
            UnknownValue::I64(v) => (format!("fixed64 {v}"), None),
            UnknownValue::I32(v) => (format!("fixed32 {v}"), None),
            UnknownValue::Group(g) => (format!("group, {} bytes", g.len()), Some(g)),
            UnknownValue::Len(p) => match std::str::from_utf8(p) {
                Ok(s) if !s.is_empty() && !s.chars().any(char::is_control) => {
                    (format!("{s:?}"), None)
                }
                _ => (format!("{} bytes", p.len()), Some(p)),
            },
            _ => ("other".to_owned(), None),
        };
        // Keep the "field" column aligned whatever the nesting depth.
        let width = 44usize.saturating_sub(indent.len());
        let _ = writeln!(
            out,
            "{indent}{:<width$} field {}: {what}",
            hex(record),
            f.number()
        );
        if let Some(inner) = nested.filter(|p| UnknownFields::default().push_raw(p).is_ok()) {
            out.push_str(&annotate(inner, &format!("{indent}    ")));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 12 { " …" } else { "" };
    format!("{}{more}", shown.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_properties_hold() {
        super::run_checked().unwrap();
    }
}
