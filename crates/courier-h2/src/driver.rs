//! A thin tokio driver: runs a [`Connection`] over any `AsyncRead + AsyncWrite` transport.
//!
//! One task owns the connection and the transport and never shares them: application handles
//! ([`Client`], [`Server`], [`SendStream`], [`RecvStream`]) talk to it through channels, so no
//! lock guards the connection and none is held across an await. Once the application has dropped
//! every handle, the driver closes the connection (GOAWAY NO_ERROR) and finishes. Each turn of the driver
//! applies every queued command, reads what the transport has, and writes everything the
//! connection produced with as few write calls as the transport allows (one batch of many
//! frames per call).
//!
//! Backpressure: [`SendStream::send_data`] waits while the stream's send buffer is full;
//! receive windows are reopened as the application takes data from [`RecvStream::data`].
//!
//! Latency: [`Client::start_request`] sends a whole request (headers, content, end) in one
//! command and returns without waiting for the driver — the stream is opened, in command
//! order, when the driver gets to it, and a failure to open it arrives on the
//! [`RecvStream`] ([`RecvStream::is_unsent`]). Each stream's events go through a small
//! channel of its own (`events`): the driver queues the events one read produces for a
//! stream (a unary response's headers, message and trailers) and wakes the task reading it
//! once, after the whole read was dispatched.
//!
//! Server push (RFC 9113 §8.4): a server promises a response with [`SendStream::push`] and
//! sends it on the promised stream; a client made with [`client_with_push`] gets each promise
//! from its [`Pushes`] and reads or refuses it. SETTINGS_ENABLE_PUSH and both sides'
//! SETTINGS_MAX_CONCURRENT_STREAMS are honoured by the connection.
//!
//! Connection-level: [`Client::ping`] / [`Server::ping`] measure a round trip; keepalive runs
//! here on tokio's clock when [`Config::keepalive_interval`] is set; [`Client::goaway`] and
//! [`Client::goaway_received`] show the peer's GOAWAY, and [`Error::is_refused`] marks requests
//! the peer never processed (safe to retry elsewhere); [`SendStream::closed`] and
//! [`SendStream::reset_received`] tell a handler that the peer cancelled its stream, even after
//! the request ended. When the connection fails, its open streams fail with
//! [`Error::Connection`] (or [`Error::Closed`] for a clean close), not a reset of their own.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use courier_hpack::HeaderField;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};

mod commands;
mod events;

use crate::connection::message::{SectionKind, check_outgoing};
use crate::frame::{GoAway, Setting};
use crate::idmap::IdMap;
use crate::{
    CommandError, CommandErrorKind, Config, Connection, ConnectionError, Event, FieldSection,
    Pseudo, Reason, RequestHead, Role, StreamId,
};

/// Why a driver operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The stream was reset (by the peer when `remote`).
    Reset {
        /// The error code.
        reason: Reason,
        /// The peer reset it.
        remote: bool,
    },
    /// The connection ended with an error.
    Connection(ConnectionError),
    /// The command was refused (see its kind).
    Command(CommandError),
    /// The transport failed.
    Io(io::Error),
    /// The connection is closed.
    Closed,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Reset { reason, remote } => {
                let who = if *remote { "peer" } else { "local" };
                write!(f, "stream reset ({who}): {reason}")
            }
            Error::Connection(e) => write!(f, "{e}"),
            Error::Command(e) => write!(f, "{e}"),
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Closed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Whether the peer certainly did not process the request, so that it may be retried (on
    /// this connection or elsewhere): the stream was refused (RST_STREAM REFUSED_STREAM, RFC
    /// 9113 §8.7), it was above the last stream id of the peer's GOAWAY (§6.8; reported the
    /// same way), or it could not be opened because the connection is going away.
    pub fn is_refused(&self) -> bool {
        match self {
            Error::Reset { reason, remote } => *remote && *reason == Reason::REFUSED_STREAM,
            Error::Command(e) => e.kind() == CommandErrorKind::GoingAway,
            _ => false,
        }
    }
}

/// The output buffers idle connections gave back ([`Connection::release_idle_buffers`]), kept
/// on each thread for the next connection that writes: an idle connection holds no output
/// buffer, and a connection that goes idle after every call (one call in flight) does not
/// allocate one per call. At most [`out_pool::MAX`] per thread.
mod out_pool {
    use std::cell::RefCell;

    use bytes::BytesMut;

    /// Buffers kept per thread.
    pub(super) const MAX: usize = 4;

    thread_local! {
        static POOL: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
    }

    /// A buffer given back earlier on this thread, if any.
    pub(super) fn take() -> Option<BytesMut> {
        POOL.with_borrow_mut(Vec::pop)
    }

    /// Keeps `buf` for the next [`take`] on this thread (drops it if the pool is full).
    pub(super) fn put(buf: BytesMut) {
        POOL.with_borrow_mut(|pool| {
            if pool.len() < MAX {
                pool.push(buf);
            }
        });
    }
}

/// The send-buffer room a stream's handle starts with, and the most a reply gives it: what it
/// may queue without asking the driver. A share of the connection's send budget, so that the
/// handles of every stream the peer may open together hold no more than the budget
/// ([`Config::max_send_buffer_per_connection`]); never more than a stream's own buffer.
fn initial_credit(config: &Config) -> usize {
    let streams = (config.max_concurrent_streams as usize).max(1);
    (config.max_send_buffer_per_connection / streams).min(config.max_send_buffer_per_stream)
}

/// The size of each thread's read buffer ([`Driver::poll_read`]): what one read takes at most.
const READ_BUF_SIZE: usize = 64 * 1024;

/// Reads one wake-up of a connection's task may make before it yields to the other tasks of
/// its thread (256 KiB of input with [`READ_BUF_SIZE`]). Without it a peer that keeps the
/// socket full bounded a turn only by the 64 rounds of [`Driver::poll`] — 4 MiB of input, all
/// processed before any other connection on the thread was served: `cargo xtask attack`
/// measured a legitimate client's p99 at 34.8 ms beside an HPACK bomb and 788 ms beside a
/// message sent one byte per DATA frame, on a server with one worker thread.
const READS_PER_WAKE: usize = 4;

/// Frames one wake-up of a connection's task handles before it yields, like
/// [`READS_PER_WAKE`] for peers whose frames are tiny: 256 KiB of one-octet DATA frames is
/// 26,000 frames, several milliseconds of work during which the thread's other connections
/// wait (`cargo xtask attack`'s tiny-data row: a legitimate client's p50 went from 80 µs to
/// 11 ms beside one such connection). 128, tokio's own budget of operations per task poll:
/// with 1,024 (and [`SMALL_READ_SIZE`] 16 KiB) a legitimate client's p50 beside one
/// connection of one-octet DATA frames was 163 µs against 22 µs before the attack; with 128
/// (and 2 KiB reads) 30–37 µs.
const FRAMES_PER_WAKE: u64 = 128;

/// The read size after a read whose frames averaged less than [`SMALL_FRAME`] octets: one read
/// then holds at most about this many frames' worth of work (200 one-octet DATA frames), not
/// [`READ_BUF_SIZE`]'s 6,500. The budgets of a wake-up are checked between reads, so this
/// bounds the work the thread's other connections wait behind: with 16 KiB (1,600 frames)
/// reads the legitimate p50 above stayed at 163 µs even with [`FRAMES_PER_WAKE`] 128.
const SMALL_READ_SIZE: usize = 2 * 1024;

/// Frames smaller than this on average make the next read [`SMALL_READ_SIZE`].
const SMALL_FRAME: usize = 32;

/// The size of the block each thread's drivers read into ([`Driver::poll_read`]), a few
/// reads' worth: each read takes the part it filled, and the block's room is reused once no
/// part of it is held any more.
const READ_BLOCK_SIZE: usize = 4 * READ_BUF_SIZE;

thread_local! {
    /// The block the drivers polled on this thread read into ([`READ_BLOCK_SIZE`]).
    static READ_BUF: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::new());
}

/// Server connections held by [`Config::abuse_linger`] in this process right now.
static LINGERING: AtomicUsize = AtomicUsize::new(0);

/// One connection's place among the [`LINGERING`] ones, given back when dropped.
struct LingerPlace(());

impl LingerPlace {
    /// A place, if fewer than `max` connections linger.
    fn take(max: usize) -> Option<LingerPlace> {
        LINGERING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| LingerPlace(()))
    }
}

impl Drop for LingerPlace {
    fn drop(&mut self) {
        LINGERING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How a closed connection ends ([`Config::abuse_linger`]).
enum Ending {
    /// Not decided yet: the connection is open, or its last frames are being written.
    Open,
    /// Ended for abuse: the sending side is shut down (once `shut_down`), nothing more is
    /// read, and the transport is dropped when `until` fires.
    Lingering {
        until: Pin<Box<tokio::time::Sleep>>,
        shut_down: bool,
        _place: LingerPlace,
    },
    /// Close the transport as soon as the connection ends: no linger, the server is shutting
    /// down, or the linger is over.
    Now,
}

/// Where a blocking DATA command's outcome goes: the send-buffer room left after it.
type DataReply = oneshot::Sender<Result<usize, Error>>;
/// Where a PING's round-trip time goes.
type PingReply = oneshot::Sender<Result<Duration, Error>>;
/// Where the outcome of a watched stream goes.
type CloseReply = oneshot::Sender<Result<(), Error>>;
/// Where an opened stream's identifier and event channel go.
type OpenReply = oneshot::Sender<Result<(StreamId, events::Receiver<StreamEvent>), Error>>;

/// A stream a [`Client::start_request`] asked for: its identifier, in its event channel's
/// slot, filled in by the driver when it opens the stream — [`PENDING`] until then, [`FAILED`]
/// if it could not. Only the driver writes it; the handles read it.
type Slot = events::Slot<StreamEvent>;

/// Not opened yet (the command is on its way, or waits under the concurrency limit).
const PENDING: u32 = 0;
/// Never opened: the request did not leave this endpoint. (Stream ids are 31 bits.)
const FAILED: u32 = u32::MAX;

/// The stream `slot` names, once opened.
fn slot_id(slot: &Slot) -> Option<StreamId> {
    match slot.get() {
        PENDING | FAILED => None,
        id => Some(StreamId::new(id)),
    }
}

thread_local! {
    /// Stream event channels whose handles are all gone, for the next streams opened or
    /// accepted on this thread (see [`events::POOL_MAX`]).
    static EVENT_CHANNELS: std::cell::RefCell<Vec<Arc<events::Shared<StreamEvent>>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A stream's event channel, from this thread's pool when it has one.
fn event_channel(id: u32) -> (events::Sender<StreamEvent>, events::Receiver<StreamEvent>) {
    events::pooled(&EVENT_CHANNELS, id)
}

/// Which stream a handle drives.
#[derive(Clone, Debug)]
enum StreamRef {
    /// Known.
    Id(StreamId),
    /// Started by [`Client::start_request`]: the driver resolves it when it applies the
    /// command. Commands are applied in the order they were sent, so the stream's open has
    /// been applied (or is waiting under the concurrency limit) by then.
    Starting(Slot),
}

impl StreamRef {
    /// The stream's identifier, once known.
    fn id(&self) -> Option<StreamId> {
        match self {
            StreamRef::Id(id) => Some(*id),
            StreamRef::Starting(slot) => slot_id(slot),
        }
    }

    /// The reference a command carries: the plain identifier once it is known.
    fn for_cmd(&self) -> StreamRef {
        match self {
            StreamRef::Id(id) => StreamRef::Id(*id),
            StreamRef::Starting(slot) => match slot_id(slot) {
                Some(id) => StreamRef::Id(id),
                None => StreamRef::Starting(slot.clone()),
            },
        }
    }
}

/// Who learns the outcome of opening a stream.
enum OpenTo {
    /// A caller waiting for the stream's identifier and event channel.
    Reply(OpenReply),
    /// A [`Client::start_request`] that did not wait: the identifier goes to its channel's
    /// slot, the events (a failure to open included) to its channel.
    Start {
        events: events::Sender<StreamEvent>,
        /// First content and END_STREAM on it, queued right behind the HEADERS (they leave
        /// in the same write).
        data: Option<(Bytes, bool)>,
    },
}

impl OpenTo {
    /// Nobody is interested in the stream any more.
    fn abandoned(&self) -> bool {
        match self {
            OpenTo::Reply(reply) => reply.is_closed(),
            OpenTo::Start { events, .. } => events.is_closed(),
        }
    }

    /// The stream could not be opened.
    fn fail(self, e: Error) {
        match self {
            OpenTo::Reply(reply) => {
                let _ = reply.send(Err(e));
            }
            OpenTo::Start { events, .. } => {
                events.set_id(FAILED);
                let _ = events.send(StreamEvent::Failed(e));
            }
        }
    }
}

/// The request header section of a [`Cmd::Open`].
enum OpenHeaders {
    /// Fields (checked by the handle when the request was started without waiting).
    Fields(Vec<HeaderField>),
    /// A head checked when it was made ([`Client::start_prepared`]).
    Prepared(RequestHead),
}

enum Cmd {
    Open {
        headers: OpenHeaders,
        end_stream: bool,
        /// Wait (in order) for room under the peer's SETTINGS_MAX_CONCURRENT_STREAMS instead of
        /// failing with [`CommandErrorKind::ConcurrencyLimit`].
        wait: bool,
        to: OpenTo,
    },
    Headers {
        id: StreamRef,
        headers: Vec<HeaderField>,
        end_stream: bool,
    },
    /// DATA; with a reply, the caller waits until the stream's send buffer took it and learns
    /// the room left.
    Data {
        id: StreamRef,
        data: Bytes,
        end_stream: bool,
        reply: Option<DataReply>,
    },
    /// Replies once the stream is ready for more content (see [`SendStream::ready`]), with
    /// the room in its send buffer.
    Ready {
        id: StreamRef,
        reply: DataReply,
    },
    Trailers {
        id: StreamRef,
        trailers: Vec<HeaderField>,
    },
    Reset {
        id: StreamRef,
        reason: Reason,
    },
    Consume {
        id: StreamRef,
        n: usize,
    },
    Ping {
        reply: PingReply,
    },
    UpdateSettings {
        settings: Vec<Setting>,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    WatchClose {
        id: StreamRef,
        reply: CloseReply,
    },
    /// Server push: a PUSH_PROMISE on stream `id` for the `request`.
    Push {
        id: StreamRef,
        request: Vec<HeaderField>,
        reply: oneshot::Sender<Result<StreamId, Error>>,
    },
    Shutdown,
    /// Reads the connection's [`Stats`](crate::Stats).
    Stats {
        reply: oneshot::Sender<crate::Stats>,
    },
}

impl Cmd {
    /// The stream a per-stream command is for.
    fn stream(&self) -> Option<&StreamRef> {
        match self {
            Cmd::Headers { id, .. }
            | Cmd::Data { id, .. }
            | Cmd::Ready { id, .. }
            | Cmd::Trailers { id, .. }
            | Cmd::Reset { id, .. }
            | Cmd::Consume { id, .. }
            | Cmd::WatchClose { id, .. }
            | Cmd::Push { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The command's stream was never opened: whoever waits for its outcome gets `e`.
    fn fail(self, e: Error) {
        match self {
            Cmd::Data { reply: Some(r), .. } | Cmd::Ready { reply: r, .. } => {
                let _ = r.send(Err(e));
            }
            Cmd::WatchClose { reply, .. } => {
                let _ = reply.send(Err(e));
            }
            Cmd::Push { reply, .. } => {
                let _ = reply.send(Err(e));
            }
            _ => {}
        }
    }
}

/// What the handles can see of the connection as a whole.
#[derive(Clone, Debug, Default)]
struct ConnState {
    /// The peer's connection preface (its first SETTINGS frame) arrived.
    established: bool,
    /// The latest GOAWAY the peer sent.
    goaway: Option<GoAway>,
    /// The connection has ended.
    closed: bool,
}

/// Peer resets remembered for streams whose handles may ask later.
const RECENT_RESETS: usize = 256;

enum StreamEvent {
    /// A response header section, as its `:status` (the only pseudo-header field a response
    /// has: the connection refuses others) and its regular fields, and END_STREAM. Carried
    /// apart, not as a `FieldSection` (the other four pseudo-header slots would make every
    /// event 160 octets, or cost a box per response).
    Headers(Option<u16>, Vec<HeaderField>, bool),
    /// Content, END_STREAM, and whether the connection still tracks the stream: once it does
    /// not, its credit went back with the stream and taking the data needs no
    /// [`Cmd::Consume`] (which would only wake the driver to do nothing).
    Data(Bytes, bool, bool),
    Trailers(Vec<HeaderField>),
    Reset(Reason, bool),
    Closed(Option<ConnectionError>),
    /// The stream could not be opened ([`Client::start_request`]).
    Failed(Error),
}

/// A response header section with `status` and `fields`.
fn response_section(status: Option<u16>, fields: Vec<HeaderField>) -> FieldSection {
    FieldSection {
        pseudo: Pseudo {
            status,
            ..Pseudo::default()
        },
        fields,
    }
}

/// A request the server received.
#[derive(Debug)]
pub struct Incoming {
    /// The stream.
    pub stream_id: StreamId,
    /// The request's control data and header fields.
    pub request: FieldSection,
    /// The request has no content (END_STREAM on its headers).
    pub end_stream: bool,
    /// The request content and trailers.
    pub body: RecvStream,
    /// Where the response goes.
    pub respond: SendStream,
}

/// The receiving half of a stream.
#[derive(Debug)]
pub struct RecvStream {
    id: StreamRef,
    /// `None` for a request without content, or whose content ended in `first`: nothing more
    /// can arrive.
    rx: Option<events::Receiver<StreamEvent>>,
    cmds: commands::Sender<Cmd>,
    ended: bool,
    /// A request's content that arrived right behind its headers, not taken yet: it comes
    /// before anything in `rx` (see [`RecvStream::peek`]).
    first: Option<Bytes>,
    /// Taking `first` returns its flow-control credit (as [`StreamEvent::Data`]'s flag).
    first_tracked: bool,
    trailers: Option<Vec<HeaderField>>,
    head: Option<(FieldSection, bool)>,
}

impl Drop for RecvStream {
    /// Content still queued here was never taken: its flow-control credit goes back to the peer
    /// now, as [`data`](Self::data) would have returned it, not only when the stream closes
    /// (until then it would hold up to a stream window of the connection's window).
    fn drop(&mut self) {
        let first = match self.first.take() {
            Some(data) if self.first_tracked => data.len(),
            _ => 0,
        };
        let queued: usize = self.rx.take().map_or(0, |mut rx| {
            rx.close()
                .iter()
                .map(|e| match e {
                    StreamEvent::Data(data, _, true) => data.len(),
                    _ => 0,
                })
                .sum()
        });
        self.consume(first + queued);
    }
}

impl core::fmt::Debug for StreamEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StreamEvent")
    }
}

impl core::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Cmd")
    }
}

impl RecvStream {
    fn new(
        id: StreamRef,
        rx: Option<events::Receiver<StreamEvent>>,
        cmds: commands::Sender<Cmd>,
    ) -> Self {
        RecvStream {
            id,
            ended: rx.is_none(),
            rx,
            cmds,
            first: None,
            first_tracked: false,
            trailers: None,
            head: None,
        }
    }

    /// Returns `n` octets of flow-control credit to the peer (none: nothing to say).
    fn consume(&self, n: usize) {
        if n > 0 {
            let _ = self.cmds.send(Cmd::Consume {
                id: self.id.for_cmd(),
                n,
            });
        }
    }

    /// The start of the content that arrived and was not taken yet, as far as this handle
    /// holds it without asking the driver: on a server, the request's content that arrived in
    /// the same read as its headers, right behind them (a unary request's whole message,
    /// usually) — the driver hands a request over once that is in. Empty otherwise (nothing
    /// arrived with the headers, or [`data`](Self::data) took it). Taking nothing, it returns
    /// no flow-control credit.
    pub fn peek(&self) -> &[u8] {
        self.first.as_deref().unwrap_or_default()
    }

    /// The next event; `None` once the driver dropped the stream's channel.
    async fn next_event(&mut self) -> Option<StreamEvent> {
        self.rx.as_mut()?.recv().await
    }

    /// The stream; `None` while a request from [`Client::start_request`] has not been
    /// opened by the driver yet, and for good if it could not be.
    pub fn stream_id(&self) -> Option<StreamId> {
        self.id.id()
    }

    /// Whether this stream's request certainly never left this endpoint: a
    /// [`Client::start_request`] the driver could not open (the connection was closing or
    /// going away, it ended while the request waited under the peer's concurrency limit, or
    /// the stream identifiers ran out), so the peer did not see it and it may be sent again,
    /// on this connection or elsewhere. Meaningful once an operation on the stream failed
    /// (before the driver has applied the request, it is not known to have left either).
    pub fn is_unsent(&self) -> bool {
        match &self.id {
            StreamRef::Id(_) => false,
            StreamRef::Starting(slot) => slot_id(slot).is_none(),
        }
    }

    fn fail(ev: StreamEvent) -> Error {
        match ev {
            StreamEvent::Reset(reason, remote) => Error::Reset { reason, remote },
            StreamEvent::Closed(Some(e)) => Error::Connection(e),
            StreamEvent::Failed(e) => e,
            _ => Error::Closed,
        }
    }

    /// Client: waits for the final (non-1xx) response header section. Returns it and whether
    /// the response has no content.
    pub async fn response(&mut self) -> Result<(FieldSection, bool), Error> {
        if let Some(h) = self.head.take() {
            return Ok(h);
        }
        loop {
            match self.next_event().await {
                Some(StreamEvent::Headers(status, fields, end)) => {
                    if status.is_some_and(|s| (100..200).contains(&s)) {
                        continue;
                    }
                    self.ended |= end;
                    return Ok((response_section(status, fields), end));
                }
                Some(
                    ev @ (StreamEvent::Reset(..) | StreamEvent::Closed(_) | StreamEvent::Failed(_)),
                ) => {
                    return Err(Self::fail(ev));
                }
                Some(_) => continue,
                None => return Err(Error::Closed),
            }
        }
    }

    /// The next chunk of content, or `None` at the end of the message. Taking a chunk returns
    /// its flow-control credit to the peer.
    pub async fn data(&mut self) -> Option<Result<Bytes, Error>> {
        if let Some(data) = self.first.take() {
            if !data.is_empty() {
                if self.first_tracked {
                    self.consume(data.len());
                }
                return Some(Ok(data));
            }
        }
        // `ended` from the start when there is no channel (the content ended with `first`).
        if self.ended {
            return None;
        }
        loop {
            match self.next_event().await {
                Some(StreamEvent::Data(data, end, tracked)) => {
                    self.ended |= end;
                    if !data.is_empty() {
                        if tracked {
                            self.consume(data.len());
                        }
                        return Some(Ok(data));
                    }
                    if end {
                        return None;
                    }
                }
                Some(StreamEvent::Trailers(t)) => {
                    self.trailers = Some(t);
                    self.ended = true;
                    return None;
                }
                Some(StreamEvent::Headers(status, fields, end)) => {
                    // A response head arriving before `response()` was awaited.
                    self.ended |= end;
                    self.head = Some((response_section(status, fields), end));
                    if end {
                        return None;
                    }
                }
                Some(ev) => return Some(Err(Self::fail(ev))),
                None => return Some(Err(Error::Closed)),
            }
        }
    }

    /// Reads the whole remaining content.
    pub async fn collect(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        while let Some(chunk) = self.data().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// The trailer section, once [`data`](Self::data) returned `None`.
    pub fn trailers(&mut self) -> Option<Vec<HeaderField>> {
        self.trailers.take()
    }
}

/// The sending half of a stream.
///
/// Headers and trailers are checked here and queued without waiting for the driver. Content is
/// queued without waiting while it fits the room this handle knows the stream's send buffer
/// has (a share of [`Config::max_send_buffer_per_connection`], at most
/// [`Config::max_send_buffer_per_stream`]); otherwise [`send_data`](Self::send_data) waits for
/// the driver to take it, within both send buffers' limits, which is the backpressure.
#[derive(Debug)]
pub struct SendStream {
    id: StreamRef,
    cmds: commands::Sender<Cmd>,
    /// Send-buffer room known free: never more than the driver's real room.
    credit: usize,
    /// Which header sections this side sends: responses (server) or requests (client).
    kind: SectionKind,
    /// The send-buffer room of a new stream (a promised one starts with it).
    push_credit: usize,
}

impl SendStream {
    /// The stream; `None` while a request from [`Client::start_request`] has not been
    /// opened by the driver yet, and for good if it could not be.
    pub fn stream_id(&self) -> Option<StreamId> {
        self.id.id()
    }

    fn check(fields: &[HeaderField], kind: SectionKind) -> Result<(), Error> {
        check_outgoing(fields, kind).map_err(Error::Command)
    }

    /// Sends a header section (a server's response, or a 1xx interim response).
    pub fn send_headers(&self, headers: Vec<HeaderField>, end_stream: bool) -> Result<(), Error> {
        Self::check(&headers, self.kind)?;
        let id = self.id.for_cmd();
        self.cmds
            .send(Cmd::Headers {
                id,
                headers,
                end_stream,
            })
            .map_err(|_| Error::Closed)
    }

    /// Sends content; waits while the stream's send buffer is full.
    pub async fn send_data(&mut self, data: Bytes, end_stream: bool) -> Result<(), Error> {
        let id = self.id.for_cmd();
        if data.len() <= self.credit {
            self.credit -= data.len();
            return self
                .cmds
                .send(Cmd::Data {
                    id,
                    data,
                    end_stream,
                    reply: None,
                })
                .map_err(|_| Error::Closed);
        }
        self.credit = call(&self.cmds, |reply| Cmd::Data {
            id,
            data,
            end_stream,
            reply: Some(reply),
        })
        .await?;
        Ok(())
    }

    /// Waits until the stream is ready for more content: room in its send buffer (and the
    /// connection's) and an open flow-control window. Returns at once, without asking the
    /// driver, while room it was told of remains (the common case for small messages); a
    /// server calls it before it produces the next message of a response stream, so that a
    /// client that reads nothing holds the handler back instead of making the server encode
    /// and queue message after message. Fails as [`send_data`](Self::send_data) would when
    /// the stream was reset or the connection ended.
    pub async fn ready(&mut self) -> Result<(), Error> {
        if self.credit > 0 {
            return Ok(());
        }
        let id = self.id.for_cmd();
        self.credit = call(&self.cmds, |reply| Cmd::Ready { id, reply }).await?;
        Ok(())
    }

    /// Ends the message with trailers.
    pub fn send_trailers(&self, trailers: Vec<HeaderField>) -> Result<(), Error> {
        Self::check(&trailers, SectionKind::Trailers)?;
        let id = self.id.for_cmd();
        self.cmds
            .send(Cmd::Trailers { id, trailers })
            .map_err(|_| Error::Closed)
    }

    /// Resets the stream.
    pub fn reset(&self, reason: Reason) {
        let _ = self.cmds.send(Cmd::Reset {
            id: self.id.for_cmd(),
            reason,
        });
    }

    /// Waits until the stream is finished, and says how: `Ok(())` when both sides ended their
    /// messages and everything was sent; [`Error::Reset`] when it was reset (by the peer when
    /// `remote` — for a server, the client cancelled); [`Error::Connection`] or
    /// [`Error::Closed`] when the connection ended first.
    ///
    /// A server handler that has read the whole request and is still producing the response
    /// learns of the client's RST_STREAM(CANCEL) this way (typically in a `select!` with the
    /// work). Cancel-safe; may be called more than once.
    pub async fn closed(&self) -> Result<(), Error> {
        call(&self.cmds, |reply| Cmd::WatchClose {
            id: self.id.for_cmd(),
            reply,
        })
        .await
    }

    /// Server push (RFC 9113 §8.4): promises the response to `request` (a GET or HEAD of a
    /// resource, typically one the response on this stream refers to) with a PUSH_PROMISE on
    /// this request's stream, and returns the promised stream, on which the response goes
    /// out like any other (send it before this stream's response ends, so that the client
    /// knows of the promise before it is done with the page).
    ///
    /// Fails with [`CommandErrorKind::PushDisabled`] when the client's SETTINGS_ENABLE_PUSH
    /// is 0 (the default of most clients), [`CommandErrorKind::ConcurrencyLimit`] while the
    /// streams open or promised on this side fill the client's
    /// SETTINGS_MAX_CONCURRENT_STREAMS, [`CommandErrorKind::InvalidState`] once this
    /// stream's response has ended, and [`CommandErrorKind::InvalidHeaders`] for a request
    /// that is not one (pseudo-header fields first, `:method`, `:scheme`, `:authority`,
    /// `:path`). A client that does not want the push resets the promised stream; the
    /// promised handle then sees it ([`closed`](Self::closed)).
    pub async fn push(&self, request: Vec<HeaderField>) -> Result<SendStream, Error> {
        check_outgoing(&request, SectionKind::Request).map_err(Error::Command)?;
        let id = self.id.for_cmd();
        let promised = call(&self.cmds, |reply| Cmd::Push { id, request, reply }).await?;
        Ok(SendStream {
            id: StreamRef::Id(promised),
            cmds: self.cmds.clone(),
            credit: self.push_credit,
            kind: SectionKind::Response,
            push_credit: self.push_credit,
        })
    }

    /// Waits for the peer's RST_STREAM on this stream and returns its code; `None` if the stream
    /// finished any other way (completed, reset by this side, or the connection ended — see
    /// [`closed`](Self::closed) to tell these apart).
    pub async fn reset_received(&self) -> Option<Reason> {
        match self.closed().await {
            Err(Error::Reset {
                reason,
                remote: true,
            }) => Some(reason),
            _ => None,
        }
    }
}

/// The client side of a driven connection: opens streams.
#[derive(Clone, Debug)]
pub struct Client {
    cmds: commands::Sender<Cmd>,
    state: watch::Receiver<ConnState>,
    /// The send-buffer size every stream starts with.
    send_buffer: usize,
}

/// Sends the command `cmd` builds around a reply channel, and waits for the driver's reply; a
/// driver that is gone (or drops the reply) means the connection is closed.
async fn call<T>(
    cmds: &commands::Sender<Cmd>,
    cmd: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Cmd,
) -> Result<T, Error> {
    let (tx, rx) = oneshot::channel();
    cmds.send(cmd(tx)).map_err(|_| Error::Closed)?;
    rx.await.map_err(|_| Error::Closed)?
}

/// Sends SETTINGS through the driver and waits for the peer's acknowledgment.
async fn update_settings(
    cmds: &commands::Sender<Cmd>,
    settings: Vec<Setting>,
) -> Result<(), Error> {
    call(cmds, |reply| Cmd::UpdateSettings { settings, reply }).await
}

/// Sends a PING through the driver and waits for its acknowledgment.
async fn ping(cmds: &commands::Sender<Cmd>) -> Result<Duration, Error> {
    call(cmds, |reply| Cmd::Ping { reply }).await
}

impl Client {
    /// Sends a request header section; returns the stream's halves.
    ///
    /// Fails with [`CommandErrorKind::ConcurrencyLimit`] when the peer's
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` is reached; [`send_request_queued`](Self::send_request_queued)
    /// waits instead.
    pub async fn send_request(
        &self,
        headers: Vec<HeaderField>,
        end_stream: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        self.open(headers, end_stream, false).await
    }

    /// Like [`send_request`](Self::send_request), but when the peer's
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` is reached the request waits until a stream closes (or
    /// the peer raises the limit), in the order requests were made. Dropping the future gives
    /// up the place in the queue. Fails if the connection closes or goes away meanwhile.
    pub async fn send_request_queued(
        &self,
        headers: Vec<HeaderField>,
        end_stream: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        self.open(headers, end_stream, true).await
    }

    /// Starts a request without waiting for the driver: sends the request headers, `data`
    /// and, with `end_stream`, the end of the request (a unary call, in one write), and
    /// returns the stream's halves at once. Like
    /// [`send_request_queued`](Self::send_request_queued), the request waits (in order) for
    /// room under the peer's `SETTINGS_MAX_CONCURRENT_STREAMS`. Content of any size is taken;
    /// more content sent on the [`SendStream`] waits for send-buffer room as usual.
    ///
    /// Only headers that this endpoint would never send fail here
    /// ([`CommandErrorKind::InvalidHeaders`]), and a driver that is gone ([`Error::Closed`]).
    /// Any other failure to open the stream — the connection closing or going away (GOAWAY),
    /// or ending while the request waits under the concurrency limit — comes from the
    /// [`RecvStream`] (the first [`response`](RecvStream::response) or
    /// [`data`](RecvStream::data)); [`RecvStream::is_unsent`] then tells that the request
    /// never left (safe to retry elsewhere) from a failure after it did. Commands given to the
    /// halves meanwhile (more content, trailers, [`SendStream::reset`]) apply once the stream
    /// is open, in order; a reset before then drops the request unsent. Dropping the
    /// [`RecvStream`] before the stream opened gives up the request.
    ///
    /// The stream identifier ([`SendStream::stream_id`]) is known once the driver opened the
    /// stream.
    pub fn start_request(
        &self,
        headers: Vec<HeaderField>,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        check_outgoing(&headers, SectionKind::Request).map_err(Error::Command)?;
        self.start(OpenHeaders::Fields(headers), data, end_stream)
    }

    /// [`start_request`](Self::start_request) with a request head checked when it was made:
    /// for a client that sends the same request headers again and again, which are then
    /// neither copied nor checked for each request, and whose header block the connection
    /// encodes once while its HPACK table does not change (see [`RequestHead`]). Fails only
    /// when the driver is gone ([`Error::Closed`]); everything else as for `start_request`.
    pub fn start_prepared(
        &self,
        head: &RequestHead,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        self.start(OpenHeaders::Prepared(head.clone()), data, end_stream)
    }

    fn start(
        &self,
        headers: OpenHeaders,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        let (events, rx) = event_channel(PENDING);
        let slot = rx.slot();
        let credit = self.send_buffer.saturating_sub(data.len());
        // A request without content ends on its HEADERS frame.
        let (head_end, data) = if data.is_empty() {
            (end_stream, None)
        } else {
            (false, Some((data, end_stream)))
        };
        self.cmds
            .send(Cmd::Open {
                headers,
                end_stream: head_end,
                wait: true,
                to: OpenTo::Start { events, data },
            })
            .map_err(|_| Error::Closed)?;
        Ok(self.halves(StreamRef::Starting(slot), rx, credit))
    }

    async fn open(
        &self,
        headers: Vec<HeaderField>,
        end_stream: bool,
        wait: bool,
    ) -> Result<(SendStream, RecvStream), Error> {
        let (id, events) = call(&self.cmds, |reply| Cmd::Open {
            headers: OpenHeaders::Fields(headers),
            end_stream,
            wait,
            to: OpenTo::Reply(reply),
        })
        .await?;
        // Nothing was queued on the new stream: its whole send buffer is free.
        Ok(self.halves(StreamRef::Id(id), events, self.send_buffer))
    }

    /// A client stream's halves: `credit` is the send-buffer room known free.
    fn halves(
        &self,
        id: StreamRef,
        events: events::Receiver<StreamEvent>,
        credit: usize,
    ) -> (SendStream, RecvStream) {
        (
            SendStream {
                id: id.clone(),
                cmds: self.cmds.clone(),
                credit,
                kind: SectionKind::Trailers,
                push_credit: self.send_buffer,
            },
            RecvStream::new(id, Some(events), self.cmds.clone()),
        )
    }

    /// Starts a graceful shutdown of the connection.
    pub fn shutdown(&self) {
        let _ = self.cmds.send(Cmd::Shutdown);
    }

    /// Sends a PING and waits for its acknowledgment; returns the round-trip time (measured
    /// in the driver, from queueing the PING to processing its ACK). Fails if the connection
    /// closes first.
    pub async fn ping(&self) -> Result<Duration, Error> {
        ping(&self.cmds).await
    }

    /// A handle that reads the connection's [`Stats`](crate::Stats) and does not
    /// keep it open.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(self.cmds.downgrade())
    }

    /// Changes this endpoint's settings mid-connection and waits until the peer has
    /// acknowledged them, which is when they take effect (see
    /// [`Connection::update_settings`]). Fails for a value out of range, or if the connection
    /// closes first.
    pub async fn update_settings(&self, settings: Vec<Setting>) -> Result<(), Error> {
        update_settings(&self.cmds, settings).await
    }

    /// The GOAWAY the peer sent (the latest, if several), or `None` so far. Requests on streams
    /// above its `last_stream_id` were not processed ([`GoAway::is_unprocessed`]); they fail
    /// with an error whose [`Error::is_refused`] is true. A client that gets ENHANCE_YOUR_CALM
    /// with debug data `too_many_pings` should ping less often (gRPC A8: double the keepalive
    /// interval).
    pub fn goaway_received(&self) -> Option<GoAway> {
        self.state.borrow().goaway.clone()
    }

    /// Waits until the peer sends GOAWAY, and returns it; `None` if the connection ended
    /// without one. Returns at once if a GOAWAY already arrived. For load balancing: stop
    /// picking this connection, let its calls drain, connect elsewhere.
    pub async fn goaway(&self) -> Option<GoAway> {
        let mut state = self.state.clone();
        if let Ok(s) = state.wait_for(|s| s.goaway.is_some() || s.closed).await {
            return s.goaway.clone();
        }
        // The driver is gone: the last value still says whether a GOAWAY came.
        state.borrow().goaway.clone()
    }

    /// Waits until the server's connection preface (its first SETTINGS frame) has arrived:
    /// the connection is set up and the server is known to speak HTTP/2. Returns at once if it
    /// already has; fails if the connection ends first (a peer that accepts TCP and then closes
    /// or resets it without a word, an L4 proxy whose backend is down, say). Requests may be
    /// started before (they are sent at once); a load balancer waits for this before it picks
    /// the connection, so that calls go only to connections known to work.
    pub async fn established(&self) -> Result<(), Error> {
        let mut state = self.state.clone();
        match state.wait_for(|s| s.established || s.closed).await {
            Ok(s) if s.established => Ok(()),
            _ => Err(Error::Closed),
        }
    }

    /// Whether the connection has ended (closed, failed, or the driver stopped).
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed || self.state.has_changed().is_err()
    }

    /// Waits until the connection has ended.
    pub async fn closed(&self) {
        let mut state = self.state.clone();
        let _ = state.wait_for(|s| s.closed).await;
    }
}

/// Reads a connection's [`Stats`](crate::Stats) from its driver
/// ([`Client::stats_handle`], [`Server::stats_handle`]); does not keep the connection open.
#[derive(Debug)]
pub struct StatsHandle(commands::WeakSender<Cmd>);

impl StatsHandle {
    /// The connection's current stats; fails once it has ended.
    pub async fn stats(&self) -> Result<crate::Stats, Error> {
        let cmds = self.0.upgrade().ok_or(Error::Closed)?;
        let (tx, rx) = oneshot::channel();
        cmds.send(Cmd::Stats { reply: tx })
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)
    }
}

/// The server side of a driven connection: accepts requests.
#[derive(Debug)]
pub struct Server {
    /// `None` for a [`server_with`] connection, whose requests go to its callback.
    incoming: Option<mpsc::UnboundedReceiver<Incoming>>,
    cmds: commands::Sender<Cmd>,
}

impl Server {
    /// The next request, or `None` once the connection is closed (at once for a
    /// [`server_with`] connection).
    pub async fn accept(&mut self) -> Option<Incoming> {
        self.incoming.as_mut()?.recv().await
    }

    /// Starts a graceful shutdown: no new requests, the ones in progress complete.
    pub fn shutdown(&self) {
        let _ = self.cmds.send(Cmd::Shutdown);
    }

    /// A handle that reads the connection's [`Stats`](crate::Stats) and does not keep it
    /// open.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(self.cmds.downgrade())
    }

    /// Sends a PING and waits for its acknowledgment; returns the round-trip time. Fails if
    /// the connection closes first.
    pub async fn ping(&self) -> Result<Duration, Error> {
        ping(&self.cmds).await
    }

    /// Changes this endpoint's settings mid-connection (for example a lower
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` under load) and waits until the peer has acknowledged
    /// them, which is when they take effect (see [`Connection::update_settings`]).
    pub async fn update_settings(&self, settings: Vec<Setting>) -> Result<(), Error> {
        update_settings(&self.cmds, settings).await
    }
}

/// Drives a client connection over `io`. Spawn the returned future (it finishes when the
/// connection closes); use the [`Client`] to send requests.
pub fn client<T>(io: T, config: Config) -> (Client, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let (cmds, cmd_rx) = commands::channel();
    let driver = Driver::new(io, Role::Client, config, cmd_rx, cmds.clone(), None);
    let client = Client {
        cmds,
        state: driver.client_state(),
        send_buffer: driver.send_buffer,
    };
    (client, driver.run())
}

/// Like [`client`], with server push accepted (RFC 9113 §8.4): SETTINGS_ENABLE_PUSH is 1
/// (whatever `config.enable_push` says), and each response the server promises arrives on the
/// returned [`Pushes`] — read it ([`Push::response`]) or refuse it ([`Push::refuse`]).
/// Promises beyond `config.max_concurrent_streams` are refused by the connection (REFUSED_STREAM),
/// and once the [`Pushes`] is dropped every later promise is refused (CANCEL).
pub fn client_with_push<T>(
    io: T,
    mut config: Config,
) -> (Client, Pushes, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    config.enable_push = true;
    let (cmds, cmd_rx) = commands::channel();
    let mut driver = Driver::new(io, Role::Client, config, cmd_rx, cmds.clone(), None);
    let (tx, rx) = mpsc::unbounded_channel();
    driver.pushes = Some(tx);
    let client = Client {
        cmds,
        state: driver.client_state(),
        send_buffer: driver.send_buffer,
    };
    (client, Pushes { rx }, driver.run())
}

/// A response the server promised (client; see [`client_with_push`]).
#[derive(Debug)]
pub struct Push {
    /// The request stream the promise came on.
    pub associated: StreamId,
    /// The promised stream.
    pub promised: StreamId,
    /// The request the server answers (its `:method`, `:path`, ...).
    pub request: FieldSection,
    /// The pushed response: its head ([`RecvStream::response`]), content and trailers.
    pub response: RecvStream,
}

impl Push {
    /// Refuses the pushed response: RST_STREAM(CANCEL) on the promised stream.
    pub fn refuse(self) {
        let _ = self.response.cmds.send(Cmd::Reset {
            id: StreamRef::Id(self.promised),
            reason: Reason::CANCEL,
        });
    }
}

/// The responses a server pushes on a client connection, as they are promised.
#[derive(Debug)]
pub struct Pushes {
    rx: mpsc::UnboundedReceiver<Push>,
}

impl Pushes {
    /// The next promise, or `None` once the connection has ended.
    pub async fn next(&mut self) -> Option<Push> {
        self.rx.recv().await
    }
}

/// Drives a server connection over `io`. Spawn the returned future; accept requests from the
/// [`Server`].
pub fn server<T>(io: T, config: Config) -> (Server, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let (cmds, cmd_rx) = commands::channel();
    let (in_tx, incoming) = mpsc::unbounded_channel();
    let accept = Accept::Channel(in_tx);
    let driver = Driver::new(io, Role::Server, config, cmd_rx, cmds.clone(), Some(accept));
    let incoming = Some(incoming);
    (Server { incoming, cmds }, driver.run())
}

/// Like [`server`], but each request goes to `on_request` as soon as the driver has read it,
/// from inside the driver's task, instead of waiting for [`Server::accept`] (which returns
/// `None` for this server). `on_request` must not block or wait: typically it spawns a task
/// for the request, which saves waking a separate accepting task for every request.
pub fn server_with<T, F>(
    io: T,
    config: Config,
    on_request: F,
) -> (Server, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(Incoming) + Send + 'static,
{
    let (cmds, cmd_rx) = commands::channel();
    let accept = Accept::Callback(Box::new(on_request));
    let driver = Driver::new(io, Role::Server, config, cmd_rx, cmds.clone(), Some(accept));
    let incoming = None;
    (Server { incoming, cmds }, driver.run())
}

/// Where a server's requests go.
enum Accept {
    /// To [`Server::accept`].
    Channel(mpsc::UnboundedSender<Incoming>),
    /// To the function given to [`server_with`].
    Callback(Box<dyn FnMut(Incoming) + Send>),
}

impl Accept {
    fn deliver(&mut self, incoming: Incoming) {
        match self {
            Accept::Channel(tx) => {
                let _ = tx.send(incoming);
            }
            Accept::Callback(f) => f(incoming),
        }
    }
}

/// The error handles get from a connection that ended with `error` (`None`: a clean close).
fn ended_error(error: &Option<ConnectionError>) -> Error {
    match error {
        Some(e) => Error::Connection(e.clone()),
        None => Error::Closed,
    }
}

/// A request waiting for room under the peer's concurrency limit.
struct WaitingOpen {
    headers: OpenHeaders,
    /// END_STREAM on the headers.
    end_stream: bool,
    to: OpenTo,
    /// Commands for the stream sent meanwhile (a [`Client::start_request`]'s), applied in
    /// order once it opens.
    later: Vec<Cmd>,
}

impl WaitingOpen {
    /// The request will not be opened: the commands that waited for it and whoever asked
    /// for it get `e()` (a [`Client::start_request`]'s slot is marked failed: never sent).
    fn fail(self, e: impl Fn() -> Error) {
        for cmd in self.later {
            cmd.fail(e());
        }
        self.to.fail(e());
    }
}

/// Where a command for a stream goes.
enum Target {
    /// The open stream (or one that has finished: the connection answers for it).
    Id(StreamId),
    /// A started request still waiting under the concurrency limit, by position.
    Waiting(usize),
    /// A started request that could not be opened.
    Failed,
}

struct Driver<T> {
    io: T,
    conn: Connection,
    cmd_rx: commands::Receiver<Cmd>,
    /// Upgraded for the handles of each accepted request. Weak, so that the command channel
    /// closes once the application has dropped every handle.
    cmds: commands::WeakSender<Cmd>,
    /// Every handle is gone: the connection has been told to close.
    cmds_closed: bool,
    incoming: Option<Accept>,
    /// Client: where promised (pushed) responses go; `None`: every push is refused.
    pushes: Option<mpsc::UnboundedSender<Push>>,
    streams: IdMap<events::Sender<StreamEvent>>,
    /// The streams' receivers that got events during the dispatch in progress, woken at its
    /// end (once each, for all of a read's events).
    wakeups: events::Wakeups,
    /// The send-buffer size every stream starts with.
    send_buffer: usize,
    /// DATA waiting for send-buffer room, per stream, with the caller's reply.
    blocked: IdMap<(Bytes, bool, DataReply)>,
    /// Handles waiting in [`SendStream::ready`] for their stream to be ready for content.
    ready_waiters: IdMap<DataReply>,
    /// [`Config::busy_poll`].
    busy_poll: Duration,
    /// When the driver last made progress (kept only while busy polling is on).
    last_io: Instant,
    /// Requests waiting for room under the peer's concurrency limit, oldest first.
    waiting_opens: VecDeque<WaitingOpen>,
    write_buf: Bytes,
    read_closed: bool,
    /// The last read's frames were tiny: read [`SMALL_READ_SIZE`] at a time.
    small_reads: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The driver has yielded once since it last wrote (see step 3 of `poll`).
    yielded: bool,
    /// The peer's connection preface has arrived (and `state` says so).
    established: bool,
    /// PINGs sent for the application: payload, when, and who waits.
    pings: VecDeque<([u8; 8], Instant, PingReply)>,
    next_ping: u64,
    /// One entry per SETTINGS frame awaiting acknowledgment, oldest first: who waits for it
    /// (`None` for the initial SETTINGS).
    settings_acks: VecDeque<Option<oneshot::Sender<Result<(), Error>>>>,
    /// Handles waiting for their stream to finish.
    closers: IdMap<Vec<CloseReply>>,
    /// Streams the peer reset recently (bounded), for handles that ask after the fact.
    recent_resets: IdMap<Reason>,
    recent_order: VecDeque<StreamId>,
    /// How the connection ended, once it has.
    close_error: Option<Option<ConnectionError>>,
    /// GOAWAY and closed state, watched by the client handles (`None` for a server: no
    /// handle watches it, and the channel is some 400 octets per connection).
    state: Option<watch::Sender<ConnState>>,
    /// Whether the transport is closed at once or held first ([`Config::abuse_linger`]).
    ending: Ending,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Driver<T> {
    fn new(
        io: T,
        role: Role,
        config: Config,
        cmd_rx: commands::Receiver<Cmd>,
        cmds: commands::Sender<Cmd>,
        incoming: Option<Accept>,
    ) -> Self {
        Driver {
            io,
            send_buffer: initial_credit(&config),
            busy_poll: config.busy_poll,
            last_io: Instant::now(),
            conn: Connection::new(role, config, Instant::now()),
            cmd_rx,
            cmds: cmds.downgrade(),
            cmds_closed: false,
            incoming,
            pushes: None,
            streams: IdMap::default(),
            wakeups: events::Wakeups::default(),
            blocked: IdMap::default(),
            ready_waiters: IdMap::default(),
            waiting_opens: VecDeque::new(),
            write_buf: Bytes::new(),
            small_reads: false,
            read_closed: false,
            sleep: None,
            yielded: false,
            established: false,
            pings: VecDeque::new(),
            next_ping: 0,
            settings_acks: VecDeque::from([None]),
            closers: IdMap::default(),
            recent_resets: IdMap::default(),
            recent_order: VecDeque::new(),
            close_error: None,
            state: (role == Role::Client).then(|| watch::Sender::new(ConnState::default())),
            ending: Ending::Open,
        }
    }

    /// A receiver of the connection's state for a client's handles.
    fn client_state(&self) -> watch::Receiver<ConnState> {
        match &self.state {
            Some(state) => state.subscribe(),
            None => watch::Sender::new(ConnState::default()).subscribe(),
        }
    }

    /// Updates the state the client handles watch (a server has none).
    fn set_state(&self, f: impl FnOnce(&mut ConnState)) {
        if let Some(state) = &self.state {
            state.send_modify(f);
        }
    }

    /// The error handles get once the connection has ended.
    fn closed_error(&self) -> Error {
        self.close_error.as_ref().map_or(Error::Closed, ended_error)
    }

    fn remember_reset(&mut self, id: StreamId, reason: Reason) {
        if self.recent_resets.insert(id, reason).is_none() {
            self.recent_order.push_back(id);
            if self.recent_order.len() > RECENT_RESETS {
                if let Some(old) = self.recent_order.pop_front() {
                    self.recent_resets.remove(&old);
                }
            }
        }
    }

    /// The future that drives the connection. A `poll_fn` that owns the driver, not an
    /// `async fn`: the state of an `async fn run(mut self)` held the driver twice (the
    /// argument and the body's binding of it), which doubled each connection's task.
    fn run(mut self) -> impl Future<Output = Result<(), Error>> {
        poll_fn(move |cx| self.poll(cx))
    }

    /// Where a command for `id` goes.
    fn target(&self, id: &StreamRef) -> Target {
        match id {
            StreamRef::Id(id) => Target::Id(*id),
            StreamRef::Starting(slot) => match slot_id(slot) {
                Some(id) => Target::Id(id),
                None if slot.get() == FAILED => Target::Failed,
                // Commands apply in order, so the open was applied before this command: a
                // stream neither opened nor failed waits under the concurrency limit (or,
                // should it not be found, was dropped unsent).
                None => self
                    .waiting_opens
                    .iter()
                    .position(
                        |w| matches!(&w.to, OpenTo::Start { events, .. } if events.owns(slot)),
                    )
                    .map_or(Target::Failed, Target::Waiting),
            },
        }
    }

    fn apply(&mut self, cmd: Cmd) {
        let Some(target) = cmd.stream().map(|id| self.target(id)) else {
            return self.apply_conn(cmd);
        };
        let id = match target {
            Target::Id(id) => id,
            Target::Waiting(i) => {
                if let Cmd::Reset { .. } = cmd {
                    // Reset before it was sent: the request is dropped unsent, and its
                    // handles see the stream closed.
                    if let Some(w) = self.waiting_opens.remove(i) {
                        w.fail(|| Error::Closed);
                    }
                } else if let Some(w) = self.waiting_opens.get_mut(i) {
                    w.later.push(cmd);
                }
                return;
            }
            Target::Failed => {
                let e = self.closed_error();
                return cmd.fail(e);
            }
        };
        self.apply_stream(id, cmd);
    }

    /// A command for the connection as a whole.
    fn apply_conn(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Open {
                headers,
                end_stream,
                wait,
                to,
            } => {
                if to.abandoned() {
                    // Nobody waits for the stream any more: the request is given up.
                    return to.fail(Error::Closed);
                }
                let waiting = WaitingOpen {
                    headers,
                    end_stream,
                    to,
                    later: Vec::new(),
                };
                if wait && !self.waiting_opens.is_empty() {
                    // Behind earlier waiting requests.
                    self.waiting_opens.push_back(waiting);
                    return;
                }
                match self.open(&waiting) {
                    Err(e) if wait && e.kind() == CommandErrorKind::ConcurrencyLimit => {
                        self.waiting_opens.push_back(waiting);
                    }
                    r => self.opened(r, waiting),
                }
            }
            Cmd::Ping { reply } => {
                self.next_ping += 1;
                let payload = self.next_ping.to_be_bytes();
                match self.conn.ping(payload) {
                    Ok(()) => self.pings.push_back((payload, Instant::now(), reply)),
                    Err(_) => {
                        let _ = reply.send(Err(self.closed_error()));
                    }
                }
            }
            Cmd::UpdateSettings { settings, reply } => {
                match self.conn.update_settings(&settings, Instant::now()) {
                    Ok(()) => self.settings_acks.push_back(Some(reply)),
                    Err(e) => {
                        let _ = reply.send(Err(if self.conn.is_closed() {
                            self.closed_error()
                        } else {
                            Error::Command(e)
                        }));
                    }
                }
            }
            Cmd::Shutdown => {
                self.conn.graceful_shutdown();
                // The server is going away: a connection held for abuse closes now, and one
                // that ends for abuse later (while it drains) is not held.
                self.ending = Ending::Now;
            }
            Cmd::Stats { reply } => {
                let _ = reply.send(self.conn.stats());
            }
            // Per-stream commands go through `apply_stream`.
            _ => {}
        }
    }

    /// A command for the stream `id`.
    fn apply_stream(&mut self, id: StreamId, cmd: Cmd) {
        match cmd {
            Cmd::Headers {
                headers,
                end_stream,
                ..
            } => {
                // Checked by the handle (as a response on a server; a client's stream has sent
                // its request headers, so the connection refuses more); what remains is the
                // stream having been reset, which the application learns from its receiving
                // half.
                let prechecked = self.conn.role() == Role::Server;
                let _ = self
                    .conn
                    .send_headers_checked(id, &headers, end_stream, prechecked);
            }
            Cmd::Data {
                data,
                end_stream,
                reply,
                ..
            } => self.try_send_data(id, data, end_stream, reply),
            Cmd::Ready { reply, .. } => self.try_ready(id, reply),
            Cmd::Trailers { trailers, .. } => {
                // Checked by the handle.
                let _ = self.conn.send_trailers_checked(id, trailers, true);
            }
            Cmd::Reset { reason, .. } => {
                let _ = self.conn.reset(id, reason);
                self.streams.remove(&id);
                for reply in self.closers.remove(&id).into_iter().flatten() {
                    let _ = reply.send(Err(Error::Reset {
                        reason,
                        remote: false,
                    }));
                }
            }
            Cmd::Consume { n, .. } => self.conn.consume(id, n),
            Cmd::Push { request, reply, .. } => {
                let r = self.conn.push_promise(id, &request).map_err(|e| {
                    if self.conn.is_closed() {
                        self.closed_error()
                    } else {
                        Error::Command(e)
                    }
                });
                let _ = reply.send(r);
            }
            Cmd::WatchClose { reply, .. } => {
                if self.conn.is_closed() {
                    let _ = reply.send(Err(self.closed_error()));
                } else if self.conn.watch_close(id) {
                    self.closers.entry(id).or_default().push(reply);
                } else if let Some(&reason) = self.recent_resets.get(&id) {
                    let _ = reply.send(Err(Error::Reset {
                        reason,
                        remote: true,
                    }));
                } else {
                    // Finished before anyone asked, without a peer reset.
                    let _ = reply.send(Ok(()));
                }
            }
            // Connection commands go through `apply_conn`.
            _ => {}
        }
    }

    /// Hands an opened stream to whoever asked for it (and applies the commands that waited
    /// for it), or reports why it could not be opened.
    fn opened(&mut self, r: Result<StreamId, CommandError>, w: WaitingOpen) {
        let id = match r {
            Ok(id) => id,
            Err(e) => return w.fail(|| Error::Command(e)),
        };
        match w.to {
            OpenTo::Reply(reply) => {
                let (tx, rx) = event_channel(PENDING);
                if reply.send(Ok((id, rx))).is_ok() {
                    self.streams.insert(id, tx);
                } else {
                    // The caller gave up meanwhile: nobody will send or read on this stream.
                    let _ = self.conn.reset(id, Reason::CANCEL);
                }
            }
            OpenTo::Start { events, data } => {
                if let Some((data, end)) = data {
                    // A new stream's send buffer is empty: it takes content of any size.
                    self.try_send_data(id, data, end, None);
                }
                events.set_id(id.get());
                self.streams.insert(id, events);
                for cmd in w.later {
                    self.apply_stream(id, cmd);
                }
            }
        }
    }

    /// Opens a stream for `w`.
    fn open(&mut self, w: &WaitingOpen) -> Result<StreamId, CommandError> {
        match &w.headers {
            OpenHeaders::Fields(fields) => {
                // A started request's headers were checked by `start_request`.
                let prechecked = matches!(w.to, OpenTo::Start { .. });
                self.conn
                    .open_stream_checked(fields, w.end_stream, prechecked)
            }
            OpenHeaders::Prepared(head) => self.conn.open_stream_prepared(head, w.end_stream),
        }
    }

    /// Opens waiting requests, oldest first, while the peer's concurrency limit has room.
    fn open_waiting(&mut self) {
        while let Some(w) = self.waiting_opens.pop_front() {
            if w.to.abandoned() {
                w.fail(|| Error::Closed);
                continue;
            }
            match self.open(&w) {
                Err(e) if e.kind() == CommandErrorKind::ConcurrencyLimit => {
                    self.waiting_opens.push_front(w);
                    return;
                }
                r => self.opened(r, w),
            }
        }
    }

    /// Resets a stream whose response is complete with NO_ERROR (see `dispatch`).
    #[cold]
    fn reset_finished(&mut self, id: StreamId) {
        let _ = self.conn.reset(id, Reason::NO_ERROR);
        self.streams.remove(&id);
        for reply in self.closers.remove(&id).into_iter().flatten() {
            let _ = reply.send(Ok(()));
        }
    }

    /// Answers a [`Cmd::Ready`] now if the stream is ready for more content, else when it
    /// is (its `Event::Writable`).
    fn try_ready(&mut self, id: StreamId, reply: DataReply) {
        match self.conn.send_ready(id) {
            Ok(0) => {
                self.ready_waiters.insert(id, reply);
            }
            Ok(room) => {
                let _ = reply.send(Ok(room.min(self.send_buffer)));
            }
            Err(e) => {
                let e = if self.conn.is_closed() {
                    self.closed_error()
                } else {
                    Error::Command(e)
                };
                let _ = reply.send(Err(e));
            }
        }
    }

    fn try_send_data(
        &mut self,
        id: StreamId,
        data: Bytes,
        end_stream: bool,
        reply: Option<DataReply>,
    ) {
        // Only a caller that waits needs the content back, to retry once the buffer has room:
        // the others' (the common case) is not cloned.
        let retry = reply.as_ref().map(|_| data.clone());
        // A caller that did not wait stays within the room it was told of, which the send
        // buffers' limits already counted; one that waits is checked against them.
        match self
            .conn
            .send_data_budgeted(id, data, end_stream, reply.is_some())
        {
            // A handle that did not wait never queues beyond the room it was told of; if the
            // stream is gone, its receiving half reports why.
            Err(e) if e.kind() == CommandErrorKind::SendBufferFull => {
                if let (Some(reply), Some(data)) = (reply, retry) {
                    self.blocked.insert(id, (data, end_stream, reply));
                }
            }
            r => {
                if let Some(reply) = reply {
                    let room = self.conn.send_capacity(id).min(self.send_buffer);
                    let _ = reply.send(r.map(|()| room).map_err(Error::Command));
                }
            }
        }
    }

    /// A PUSH_PROMISE arrived (client): the promised response goes to the application's
    /// [`Pushes`], or the stream is refused (RST_STREAM CANCEL) when nobody takes pushes.
    ///
    /// RFC 9113 §8.4: "Once a client receives a PUSH_PROMISE frame and chooses to accept the
    /// pushed response, the client SHOULD NOT issue any requests for the promised response
    /// until after the promised stream has closed. If the client determines, for any reason,
    /// that it does not wish to receive the pushed response from the server or if the server
    /// takes too long to begin sending the promised response, the client can send a
    /// RST_STREAM frame, using either the CANCEL or REFUSED_STREAM code and referencing the
    /// pushed stream's identifier." <https://www.rfc-editor.org/rfc/rfc9113#section-8.4>
    fn promised(&mut self, associated: StreamId, promised: StreamId, request: FieldSection) {
        let (Some(pushes), Some(cmds)) = (&self.pushes, self.cmds.upgrade()) else {
            let _ = self.conn.reset(promised, Reason::CANCEL);
            return;
        };
        let (tx, rx) = event_channel(PENDING);
        self.streams.insert(promised, tx);
        let push = Push {
            associated,
            promised,
            request,
            response: RecvStream::new(StreamRef::Id(promised), Some(rx), cmds),
        };
        if pushes.send(push).is_err() {
            // The application dropped its `Pushes`: refuse this one and the ones after it.
            self.pushes = None;
            self.streams.remove(&promised);
            let _ = self.conn.reset(promised, Reason::CANCEL);
        }
    }

    fn dispatch(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    stream_id,
                    section,
                    end_stream,
                } => {
                    if let Some(tx) = self.streams.get(&stream_id) {
                        debug_assert!(
                            section.pseudo.method.is_none() && section.pseudo.path.is_none(),
                            "a response section carries no request pseudo-header field"
                        );
                        let ev =
                            StreamEvent::Headers(section.pseudo.status, section.fields, end_stream);
                        let _ = tx.push(ev, &mut self.wakeups);
                        if end_stream {
                            self.streams.remove(&stream_id);
                        }
                    } else if let (Some(incoming), Some(cmds)) =
                        (&mut self.incoming, self.cmds.upgrade())
                    {
                        // Content that arrived right behind the headers (in the same read:
                        // a unary request's message, usually) goes with the request, so that
                        // whoever takes it can look at it at once (`RecvStream::peek`: a
                        // gRPC server refuses a message declared too large without starting
                        // the call) and takes it without the channel.
                        let first = match end_stream {
                            true => None,
                            false => self.conn.take_data_of(stream_id),
                        };
                        // A request whose content is complete needs no channel for its body.
                        let more = !end_stream && !first.as_ref().is_some_and(|(_, end)| *end);
                        let rx = more.then(|| {
                            let (tx, rx) = event_channel(PENDING);
                            self.streams.insert(stream_id, tx);
                            rx
                        });
                        let mut body = RecvStream::new(StreamRef::Id(stream_id), rx, cmds.clone());
                        if let Some((data, _)) = first {
                            let tracked = self.conn.tracks_stream(stream_id);
                            // Set in place: a builder moving the handle cost some 250
                            // server instructions per unary call (callgrind), and holding
                            // `first` as a `StreamEvent` 550.
                            body.first = Some(data);
                            body.first_tracked = tracked;
                        }
                        incoming.deliver(Incoming {
                            stream_id,
                            request: section,
                            end_stream,
                            body,
                            respond: SendStream {
                                id: StreamRef::Id(stream_id),
                                cmds,
                                // A client that opens no window (SETTINGS_INITIAL_WINDOW_SIZE
                                // 0) gets nothing unasked-for: `ready` and `send_data` ask.
                                credit: if self.conn.peer_initial_window() == 0 {
                                    0
                                } else {
                                    self.send_buffer
                                },
                                kind: SectionKind::Response,
                                push_credit: self.send_buffer,
                            },
                        });
                    }
                }
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => {
                    let len = data.len();
                    // Events are dispatched after the whole read was handled: a unary response
                    // (data, then trailers) has usually closed its stream by now, which returned
                    // its credit to the connection window already.
                    let tracked = self.conn.tracks_stream(stream_id);
                    let ev = StreamEvent::Data(data, end_stream, tracked);
                    let delivered = match self.streams.get(&stream_id) {
                        Some(tx) => tx.push(ev, &mut self.wakeups).is_ok(),
                        None => false,
                    };
                    if !delivered {
                        // Nobody listens: return the credit at once.
                        self.conn.consume(stream_id, len);
                        if self.conn.role() == Role::Server && self.conn.send_ended(stream_id) {
                            // The response is complete and nobody reads the request: ask the
                            // client to stop (later DATA is then dropped without an event).
                            // RFC 9113 §8.1: "A server can send a complete response prior to
                            // the client sending an entire request ... the server MAY request
                            // that the client abort transmission of a request without error by
                            // sending a RST_STREAM with an error code of NO_ERROR after sending
                            // a complete response". <https://www.rfc-editor.org/rfc/rfc9113#section-8.1>
                            self.reset_finished(stream_id);
                        }
                    }
                    if end_stream {
                        // The peer's side is complete: nothing more to route.
                        self.streams.remove(&stream_id);
                    }
                }
                Event::Trailers { stream_id, fields } => {
                    if let Some(tx) = self.streams.remove(&stream_id) {
                        let _ = tx.push(StreamEvent::Trailers(fields), &mut self.wakeups);
                    }
                }
                Event::Reset { remote: false, .. } if self.conn.is_closed() => {
                    // The connection is ending and takes its streams down: they report the
                    // connection's error (sent with `Event::Closed` below), not a reset of
                    // their own — PROTOCOL-HTTP2: "If a detectable connection failure occurs on
                    // the client all calls will be closed with an UNAVAILABLE status."
                }
                Event::Reset {
                    stream_id,
                    reason,
                    remote,
                } => {
                    if let Some(tx) = self.streams.remove(&stream_id) {
                        let _ = tx.push(StreamEvent::Reset(reason, remote), &mut self.wakeups);
                    }
                    if let Some((_, _, reply)) = self.blocked.remove(&stream_id) {
                        let _ = reply.send(Err(Error::Reset { reason, remote }));
                    }
                    if let Some(reply) = self.ready_waiters.remove(&stream_id) {
                        let _ = reply.send(Err(Error::Reset { reason, remote }));
                    }
                    match self.closers.remove(&stream_id) {
                        Some(replies) => {
                            for reply in replies {
                                let _ = reply.send(Err(Error::Reset { reason, remote }));
                            }
                        }
                        None if remote => self.remember_reset(stream_id, reason),
                        None => {}
                    }
                }
                Event::SettingsAcknowledged => {
                    if let Some(Some(reply)) = self.settings_acks.pop_front() {
                        let _ = reply.send(Ok(()));
                    }
                    if self.settings_acks.is_empty() {
                        // Nothing else awaits an acknowledgment (the usual case after the
                        // initial SETTINGS): an idle connection holds no queue for them.
                        self.settings_acks = VecDeque::new();
                    }
                }
                Event::StreamClosed { stream_id } => {
                    for reply in self.closers.remove(&stream_id).into_iter().flatten() {
                        let _ = reply.send(Ok(()));
                    }
                }
                Event::Pong { payload } => {
                    if let Some(i) = self.pings.iter().position(|(p, _, _)| *p == payload) {
                        if let Some((_, sent, reply)) = self.pings.remove(i) {
                            let _ = reply.send(Ok(sent.elapsed()));
                        }
                    }
                }
                Event::GoAway {
                    last_stream_id,
                    reason,
                    debug_data,
                } => {
                    self.set_state(|s| {
                        s.goaway = Some(GoAway {
                            last_stream_id,
                            reason,
                            debug_data,
                        });
                    });
                }
                Event::PushPromise {
                    stream_id,
                    promised_id,
                    request,
                } => self.promised(stream_id, promised_id, request),
                Event::Writable { stream_id } => {
                    if let Some((data, end, reply)) = self.blocked.remove(&stream_id) {
                        self.try_send_data(stream_id, data, end, Some(reply));
                    }
                    if let Some(reply) = self.ready_waiters.remove(&stream_id) {
                        self.try_ready(stream_id, reply);
                    }
                }
                Event::Closed { error } => {
                    for (_, tx) in self.streams.drain() {
                        let _ = tx.push(StreamEvent::Closed(error.clone()), &mut self.wakeups);
                    }
                    for (_, (_, _, reply)) in self.blocked.drain() {
                        let _ = reply.send(Err(Error::Closed));
                    }
                    for (_, reply) in self.ready_waiters.drain() {
                        let _ = reply.send(Err(Error::Closed));
                    }
                    for w in self.waiting_opens.drain(..) {
                        w.fail(|| ended_error(&error));
                    }
                    for (_, _, reply) in self.pings.drain(..) {
                        let _ = reply.send(Err(ended_error(&error)));
                    }
                    for reply in self.settings_acks.drain(..).flatten() {
                        let _ = reply.send(Err(ended_error(&error)));
                    }
                    for reply in self.closers.drain().flat_map(|(_, replies)| replies) {
                        let _ = reply.send(Err(ended_error(&error)));
                    }
                    self.close_error = Some(error);
                    self.set_state(|s| s.closed = true);
                    self.incoming = None;
                }
            }
        }
        self.wakeups.wake_all();
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.conn.needs_output_buffer() && !matches!(self.ending, Ending::Lingering { .. }) {
            if let Some(buf) = out_pool::take() {
                if let Some(buf) = self.conn.supply_output_buffer(buf) {
                    out_pool::put(buf);
                }
            }
        }
        // Bound the work per wake-up so other tasks on this thread get a turn.
        let mut reads = 0;
        let frames_at_start = self.conn.frames_received();
        for _ in 0..64 {
            let mut progress = false;
            let mut read_input = false;
            // 1. Application commands.
            while !self.cmds_closed {
                match self.cmd_rx.poll_recv(cx) {
                    Poll::Ready(Some(cmd)) => self.apply(cmd),
                    // Every handle (client, server, stream halves) is gone: nothing can use the
                    // connection any more, so it closes with GOAWAY NO_ERROR.
                    Poll::Ready(None) => {
                        self.cmds_closed = true;
                        self.conn.close(Reason::NO_ERROR, "");
                    }
                    Poll::Pending => break,
                }
                progress = true;
            }
            // 2. Input.
            if !self.read_closed && !self.conn.is_closed() {
                match self.poll_read(cx) {
                    Poll::Ready(Ok(0)) => {
                        self.read_closed = true;
                        self.conn.handle_eof();
                        progress = true;
                    }
                    Poll::Ready(Ok(_)) => {
                        read_input = true;
                        progress = true;
                        reads += 1;
                    }
                    Poll::Ready(Err(e)) => {
                        self.conn.handle_eof();
                        self.dispatch();
                        return Poll::Ready(Err(Error::Io(e)));
                    }
                    Poll::Pending => {}
                }
            }
            self.dispatch();
            if !self.waiting_opens.is_empty() {
                // Streams may have closed, or the peer raised its limit.
                self.open_waiting();
            }
            // 3. Output: one write per batch of frames. Before writing a new batch, yield once:
            // the tasks this turn woke (handlers answering the requests just read, or senders
            // on other streams) then run first and queue their frames, which leave in the same
            // write instead of one write each. No yield when nothing was read this turn and no
            // stream can take more output (a unary response or request complete with one call
            // in flight): nobody can add to the batch, so it leaves at once, a scheduler round
            // sooner.
            if read_input && !self.established && self.conn.peer_settings_received() {
                self.established = true;
                self.set_state(|s| s.established = true);
            }
            if self.write_buf.is_empty()
                && !self.yielded
                && !self.conn.is_closed()
                && self.conn.wants_transmit()
                && (read_input || self.conn.may_queue_more())
            {
                self.yielded = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.yielded = false;
            loop {
                if self.write_buf.is_empty() {
                    match self.conn.poll_transmit() {
                        Some(b) => self.write_buf = b,
                        None => break,
                    }
                }
                match Pin::new(&mut self.io).poll_write(cx, &self.write_buf) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(Error::Io(io::ErrorKind::WriteZero.into())));
                    }
                    Poll::Ready(Ok(n)) => {
                        self.write_buf.advance(n);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::Io(e))),
                    Poll::Pending => break,
                }
            }
            if self.write_buf.is_empty() {
                if let Poll::Ready(Err(e)) = Pin::new(&mut self.io).poll_flush(cx) {
                    return Poll::Ready(Err(Error::Io(e)));
                }
            }
            // 4. Timer. The timer is re-armed only when the connection's next deadline comes
            // earlier than the armed one, or once the armed one has passed: a keepalive
            // deadline moves later with every call, and re-registering (or dropping and
            // creating) a tokio timer each time costs a timer-wheel update and often a wake-up
            // of the runtime's driver (an eventfd write) per call. Firing early is harmless:
            // `handle_timeout` acts only on deadlines that have passed. With no deadline the
            // armed timer is kept, not polled: at worst it wakes the driver once, for nothing.
            if let Some(deadline) = self.conn.poll_timeout() {
                let deadline = tokio::time::Instant::from_std(deadline);
                let sleep = self
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if deadline < sleep.deadline() || sleep.is_elapsed() {
                    sleep.as_mut().reset(deadline);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    self.conn.handle_timeout(Instant::now());
                    progress = true;
                }
            }
            // 5. Done?
            if (self.conn.is_closed() || self.read_closed) && self.write_buf.is_empty() {
                self.dispatch();
                if let Some(b) = self.conn.poll_transmit() {
                    self.write_buf = b;
                    continue;
                }
                return self.poll_end(cx);
            }
            if !progress {
                if self.write_buf.is_empty() {
                    // About to wait: an idle connection keeps no buffer it is not using.
                    self.write_buf = Bytes::new();
                    if let Some(buf) = self.conn.release_idle_buffers() {
                        out_pool::put(buf);
                    }
                    self.cmd_rx.release_idle();
                }
                self.busy_poll(cx);
                return Poll::Pending;
            }
            if !self.busy_poll.is_zero() {
                self.last_io = Instant::now();
            }
            if reads >= READS_PER_WAKE
                || self.conn.frames_received() - frames_at_start >= FRAMES_PER_WAKE
            {
                // What was read is handled and its answers written: let the thread's other
                // tasks run, and the runtime poll for I/O, before reading more. A plain
                // self-wake would run this task again at once (tokio's LIFO slot) and leave
                // the other connections' sockets unpolled.
                let mut yield_now = std::pin::pin!(tokio::task::yield_now());
                if yield_now.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                break;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// The end of the connection, once it has closed and its last frames are written: the
    /// transport is shut down and dropped, at once or after [`Config::abuse_linger`]. Out of
    /// line: `poll` runs for every call, this once per connection.
    #[cold]
    #[inline(never)]
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if matches!(self.ending, Ending::Open) {
            self.ending = self.linger();
        }
        if let Ending::Lingering {
            until, shut_down, ..
        } = &mut self.ending
        {
            // The shutdown is tried, not waited for: over TLS it writes a close_notify that a
            // peer which reads nothing may never take, and the timer must bound the linger.
            if !*shut_down && Pin::new(&mut self.io).poll_shutdown(cx).is_ready() {
                *shut_down = true;
            }
            if until.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Over: the place goes back now, not when the future is dropped.
            self.ending = Ending::Now;
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.io).poll_shutdown(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(_) => Poll::Ready(Ok(())),
        }
    }

    /// How the transport ends once the connection has closed and its last frames are
    /// written ([`Config::abuse_linger`]): held, unread, if this server ended it with a
    /// connection error of its own, the peer has not closed its side, and fewer than
    /// [`Config::max_lingering_connections`] linger already; closed now otherwise.
    fn linger(&mut self) -> Ending {
        let config = self.conn.config();
        let (linger, max) = (config.abuse_linger, config.max_lingering_connections);
        let abuse = matches!(
            &self.close_error,
            Some(Some(e)) if !e.is_remote()
                && !e.is_keepalive_timeout()
                && e.reason() != Reason::NO_ERROR
                && e.reason() != Reason::SETTINGS_TIMEOUT
        );
        if !abuse || linger.is_zero() || self.read_closed || self.conn.role() != Role::Server {
            return Ending::Now;
        }
        let Some(place) = LingerPlace::take(max) else {
            return Ending::Now;
        };
        // Held for a while: keep no buffer it will not use.
        self.write_buf = Bytes::new();
        if let Some(buf) = self.conn.release_idle_buffers() {
            out_pool::put(buf);
        }
        Ending::Lingering {
            until: Box::pin(tokio::time::sleep(linger)),
            shut_down: false,
            _place: place,
        }
    }

    /// Reads what the transport has into this thread's read block and hands it to the
    /// connection (which keeps what it cannot process yet): the number of octets read, 0 at the
    /// end of input. The block is the thread's, not the connection's, so an idle connection
    /// holds no read buffer of its own (64 KiB each when it did); the part a read fills becomes
    /// the connection's receive buffer without a copy (frames' payloads are parts of it), and
    /// only a partial frame left from the last read is copied, in front of the new octets.
    /// Copying every read into the connection's buffer was 43% of the server's instructions
    /// under `cargo xtask attack`'s oversized-message row and 34% under huge-headers (plus
    /// the buffer's reallocations, 7% and 34%).
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        READ_BUF.with_borrow_mut(|block| {
            let size = if self.small_reads {
                SMALL_READ_SIZE
            } else {
                READ_BUF_SIZE
            };
            // The connection's unhandled input (the start of a frame) goes first, then the
            // read: the part of the block filled becomes the connection's receive buffer, so
            // what is read is not copied again (only the partial frame is).
            let pending = self.conn.unprocessed_input();
            let need = pending.len() + size;
            if block.capacity() < need {
                // Reuses the block's memory in place once no part of it is held any more.
                block.reserve(need.max(READ_BLOCK_SIZE));
            }
            block.extend_from_slice(pending);
            let mut room = (&mut *block).limit(size);
            let read = std::pin::pin!(self.io.read_buf(&mut room)).poll(cx);
            let n = match read {
                Poll::Ready(Ok(n)) if n > 0 => n,
                other => {
                    block.clear();
                    return other;
                }
            };
            let input = block.split();
            let frames = self.conn.frames_received();
            self.conn.handle_received_buf(input, Instant::now());
            let frames = (self.conn.frames_received() - frames) as usize;
            self.small_reads = frames.saturating_mul(SMALL_FRAME) > n;
            Poll::Ready(Ok(n))
        })
    }

    /// [`Config::busy_poll`]: about to wait for the socket (or a command, or the timer)
    /// within `busy_poll` of the last progress, so ask to be polled again as soon as the
    /// runtime has polled for I/O without blocking. `tokio::task::yield_now` defers the
    /// waker to exactly that point (a plain `wake_by_ref` would re-poll the task before the
    /// runtime looks at the sockets again, and the readiness it polls would never change).
    fn busy_poll(&self, cx: &mut Context<'_>) {
        if self.busy_poll.is_zero()
            || self.read_closed
            || self.conn.is_closed()
            || self.last_io.elapsed() >= self.busy_poll
        {
            return;
        }
        let mut yield_now = std::pin::pin!(tokio::task::yield_now());
        let _ = yield_now.as_mut().poll(cx);
    }
}
