//! Test harnesses: a client/server [`Pair`] with a fake clock, and a [`RawPeer`] that speaks
//! raw frames to one real endpoint for frame-level conformance tests.
// Each test file uses its own part of the harness; `pub` items are shared between test crates.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::frame::{Frame, FrameDecoder, FrameEncoder, Settings};
use courier_h2::{Config, Connection, Event, PREFACE, Role};
use courier_hpack::{Decoder, Encoder, HeaderField};

/// Two connected endpoints and a fake clock. Nothing moves unless the test drives it.
pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    pub now: Instant,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    /// Bytes carried client → server and server → client so far.
    pub c2s_bytes: usize,
    pub s2c_bytes: usize,
}

impl Pair {
    pub fn new() -> Pair {
        Pair::with_configs(Config::default(), Config::default())
    }

    pub fn with_configs(client: Config, server: Config) -> Pair {
        let now = Instant::now();
        Pair {
            client: Connection::new(Role::Client, client, now),
            server: Connection::new(Role::Server, server, now),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            c2s_bytes: 0,
            s2c_bytes: 0,
        }
    }

    /// Moves bytes both ways until neither side has anything to send; collects events.
    pub fn drive(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(b) = self.client.poll_transmit() {
                self.c2s_bytes += b.len();
                self.server.handle_received_at(&b, self.now);
                moved = true;
            }
            while let Some(b) = self.server.poll_transmit() {
                self.s2c_bytes += b.len();
                self.client.handle_received_at(&b, self.now);
                moved = true;
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            while let Some(e) = self.server.poll_event() {
                self.server_events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("pair did not settle");
    }

    /// Advances the fake clock and fires due timers.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        for conn in [&mut self.client, &mut self.server] {
            if conn.poll_timeout().is_some_and(|t| t <= self.now) {
                conn.handle_timeout(self.now);
            }
        }
    }

    pub fn take_client_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.client_events)
    }

    pub fn take_server_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.server_events)
    }
}

pub fn fields(list: &[(&str, &str)]) -> Vec<HeaderField> {
    list.iter()
        .map(|(n, v)| HeaderField::new(n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// A request header section: `method` on `http://localhost{path}`.
pub fn request(method: &str, path: &str) -> Vec<HeaderField> {
    fields(&[
        (":method", method),
        (":scheme", "http"),
        (":authority", "localhost"),
        (":path", path),
    ])
}

pub fn get(path: &str) -> Vec<HeaderField> {
    request("GET", path)
}

pub fn post(path: &str) -> Vec<HeaderField> {
    request("POST", path)
}

/// A frame-level peer: writes raw frames to one real [`Connection`] and reads back the frames
/// it sends, decoding their field blocks with its own HPACK decoder.
pub struct RawPeer {
    pub conn: Connection,
    pub now: Instant,
    pub enc: FrameEncoder,
    dec: FrameDecoder,
    pub hpack_enc: Encoder,
    pub hpack_dec: Decoder,
    inbox: BytesMut,
    pub events: Vec<Event>,
}

impl RawPeer {
    /// A real server under test, with this raw peer as its client; the preface and SETTINGS
    /// exchange is done, and the server's initial frames are drained.
    pub fn server(config: Config) -> RawPeer {
        let mut p = RawPeer::new_unconnected(Role::Server, config);
        p.send_raw(PREFACE);
        p.send(Frame::Settings(Settings::default()));
        let frames = p.recv();
        assert!(
            matches!(frames.first(), Some(Frame::Settings(s)) if !s.ack),
            "{frames:?}"
        );
        p.send(Frame::Settings(Settings::ack()));
        p.recv();
        p
    }

    /// A real client under test, with this raw peer as its server.
    pub fn client(config: Config) -> RawPeer {
        let mut p = RawPeer::new_unconnected(Role::Client, config);
        let preface = p.conn.poll_transmit().expect("client preface");
        assert_eq!(&preface[..24], PREFACE);
        p.inbox.extend_from_slice(&preface[24..]);
        p.send(Frame::Settings(Settings::default()));
        p.send(Frame::Settings(Settings::ack()));
        p.recv();
        p
    }

    pub fn new_unconnected(role: Role, config: Config) -> RawPeer {
        let now = Instant::now();
        RawPeer {
            conn: Connection::new(role, config, now),
            now,
            enc: FrameEncoder::new(),
            dec: FrameDecoder::new(),
            hpack_enc: Encoder::new(4096),
            hpack_dec: Decoder::new(4096),
            inbox: BytesMut::new(),
            events: Vec::new(),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.conn.handle_received_at(bytes, self.now);
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
    }

    pub fn send(&mut self, frame: Frame) {
        let mut buf = BytesMut::new();
        self.enc.encode(&frame, &mut buf).expect("test frame fits");
        self.send_raw(&buf);
    }

    /// A HEADERS frame (END_HEADERS) carrying `fields`, HPACK-encoded by this peer.
    pub fn headers(&mut self, stream: u32, fields: &[HeaderField], end_stream: bool) -> Frame {
        let block = self.block(fields);
        Frame::Headers(courier_h2::frame::Headers {
            stream_id: stream.into(),
            fragment: block,
            end_stream,
            end_headers: true,
            priority: None,
            pad_len: None,
        })
    }

    pub fn block(&mut self, fields: &[HeaderField]) -> Bytes {
        let mut block = BytesMut::new();
        self.hpack_enc.encode(fields.iter(), &mut block);
        block.freeze()
    }

    /// Frames the endpoint sent since the last call.
    pub fn recv(&mut self) -> Vec<Frame> {
        while let Some(b) = self.conn.poll_transmit() {
            self.inbox.extend_from_slice(&b);
        }
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
        let mut frames = Vec::new();
        while let Some(f) = self
            .dec
            .decode(&mut self.inbox)
            .expect("endpoint sends valid frames")
        {
            frames.push(f);
        }
        frames
    }

    /// Decodes a field block the endpoint sent.
    pub fn decode_block(&mut self, block: &[u8]) -> Vec<HeaderField> {
        self.hpack_dec.decode_to_vec(block).expect("valid block")
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
        std::mem::take(&mut self.events)
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        if self.conn.poll_timeout().is_some_and(|t| t <= self.now) {
            self.conn.handle_timeout(self.now);
        }
    }
}

/// A client driver and a server driver over an in-memory pipe, both connection tasks spawned.
#[cfg(feature = "tokio")]
pub fn connected(
    client_cfg: Config,
    server_cfg: Config,
) -> (courier_h2::driver::Client, courier_h2::driver::Server) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, conn) = courier_h2::driver::client(a, client_cfg);
    tokio::spawn(conn);
    let (server, conn) = courier_h2::driver::server(b, server_cfg);
    tokio::spawn(conn);
    (client, server)
}

/// `f`, failing the test if it takes more than five seconds.
#[cfg(feature = "tokio")]
pub async fn timeout<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .expect("timed out")
}

/// Finds the GOAWAY among `frames`, if any.
pub fn goaway(frames: &[Frame]) -> Option<courier_h2::Reason> {
    frames.iter().find_map(|f| match f {
        Frame::GoAway(g) => Some(g.reason),
        _ => None,
    })
}

/// Finds the RST_STREAM for `stream` among `frames`, if any.
pub fn rst(frames: &[Frame], stream: u32) -> Option<courier_h2::Reason> {
    frames.iter().find_map(|f| match f {
        Frame::RstStream(r) if r.stream_id.get() == stream => Some(r.reason),
        _ => None,
    })
}
