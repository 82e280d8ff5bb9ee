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
    /// shared by the whole connection, so the connection survives), and the message is treated
    /// as malformed: its stream is reset with RST_STREAM PROTOCOL_ERROR and the application
    /// never sees it. RFC 9113 §10.5.1 also allows a server to answer HTTP 431; courier-h2
    /// resets instead, one rule for requests, responses and trailers alike (a 431 exists only
    /// for requests), and no response head is spent on a peer that ignored the advertised
    /// limit.
    pub max_header_list_size: u32,
    /// Largest compressed field block (HEADERS/PUSH_PROMISE plus CONTINUATIONs) buffered.
    /// Larger blocks are a connection error ENHANCE_YOUR_CALM. Default 128 KiB.
    pub max_header_block_size: u32,
    /// Most CONTINUATION frames in one field block (CONTINUATION flood). Default 64.
    pub max_continuation_frames: u32,
    /// How long to wait for the peer to acknowledge our SETTINGS before a connection error
    /// SETTINGS_TIMEOUT. Default 10 s.
    pub settings_timeout: Duration,
    /// Streams the peer reset before the application saw them (rapid reset, CVE-2023-44487).
    /// Above it: GOAWAY ENHANCE_YOUR_CALM. Default 20.
    pub max_pending_accept_reset_streams: u32,
    /// Stream errors this endpoint may raise because of the peer's behaviour over the life of
    /// the connection (reset flood CVE-2019-9514, MadeYouReset CVE-2025-8671). Above it: GOAWAY
    /// ENHANCE_YOUR_CALM. Default 1,024.
    pub max_local_error_resets: u32,
    /// Control frames (PING and SETTINGS acknowledgments, RST_STREAM) queued but not yet taken
    /// by [`poll_transmit`](crate::Connection::poll_transmit) (ping and settings floods,
    /// CVE-2019-9512/9515). Above it: GOAWAY ENHANCE_YOUR_CALM. Default 10,000.
    pub max_pending_control_frames: u32,
    /// Consecutive frames without payload progress — empty DATA without END_STREAM, empty
    /// field block fragments without END_HEADERS (CVE-2019-9518). Above it: GOAWAY
    /// ENHANCE_YOUR_CALM. Default 100.
    pub max_empty_frames: u32,
    /// Bytes of DATA queued per stream and not yet sent. Default 1 MiB.
    pub max_send_buffer_per_stream: usize,
    /// Closed stream identifiers remembered, to tell late frames on closed streams (ignored
    /// after our RST_STREAM, STREAM_CLOSED otherwise) from frames on never-opened streams.
    /// Default 1,024.
    pub max_closed_streams_remembered: usize,
    /// Bytes written per [`poll_transmit`](crate::Connection::poll_transmit) batch, at most
    /// (roughly: a batch ends after the frame that crosses it). Default 256 KiB.
    pub max_transmit_batch: usize,
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
            max_header_block_size: 128 << 10,
            max_continuation_frames: 64,
            settings_timeout: Duration::from_secs(10),
            max_pending_accept_reset_streams: 20,
            max_local_error_resets: 1024,
            max_pending_control_frames: 10_000,
            max_empty_frames: 100,
            max_send_buffer_per_stream: 1 << 20,
            max_closed_streams_remembered: 1024,
            max_transmit_batch: 256 << 10,
        }
    }
}
