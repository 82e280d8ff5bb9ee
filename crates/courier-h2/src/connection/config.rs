//! Connection settings and limits. Every limit has a safe default and a field to change it.

use std::time::Duration;

/// Which end of the connection this endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Opens request streams (odd identifiers), sends the connection preface.
    Client,
    /// Accepts request streams, may push (even identifiers).
    Server,
}

/// Settings advertised to the peer, and the limits enforced on it.
///
/// Construct with [`Config::default`] and change fields:
///
/// ```
/// let mut config = courier_h2::Config::default();
/// config.max_concurrent_streams = 256;
/// config.initial_window_size = 1 << 20;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// SETTINGS_HEADER_TABLE_SIZE advertised: the HPACK dynamic table size our decoder allows.
    /// Default 4,096.
    pub header_table_size: u32,
    /// Client only: advertise SETTINGS_ENABLE_PUSH = 1 and accept server push. Default `false`
    /// (clients advertise 0).
    pub enable_push: bool,
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised and enforced on the peer (REFUSED_STREAM
    /// above it). Default 100.
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE advertised: the receive window of each stream, and the
    /// target the window is topped back up to as the application consumes data.
    /// Default 1 MiB.
    pub initial_window_size: u32,
    /// Target receive window of the whole connection. Default 2 MiB.
    pub connection_window_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE advertised. Default 16,384.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE advertised and enforced on received field sections
    /// (name + value + 32 per field, after decompression). Default 64 KiB.
    ///
    /// A received section over the limit is still decompressed in full (the HPACK state is
    /// shared by the whole connection, so the connection survives) unless it passes
    /// [`header_list_abort_size`](Self::header_list_abort_size) or its block, spread over
    /// CONTINUATION frames, passes this limit plus 1 KiB (see
    /// [`max_header_block_size`](Self::max_header_block_size)), and the message is treated
    /// as malformed: its stream is reset with RST_STREAM PROTOCOL_ERROR and the application
    /// never sees it. RFC 9113 §10.5.1 also allows a server to answer HTTP 431; courier-h2
    /// resets instead, one rule for requests, responses and trailers alike (a 431 exists only
    /// for requests), and no response head is spent on a peer that ignored the advertised
    /// limit.
    pub max_header_list_size: u32,
    /// Decoded size past which a received field section is not decoded further: the
    /// connection ends with GOAWAY ENHANCE_YOUR_CALM (an HPACK bomb: one-octet references to a
    /// large dynamic table entry, 16 KB of block naming 65 MB of fields). Below it, a section
    /// over [`max_header_list_size`](Self::max_header_list_size) is decoded to the end and only
    /// its stream is reset. Values below `max_header_list_size` act as it. Default 256 KiB
    /// (4 × the default list size; h2 ends the connection at 4× its list size too).
    pub header_list_abort_size: u32,
    /// Largest compressed field block (HEADERS/PUSH_PROMISE plus CONTINUATIONs) buffered.
    /// Larger blocks are a connection error ENHANCE_YOUR_CALM. Default 128 KiB.
    ///
    /// A block spread over CONTINUATION frames also ends the connection once it passes
    /// [`max_header_list_size`](Self::max_header_list_size) plus 1 KiB, whichever is smaller:
    /// an HPACK block never needs more octets than the list size it decodes to (a literal
    /// costs at most its name and value plus 9 octets and counts them plus 32; Huffman codes
    /// are used only where shorter), so such a block is over the list size and would be
    /// refused anyway (h2 ends the connection at the same point). A block in one HEADERS
    /// frame is decoded and only its stream is reset.
    pub max_header_block_size: u32,
    /// Most CONTINUATION frames in one field block (CONTINUATION flood). Default 64.
    pub max_continuation_frames: u32,
    /// How long to wait for the peer to acknowledge our SETTINGS before a connection error
    /// SETTINGS_TIMEOUT. Default 10 s.
    pub settings_timeout: Duration,
    /// Streams the peer reset before the application saw them (rapid reset, CVE-2023-44487).
    /// Above it: GOAWAY ENHANCE_YOUR_CALM. Default 20.
    pub max_pending_accept_reset_streams: u32,
    /// Stream errors this endpoint may raise because of the peer's behaviour (reset flood
    /// CVE-2019-9514, MadeYouReset CVE-2025-8671), net of the streams that ended normally:
    /// each stream error counts one, each stream that ends without a reset takes one off
    /// (never below zero), and a stream refused (REFUSED_STREAM) before the peer has
    /// acknowledged this endpoint's SETTINGS is not counted. Above it: GOAWAY
    /// ENHANCE_YOUR_CALM. Default 100: a peer that keeps causing resets is cut off after
    /// about 100 streams, while a client whose calls succeed may cause one now and then for
    /// as long as its connection lives (h2 counts 1,024 over the connection's life, with no
    /// credit).
    pub max_local_error_resets: u32,
    /// Of those stream errors, the ones that answer the peer breaking the protocol on a
    /// stream: every stream error but REFUSED_STREAM (a client may race the concurrency limit)
    /// and a field section over [`max_header_list_size`](Self::max_header_list_size) (RFC 9113
    /// §10.5.1 lets a peer send one and risk the reset) — a WINDOW_UPDATE of 0 on a stream
    /// (MadeYouReset, CVE-2025-8671), a window overflow, DATA or HEADERS on a closed stream, a
    /// malformed message. Counted the same way (each one adds one, each stream that ends
    /// normally takes one off, never below zero); above it: GOAWAY ENHANCE_YOUR_CALM. Each one
    /// is still answered with RST_STREAM (RFC 9113 §5.4.2), but a legitimate peer never causes
    /// them, so the budget is small. Default 8: an attacker's connection ends after 9 such
    /// streams instead of about 100 (h2 ends the connection at a WINDOW_UPDATE of 0, its
    /// other stream errors count against its `max_local_error_reset_streams`).
    pub max_protocol_error_resets: u32,
    /// Control frames (PING and SETTINGS acknowledgments, RST_STREAM) queued but not yet taken
    /// by [`poll_transmit`](crate::Connection::poll_transmit) (ping and settings floods,
    /// CVE-2019-9512/9515). Above it: GOAWAY ENHANCE_YOUR_CALM. Default 10,000.
    pub max_pending_control_frames: u32,
    /// Consecutive frames without payload progress — empty DATA without END_STREAM, empty
    /// field block fragments without END_HEADERS (CVE-2019-9518). Above it: GOAWAY
    /// ENHANCE_YOUR_CALM. Default 100.
    pub max_empty_frames: u32,
    /// WINDOW_UPDATE frames the peer may send beyond those it has reason to: 8 for each DATA
    /// frame this endpoint sent (a stream and a connection update after each of up to four
    /// small reads of it) and 2 for each stream either side opened, over the life of the
    /// connection. Above it: GOAWAY ENHANCE_YOUR_CALM. Each WINDOW_UPDATE is O(1), but a
    /// peer that sends nothing else can send millions a second for nothing (a WINDOW_UPDATE
    /// flood: 13 octets each). Default 10,000.
    pub max_unearned_window_updates: u32,
    /// Bytes of DATA queued per stream and not yet sent. Default 1 MiB.
    pub max_send_buffer_per_stream: usize,
    /// Bytes of DATA queued on all the streams of the connection together and not yet sent
    /// (a slow reader that opens every stream it may and reads nothing: without it the bound
    /// is `max_send_buffer_per_stream` × `max_concurrent_streams`, 100 MiB by default).
    /// [`send_data`](crate::Connection::send_data) refuses more (`SendBufferFull`, then
    /// [`Event::Writable`](crate::Event::Writable) once half of it has drained), except that
    /// a connection with nothing queued takes one chunk of any size. The tokio driver's
    /// handles queue without asking up to `max_send_buffer_per_connection /
    /// max_concurrent_streams` per stream (at most `max_send_buffer_per_stream`) and wait
    /// beyond that, so what a connection holds for sending stays below about twice this.
    /// Default 4 MiB.
    pub max_send_buffer_per_connection: usize,
    /// Closed stream identifiers remembered, to tell late frames on closed streams (ignored
    /// after our RST_STREAM, STREAM_CLOSED otherwise) from frames on never-opened streams.
    /// Default 1,024.
    pub max_closed_streams_remembered: usize,
    /// Bytes written per [`poll_transmit`](crate::Connection::poll_transmit) batch, at most
    /// (roughly: a batch ends after the frame that crosses it). Default 256 KiB.
    pub max_transmit_batch: usize,
    /// Busy polling (the tokio driver only; the sans-I/O [`Connection`](crate::Connection)
    /// ignores it): for this long after it last did anything (read, wrote, took a command or
    /// ran a timer), the connection's task does not wait to be woken by the socket: it yields
    /// and asks to be polled again right after the runtime's next non-blocking poll for I/O
    /// (other tasks run in between). A thread that never sleeps is not woken: on machines
    /// whose idle cores are slow to wake (virtual machines above all) this cuts tens of
    /// microseconds from every round trip, paid in CPU time — a connection that goes quiet
    /// spins for up to this long before it sleeps.
    ///
    /// It pays where the spinning thread has a core to itself and polls the I/O itself: on a
    /// current-thread runtime, or a multi-thread runtime with one worker per spinning core. On
    /// a multi-thread runtime whose other workers are idle, one of them usually sits in the
    /// blocking I/O poll, the spinning worker cannot take it over, and that idle worker still
    /// has to be woken when data arrives. With more busy threads than cores, spinning competes
    /// with the threads it waits for. Outside a tokio runtime the task is re-polled at once.
    /// Default zero (off).
    pub busy_poll: Duration,
    /// Keepalive: send a PING once the connection has read nothing for this long, and close it
    /// if the acknowledgment does not come within [`keepalive_timeout`](Self::keepalive_timeout).
    /// Measured from the last octet read, never from the last PING sent (gRPC A8). Default
    /// `None` (off). Needs a clock: feed input with
    /// [`handle_received_at`](crate::Connection::handle_received_at).
    pub keepalive_interval: Option<Duration>,
    /// Keepalive: how long to wait for a keepalive PING's acknowledgment before closing the
    /// connection (its error then says
    /// [`is_keepalive_timeout`](crate::ConnectionError::is_keepalive_timeout)). Default 20 s.
    pub keepalive_timeout: Duration,
    /// Keepalive: also ping while no stream is open. Default `false`: an idle connection is
    /// not pinged (servers enforcing gRPC's policy count such pings as strikes).
    pub keepalive_while_idle: bool,
    /// Server only, the tokio driver only: how long a connection this endpoint ended with a
    /// connection error of its own (GOAWAY with a code other than NO_ERROR: a flood limit's
    /// ENHANCE_YOUR_CALM, a PROTOCOL_ERROR, ...) is held open after the GOAWAY, unread,
    /// before it is closed — a tarpit. The GOAWAY is written and the sending side shut down
    /// (the peer reads the end of the connection at once, as before), but what the peer
    /// sends after it is no longer read: its writes stop once the kernel's buffers for the
    /// connection are full, instead of going on into a fresh connection as soon as this one
    /// is closed. An abusive client that reconnects whenever it is cut off (`cargo xtask
    /// attack`'s oversized-message row: a new connection every millisecond or so, 16 KB per
    /// stream at 200,000–300,000 streams a second) then writes a few megabytes per linger
    /// instead. A peer that closed its side first, a keepalive or SETTINGS timeout (a silent
    /// peer, not an abusive one), a GOAWAY NO_ERROR (a graceful shutdown, or every handle
    /// dropped) and a client's connection close at once, and a shutdown of the server
    /// (`driver::Server::shutdown`, which courier-rpc's graceful shutdown calls) ends the
    /// linger, or prevents it if the connection ends later. The linger's end does not wait
    /// for the transport's shutdown (a TLS close_notify the peer never reads). At most
    /// [`max_lingering_connections`](Self::max_lingering_connections) linger at once. Each
    /// one holds its descriptor, its task and what the kernel buffered for it (up to the
    /// socket's receive buffer: `net.ipv4.tcp_rmem`'s maximum, 6 MiB by default on Linux).
    /// Default 1 s; zero turns it off.
    pub abuse_linger: Duration,
    /// At most this many connections of the process are held by
    /// [`abuse_linger`](Self::abuse_linger) at once (counted over every server connection the
    /// tokio driver runs in the process); beyond it, a connection ended for abuse closes at
    /// once. Default 16.
    pub max_lingering_connections: usize,
    /// How often the peer may ping this endpoint (gRPC keepalive "Server Enforcement"); `None`
    /// (the default, plain HTTP/2) accepts every PING. A gRPC server sets
    /// `Some(PingPolicy::default())`.
    pub ping_policy: Option<PingPolicy>,
}

/// Limits on the peer's PINGs — gRPC's keepalive "Server Enforcement" (keepalive.md, A8).
///
/// A PING received sooner than [`min_ping_interval`](Self::min_ping_interval) after the last
/// accepted one — or, with no stream open and
/// [`permit_pings_without_streams`](Self::permit_pings_without_streams) off, sooner than two
/// hours after it — is a strike. Sending HEADERS or DATA forgets the strikes and the last
/// accepted PING (A8: "When a HEADERS or DATA frame is *sent*, set `last_valid_ping_time =
/// epoch; ping_strikes = 0`"). More than [`max_ping_strikes`](Self::max_ping_strikes) strikes:
/// GOAWAY ENHANCE_YOUR_CALM with debug data `too_many_pings`, and the connection closes.
///
/// ```
/// let mut config = courier_h2::Config::default();
/// let mut policy = courier_h2::PingPolicy::default(); // gRPC's defaults
/// policy.min_ping_interval = std::time::Duration::from_secs(10);
/// config.ping_policy = Some(policy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PingPolicy {
    /// Shortest time between accepted PINGs while streams are open (gRPC
    /// `PERMIT_KEEPALIVE_TIME`). Default 5 minutes.
    pub min_ping_interval: Duration,
    /// Whether PINGs with no stream open are held to `min_ping_interval` rather than two
    /// hours (gRPC `PERMIT_KEEPALIVE_WITHOUT_CALLS`). Default `false`.
    pub permit_pings_without_streams: bool,
    /// Strikes tolerated; one more closes the connection. 0 disables the policy (gRPC
    /// `GRPC_ARG_HTTP2_MAX_PING_STRIKES`: "Setting it to 0 allows the server to accept any
    /// number of bad pings"). Default 2.
    pub max_ping_strikes: u32,
}

impl Default for PingPolicy {
    fn default() -> Self {
        PingPolicy {
            min_ping_interval: Duration::from_secs(5 * 60),
            permit_pings_without_streams: false,
            max_ping_strikes: 2,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_table_size: 4096,
            enable_push: false,
            max_concurrent_streams: 100,
            initial_window_size: 1 << 20,
            connection_window_size: 2 << 20,
            max_frame_size: crate::frame::DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: 64 << 10,
            header_list_abort_size: 256 << 10,
            max_header_block_size: 128 << 10,
            max_continuation_frames: 64,
            settings_timeout: Duration::from_secs(10),
            max_pending_accept_reset_streams: 20,
            max_local_error_resets: 100,
            max_protocol_error_resets: 8,
            max_pending_control_frames: 10_000,
            max_empty_frames: 100,
            max_unearned_window_updates: 10_000,
            max_send_buffer_per_stream: 1 << 20,
            max_send_buffer_per_connection: 4 << 20,
            max_closed_streams_remembered: 1024,
            max_transmit_batch: 256 << 10,
            busy_poll: Duration::ZERO,
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(20),
            keepalive_while_idle: false,
            abuse_linger: Duration::from_secs(1),
            max_lingering_connections: 16,
            ping_policy: None,
        }
    }
}
