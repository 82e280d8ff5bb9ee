//! The sans-IO HTTP/2 connection: a deterministic state machine for either role.
//!
//! Inputs are `handle_*` calls — bytes received ([`Connection::handle_received`]), a timer that
//! fired ([`Connection::handle_timeout`]) and application commands (open a stream, send
//! headers, data, trailers, reset, ping, goaway, consume received data). Outputs are `poll_*`
//! calls — bytes to write ([`Connection::poll_transmit`], many frames per batch), events for the
//! application ([`Connection::poll_event`]) and the next deadline ([`Connection::poll_timeout`]).
//! It never touches a socket or a clock: the caller passes the current [`Instant`] in.

mod config;
mod error;
pub(crate) mod message;
mod stream;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_hpack::{
    Decoder as HpackDecoder, Encoder as HpackEncoder, ErrorKind as HpackErrorKind, HeaderField,
};

pub use config::{Config, PingPolicy, Role};
pub use error::{CommandError, CommandErrorKind, ConnectionError};
pub use message::{FieldSection, Pseudo};

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

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The initial flow-control window of streams and of the connection (RFC 9113 §6.9.2).
const DEFAULT_WINDOW: u32 = 65_535;

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
    out: BytesMut,
    scratch: BytesMut,
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    hpack_dec: HpackDecoder,
    hpack_enc: HpackEncoder,

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

    partial: Option<PartialBlock>,

    /// Peer's settings (what we must respect when sending).
    peer: PeerSettings,
    /// Our settings as acknowledged by the peer.
    local_acked: PeerSettings,
    /// SETTINGS we sent, awaiting acknowledgment, with their deadlines.
    pending_settings: VecDeque<(Settings, Instant)>,

    conn_send_window: i64,
    conn_recv_window: i64,
    conn_recv_released: u32,

    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    /// Server graceful shutdown: the first GOAWAY went out, waiting for the PING round trip.
    shutdown_ping_outstanding: bool,
    /// A graceful shutdown was requested: close once no stream is active.
    draining: bool,

    pending_control: u32,
    local_error_resets: u32,
    empty_frames: u32,
    closed_event_sent: bool,

    /// The latest time the caller passed in.
    now: Instant,
    /// When input was last received (keepalive measures from it).
    last_read: Instant,
    /// A keepalive PING is out: the connection closes if its ACK has not come by then.
    keepalive_deadline: Option<Instant>,
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
        let defaults = PeerSettings {
            enable_push: role == Role::Server,
            max_concurrent_streams: u32::MAX,
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
            out: BytesMut::with_capacity(16 * 1024),
            scratch: BytesMut::new(),
            decoder,
            encoder: FrameEncoder::new(),
            hpack_dec,
            hpack_enc: HpackEncoder::new(courier_hpack::DEFAULT_TABLE_SIZE),
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
            conn_recv_window: i64::from(DEFAULT_WINDOW),
            conn_recv_released: 0,
            goaway_sent: None,
            goaway_received: None,
            shutdown_ping_outstanding: false,
            draining: false,
            pending_control: 0,
            local_error_resets: 0,
            empty_frames: 0,
            closed_event_sent: false,
            now,
            last_read: now,
            keepalive_deadline: None,
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

    fn send_initial_settings(&mut self, now: Instant) {
        let c = &self.config;
        let mut settings = Vec::new();
        let mut put = |id, value| settings.push(Setting { id, value });
        if c.header_table_size != 4096 {
            put(SettingId::HEADER_TABLE_SIZE, c.header_table_size);
        }
        if self.role == Role::Client {
            put(SettingId::ENABLE_PUSH, u32::from(c.enable_push));
        }
        put(SettingId::MAX_CONCURRENT_STREAMS, c.max_concurrent_streams);
        if c.initial_window_size != DEFAULT_WINDOW {
            put(
                SettingId::INITIAL_WINDOW_SIZE,
                c.initial_window_size.min(MAX_WINDOW_SIZE),
            );
        }
        if c.max_frame_size != DEFAULT_MAX_FRAME_SIZE {
            put(SettingId::MAX_FRAME_SIZE, self.decoder.max_frame_size());
        }
        put(SettingId::MAX_HEADER_LIST_SIZE, c.max_header_list_size);
        let frame = Settings {
            ack: false,
            settings,
        };
        self.write_frame(&Frame::Settings(frame.clone()));
        self.pending_settings
            .push_back((frame, now + self.config.settings_timeout));
        // The connection window can only grow through WINDOW_UPDATE (§6.9.2).
        let target = i64::from(self.config.connection_window_size.min(MAX_WINDOW_SIZE));
        if target > self.conn_recv_window {
            let inc = (target - self.conn_recv_window) as u32;
            self.conn_recv_window = target;
            self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::ZERO,
                increment: inc,
            }));
        }
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

    /// Number of streams currently open or half-closed.
    pub fn active_streams(&self) -> usize {
        (self.active_local + self.active_peer) as usize
    }

    // ---------------------------------------------------------------------------------------
    // Outputs.
    // ---------------------------------------------------------------------------------------

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

    /// When the next keepalive PING is due, if one is to be sent at all: the keepalive interval
    /// after the last read (gRPC A8: "_keepalive time_ is ideally measured from the time of the
    /// last byte read"), once the connection is established, while streams are open (or always
    /// with [`Config::keepalive_while_idle`]), and no keepalive PING is already out.
    fn next_keepalive(&self) -> Option<Instant> {
        let interval = self.config.keepalive_interval?;
        let wanted = self.active_streams() > 0 || self.config.keepalive_while_idle;
        (wanted && self.phase == Phase::Open && self.keepalive_deadline.is_none())
            .then(|| self.last_read + interval)
    }

    // ---------------------------------------------------------------------------------------
    // Inputs: timer.
    // ---------------------------------------------------------------------------------------

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

    // ---------------------------------------------------------------------------------------
    // Inputs: bytes.
    // ---------------------------------------------------------------------------------------

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

    /// Where a stream id the peer used stands.
    fn lookup(&self, id: StreamId) -> Lookup {
        if self.streams.contains_key(&id) {
            return Lookup::Present;
        }
        if let Some(how) = self.closed_ids.get(&id) {
            return Lookup::Closed(*how);
        }
        let local = self.is_local_id(id);
        let idle = if local {
            id.get() >= self.next_local_id
        } else {
            id > self.last_peer_id
        };
        if idle { Lookup::Idle } else { Lookup::Unknown }
    }

    fn is_local_id(&self, id: StreamId) -> bool {
        match self.role {
            Role::Client => id.is_client_initiated(),
            Role::Server => id.is_server_initiated(),
        }
    }

    fn count_empty_frame(&mut self, empty: bool) -> Result<(), Fault> {
        if !empty {
            self.empty_frames = 0;
            return Ok(());
        }
        self.empty_frames += 1;
        if self.empty_frames > self.config.max_empty_frames {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "too many empty frames",
            ));
        }
        Ok(())
    }

    fn on_data(&mut self, d: Data) -> Result<(), Fault> {
        let id = d.stream_id;
        let flow_len = d.flow_len();
        self.count_empty_frame(flow_len == 0 && !d.end_stream)?;
        // RFC 9113 §6.9: "A receiver that receives a flow-controlled frame MUST always account
        // for its contribution against the connection flow-control window, unless the receiver
        // treats this as a connection error (Section 5.4.1)."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
        // RFC 9113 §6.9.1: "The sender MUST NOT send a flow-controlled frame with a length that
        // exceeds the space available in either of the flow-control windows advertised by the
        // receiver." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
        if i64::from(flow_len) > self.conn_recv_window {
            return Err(Fault::conn(
                Reason::FLOW_CONTROL_ERROR,
                "DATA exceeds the connection window",
            ));
        }
        self.conn_recv_window -= i64::from(flow_len);
        match self.lookup(id) {
            Lookup::Present => {}
            // RFC 9113 §5.1: idle: "Receiving any frame other than HEADERS or PRIORITY on a
            // stream in this state MUST be treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Idle => {
                return Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "DATA on an idle stream",
                ));
            }
            Lookup::Closed(ClosedHow::LocallyReset) => {
                // RFC 9113 §5.1: closed: "An endpoint MUST minimally process and then discard any
                // frames it receives in this state. ... the content of DATA frames counts toward
                // the connection flow-control window."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                self.release_connection(flow_len);
                return Ok(());
            }
            // RFC 9113 §5.1: closed: "An endpoint MAY treat receipt of any other type of frame on
            // a closed stream as a connection error (Section 5.4.1) of type STREAM_CLOSED".
            // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Closed(ClosedHow::Closed) | Lookup::Unknown => {
                return Err(Fault::conn(
                    Reason::STREAM_CLOSED,
                    "DATA on a closed stream",
                ));
            }
        }
        let stream = self.streams.get_mut(&id).expect("present");
        // RFC 9113 §6.1: "If a DATA frame is received whose stream is not in the "open" or
        // "half-closed (local)" state, the recipient MUST respond with a stream error
        // (Section 5.4.2) of type STREAM_CLOSED." <https://www.rfc-editor.org/rfc/rfc9113#section-6.1>
        if !stream.state.can_recv() {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::STREAM_CLOSED,
                "DATA on a stream not open for receiving",
            ));
        }
        if i64::from(flow_len) > stream.recv_window {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::FLOW_CONTROL_ERROR,
                "DATA exceeds the stream window",
            ));
        }
        stream.recv_window -= i64::from(flow_len);
        // RFC 9113 §8.1: a message starts with a header section; DATA before it is malformed.
        // "Malformed requests or responses that are detected MUST be treated as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-8.1.1>
        if stream.recv_phase != RecvPhase::Body {
            self.release_connection(flow_len);
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "DATA before the header section",
            ));
        }
        stream.recv_len += d.data.len() as u64;
        // RFC 9113 §8.1.1: "A request or response is also malformed if the value of a
        // content-length header field does not equal the sum of the DATA frame payload lengths
        // that form the content". <https://www.rfc-editor.org/rfc/rfc9113#section-8.1.1>
        if let Some(cl) = stream.content_length {
            let over = stream.recv_len > cl;
            let short = d.end_stream && stream.recv_len != cl;
            if (over || short) && !stream.no_content_expected {
                self.release_connection(flow_len);
                return Err(Fault::stream(
                    id,
                    Reason::PROTOCOL_ERROR,
                    "content-length mismatch",
                ));
            }
        }
        // Padding is not delivered; return its credit at once.
        let padding = flow_len - d.data.len() as u32;
        stream.recv_unconsumed += d.data.len() as u64;
        if padding > 0 {
            self.release_stream_and_connection(id, padding);
        }
        self.events.push_back(Event::Data {
            stream_id: id,
            data: d.data,
            end_stream: d.end_stream,
        });
        if d.end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    fn on_headers(&mut self, h: Headers) -> Result<(), Fault> {
        self.count_empty_frame(h.fragment.is_empty() && !h.end_headers)?;
        let kind = BlockKind::Headers {
            end_stream: h.end_stream,
        };
        if h.end_headers {
            return self.on_field_block(
                h.stream_id,
                kind,
                &h.fragment,
                h.priority.map(|p| p.dependency),
            );
        }
        self.start_partial(
            h.stream_id,
            kind,
            &h.fragment,
            h.priority.map(|p| p.dependency),
        );
        Ok(())
    }

    fn start_partial(
        &mut self,
        stream_id: StreamId,
        kind: BlockKind,
        fragment: &[u8],
        dependency: Option<StreamId>,
    ) {
        let mut block = BytesMut::with_capacity(fragment.len() * 2);
        block.extend_from_slice(fragment);
        self.partial = Some(PartialBlock {
            stream_id,
            kind,
            block,
            frames: 1,
            dependency,
        });
    }

    fn on_continuation(&mut self, c: Continuation) -> Result<(), Fault> {
        // RFC 9113 §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS, PUSH_PROMISE or
        // CONTINUATION frame without the END_HEADERS flag set. A recipient that observes
        // violation of this rule MUST respond with a connection error (Section 5.4.1) of type
        // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.10>
        let Some(partial) = &mut self.partial else {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "CONTINUATION without a preceding field block",
            ));
        };
        partial.frames += 1;
        partial.block.extend_from_slice(&c.fragment);
        // CONTINUATION flood (2024): bound the frames and octets of one field block.
        if partial.frames > self.config.max_continuation_frames.saturating_add(1)
            || partial.block.len() > self.config.max_header_block_size as usize
        {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "field block too large",
            ));
        }
        let empty = c.fragment.is_empty() && !c.end_headers;
        self.count_empty_frame(empty)?;
        if !c.end_headers {
            return Ok(());
        }
        let partial = self.partial.take().expect("checked above");
        let block = partial.block.freeze();
        self.on_field_block(partial.stream_id, partial.kind, &block, partial.dependency)
    }

    /// Decodes a field block, always (the HPACK state is shared by every stream), into a
    /// section of `kind`, or discards it when `kind` is `None`.
    fn decode_block(
        &mut self,
        block: &[u8],
        kind: Option<SectionKind>,
    ) -> Result<Option<Decoded>, Fault> {
        let mut builder = kind.map(SectionBuilder::new);
        let result = self.hpack_dec.decode(block, |f| {
            if let Some(b) = &mut builder {
                b.push(f);
            }
        });
        match result {
            Ok(()) => Ok(builder.map(SectionBuilder::finish)),
            Err(e) if e.is_compression_error() => {
                // RFC 9113 §4.3: "A decoding error in a field block MUST be treated as a
                // connection error (Section 5.4.1) of type COMPRESSION_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-4.3>
                Err(Fault::Connection {
                    reason: Reason::COMPRESSION_ERROR,
                    why: e.to_string().into(),
                })
            }
            Err(e) => match e.kind() {
                // RFC 9113 §10.5.1: "endpoints MAY choose to send field blocks that exceed this
                // limit and risk the request or response being treated as malformed. ... A
                // server that receives a larger field block than it is willing to handle can
                // send an HTTP 431 (Request Header Fields Too Large) status code [RFC6585]. ...
                // The field block MUST be processed to ensure a consistent connection state,
                // unless the connection is closed."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-10.5.1>
                // The block was processed in full (the HPACK state stays in step); the message
                // is treated as malformed, a stream error PROTOCOL_ERROR, rather than answered
                // 431 (see `Config::max_header_list_size`).
                HpackErrorKind::HeaderListTooLarge | HpackErrorKind::StringTooLong => Ok(Some(
                    Err("field section exceeds the maximum header list size"),
                )),
                _ => Err(Fault::Connection {
                    reason: Reason::COMPRESSION_ERROR,
                    why: e.to_string().into(),
                }),
            },
        }
    }

    fn on_field_block(
        &mut self,
        id: StreamId,
        kind: BlockKind,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        match kind {
            BlockKind::Headers { end_stream } => {
                self.on_headers_block(id, end_stream, block, dependency)
            }
            BlockKind::PushPromise { promised_id } => {
                self.on_push_promise_block(id, promised_id, block)
            }
        }
    }

    fn on_headers_block(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let lookup = self.lookup(id);
        match lookup {
            Lookup::Idle if self.is_local_id(id) || self.role == Role::Client => {
                // RFC 9113 §5.1: idle: "If this stream is initiated by the server, as described
                // in Section 5.1.1, then receiving a HEADERS frame MUST also be treated as a
                // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                self.decode_block(block, None)?;
                Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS on an idle stream this endpoint did not open",
                ))
            }
            Lookup::Idle => self.on_new_request(id, end_stream, block, dependency),
            Lookup::Unknown => {
                self.decode_block(block, None)?;
                // RFC 9113 §5.1.1: "The identifier of a newly established stream MUST be
                // numerically greater than all streams that the initiating endpoint has opened or
                // reserved. ... An endpoint that receives an unexpected stream identifier MUST
                // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.1>
                Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS with an unexpected stream identifier",
                ))
            }
            Lookup::Closed(ClosedHow::LocallyReset) => {
                self.decode_block(block, None)?;
                Ok(())
            }
            // RFC 9113 §5.1: closed: "An endpoint MAY treat receipt of any other type of frame
            // on a closed stream as a connection error (Section 5.4.1) of type STREAM_CLOSED".
            // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Closed(ClosedHow::Closed) => {
                self.decode_block(block, None)?;
                Err(Fault::conn(
                    Reason::STREAM_CLOSED,
                    "HEADERS on a closed stream",
                ))
            }
            Lookup::Present => self.on_headers_existing(id, end_stream, block, dependency),
        }
    }

    fn on_new_request(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let decoded = self.decode_block(block, Some(SectionKind::Request))?;
        // §5.1.1: the stream leaves "idle"; lower idle ids the peer skipped are now closed.
        self.last_peer_id = id;
        if self.goaway_sent.is_some_and(|last| id > last) {
            // RFC 9113 §6.8: "Once the GOAWAY is sent, the sender will ignore frames sent on
            // streams initiated by the receiver if the stream has an identifier higher than the
            // included last stream identifier." <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
            return Ok(());
        }
        if dependency == Some(id) {
            // RFC 7540 §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat this as
            // a stream error (Section 5.4.2) of type PROTOCOL_ERROR."
            // <https://www.rfc-editor.org/rfc/rfc7540#section-5.3.1>
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "stream depends on itself",
            ));
        }
        // RFC 9113 §5.1.2: "An endpoint that receives a HEADERS frame that causes its advertised
        // concurrent stream limit to be exceeded MUST treat this as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR or REFUSED_STREAM."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
        if self.active_peer >= self.local_acked.max_concurrent_streams {
            return Err(Fault::stream(
                id,
                Reason::REFUSED_STREAM,
                "concurrent stream limit",
            ));
        }
        let (section, content_length) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(id, Reason::PROTOCOL_ERROR, why)),
        };
        let mut stream = Stream::new(
            State::Open,
            true,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.recv_phase = RecvPhase::Body;
        stream.content_length = content_length;
        if end_stream && content_length.is_some_and(|n| n != 0) {
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "content-length mismatch",
            ));
        }
        self.insert_stream(id, stream);
        self.events.push_back(Event::Headers {
            stream_id: id,
            section,
            end_stream,
        });
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    fn on_headers_existing(
        &mut self,
        id: StreamId,
        end_stream: bool,
        block: &[u8],
        dependency: Option<StreamId>,
    ) -> Result<(), Fault> {
        let (state, phase) = {
            let s = &self.streams[&id];
            (s.state, s.recv_phase)
        };
        let kind = match (state, phase) {
            (State::ReservedRemote, _) => Some(SectionKind::Response),
            (State::Open | State::HalfClosedLocal, RecvPhase::AwaitingHeaders) => {
                Some(SectionKind::Response)
            }
            (State::Open | State::HalfClosedLocal, RecvPhase::Body) => Some(SectionKind::Trailers),
            _ => None,
        };
        let decoded = self.decode_block(block, kind)?;
        if dependency == Some(id) {
            return Err(Fault::stream(
                id,
                Reason::PROTOCOL_ERROR,
                "stream depends on itself",
            ));
        }
        let Some(kind) = kind else {
            return match state {
                // RFC 9113 §5.1: half-closed (remote): "If an endpoint receives additional
                // frames, other than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is
                // in this state, it MUST respond with a stream error (Section 5.4.2) of type
                // STREAM_CLOSED." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                State::HalfClosedRemote | State::Closed => Err(Fault::stream(
                    id,
                    Reason::STREAM_CLOSED,
                    "HEADERS after END_STREAM",
                )),
                // RFC 9113 §5.1: reserved (local): "Receiving any type of frame other than
                // RST_STREAM, PRIORITY, or WINDOW_UPDATE on a stream in this state MUST be
                // treated as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                _ => Err(Fault::conn(
                    Reason::PROTOCOL_ERROR,
                    "HEADERS on a reserved (local) stream",
                )),
            };
        };
        let (section, content_length) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(id, Reason::PROTOCOL_ERROR, why)),
        };
        match kind {
            SectionKind::Trailers => {
                // RFC 9113 §8.1: "An endpoint that receives a HEADERS frame without the
                // END_STREAM flag set after receiving the HEADERS frame that opens a request or
                // after receiving a final (non-informational) status code MUST treat the
                // corresponding request or response as malformed (Section 8.1.1)."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-8.1>
                if !end_stream {
                    return Err(Fault::stream(
                        id,
                        Reason::PROTOCOL_ERROR,
                        "second HEADERS without END_STREAM",
                    ));
                }
                let s = &self.streams[&id];
                if let Some(cl) = s.content_length {
                    if cl != s.recv_len && !s.no_content_expected {
                        return Err(Fault::stream(
                            id,
                            Reason::PROTOCOL_ERROR,
                            "content-length mismatch",
                        ));
                    }
                }
                self.events.push_back(Event::Trailers {
                    stream_id: id,
                    fields: section.fields,
                });
            }
            _ => {
                let status = section.pseudo.status.unwrap_or(0);
                let informational = (100..200).contains(&status);
                // RFC 9113 §8.1: "A HEADERS frame with the END_STREAM flag set that carries an
                // informational status code is malformed (Section 8.1.1)."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-8.1>
                if informational && end_stream {
                    return Err(Fault::stream(
                        id,
                        Reason::PROTOCOL_ERROR,
                        "1xx response with END_STREAM",
                    ));
                }
                if state == State::ReservedRemote {
                    // §5.1: reserved (remote) → half-closed (local) on receiving HEADERS.
                    self.reserved_remote -= 1;
                    self.set_state(id, State::HalfClosedLocal);
                }
                let s2 = self.streams.get_mut(&id).expect("present");
                if !informational {
                    s2.recv_phase = RecvPhase::Body;
                    s2.content_length = content_length;
                    if status == 204 || status == 304 {
                        s2.no_content_expected = true;
                    }
                    if end_stream
                        && !s2.no_content_expected
                        && content_length.is_some_and(|n| n != 0)
                    {
                        return Err(Fault::stream(
                            id,
                            Reason::PROTOCOL_ERROR,
                            "content-length mismatch",
                        ));
                    }
                }
                self.events.push_back(Event::Headers {
                    stream_id: id,
                    section,
                    end_stream,
                });
            }
        }
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    fn on_push_promise(&mut self, p: PushPromise) -> Result<(), Fault> {
        // RFC 9113 §8.4: "A client cannot push. Thus, servers MUST treat the receipt of a
        // PUSH_PROMISE frame as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-8.4>
        if self.role == Role::Server {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE received by a server",
            ));
        }
        // RFC 9113 §6.6: "An endpoint that has set this setting and has received acknowledgment
        // MUST treat the receipt of a PUSH_PROMISE frame as a connection error (Section 5.4.1)
        // of type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !self.local_acked.enable_push {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE with push disabled",
            ));
        }
        self.count_empty_frame(p.fragment.is_empty() && !p.end_headers)?;
        let kind = BlockKind::PushPromise {
            promised_id: p.promised_id,
        };
        if p.end_headers {
            return self.on_field_block(p.stream_id, kind, &p.fragment, None);
        }
        self.start_partial(p.stream_id, kind, &p.fragment, None);
        Ok(())
    }

    fn on_push_promise_block(
        &mut self,
        id: StreamId,
        promised_id: StreamId,
        block: &[u8],
    ) -> Result<(), Fault> {
        let decoded = self.decode_block(block, Some(SectionKind::Request))?;
        // RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE that promises an
        // illegal stream identifier (Section 5.1.1) as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !promised_id.is_server_initiated() || promised_id <= self.last_peer_id {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE promises an illegal stream identifier",
            ));
        }
        self.last_peer_id = promised_id;
        let assoc_ok = match self.lookup(id) {
            Lookup::Present => self.streams[&id].state.can_recv(),
            Lookup::Closed(ClosedHow::LocallyReset) => {
                // RFC 9113 §6.6: "an endpoint that has sent RST_STREAM on the associated stream
                // MUST handle PUSH_PROMISE frames that might have been created before the
                // RST_STREAM frame is received and processed." The promise is refused.
                self.remember_closed(promised_id, ClosedHow::LocallyReset);
                self.write_rst(promised_id, Reason::CANCEL);
                return Ok(());
            }
            _ => false,
        };
        // RFC 9113 §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE on a stream that
        // is neither "open" nor "half-closed (local)" as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !assoc_ok || self.streams[&id].remote_initiated {
            return Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "PUSH_PROMISE on a stream that is not open",
            ));
        }
        let (request, _) = match decoded.expect("decoded with a kind") {
            Ok(s) => s,
            Err(why) => return Err(Fault::stream(promised_id, Reason::PROTOCOL_ERROR, why)),
        };
        if self.reserved_remote >= self.local_acked.max_concurrent_streams {
            return Err(Fault::stream(
                promised_id,
                Reason::REFUSED_STREAM,
                "too many reserved streams",
            ));
        }
        let mut stream = Stream::new(
            State::ReservedRemote,
            true,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.accepted = true;
        self.reserved_remote += 1;
        self.streams.insert(promised_id, stream);
        self.events.push_back(Event::PushPromise {
            stream_id: id,
            promised_id,
            request,
        });
        Ok(())
    }

    fn on_rst_stream(&mut self, r: RstStream) -> Result<(), Fault> {
        let id = r.stream_id;
        match self.lookup(id) {
            // RFC 9113 §6.4: "If a RST_STREAM frame identifying an idle stream is received, the
            // recipient MUST treat this as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.4>
            Lookup::Idle => Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "RST_STREAM on an idle stream",
            )),
            // §5.1: RST_STREAM may arrive on a closed stream in the race after closing.
            Lookup::Closed(_) | Lookup::Unknown => Ok(()),
            Lookup::Present => {
                let accepted = self.streams[&id].accepted;
                if !accepted {
                    // Rapid reset (CVE-2023-44487): the stream never reaches the application;
                    // bound how many such streams may be outstanding.
                    self.reset_unaccepted.insert(id);
                    if self.reset_unaccepted.len()
                        > self.config.max_pending_accept_reset_streams as usize
                    {
                        return Err(Fault::conn(
                            Reason::ENHANCE_YOUR_CALM,
                            "too many streams reset before being accepted",
                        ));
                    }
                }
                self.events.push_back(Event::Reset {
                    stream_id: id,
                    reason: r.reason,
                    remote: true,
                });
                self.close_stream(id, ClosedHow::Closed);
                Ok(())
            }
        }
    }

    fn on_settings(&mut self, s: Settings) -> Result<(), Fault> {
        if s.ack {
            let Some((acked, _)) = self.pending_settings.pop_front() else {
                // An acknowledgment of nothing: ignored.
                return Ok(());
            };
            self.apply_acked_settings(&acked);
            self.events.push_back(Event::SettingsAcknowledged);
            return Ok(());
        }
        // RFC 9113 §6.5.3: "The values in the SETTINGS frame MUST be processed in the order they
        // appear, with no other frame processing between values."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
        for setting in &s.settings {
            match setting.id {
                SettingId::HEADER_TABLE_SIZE => {
                    self.hpack_enc.update_max_table_size(setting.value as usize);
                }
                SettingId::ENABLE_PUSH => {
                    // RFC 9113 §6.5.2: "A client MUST treat receipt of a SETTINGS frame with
                    // SETTINGS_ENABLE_PUSH set to 1 as a connection error (Section 5.4.1) of type
                    // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
                    if self.role == Role::Client && setting.value == 1 {
                        return Err(Fault::conn(
                            Reason::PROTOCOL_ERROR,
                            "server sent SETTINGS_ENABLE_PUSH = 1",
                        ));
                    }
                    self.peer.enable_push = setting.value == 1;
                }
                SettingId::MAX_CONCURRENT_STREAMS => {
                    self.peer.max_concurrent_streams = setting.value
                }
                SettingId::INITIAL_WINDOW_SIZE => {
                    let delta = i64::from(setting.value) - i64::from(self.peer.initial_window_size);
                    self.peer.initial_window_size = setting.value;
                    // RFC 9113 §6.9.2: "When the value of SETTINGS_INITIAL_WINDOW_SIZE changes, a
                    // receiver MUST adjust the size of all stream flow-control windows that it
                    // maintains by the difference between the new value and the old value."
                    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.2>
                    for (id, stream) in self.streams.iter_mut() {
                        stream.send_window += delta;
                        // RFC 9113 §6.9.2: "An endpoint MUST treat a change to
                        // SETTINGS_INITIAL_WINDOW_SIZE that causes any flow-control window to
                        // exceed the maximum size as a connection error (Section 5.4.1) of type
                        // FLOW_CONTROL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.2>
                        if stream.send_window > i64::from(MAX_WINDOW_SIZE) {
                            return Err(Fault::conn(
                                Reason::FLOW_CONTROL_ERROR,
                                "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window",
                            ));
                        }
                        if delta > 0 && stream.has_output() && !stream.scheduled {
                            stream.scheduled = true;
                            self.ready.push_back(*id);
                        }
                    }
                }
                SettingId::MAX_FRAME_SIZE => self.encoder.set_max_frame_size(setting.value),
                SettingId::MAX_HEADER_LIST_SIZE => self.peer.max_header_list_size = setting.value,
                // RFC 9113 §6.5.3: "Unsupported settings MUST be ignored."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
                _ => {}
            }
        }
        // RFC 9113 §6.5.3: "Once all values have been processed, the recipient MUST immediately
        // emit a SETTINGS frame with the ACK flag set."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
        self.write_frame(&Frame::Settings(Settings::ack()));
        self.count_control_frame()
    }

    fn apply_acked_settings(&mut self, s: &Settings) {
        for setting in &s.settings {
            match setting.id {
                SettingId::HEADER_TABLE_SIZE => {
                    self.hpack_dec.set_max_table_size(setting.value as usize)
                }
                SettingId::ENABLE_PUSH => self.local_acked.enable_push = setting.value == 1,
                SettingId::MAX_CONCURRENT_STREAMS => {
                    self.local_acked.max_concurrent_streams = setting.value
                }
                SettingId::INITIAL_WINDOW_SIZE => {
                    let old = self.local_initial_window();
                    self.local_acked.initial_window_size = setting.value;
                    let delta = i64::from(self.local_initial_window()) - i64::from(old);
                    for stream in self.streams.values_mut() {
                        stream.recv_window += delta;
                    }
                }
                SettingId::MAX_HEADER_LIST_SIZE => {
                    self.local_acked.max_header_list_size = setting.value;
                    self.hpack_dec
                        .set_max_header_list_size(setting.value as usize);
                }
                SettingId::MAX_FRAME_SIZE => self.decoder.set_max_frame_size(setting.value),
                _ => {}
            }
        }
    }

    /// The receive window new streams get: our advertised value once acknowledged; before that
    /// the peer may still use the default, so the larger of the two is allowed.
    fn local_initial_window(&self) -> u32 {
        let pending = self
            .pending_settings
            .iter()
            .filter_map(|(s, _)| s.get(SettingId::INITIAL_WINDOW_SIZE))
            .max()
            .unwrap_or(0);
        self.local_acked.initial_window_size.max(pending)
    }

    fn on_ping(&mut self, p: Ping) -> Result<(), Fault> {
        if p.ack {
            // RFC 9113 §6.7: "An endpoint MUST NOT respond to PING frames containing this flag."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
            if self.shutdown_ping_outstanding && p.payload == SHUTDOWN_PING {
                self.shutdown_ping_outstanding = false;
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
                self.maybe_finish_drain();
            } else if p.payload == KEEPALIVE_PING {
                self.keepalive_deadline = None;
            } else {
                self.events.push_back(Event::Pong { payload: p.payload });
            }
            return Ok(());
        }
        self.check_ping_policy()?;
        // RFC 9113 §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send a
        // PING frame with the ACK flag set in response, with an identical frame payload."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
        self.write_frame(&Frame::Ping(Ping {
            ack: true,
            payload: p.payload,
        }));
        self.count_control_frame()
    }

    /// gRPC keepalive Server Enforcement (A8's suggested algorithm), when a [`PingPolicy`] is
    /// set: a PING too soon after the last accepted one is a strike; too many strikes end the
    /// connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
    fn check_ping_policy(&mut self) -> Result<(), Fault> {
        let Some(policy) = &self.config.ping_policy else {
            return Ok(());
        };
        if policy.max_ping_strikes == 0 {
            return Ok(());
        }
        // A8: "If `active_streams == 0 && PERMIT_KEEPALIVE_WITHOUT_CALLS == false`, verify
        // `last_valid_ping_time + 2 hours <= now()`. Otherwise verify `last_valid_ping_time +
        // PERMIT_KEEPALIVE_TIME <= now()`".
        let min = if self.active_streams() == 0 && !policy.permit_pings_without_streams {
            IDLE_PING_INTERVAL
        } else {
            policy.min_ping_interval
        };
        let max_strikes = policy.max_ping_strikes;
        let now = self.now;
        let valid = self
            .last_valid_ping
            .is_none_or(|t| now.saturating_duration_since(t) >= min);
        if valid {
            self.last_valid_ping = Some(now);
            return Ok(());
        }
        self.ping_strikes += 1;
        // A8: "if `ping_strikes > MAX_PING_STRIKES`, client is misbehaving"; "Servers need to
        // respond to misbehaving clients by sending GOAWAY with error code ENHANCE_YOUR_CALM and
        // additional debug data of ASCII "too_many_pings" followed by immediately closing the
        // connection." <https://github.com/grpc/proposal/blob/master/A8-client-side-keepalive.md>
        if self.ping_strikes > max_strikes {
            return Err(Fault::conn(Reason::ENHANCE_YOUR_CALM, "too_many_pings"));
        }
        Ok(())
    }

    /// This endpoint sent HEADERS or DATA. A8: "When a HEADERS or DATA frame is *sent*, set
    /// `last_valid_ping_time = epoch; ping_strikes = 0`".
    #[inline]
    fn forgive_pings(&mut self) {
        self.ping_strikes = 0;
        self.last_valid_ping = None;
    }

    fn on_goaway(&mut self, g: GoAway) {
        let last = g.last_stream_id;
        self.goaway_received = Some(self.goaway_received.map_or(last, |prev| prev.min(last)));
        // RFC 9113 §6.8: "If the receiver of the GOAWAY has sent data on streams with a higher
        // stream identifier than what is indicated in the GOAWAY frame, those streams are not or
        // will not be processed." They are reset for the application, to be retried.
        let refused: Vec<StreamId> = self
            .streams
            .keys()
            .copied()
            .filter(|id| self.is_local_id(*id) && *id > last)
            .collect();
        for id in refused {
            self.events.push_back(Event::Reset {
                stream_id: id,
                reason: Reason::REFUSED_STREAM,
                remote: true,
            });
            self.close_stream(id, ClosedHow::LocallyReset);
        }
        let error = (g.reason != Reason::NO_ERROR).then(|| {
            ConnectionError::remote(
                g.reason,
                String::from_utf8_lossy(&g.debug_data).into_owned(),
            )
        });
        self.events.push_back(Event::GoAway {
            last_stream_id: last,
            reason: g.reason,
            debug_data: g.debug_data,
        });
        if let Some(error) = error {
            // An error GOAWAY ends the connection; there is nothing left to drain.
            self.finish(Some(error));
            return;
        }
        self.draining = true;
        self.maybe_finish_drain();
    }

    fn on_window_update(&mut self, w: WindowUpdate) -> Result<(), Fault> {
        let inc = i64::from(w.increment);
        if w.stream_id.is_zero() {
            self.conn_send_window += inc;
            // RFC 9113 §6.9.1: "A sender MUST NOT allow a flow-control window to exceed 2^31-1
            // octets. If a sender receives a WINDOW_UPDATE that causes a flow-control window to
            // exceed this maximum, it MUST terminate either the stream or the connection, as
            // appropriate. ... for the connection, a GOAWAY frame with an error code of
            // FLOW_CONTROL_ERROR is sent." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
            if self.conn_send_window > i64::from(MAX_WINDOW_SIZE) {
                return Err(Fault::conn(
                    Reason::FLOW_CONTROL_ERROR,
                    "connection window overflow",
                ));
            }
            return Ok(());
        }
        let id = w.stream_id;
        match self.lookup(id) {
            // RFC 9113 §5.1: idle: "Receiving any frame other than HEADERS or PRIORITY on a
            // stream in this state MUST be treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
            Lookup::Idle => Err(Fault::conn(
                Reason::PROTOCOL_ERROR,
                "WINDOW_UPDATE on an idle stream",
            )),
            // RFC 9113 §6.9: "WINDOW_UPDATE can be sent by a peer that has sent a frame with the
            // END_STREAM flag set. ... A receiver MUST NOT treat this as an error"
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
            Lookup::Closed(_) | Lookup::Unknown => Ok(()),
            Lookup::Present => {
                let stream = self.streams.get_mut(&id).expect("present");
                // RFC 9113 §5.1: reserved (remote): "Receiving any type of frame other than
                // HEADERS, RST_STREAM, or PRIORITY on a stream in this state MUST be treated as
                // a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1>
                if stream.state == State::ReservedRemote {
                    return Err(Fault::conn(
                        Reason::PROTOCOL_ERROR,
                        "WINDOW_UPDATE on a reserved (remote) stream",
                    ));
                }
                stream.send_window += inc;
                // RFC 9113 §6.9.1: "For streams, the sender sends a RST_STREAM with an error code
                // of FLOW_CONTROL_ERROR". <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.1>
                if stream.send_window > i64::from(MAX_WINDOW_SIZE) {
                    return Err(Fault::stream(
                        id,
                        Reason::FLOW_CONTROL_ERROR,
                        "stream window overflow",
                    ));
                }
                if stream.has_output() && !stream.scheduled {
                    stream.scheduled = true;
                    self.ready.push_back(id);
                }
                Ok(())
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Errors and stream lifecycle.
    // ---------------------------------------------------------------------------------------

    fn count_control_frame(&mut self) -> Result<(), Fault> {
        self.pending_control += 1;
        // Ping / settings / reset floods (CVE-2019-9512, -9515, -9514): the peer makes this
        // endpoint queue control frames it does not read. Bound them.
        if self.pending_control > self.config.max_pending_control_frames {
            return Err(Fault::conn(
                Reason::ENHANCE_YOUR_CALM,
                "too many queued control frames",
            ));
        }
        Ok(())
    }

    /// A stream error: RST_STREAM with `reason`, the stream closed, the application told.
    fn stream_error(&mut self, id: StreamId, reason: Reason, why: &'static str) {
        let _ = why;
        if let Some(s) = self.streams.get(&id) {
            if !s.accepted {
                // Never seen by the application: its queued events are dropped.
                self.reset_unaccepted.insert(id);
            }
            self.events.push_back(Event::Reset {
                stream_id: id,
                reason,
                remote: false,
            });
            self.close_stream(id, ClosedHow::LocallyReset);
        } else {
            self.remember_closed(id, ClosedHow::LocallyReset);
        }
        self.write_rst(id, reason);
        // MadeYouReset / reset flood (CVE-2025-8671, CVE-2019-9514): every stream error is
        // caused by the peer; budget them over the connection's life.
        self.local_error_resets += 1;
        if self.local_error_resets > self.config.max_local_error_resets {
            return self.connection_error(
                Reason::ENHANCE_YOUR_CALM,
                "too many stream errors caused by the peer".into(),
            );
        }
        if let Err(f) = self.count_control_frame() {
            self.on_fault(f);
        }
    }

    fn write_rst(&mut self, id: StreamId, reason: Reason) {
        self.write_frame(&Frame::RstStream(RstStream {
            stream_id: id,
            reason,
        }));
    }

    /// A connection error: GOAWAY with `reason`, then closed.
    fn connection_error(&mut self, reason: Reason, why: std::borrow::Cow<'static, str>) {
        if self.phase == Phase::Closed {
            return;
        }
        // RFC 9113 §5.4.1: "An endpoint that encounters a connection error SHOULD first send a
        // GOAWAY frame (Section 6.8) with the stream identifier of the last stream that it
        // successfully received from its peer."
        let last = self.last_peer_id;
        let debug = Bytes::from(why.clone().into_owned().into_bytes());
        self.send_goaway(last, reason, debug);
        self.finish(Some(ConnectionError::local(reason, why)));
    }

    fn send_goaway(&mut self, last: StreamId, reason: Reason, debug_data: Bytes) {
        // RFC 9113 §6.8: "Endpoints MUST NOT increase the value they send in the last stream
        // identifier". <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
        let last = self.goaway_sent.map_or(last, |prev| prev.min(last));
        self.goaway_sent = Some(last);
        self.write_frame(&Frame::GoAway(GoAway {
            last_stream_id: last,
            reason,
            debug_data,
        }));
    }

    fn finish(&mut self, error: Option<ConnectionError>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.phase = Phase::Closed;
        let ids: Vec<StreamId> = self.streams.keys().copied().collect();
        let reason = error.as_ref().map_or(Reason::CANCEL, |e| e.reason());
        for id in ids {
            if self.streams[&id].state != State::Closed {
                self.events.push_back(Event::Reset {
                    stream_id: id,
                    reason,
                    remote: false,
                });
            }
        }
        self.streams.clear();
        self.ready.clear();
        self.partial = None;
        if !self.closed_event_sent {
            self.closed_event_sent = true;
            self.events.push_back(Event::Closed { error });
        }
    }

    fn maybe_finish_drain(&mut self) {
        if self.draining && !self.shutdown_ping_outstanding && self.streams.is_empty() {
            if self.goaway_sent.is_none() {
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
            }
            self.finish(None);
        }
    }

    fn insert_stream(&mut self, id: StreamId, stream: Stream) {
        if stream.state.is_active() {
            if self.is_local_id(id) {
                self.active_local += 1;
            } else {
                self.active_peer += 1;
            }
        }
        self.streams.insert(id, stream);
    }

    fn set_state(&mut self, id: StreamId, new: State) {
        let local = self.is_local_id(id);
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        let was = s.state.is_active();
        s.state = new;
        let now = new.is_active();
        let counter = if local {
            &mut self.active_local
        } else {
            &mut self.active_peer
        };
        match (was, now) {
            (false, true) => *counter += 1,
            (true, false) => *counter -= 1,
            _ => {}
        }
    }

    /// The peer ended its side of the stream.
    fn recv_end_stream(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        match s.state {
            State::Open => self.set_state(id, State::HalfClosedRemote),
            State::HalfClosedLocal => self.set_state(id, State::Closed),
            _ => {}
        }
        self.maybe_remove(id);
    }

    /// Closes the stream now (reset by either side): queued output is dropped.
    fn close_stream(&mut self, id: StreamId, how: ClosedHow) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        if s.state == State::ReservedRemote {
            self.reserved_remote -= 1;
        }
        // Data the application never consumed is returned to the connection window.
        let unconsumed = s.recv_unconsumed.min(u64::from(u32::MAX)) as u32;
        self.set_state(id, State::Closed);
        if let Some(s) = self.streams.get_mut(&id) {
            s.send_queue.clear();
            s.send_queued = 0;
            s.send_end = SendEnd::None;
            s.recv_unconsumed = 0;
        }
        self.release_connection(unconsumed);
        self.streams.remove(&id);
        self.remember_closed(id, how);
        self.maybe_finish_drain();
    }

    /// Drops a closed stream once it has nothing left to send.
    fn maybe_remove(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        if s.state == State::Closed && !s.has_output() {
            let unconsumed = s.recv_unconsumed.min(u64::from(u32::MAX)) as u32;
            if s.notify_close {
                self.events.push_back(Event::StreamClosed { stream_id: id });
            }
            self.streams.remove(&id);
            self.release_connection(unconsumed);
            self.remember_closed(id, ClosedHow::Closed);
            self.maybe_finish_drain();
        }
    }

    fn remember_closed(&mut self, id: StreamId, how: ClosedHow) {
        if self.closed_ids.insert(id, how).is_none() {
            self.closed_order.push_back(id);
            if self.closed_order.len() > self.config.max_closed_streams_remembered {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed_ids.remove(&old);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Flow control: receive side.
    // ---------------------------------------------------------------------------------------

    /// The application processed `n` octets of DATA on `stream_id`: return them to the peer
    /// as flow-control credit. WINDOW_UPDATE frames go out once half a window has been
    /// consumed, not for every call.
    pub fn consume(&mut self, stream_id: StreamId, n: usize) {
        let n = n.min(u32::MAX as usize) as u32;
        if let Some(s) = self.streams.get_mut(&stream_id) {
            let n = u64::from(n).min(s.recv_unconsumed) as u32;
            s.recv_unconsumed -= u64::from(n);
            self.release_stream_and_connection(stream_id, n);
        }
    }

    fn release_stream_and_connection(&mut self, id: StreamId, n: u32) {
        let target = self.local_initial_window();
        if let Some(s) = self.streams.get_mut(&id) {
            s.recv_released = s.recv_released.saturating_add(n);
            // No need to extend the window once the peer has finished sending.
            if s.state.can_recv() && s.recv_released >= target / 2 {
                let inc = s.recv_released;
                s.recv_released = 0;
                s.recv_window += i64::from(inc);
                self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                    stream_id: id,
                    increment: inc,
                }));
            }
        }
        self.release_connection(n);
    }

    fn release_connection(&mut self, n: u32) {
        if n == 0 || self.phase == Phase::Closed {
            return;
        }
        self.conn_recv_released = self.conn_recv_released.saturating_add(n);
        if self.conn_recv_released >= self.config.connection_window_size / 2 {
            let inc = self.conn_recv_released.min(MAX_WINDOW_SIZE);
            self.conn_recv_released -= inc;
            self.conn_recv_window += i64::from(inc);
            self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::ZERO,
                increment: inc,
            }));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Commands.
    // ---------------------------------------------------------------------------------------

    fn check_open(&self) -> Result<(), CommandError> {
        if self.phase == Phase::Closed {
            return Err(CommandError::new(CommandErrorKind::Closed));
        }
        Ok(())
    }

    /// Client: opens a stream with a request header section (pseudo-header fields first) and
    /// returns its identifier. With `end_stream` the request has no content.
    pub fn open_stream(
        &mut self,
        request: &[HeaderField],
        end_stream: bool,
    ) -> Result<StreamId, CommandError> {
        self.check_open()?;
        if self.role != Role::Client {
            return Err(CommandError::new(CommandErrorKind::WrongRole));
        }
        // RFC 9113 §6.8: "Receivers of a GOAWAY frame MUST NOT open additional streams on the
        // connection". <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
        if self.goaway_received.is_some() || self.goaway_sent.is_some() || self.draining {
            return Err(CommandError::new(CommandErrorKind::GoingAway));
        }
        // RFC 9113 §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2>
        if self.active_local >= self.peer.max_concurrent_streams {
            return Err(CommandError::new(CommandErrorKind::ConcurrencyLimit));
        }
        if self.next_local_id > MAX_WINDOW_SIZE {
            return Err(CommandError::new(CommandErrorKind::StreamIdsExhausted));
        }
        message::check_outgoing(request, SectionKind::Request)
            .map_err(|why| CommandError::with_detail(CommandErrorKind::InvalidHeaders, why))?;
        let id = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        let state = if end_stream {
            State::HalfClosedLocal
        } else {
            State::Open
        };
        let mut stream = Stream::new(
            state,
            false,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        stream.sent_final_headers = true;
        stream.no_content_expected = request
            .iter()
            .any(|f| f.name().as_ref() == b":method" && f.value().as_ref() == b"HEAD");
        self.insert_stream(id, stream);
        self.write_field_block(
            id,
            BlockStart::Headers {
                end_stream,
                priority: None,
            },
            request,
        );
        Ok(id)
    }

    /// Sends a header section on `stream_id`: a server's response (or 1xx interim response),
    /// or the response on a stream it promised. With `end_stream` the message has no content.
    pub fn send_headers(
        &mut self,
        stream_id: StreamId,
        fields: &[HeaderField],
        end_stream: bool,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let Some(s) = self.streams.get(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        let reserved = s.state == State::ReservedLocal;
        if !(s.state.can_send() || reserved) || s.sent_final_headers || s.send_end != SendEnd::None
        {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        message::check_outgoing(fields, SectionKind::Response)
            .map_err(|why| CommandError::with_detail(CommandErrorKind::InvalidHeaders, why))?;
        let informational = fields
            .iter()
            .find(|f| f.name().as_ref() == b":status")
            .is_some_and(|f| f.value().first() == Some(&b'1'));
        if informational && end_stream {
            return Err(CommandError::with_detail(
                CommandErrorKind::InvalidHeaders,
                "1xx response with END_STREAM",
            ));
        }
        if reserved {
            // §5.1: reserved (local) → half-closed (remote) on sending HEADERS.
            self.set_state(stream_id, State::HalfClosedRemote);
        }
        if !informational {
            if let Some(s) = self.streams.get_mut(&stream_id) {
                s.sent_final_headers = true;
            }
        }
        self.write_field_block(
            stream_id,
            BlockStart::Headers {
                end_stream,
                priority: None,
            },
            fields,
        );
        if end_stream {
            self.send_end_stream_sent(stream_id);
        }
        Ok(())
    }

    /// Queues content on `stream_id`; it is sent as flow control allows. With `end_stream`
    /// the message ends after it.
    pub fn send_data(
        &mut self,
        stream_id: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let max = self.config.max_send_buffer_per_stream;
        let Some(s) = self.streams.get_mut(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        if !s.state.can_send() || !s.sent_final_headers || s.send_end != SendEnd::None {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        // Bounded send buffer (CVE-2019-9511/9517): refuse to queue without limit for a peer
        // that does not open its window.
        // An empty chunk (the end-of-stream marker) is always taken.
        if !data.is_empty() && s.send_queued > 0 && s.send_queued + data.len() > max {
            s.want_writable = true;
            return Err(CommandError::new(CommandErrorKind::SendBufferFull));
        }
        s.send_queued += data.len();
        if !data.is_empty() {
            s.send_queue.push_back(data);
        }
        if end_stream {
            s.send_end = SendEnd::EndStream;
        }
        if !s.scheduled {
            s.scheduled = true;
            self.ready.push_back(stream_id);
        }
        Ok(())
    }

    /// Octets that [`send_data`](Self::send_data) would accept on `stream_id` now.
    pub fn send_capacity(&self, stream_id: StreamId) -> usize {
        self.streams
            .get(&stream_id)
            .filter(|s| s.state.can_send())
            .map_or(0, |s| {
                self.config
                    .max_send_buffer_per_stream
                    .saturating_sub(s.send_queued)
            })
    }

    /// Ends `stream_id`'s message with a trailer section, after any queued content.
    pub fn send_trailers(
        &mut self,
        stream_id: StreamId,
        trailers: Vec<HeaderField>,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        let Some(s) = self.streams.get_mut(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        if !s.state.can_send() || !s.sent_final_headers || s.send_end != SendEnd::None {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        message::check_outgoing(&trailers, SectionKind::Trailers)
            .map_err(|why| CommandError::with_detail(CommandErrorKind::InvalidHeaders, why))?;
        s.send_end = SendEnd::Trailers(trailers);
        if !s.scheduled {
            s.scheduled = true;
            self.ready.push_back(stream_id);
        }
        Ok(())
    }

    /// Resets `stream_id` with `reason` (CANCEL to abandon it): RST_STREAM is sent and queued
    /// output dropped.
    pub fn reset(&mut self, stream_id: StreamId, reason: Reason) -> Result<(), CommandError> {
        self.check_open()?;
        if !self.streams.contains_key(&stream_id) {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        }
        self.close_stream(stream_id, ClosedHow::LocallyReset);
        self.write_rst(stream_id, reason);
        Ok(())
    }

    /// Server: promises a pushed response to `request` on the client's `stream_id`; returns
    /// the reserved stream, on which [`send_headers`](Self::send_headers) sends the response.
    pub fn push_promise(
        &mut self,
        stream_id: StreamId,
        request: &[HeaderField],
    ) -> Result<StreamId, CommandError> {
        self.check_open()?;
        if self.role != Role::Server {
            return Err(CommandError::new(CommandErrorKind::WrongRole));
        }
        // RFC 9113 §6.6: "PUSH_PROMISE MUST NOT be sent if the SETTINGS_ENABLE_PUSH setting of
        // the peer endpoint is set to 0." <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !self.peer.enable_push {
            return Err(CommandError::new(CommandErrorKind::PushDisabled));
        }
        if self.goaway_received.is_some() {
            return Err(CommandError::new(CommandErrorKind::GoingAway));
        }
        let Some(s) = self.streams.get(&stream_id) else {
            return Err(CommandError::new(CommandErrorKind::UnknownStream));
        };
        // RFC 9113 §6.6: "PUSH_PROMISE frames MUST only be sent on a peer-initiated stream that
        // is in either the "open" or "half-closed (remote)" state."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
        if !s.remote_initiated || !s.state.can_send() {
            return Err(CommandError::new(CommandErrorKind::InvalidState));
        }
        if self.next_local_id > MAX_WINDOW_SIZE {
            return Err(CommandError::new(CommandErrorKind::StreamIdsExhausted));
        }
        message::check_outgoing(request, SectionKind::Request)
            .map_err(|why| CommandError::with_detail(CommandErrorKind::InvalidHeaders, why))?;
        let promised = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        let stream = Stream::new(
            State::ReservedLocal,
            false,
            self.peer.initial_window_size,
            self.local_initial_window(),
        );
        self.insert_stream(promised, stream);
        self.write_field_block(
            stream_id,
            BlockStart::PushPromise {
                promised_id: promised,
            },
            request,
        );
        Ok(promised)
    }

    /// Changes this endpoint's settings mid-connection: sends SETTINGS with `settings` (in
    /// order) and applies each value once the peer acknowledges it ([`Event::SettingsAcknowledged`];
    /// RFC 9113 §6.5.3), so that a peer still working with the old values is never judged by
    /// the new ones. The acknowledgment is awaited like the initial one
    /// ([`Config::settings_timeout`], then SETTINGS_TIMEOUT). `now` starts that timer.
    ///
    /// What changes on acknowledgment: HEADER_TABLE_SIZE (the HPACK decoder's table),
    /// ENABLE_PUSH (client), MAX_CONCURRENT_STREAMS (the limit enforced on the peer),
    /// INITIAL_WINDOW_SIZE (every stream's receive window moves by the difference, §6.9.2, and it
    /// becomes the target windows are topped up to), MAX_FRAME_SIZE (the largest frame
    /// accepted) and MAX_HEADER_LIST_SIZE (the largest field section accepted). Unknown
    /// identifiers are sent as given.
    ///
    /// Fails with [`CommandErrorKind::InvalidSetting`] for a value out of range (§6.5.2) or
    /// ENABLE_PUSH = 1 from a server, and [`CommandErrorKind::Closed`] once closed.
    pub fn update_settings(
        &mut self,
        settings: &[Setting],
        now: Instant,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        for s in settings {
            let ok = match s.id {
                // RFC 9113 §6.5.2: "A server MUST NOT explicitly set this value to 1."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
                SettingId::ENABLE_PUSH => {
                    s.value == 0 || (s.value == 1 && self.role == Role::Client)
                }
                SettingId::INITIAL_WINDOW_SIZE => s.value <= MAX_WINDOW_SIZE,
                SettingId::MAX_FRAME_SIZE => {
                    (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&s.value)
                }
                _ => true,
            };
            if !ok {
                return Err(CommandError::with_detail(
                    CommandErrorKind::InvalidSetting,
                    "setting value out of range (RFC 9113 §6.5.2)",
                ));
            }
        }
        self.now = self.now.max(now);
        let frame = Settings {
            ack: false,
            settings: settings.to_vec(),
        };
        self.write_frame(&Frame::Settings(frame.clone()));
        self.pending_settings
            .push_back((frame, now + self.config.settings_timeout));
        Ok(())
    }

    /// Asks for [`Event::StreamClosed`] when `stream_id` finishes without a reset (a reset
    /// still arrives as [`Event::Reset`]). Returns `false` if the stream is not open (already
    /// finished, reset, or never opened): no event will come.
    pub fn watch_close(&mut self, stream_id: StreamId) -> bool {
        match self.streams.get_mut(&stream_id) {
            Some(s) if self.phase != Phase::Closed => {
                s.notify_close = true;
                true
            }
            _ => false,
        }
    }

    /// Sends a PING with `payload`; the acknowledgment arrives as [`Event::Pong`]. The
    /// payloads `b"shutdown"` and `b"keepaliv"` are the connection's own (their
    /// acknowledgments raise no event).
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), CommandError> {
        self.check_open()?;
        self.write_frame(&Frame::Ping(Ping {
            ack: false,
            payload,
        }));
        Ok(())
    }

    /// Starts a graceful shutdown: no new streams, the ones in progress complete, then the
    /// connection closes. A server first sends GOAWAY with the largest stream identifier and a
    /// PING, and once the PING returns (one round trip, so requests in flight are counted) the
    /// final GOAWAY with the last stream it accepted (RFC 9113 §6.8).
    pub fn graceful_shutdown(&mut self) {
        if self.phase == Phase::Closed || self.draining {
            return;
        }
        self.draining = true;
        match self.role {
            Role::Server => {
                self.send_goaway(StreamId::MAX, Reason::NO_ERROR, Bytes::new());
                self.write_frame(&Frame::Ping(Ping {
                    ack: false,
                    payload: SHUTDOWN_PING,
                }));
                self.shutdown_ping_outstanding = true;
            }
            Role::Client => {
                let last = self.last_peer_id;
                self.send_goaway(last, Reason::NO_ERROR, Bytes::new());
            }
        }
        self.maybe_finish_drain();
    }

    /// Closes the connection at once with GOAWAY `reason` (an error, or NO_ERROR to abandon
    /// the streams in progress).
    pub fn close(&mut self, reason: Reason, debug_data: &'static str) {
        if self.phase == Phase::Closed {
            return;
        }
        let last = self.last_peer_id;
        self.send_goaway(last, reason, Bytes::from_static(debug_data.as_bytes()));
        let error =
            (reason != Reason::NO_ERROR).then(|| ConnectionError::local(reason, debug_data));
        self.finish(error);
    }

    // ---------------------------------------------------------------------------------------
    // Writing frames.
    // ---------------------------------------------------------------------------------------

    fn write_frame(&mut self, frame: &Frame) {
        // Control frames are far below any legal maximum frame size; an error here would be a
        // bug in this module, and the frame is dropped rather than a panic raised.
        let r = self.encoder.encode(frame, &mut self.out);
        debug_assert!(r.is_ok(), "control frame too large: {r:?}");
    }

    fn write_field_block(&mut self, id: StreamId, start: BlockStart, fields: &[HeaderField]) {
        self.forgive_pings();
        self.scratch.clear();
        self.hpack_enc.encode(fields.iter(), &mut self.scratch);
        self.encoder
            .encode_field_block(id, start, &self.scratch, &mut self.out);
    }

    /// This endpoint sent END_STREAM on `id`.
    fn send_end_stream_sent(&mut self, id: StreamId) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        match s.state {
            State::Open => self.set_state(id, State::HalfClosedLocal),
            State::HalfClosedRemote => self.set_state(id, State::Closed),
            _ => {}
        }
        self.maybe_remove(id);
    }

    /// Moves queued DATA (and trailers) into the output, round robin over ready streams, as
    /// both flow-control windows allow.
    fn write_data(&mut self) {
        let max_frame = self.encoder.max_frame_size() as usize;
        let batch = self.config.max_transmit_batch;
        let mut budget = self.ready.len();
        while budget > 0 && self.out.len() < batch {
            budget -= 1;
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            let conn_window = self.conn_send_window;
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            s.scheduled = false;
            // Send DATA while both windows allow.
            let mut wrote_end = false;
            let mut trailers = None;
            let mut sent_total = 0i64;
            loop {
                let window = (conn_window - sent_total).min(s.send_window).max(0) as usize;
                let Some(front) = s.send_queue.front_mut() else {
                    break;
                };
                if window == 0 {
                    break;
                }
                let n = front.len().min(window).min(max_frame);
                let chunk = front.split_to(n);
                if front.is_empty() {
                    s.send_queue.pop_front();
                }
                s.send_queued -= n;
                s.send_window -= n as i64;
                sent_total += n as i64;
                let last = s.send_queue.is_empty() && s.send_end == SendEnd::EndStream;
                let r = self.encoder.encode_data(id, &chunk, last, &mut self.out);
                debug_assert!(r.is_ok());
                self.ping_strikes = 0;
                self.last_valid_ping = None;
                if last {
                    wrote_end = true;
                    s.send_end = SendEnd::None;
                }
                if self.out.len() >= batch {
                    break;
                }
            }
            if s.send_queue.is_empty() && !wrote_end {
                match std::mem::replace(&mut s.send_end, SendEnd::None) {
                    SendEnd::EndStream => {
                        // Empty DATA with END_STREAM may be sent without window (§6.9.1).
                        let r = self.encoder.encode_data(id, &[], true, &mut self.out);
                        debug_assert!(r.is_ok());
                        self.ping_strikes = 0;
                        self.last_valid_ping = None;
                        wrote_end = true;
                    }
                    SendEnd::Trailers(t) => trailers = Some(t),
                    SendEnd::None => {}
                }
            }
            let writable = s.want_writable && s.send_queued == 0;
            if writable {
                s.want_writable = false;
            }
            let more = !s.send_queue.is_empty() && s.send_window > 0;
            self.conn_send_window -= sent_total;
            if writable {
                self.events.push_back(Event::Writable { stream_id: id });
            }
            if let Some(t) = trailers {
                self.write_field_block(
                    id,
                    BlockStart::Headers {
                        end_stream: true,
                        priority: None,
                    },
                    &t,
                );
                wrote_end = true;
            }
            if wrote_end {
                self.send_end_stream_sent(id);
            } else if more {
                if let Some(s) = self.streams.get_mut(&id) {
                    s.scheduled = true;
                }
                if self.conn_send_window > 0 {
                    self.ready.push_back(id);
                } else {
                    // Waiting on the connection window: keep its place.
                    self.ready.push_front(id);
                    break;
                }
            }
            // Otherwise it waits on its stream window: WINDOW_UPDATE reschedules it.
        }
    }
}
