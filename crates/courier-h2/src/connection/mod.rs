//! The sans-IO HTTP/2 connection: a deterministic state machine for either role.
//!
//! Inputs are `handle_*` calls — bytes received ([`Connection::handle_received`]), a timer that
//! fired ([`Connection::handle_timeout`]) and application commands (open a stream, send
//! headers, data, trailers, reset, ping, goaway, consume received data). Outputs are `poll_*`
//! calls — bytes to write ([`Connection::poll_transmit`], many frames per batch), events for the
//! application ([`Connection::poll_event`]) and the next deadline ([`Connection::poll_timeout`]).
//! It never touches a socket or a clock: the caller passes the current [`Instant`] in.
//!
//! Layout: this file holds the types, construction, the input loop and frame dispatch, and the
//! outputs; `recv` (DATA, field blocks, RST_STREAM received), `send` (commands and frame
//! writing), `streams` (stream states and bookkeeping), `flow` (windows), `settings`, `ping`
//! (PING, keepalive, ping policy) and `goaway` (GOAWAY, drain, errors, close) each add the
//! `impl Connection` methods of their part; `stream`, `message`, `config` and `error` hold the
//! per-stream state, message validation, settings and errors.

mod config;
mod error;
mod flow;
mod goaway;
pub(crate) mod message;
mod ping;
mod recv;
mod send;
mod settings;
mod stream;
mod streams;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_hpack::{
    Decoder as HpackDecoder, Encoder as HpackEncoder, ErrorKind as HpackErrorKind, HeaderField,
};

pub use config::{Config, PingPolicy, Role};
pub use error::{CommandError, CommandErrorKind, ConnectionError};
pub use message::{FieldSection, Pseudo, RequestHead};

use crate::codes::{Reason, SettingId};
use crate::frame::{
    BlockStart, Continuation, DEFAULT_MAX_FRAME_SIZE, Data, Frame, FrameDecoder, FrameEncoder,
    GoAway, Headers, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, Ping, PushPromise, RstStream, Setting,
    Settings, StreamId, WindowUpdate,
};
use crate::idmap::{IdMap, IdSet};
use error::{Fault, classify};
use message::{SectionBuilder, SectionKind};
use stream::{RecvPhase, SendEnd, State, Stream};

/// A prepared request head's header block, as the HPACK encoder encoded it at `generation`
/// without changing (so it encodes the same way while the generation stays the same:
/// [`courier_hpack::Encoder::generation`]).
#[derive(Debug)]
struct HeadBlock {
    head: RequestHead,
    generation: u64,
    block: Vec<u8>,
}

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The initial flow-control window of streams and of the connection (RFC 9113 §6.9.2).
const DEFAULT_WINDOW: u32 = 65_535;

/// Streams a client opens at most before the server's first SETTINGS frame says how many it
/// allows. RFC 9113 §6.5.2 leaves SETTINGS_MAX_CONCURRENT_STREAMS unlimited until then, but a
/// client that opens more than the server's (unknown) limit gets them refused, and a server
/// counts refusals against its MadeYouReset budget (`Config::max_local_error_resets`). grpc-go
/// assumes 100 until the SETTINGS arrive, the value §6.5.2 recommends as the least limit.
const INITIAL_PEER_MAX_CONCURRENT_STREAMS: u32 = 100;

/// PING payload this endpoint uses for the graceful-shutdown round trip.
const SHUTDOWN_PING: [u8; 8] = *b"shutdown";

/// PING payload of keepalive pings. Its acknowledgment is consumed by the connection (no
/// [`Event::Pong`]).
const KEEPALIVE_PING: [u8; 8] = *b"keepaliv";

/// gRPC A8, Server Enforcement: with no stream open (and pings without streams not permitted),
/// "verify `last_valid_ping_time + 2 hours <= now()`".
const IDLE_PING_INTERVAL: Duration = Duration::from_secs(2 * 60 * 60);

/// What the connection tells the application.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A header section: a request (server), a response or interim 1xx response (client), or
    /// the response to a pushed request (client).
    Headers {
        /// The stream.
        stream_id: StreamId,
        /// The validated control data and fields.
        section: FieldSection,
        /// The peer will send nothing more on the stream.
        end_stream: bool,
    },
    /// Message content. Call [`Connection::consume`] with `data.len()` once it is processed, so
    /// the peer may send more.
    Data {
        /// The stream.
        stream_id: StreamId,
        /// The content (padding removed).
        data: Bytes,
        /// The peer will send nothing more on the stream.
        end_stream: bool,
    },
    /// A trailer section; the stream's input is complete.
    Trailers {
        /// The stream.
        stream_id: StreamId,
        /// The trailer fields.
        fields: Vec<HeaderField>,
    },
    /// The stream was reset, by the peer (`remote`) or by this endpoint because of a stream
    /// error.
    Reset {
        /// The stream.
        stream_id: StreamId,
        /// The error code.
        reason: Reason,
        /// The peer sent the RST_STREAM.
        remote: bool,
    },
    /// The server promised a pushed response (client only). The promised stream's response
    /// arrives as [`Event::Headers`] on `promised_id`.
    PushPromise {
        /// The stream the promise was made on.
        stream_id: StreamId,
        /// The reserved stream.
        promised_id: StreamId,
        /// The promised request.
        request: FieldSection,
    },
    /// The stream's send buffer has room again after [`CommandErrorKind::SendBufferFull`].
    Writable {
        /// The stream.
        stream_id: StreamId,
    },
    /// A stream this endpoint [watches](Connection::watch_close) finished without a reset:
    /// both sides ended their messages and everything was sent. (A reset is reported as
    /// [`Event::Reset`], the end of the connection as [`Event::Closed`].)
    StreamClosed {
        /// The stream.
        stream_id: StreamId,
    },
    /// A PING this endpoint sent was acknowledged (except the connection's own keepalive and
    /// shutdown PINGs).
    Pong {
        /// The payload.
        payload: [u8; 8],
    },
    /// The peer acknowledged this endpoint's SETTINGS.
    SettingsAcknowledged,
    /// The peer sent GOAWAY: no new streams; streams above `last_stream_id` were not processed
    /// (each also gets an [`Event::Reset`] with REFUSED_STREAM and may be retried).
    GoAway {
        /// The last stream the peer may have processed.
        last_stream_id: StreamId,
        /// The error code.
        reason: Reason,
        /// Additional debug data.
        debug_data: Bytes,
    },
    /// The connection is finished: write what [`Connection::poll_transmit`] still returns,
    /// then close the transport. `None` for a clean close.
    Closed {
        /// The error that ended the connection, if any.
        error: Option<ConnectionError>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Server: waiting for the 24-octet client preface.
    AwaitPreface,
    /// Waiting for the peer's first frame, which must be SETTINGS.
    AwaitSettings,
    Open,
    Closed,
}

/// Why a stream id not in the table is not idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClosedHow {
    /// This endpoint sent RST_STREAM: late frames are expected and ignored.
    LocallyReset,
    /// Closed by END_STREAM both ways or by the peer's RST_STREAM.
    Closed,
}

/// Where a received stream identifier stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lookup {
    Present,
    Idle,
    Closed(ClosedHow),
    /// Below the high-water mark but not remembered: never opened, or forgotten.
    Unknown,
}

#[derive(Debug)]
enum BlockKind {
    Headers { end_stream: bool },
    PushPromise { promised_id: StreamId },
}

/// A field block being reassembled from HEADERS/PUSH_PROMISE + CONTINUATION frames.
#[derive(Debug)]
struct PartialBlock {
    stream_id: StreamId,
    kind: BlockKind,
    block: BytesMut,
    frames: u32,
    /// The HEADERS frame's stream dependency, checked once the block is decoded.
    dependency: Option<StreamId>,
}

/// A decoded field section and its content-length, or why the message is malformed.
type Decoded = Result<(FieldSection, Option<u64>), message::Malformed>;

/// What [`Connection::stats`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The connection-level window this endpoint may still send into (octets).
    pub send_window: i64,
    /// The connection-level window this endpoint still grants the peer.
    pub recv_window: i64,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (`u32::MAX` until it sets one).
    pub peer_max_concurrent_streams: u32,
    /// Keepalive PINGs this endpoint sent.
    pub keepalives_sent: u64,
}

/// Settings as they apply to one direction.
#[derive(Clone, Copy, Debug)]
struct PeerSettings {
    enable_push: bool,
    max_concurrent_streams: u32,
    initial_window_size: u32,
    max_header_list_size: u32,
}

/// A sans-IO HTTP/2 connection (RFC 9113).
///
/// ```
/// use std::time::Instant;
/// use courier_h2::{Config, Connection, Event, Role};
/// use courier_hpack::HeaderField;
///
/// let now = Instant::now();
/// let mut client = Connection::new(Role::Client, Config::default(), now);
/// let mut server = Connection::new(Role::Server, Config::default(), now);
/// let request = [
///     HeaderField::new(":method", "GET"),
///     HeaderField::new(":scheme", "http"),
///     HeaderField::new(":path", "/"),
/// ];
/// let id = client.open_stream(&request, true).unwrap();
/// while let Some(bytes) = client.poll_transmit() {
///     server.handle_received(&bytes);
/// }
/// let mut got_request = false;
/// while let Some(event) = server.poll_event() {
///     if let Event::Headers { stream_id, section, end_stream } = event {
///         assert_eq!((stream_id, end_stream), (id, true));
///         assert_eq!(section.pseudo.path.as_deref(), Some(&b"/"[..]));
///         got_request = true;
///     }
/// }
/// assert!(got_request);
/// ```
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    phase: Phase,

    recv_buf: BytesMut,
    /// The peer's first SETTINGS frame arrived ([`Connection::peer_settings_received`]).
    peer_preface_received: bool,
    out: BytesMut,
    scratch: BytesMut,
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    hpack_dec: HpackDecoder,
    hpack_enc: HpackEncoder,
    /// The header block of the last prepared request head sent, while it is known to encode
    /// the same way.
    head_block: Option<HeadBlock>,

    events: VecDeque<Event>,
    streams: IdMap<Stream>,
    /// Streams with output that may be sendable, in round-robin order.
    ready: VecDeque<StreamId>,
    closed_ids: IdMap<ClosedHow>,
    closed_order: VecDeque<StreamId>,
    /// Peer-initiated streams reset before the application took their first event.
    reset_unaccepted: IdSet,

    next_local_id: u32,
    /// The highest stream id the peer has opened or promised.
    last_peer_id: StreamId,
    active_local: u32,
    active_peer: u32,
    reserved_remote: u32,
    /// Server: streams promised (PUSH_PROMISE sent) whose response has not started.
    reserved_local: u32,

    partial: Option<PartialBlock>,

    /// Peer's settings (what we must respect when sending).
    peer: PeerSettings,
    /// Our settings as acknowledged by the peer.
    local_acked: PeerSettings,
    /// SETTINGS we sent, awaiting acknowledgment, with their deadlines.
    pending_settings: VecDeque<(Settings, Instant)>,

    conn_send_window: i64,
    /// WINDOW_UPDATE frames the peer may still send (`max_unearned_window_updates`, plus what
    /// DATA sent and streams opened earned).
    window_update_credit: i64,
    /// DATA octets queued on all streams (`max_send_buffer_per_connection`).
    send_queued_total: usize,
    /// Streams refused for the connection's send budget, told when it has room again.
    send_waiters: Vec<StreamId>,
    conn_recv_window: i64,
    conn_recv_released: u32,

    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    /// Server graceful shutdown: the first GOAWAY went out, waiting for the PING round trip.
    shutdown_ping_outstanding: bool,
    /// A graceful shutdown was requested: close once no stream is active.
    draining: bool,

    pending_control: u32,
    /// Frames decoded since the connection began ([`Connection::frames_received`]).
    frames_received: u64,
    /// Stream errors the peer caused, less one for each stream that ended normally
    /// ([`Config::max_local_error_resets`]).
    local_error_resets: u32,
    /// Of those, the ones that answer a protocol violation on a stream
    /// ([`Config::max_protocol_error_resets`]).
    protocol_error_resets: u32,
    /// The peer has acknowledged a SETTINGS frame of this endpoint: from then on it knows
    /// SETTINGS_MAX_CONCURRENT_STREAMS, and a stream refused above it counts as a stream
    /// error it caused.
    settings_acked: bool,
    empty_frames: u32,
    closed_event_sent: bool,

    /// The latest time the caller passed in.
    now: Instant,
    /// When input was last received (keepalive measures from it).
    last_read: Instant,
    /// A keepalive PING is out: the connection closes if its ACK has not come by then.
    keepalive_deadline: Option<Instant>,
    /// Keepalive PINGs sent ([`Stats::keepalives_sent`]).
    keepalives_sent: u64,
    /// Ping policy (gRPC Server Enforcement): strikes so far, and when the last accepted PING
    /// arrived (`None`: "epoch").
    ping_strikes: u32,
    last_valid_ping: Option<Instant>,
}

impl Connection {
    /// A new connection in `role`. A client's connection preface and both endpoints' initial
    /// SETTINGS are queued at once; `now` starts the SETTINGS acknowledgment timer.
    pub fn new(role: Role, config: Config, now: Instant) -> Connection {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame_size(config.max_frame_size);
        let mut hpack_dec = HpackDecoder::new(courier_hpack::DEFAULT_TABLE_SIZE);
        hpack_dec.set_max_header_list_size(config.max_header_list_size as usize);
        hpack_dec.set_header_list_abort_size(config.header_list_abort_size as usize);
        let defaults = PeerSettings {
            enable_push: role == Role::Server,
            max_concurrent_streams: match role {
                Role::Client => INITIAL_PEER_MAX_CONCURRENT_STREAMS,
                Role::Server => u32::MAX,
            },
            initial_window_size: DEFAULT_WINDOW,
            max_header_list_size: u32::MAX,
        };
        let mut conn = Connection {
            role,
            phase: match role {
                Role::Server => Phase::AwaitPreface,
                Role::Client => Phase::AwaitSettings,
            },
            recv_buf: BytesMut::new(),
            peer_preface_received: false,
            out: BytesMut::new(),
            scratch: BytesMut::new(),
            decoder,
            encoder: FrameEncoder::new(),
            hpack_dec,
            hpack_enc: HpackEncoder::new(courier_hpack::DEFAULT_TABLE_SIZE),
            head_block: None,
            events: VecDeque::new(),
            streams: IdMap::default(),
            ready: VecDeque::new(),
            closed_ids: IdMap::default(),
            closed_order: VecDeque::new(),
            reset_unaccepted: IdSet::default(),
            next_local_id: match role {
                Role::Client => 1,
                Role::Server => 2,
            },
            last_peer_id: StreamId::ZERO,
            active_local: 0,
            active_peer: 0,
            reserved_remote: 0,
            reserved_local: 0,
            partial: None,
            peer: defaults,
            local_acked: PeerSettings {
                // Our own ENABLE_PUSH starts at the protocol default: 1.
                enable_push: true,
                // The initially advertised limits are enforced from the start: a peer that
                // opens streams before it has seen them is refused (REFUSED_STREAM, safe to
                // retry) or has its oversized message reset.
                max_concurrent_streams: config.max_concurrent_streams,
                max_header_list_size: config.max_header_list_size,
                ..defaults
            },
            pending_settings: VecDeque::new(),
            conn_send_window: i64::from(DEFAULT_WINDOW),
            window_update_credit: i64::from(config.max_unearned_window_updates),
            send_queued_total: 0,
            send_waiters: Vec::new(),
            conn_recv_window: i64::from(DEFAULT_WINDOW),
            conn_recv_released: 0,
            goaway_sent: None,
            goaway_received: None,
            shutdown_ping_outstanding: false,
            draining: false,
            pending_control: 0,
            frames_received: 0,
            local_error_resets: 0,
            protocol_error_resets: 0,
            settings_acked: false,
            empty_frames: 0,
            closed_event_sent: false,
            now,
            last_read: now,
            keepalive_deadline: None,
            keepalives_sent: 0,
            ping_strikes: 0,
            last_valid_ping: None,
            config,
        };
        if role == Role::Client {
            // RFC 9113 §3.4: "That is, the connection preface starts with the string
            // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". This sequence MUST be followed by a SETTINGS
            // frame". <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
            conn.out.extend_from_slice(PREFACE);
        }
        conn.send_initial_settings(now);
        conn
    }

    /// The settings and limits this connection was made with.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the connection is finished (after an error, or a graceful shutdown once every
    /// stream completed). Write out what [`poll_transmit`](Self::poll_transmit) returns, then
    /// close the transport.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Whether the peer's connection preface has arrived (its first SETTINGS frame, after the
    /// client's 24-octet string on a server): the connection is set up, and the peer is known
    /// to speak HTTP/2. Stays `true` once it has been, after the connection closes too.
    pub fn peer_settings_received(&self) -> bool {
        self.peer_preface_received
    }

    /// Number of streams currently open or half-closed.
    pub fn active_streams(&self) -> usize {
        (self.active_local + self.active_peer) as usize
    }

    /// The connection's flow-control windows and counters, for monitoring (gRPC channelz).
    pub fn stats(&self) -> Stats {
        Stats {
            send_window: self.conn_send_window,
            recv_window: self.conn_recv_window,
            peer_max_concurrent_streams: self.peer.max_concurrent_streams,
            keepalives_sent: self.keepalives_sent,
        }
    }

    /// The next event for the application, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            let event = self.events.pop_front()?;
            let id = match &event {
                Event::Headers { stream_id, .. }
                | Event::Data { stream_id, .. }
                | Event::Trailers { stream_id, .. }
                | Event::Reset { stream_id, .. } => Some(*stream_id),
                _ => None,
            };
            if let Some(id) = id {
                // Events of a stream the peer reset before the application saw it are dropped:
                // the application never learns of it (rapid reset, CVE-2023-44487).
                if self.reset_unaccepted.contains(&id) {
                    if matches!(event, Event::Reset { .. }) {
                        self.reset_unaccepted.remove(&id);
                    }
                    continue;
                }
                if let Some(s) = self.streams.get_mut(&id) {
                    s.accepted = true;
                }
            }
            return Some(event);
        }
    }

    /// Takes the next event if it is DATA on `stream_id`, whose header section
    /// [`poll_event`](Self::poll_event) just returned (a request's content that arrived right
    /// behind its headers): the content and END_STREAM. The stream was accepted with its
    /// headers, so none of its events is dropped the way `poll_event` drops those of a stream
    /// reset before it was accepted.
    #[cfg(feature = "tokio")] // Only the driver asks.
    pub(crate) fn take_data_of(&mut self, stream_id: StreamId) -> Option<(Bytes, bool)> {
        match self.events.front() {
            Some(Event::Data { stream_id: id, .. }) if *id == stream_id => {}
            _ => return None,
        }
        match self.events.pop_front() {
            Some(Event::Data {
                data, end_stream, ..
            }) => Some((data, end_stream)),
            _ => None,
        }
    }

    /// Whether [`poll_transmit`](Self::poll_transmit) may have something to send: frames are
    /// queued, or a stream has DATA waiting to be scheduled.
    pub fn wants_transmit(&self) -> bool {
        !self.out.is_empty() || !self.ready.is_empty()
    }

    /// Bytes to write to the transport: every queued control frame and as much DATA as flow
    /// control allows, batched (up to about [`Config::max_transmit_batch`] octets). `None` when
    /// there is nothing to send.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.write_data();
        self.pending_control = 0;
        if self.out.is_empty() {
            return None;
        }
        Some(self.out.split().freeze())
    }

    /// Gives back the allocations of the receive and header-encoding buffers that hold nothing
    /// (a partial frame received is moved to an allocation of its size) and of the event queue
    /// of a connection that never had a stream, and hands the empty output buffer to the caller (`None` when it holds unsent output or has no room), so that an idle connection
    /// holds only its state: a driver calls it when it is about to wait. The buffers are
    /// allocated again when next needed; the output buffer comes back through
    /// [`supply_output_buffer`](Self::supply_output_buffer), so that a driver can pass the same
    /// few buffers from connection to connection instead of allocating one per burst.
    pub fn release_idle_buffers(&mut self) -> Option<BytesMut> {
        if self.recv_buf.is_empty() {
            self.recv_buf = BytesMut::new();
        } else {
            // A partial frame (at most a frame's size) moves to an allocation of its own, so
            // that a connection waiting for the rest does not hold the larger buffer it was
            // read into: with the tokio driver, a part of the thread's read block, which would
            // stay allocated for as long as a peer keeps a frame unfinished.
            self.recv_buf = BytesMut::from(&self.recv_buf[..]);
        }
        if self.scratch.is_empty() {
            self.scratch = BytesMut::new();
        }
        // An idle connection needs no event queue. Its queue (four 176-octet events)
        // was allocated by the acknowledgment of the SETTINGS sent; it goes back while the
        // connection has never had a stream (one opened by a client and left idle, a server's
        // whose client never called: a load balancer's connections to every backend, say),
        // and is kept once streams come, which would allocate it again with each call that
        // finds the connection idle (+300 server instructions per unary call, one in flight).
        if self.never_had_streams() && self.events.is_empty() {
            self.events = VecDeque::new();
        }
        (self.out.is_empty() && self.out.capacity() > 0).then(|| std::mem::take(&mut self.out))
    }

    /// No stream has been opened or promised on the connection, by either side.
    fn never_had_streams(&self) -> bool {
        let first_local = match self.role {
            Role::Client => 1,
            Role::Server => 2,
        };
        self.last_peer_id == StreamId::ZERO && self.next_local_id == first_local
    }

    /// Whether the connection has no output buffer (it allocates one when it next writes,
    /// unless given one with [`supply_output_buffer`](Self::supply_output_buffer)).
    pub fn needs_output_buffer(&self) -> bool {
        self.out.capacity() == 0
    }

    /// Gives the connection `buf` (cleared) to write its next frames into if it has no output
    /// buffer; otherwise hands it back.
    pub fn supply_output_buffer(&mut self, mut buf: BytesMut) -> Option<BytesMut> {
        if !self.needs_output_buffer() {
            return Some(buf);
        }
        buf.clear();
        self.out = buf;
        None
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        let settings = self.pending_settings.front().map(|(_, deadline)| *deadline);
        let keepalive = self.keepalive_deadline.or_else(|| self.next_keepalive());
        match (settings, keepalive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The timer fired: `now` is the current time.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        self.now = self.now.max(now);
        if self.keepalive_deadline.is_some_and(|d| d <= now) {
            // gRPC A8: "If it does not receive an acknowledgment within this time, it will
            // close the connection." No GOAWAY: the peer is presumed unreachable.
            self.keepalive_deadline = None;
            return self.finish(Some(ConnectionError::keepalive_timeout()));
        }
        if self.next_keepalive().is_some_and(|t| t <= now) {
            self.write_frame(&Frame::Ping(Ping {
                ack: false,
                payload: KEEPALIVE_PING,
            }));
            self.keepalives_sent += 1;
            self.keepalive_deadline = Some(now + self.config.keepalive_timeout);
        }
        if self
            .pending_settings
            .front()
            .is_some_and(|(_, d)| *d <= now)
        {
            // RFC 9113 §6.5.3: "If the sender of a SETTINGS frame does not receive an
            // acknowledgment within a reasonable amount of time, it MAY issue a connection error
            // (Section 5.4.1) of type SETTINGS_TIMEOUT."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
            self.connection_error(
                Reason::SETTINGS_TIMEOUT,
                "SETTINGS not acknowledged in time".into(),
            );
        }
    }

    /// Bytes read from the transport. Frames are processed at once; the results appear in
    /// [`poll_event`](Self::poll_event) and [`poll_transmit`](Self::poll_transmit).
    ///
    /// The time of arrival is taken to be the latest time the caller passed in; use
    /// [`handle_received_at`](Self::handle_received_at) when keepalive or a
    /// [`PingPolicy`] is configured.
    pub fn handle_received(&mut self, data: &[u8]) {
        self.handle_received_at(data, self.now);
    }

    /// Bytes read from the transport at `now`: like
    /// [`handle_received`](Self::handle_received), and the time feeds keepalive (which counts
    /// from the last read) and the [`PingPolicy`].
    pub fn handle_received_at(&mut self, data: &[u8], now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        self.now = self.now.max(now);
        self.last_read = self.now;
        self.recv_buf.extend_from_slice(data);
        self.process();
    }

    /// The input received and not handled yet: the start of a frame whose rest has not come
    /// (see [`handle_received_buf`](Self::handle_received_buf)).
    pub(crate) fn unprocessed_input(&self) -> &[u8] {
        &self.recv_buf
    }

    /// Like [`handle_received_at`](Self::handle_received_at), for a driver that reads into a
    /// buffer of its own: `input` is [`unprocessed_input`](Self::unprocessed_input) followed by
    /// the octets just read, and becomes the receive buffer, so the new octets are not copied
    /// again (frames' payloads are handed out as parts of it).
    pub(crate) fn handle_received_buf(&mut self, input: BytesMut, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        debug_assert!(input.starts_with(&self.recv_buf));
        self.now = self.now.max(now);
        self.last_read = self.now;
        self.recv_buf = input;
        self.process();
    }

    /// Frames received and handled so far: a driver bounds the work of one turn by it as well
    /// as by octets (a read of one-octet DATA frames holds thousands of frames).
    pub fn frames_received(&self) -> u64 {
        self.frames_received
    }

    /// The transport reached end of input. Any stream still open is reset for the application,
    /// and the connection closes.
    pub fn handle_eof(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        let error = if self.active_streams() == 0
            && (self.goaway_received.is_some() || self.goaway_sent.is_some())
        {
            None
        } else {
            Some(ConnectionError::remote(
                Reason::CANCEL,
                "connection closed by peer",
            ))
        };
        self.finish(error);
    }

    fn process(&mut self) {
        while self.phase != Phase::Closed {
            if self.phase == Phase::AwaitPreface {
                let n = self.recv_buf.len().min(PREFACE.len());
                // RFC 9113 §3.4: "Clients and servers MUST treat an invalid connection preface as
                // a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
                if self.recv_buf[..n] != PREFACE[..n] {
                    return self.connection_error(
                        Reason::PROTOCOL_ERROR,
                        "invalid connection preface".into(),
                    );
                }
                if n < PREFACE.len() {
                    return;
                }
                let _ = self.recv_buf.split_to(PREFACE.len());
                self.phase = Phase::AwaitSettings;
            }
            match self.decoder.decode(&mut self.recv_buf) {
                Ok(None) => return,
                Ok(Some(frame)) => {
                    self.frames_received += 1;
                    if let Err(fault) = self.on_frame(frame) {
                        self.on_fault(fault);
                    }
                }
                Err(e) => {
                    let fault = classify(&e);
                    self.on_fault(fault);
                }
            }
        }
    }

    fn on_fault(&mut self, fault: Fault) {
        match fault {
            Fault::Connection { reason, why } => self.connection_error(reason, why),
            Fault::Stream { id, reason, why } => self.stream_error(id, reason, why),
        }
    }

    fn on_frame(&mut self, frame: Frame) -> Result<(), Fault> {
        if let Some(partial) = &self.partial {
            // RFC 9113 §6.2: "A HEADERS frame without the END_HEADERS flag set MUST be followed by
            // a CONTINUATION frame for the same stream. A receiver MUST treat the receipt of any
            // other type of frame or a frame on a different stream as a connection error
            // (Section 5.4.1) of type PROTOCOL_ERROR."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.2>
            let ok = matches!(&frame, Frame::Continuation(c) if c.stream_id == partial.stream_id);
            if !ok {
                return Err(Fault::conn(Reason::PROTOCOL_ERROR, "expected CONTINUATION"));
            }
        }
        if self.phase == Phase::AwaitSettings {
            // RFC 9113 §3.4: "The server connection preface consists of a potentially empty
            // SETTINGS frame (Section 6.5) that MUST be the first frame the server sends in the
            // HTTP/2 connection." (and likewise the client's, after the string).
            // <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
            if !matches!(&frame, Frame::Settings(s) if !s.ack) {
                return Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "first frame is not SETTINGS",
                ));
            }
            self.phase = Phase::Open;
            self.peer_preface_received = true;
            // Without SETTINGS_MAX_CONCURRENT_STREAMS in it, the peer allows any number.
            self.peer.max_concurrent_streams = u32::MAX;
        }
        match frame {
            Frame::Data(d) => self.on_data(d),
            Frame::Headers(h) => self.on_headers(h),
            Frame::Priority(p) => {
                // RFC 7540 §5.3.1 (kept by RFC 9113 §5.3.2 for interoperability): "A stream
                // cannot depend on itself. An endpoint MUST treat this as a stream error
                // (Section 5.4.2) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc7540#section-5.3.1>
                if p.spec.dependency == p.stream_id {
                    return Err(Fault::stream(
                        p.stream_id,
                        Reason::PROTOCOL_ERROR,
                        "stream depends on itself",
                    ));
                }
                // Otherwise parsed and ignored (§5.3.2): no priority tree is kept, so PRIORITY
                // frames cost no state (CVE-2019-9513).
                Ok(())
            }
            Frame::RstStream(r) => self.on_rst_stream(r),
            Frame::Settings(s) => self.on_settings(s),
            Frame::PushPromise(p) => self.on_push_promise(p),
            Frame::Ping(p) => self.on_ping(p),
            Frame::GoAway(g) => {
                self.on_goaway(g);
                Ok(())
            }
            Frame::WindowUpdate(w) => self.on_window_update(w),
            Frame::Continuation(c) => self.on_continuation(c),
            // RFC 9113 §5.5: "Implementations MUST ignore unknown or unsupported values in all
            // extensible protocol elements." <https://www.rfc-editor.org/rfc/rfc9113#section-5.5>
            Frame::Unknown(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod idle_tests {
    use super::*;

    /// Hands everything `from` has to send to `to`.
    fn shuttle(from: &mut Connection, to: &mut Connection, now: Instant) {
        while let Some(bytes) = from.poll_transmit() {
            to.handle_received_at(&bytes, now);
        }
    }

    fn settle(c: &mut Connection, s: &mut Connection, now: Instant) {
        for _ in 0..3 {
            shuttle(c, s, now);
            shuttle(s, c, now);
        }
        while c.poll_event().is_some() {}
        while s.poll_event().is_some() {}
    }

    #[test]
    fn an_idle_connection_holds_no_queues() {
        let now = Instant::now();
        let mut c = Connection::new(Role::Client, Config::default(), now);
        let mut s = Connection::new(Role::Server, Config::default(), now);
        settle(&mut c, &mut s, now);
        for conn in [&mut c, &mut s] {
            // The SETTINGS sent were acknowledged: their queue is gone.
            assert_eq!(conn.pending_settings.capacity(), 0);
            let _ = conn.release_idle_buffers();
            // The acknowledgment's event queue goes back while no stream was ever opened.
            assert_eq!(conn.events.capacity(), 0);
        }
        // Once the connection has carried a stream the queue is kept (allocating it again with
        // each call that finds the connection idle would cost more than it saves).
        let request = [
            HeaderField::new(&b":method"[..], &b"GET"[..]),
            HeaderField::new(&b":scheme"[..], &b"http"[..]),
            HeaderField::new(&b":authority"[..], &b"localhost"[..]),
            HeaderField::new(&b":path"[..], &b"/"[..]),
        ];
        c.open_stream(&request, true).expect("open");
        settle(&mut c, &mut s, now);
        let _ = s.release_idle_buffers();
        assert!(s.events.capacity() > 0);
    }
}
