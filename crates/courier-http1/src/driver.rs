//! A thin tokio driver: runs a [`ServerConnection`] or [`ClientConnection`] over any
//! `AsyncRead + AsyncWrite` transport.
//!
//! Server: [`serve`] (or [`server`], which also returns a [`Shutdown`] handle) polls the
//! application's handler inline, in the connection's own task — HTTP/1.1 answers one request
//! at a time, so no task per request and no channel hop is needed. The handler gets a
//! [`Request`] (head and streaming [`RecvBody`]) and returns a [`Response`] (head and
//! [`Body`]). Content is read from the transport only while the application takes it
//! ([`Config::max_buffered_body`](crate::Config)), and response content is pulled from its
//! [`Body`] only while the connection's output is below a bound, so both directions are
//! backpressured.
//!
//! Client: [`client`] returns a [`Client`] handle and the connection's future (spawn it).
//! [`Client::send`] queues a request; requests go out one at a time on the keep-alive
//! connection, each once the previous exchange is complete. When the server closes the
//! connection (or asks to), later requests fail with [`Error::Closed`]: open a new connection.
//!
//! ```
//! use courier_http1::driver::{self, Body, Request, Response};
//! use courier_http1::{Config, Headers, Method, RequestHead, ResponseHead};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (client_io, server_io) = tokio::io::duplex(64 * 1024);
//! // A server that echoes the request content, then a trailer.
//! tokio::spawn(driver::serve(server_io, Config::default(), |mut req: Request| async move {
//!     match req.body.collect().await {
//!         Ok(data) => Response {
//!             head: ResponseHead::new(200),
//!             body: Body::full_with_trailers(data, Headers::new().with("x-done", "1")),
//!         },
//!         Err(_) => Response::new(400, Body::empty()),
//!     }
//! }));
//! let (client, connection) = driver::client(client_io, Config::default());
//! tokio::spawn(connection);
//! let mut head = RequestHead::new(Method::POST, "/echo");
//! head.headers.append("host", "example.com");
//! let mut resp = client.send(head, Body::full("ping")).await?;
//! assert_eq!(resp.head.status, 200);
//! assert_eq!(&resp.body.collect().await?[..], b"ping");
//! assert_eq!(resp.body.trailers().unwrap().get("x-done"), Some(&b"1"[..]));
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, oneshot};

mod body;

pub use body::{Body, BodySender, RecvBody};

use body::{Feed, Frame};

use crate::{
    BodyKind, ClientConnection, ClientEvent, CommandError, Config, RequestHead, ResponseHead,
    ServerConnection, ServerEvent,
};

/// Why a driver operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The peer sent something invalid (or nothing in time).
    Protocol(crate::Error),
    /// The connection refused a command (the application's message was invalid).
    Command(CommandError),
    /// The transport failed.
    Io(io::Error),
    /// The connection is closed.
    Closed,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Protocol(e) => write!(f, "{e}"),
            Error::Command(e) => write!(f, "{e}"),
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Closed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for Error {}

/// A request as the server's handler gets it.
#[derive(Debug)]
pub struct Request {
    /// Method, target, version and header fields.
    pub head: RequestHead,
    /// How the content is delimited (also [`BodyKind::Empty`] when there is none).
    pub body_kind: BodyKind,
    /// The content and trailers.
    pub body: RecvBody,
}

/// A response as the server's handler returns it, or as a client receives it.
#[derive(Debug)]
pub struct Response<B = Body> {
    /// Status and header fields.
    pub head: ResponseHead,
    /// The content.
    pub body: B,
}

impl Response {
    /// A response with `status`, no fields and `body`.
    pub fn new(status: u16, body: impl Into<Body>) -> Response {
        Response {
            head: ResponseHead::new(status),
            body: body.into(),
        }
    }
}

/// Response output queued above this pauses pulling content from the application's body.
const OUTPUT_HIGH_WATER: usize = 256 << 10;
/// Segments per vectored write.
const MAX_IOVECS: usize = 32;

/// Writes and flushes what the connection produced.
struct Writer {
    bufs: VecDeque<Bytes>,
    queued: usize,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            bufs: VecDeque::new(),
            queued: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Writes what `next` gives (and what was left); Ready(Ok(progress)) once it would block
    /// or all is written.
    fn poll_write<T: AsyncWrite + Unpin>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
        mut next: impl FnMut() -> Option<Bytes>,
    ) -> Result<bool, io::Error> {
        let mut progress = false;
        loop {
            while self.bufs.len() < MAX_IOVECS {
                match next() {
                    Some(b) if b.is_empty() => {}
                    Some(b) => {
                        self.queued += b.len();
                        self.bufs.push_back(b);
                    }
                    None => break,
                }
            }
            if self.bufs.is_empty() {
                if progress {
                    if let Poll::Ready(Err(e)) = Pin::new(&mut *io).poll_flush(cx) {
                        return Err(e);
                    }
                }
                return Ok(progress);
            }
            let r = if self.bufs.len() == 1 {
                Pin::new(&mut *io).poll_write(cx, &self.bufs[0])
            } else {
                let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
                for (s, b) in slices.iter_mut().zip(&self.bufs) {
                    *s = IoSlice::new(b);
                }
                Pin::new(&mut *io).poll_write_vectored(cx, &slices[..self.bufs.len()])
            };
            match r {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(mut n)) => {
                    progress = true;
                    self.queued -= n;
                    while n > 0 {
                        let front = &mut self.bufs[0];
                        if n >= front.len() {
                            n -= front.len();
                            self.bufs.pop_front();
                        } else {
                            front.advance(n);
                            n = 0;
                        }
                    }
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(progress),
            }
        }
    }
}

/// The `date` value of the current second (RFC 9110 §5.6.7 IMF-fixdate), cached.
#[derive(Default)]
struct DateCache {
    second: u64,
    value: Option<Bytes>,
}

impl DateCache {
    /// The value for now, and whether it changed.
    fn refresh(&mut self) -> Option<Bytes> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if self.value.is_none() || now != self.second {
            self.second = now;
            self.value = Some(Bytes::from(imf_fixdate(now)));
            return self.value.clone();
        }
        None
    }
}

/// Formats seconds since the Unix epoch as `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn imf_fixdate(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar, counted in
    // 400-year eras from 0000-03-01).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Runs the connection's timer: re-armed only when the connection's next deadline comes
/// earlier than the armed one, or once the armed one has passed (deadlines mostly move later,
/// one request at a time, and re-registering a tokio timer for each would cost a timer-wheel
/// update per request). Firing early is harmless: the connection acts only on deadlines that
/// have passed. With no deadline, the armed timer is kept and not polled. Returns whether it
/// fired.
fn poll_timer(
    sleep: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    deadline: Option<Instant>,
    cx: &mut Context<'_>,
    fire: impl FnOnce(Instant),
) -> bool {
    let Some(deadline) = deadline else {
        return false;
    };
    let deadline = tokio::time::Instant::from_std(deadline);
    let sleep = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
    if deadline < sleep.deadline() || sleep.is_elapsed() {
        sleep.as_mut().reset(deadline);
    }
    if sleep.as_mut().poll(cx).is_ready() {
        fire(Instant::now());
        return true;
    }
    false
}

/// Asks a server connection to finish gracefully: the request in progress is answered (with
/// `connection: close`), no further one is read.
#[derive(Clone, Debug, Default)]
pub struct Shutdown(Arc<ShutdownState>);

#[derive(Debug, Default)]
struct ShutdownState {
    requested: AtomicBool,
    waker: std::sync::Mutex<Option<Waker>>,
}

impl Shutdown {
    /// Starts the graceful shutdown.
    pub fn shutdown(&self) {
        self.0.requested.store(true, Ordering::Release);
        let w = self
            .0
            .waker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(w) = w {
            w.wake();
        }
    }

    fn requested(&self, cx: &Context<'_>) -> bool {
        if self.0.requested.load(Ordering::Acquire) {
            return true;
        }
        let mut w = self.0.waker.lock().unwrap_or_else(|p| p.into_inner());
        if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *w = Some(cx.waker().clone());
        }
        drop(w);
        self.0.requested.load(Ordering::Acquire)
    }
}

/// Serves HTTP/1.1 on `io`: each request goes to `handler`, whose response is sent back;
/// finishes when the connection closes. See [`server`] for a graceful-shutdown handle.
pub async fn serve<T, F, Fut>(io: T, config: Config, handler: F) -> Result<(), Error>
where
    T: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    server(io, config, handler).1.await
}

/// Like [`serve`], with a [`Shutdown`] handle.
pub fn server<T, F, Fut>(
    io: T,
    config: Config,
    handler: F,
) -> (Shutdown, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let shutdown = Shutdown::default();
    let mut driver = ServerDriver {
        io,
        read_buf: vec![0; 16 << 10],
        max_buffered: config.max_buffered_body,
        date: config.date_header.then(DateCache::default),
        conn: ServerConnection::new(config, Instant::now()),
        handler,
        fut: None,
        fut_active: false,
        feed: None,
        response: None,
        writer: Writer::new(),
        shutdown: shutdown.clone(),
        shutdown_applied: false,
        read_closed: false,
        sleep: None,
        error: None,
    };
    (shutdown, async move { poll_fn(|cx| driver.poll(cx)).await })
}

struct ServerDriver<T, F, Fut> {
    io: T,
    conn: ServerConnection,
    read_buf: Vec<u8>,
    max_buffered: usize,
    date: Option<DateCache>,
    handler: F,
    /// The handler's future, its allocation reused from one request to the next.
    fut: Option<Pin<Box<Fut>>>,
    fut_active: bool,
    /// The request content's channel to the handler.
    feed: Option<Feed>,
    /// The response content being sent.
    response: Option<Body>,
    writer: Writer,
    shutdown: Shutdown,
    shutdown_applied: bool,
    read_closed: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    error: Option<crate::Error>,
}

impl<T, F, Fut> ServerDriver<T, F, Fut>
where
    T: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    /// Whether the handler has room for more content.
    fn body_room(&self) -> bool {
        self.feed
            .as_ref()
            .is_none_or(|f| f.state().buffered < self.max_buffered)
    }

    fn dispatch(&mut self, cx: &Context<'_>) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                ServerEvent::Request { head, body } => {
                    if let Some(date) = self.date.as_mut().and_then(DateCache::refresh) {
                        self.conn.set_date(Some(date));
                    }
                    let recv = if body == BodyKind::Empty {
                        self.feed = None;
                        RecvBody::empty()
                    } else {
                        let (feed, recv) = Feed::new(cx.waker());
                        self.feed = Some(feed);
                        recv
                    };
                    let fut = (self.handler)(Request {
                        head,
                        body_kind: body,
                        body: recv,
                    });
                    match &mut self.fut {
                        Some(slot) => slot.set(fut),
                        None => self.fut = Some(Box::pin(fut)),
                    }
                    self.fut_active = true;
                }
                ServerEvent::Data(d) => {
                    if let Some(f) = &self.feed {
                        if !f.data(d) {
                            self.feed = None;
                        }
                    }
                }
                ServerEvent::End { trailers } => {
                    if let Some(f) = self.feed.take() {
                        f.end(trailers);
                    }
                }
                ServerEvent::Error(e) => {
                    if let Some(f) = self.feed.take() {
                        f.fail(Error::Protocol(e));
                    }
                }
                ServerEvent::Closed { error } => {
                    if let Some(f) = self.feed.take() {
                        f.fail(error.map_or(Error::Closed, Error::Protocol));
                    }
                    self.error = error;
                }
            }
        }
    }

    /// Pulls response content into the connection while its output has room.
    fn pump_response(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while let Some(body) = &mut self.response {
            if self.conn.pending_output() >= OUTPUT_HIGH_WATER {
                break;
            }
            match body.poll_frame(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Frame::Data(d))) => {
                    progress = true;
                    if self.conn.send_data(d).is_err() {
                        self.response = None;
                        self.conn.abort();
                    }
                }
                Poll::Ready(Some(Frame::End(trailers))) => {
                    progress = true;
                    self.response = None;
                    if self.conn.finish(trailers).is_err() {
                        self.conn.abort();
                    }
                    // The next request's idle clock starts now.
                    self.conn.handle_time(Instant::now());
                }
                Poll::Ready(None) => {
                    // The application dropped its sender before the end.
                    progress = true;
                    self.response = None;
                    self.conn.abort();
                }
            }
        }
        progress
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        for _ in 0..32 {
            let mut progress = false;
            if !self.shutdown_applied && self.shutdown.requested(cx) {
                self.shutdown_applied = true;
                self.conn.shutdown();
            }
            // 1. Input.
            if !self.read_closed && self.conn.wants_read() && self.body_room() {
                let mut rb = ReadBuf::new(&mut self.read_buf);
                match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        progress = true;
                        if rb.filled().is_empty() {
                            self.read_closed = true;
                            self.conn.handle_eof();
                        } else {
                            let n = rb.filled().len();
                            self.conn
                                .handle_received_at(&self.read_buf[..n], Instant::now());
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        self.dispatch(cx);
                        if let Some(f) = self.feed.take() {
                            f.fail(Error::Closed);
                        }
                        return Poll::Ready(Err(Error::Io(e)));
                    }
                    Poll::Pending => {}
                }
            }
            self.dispatch(cx);
            // 2. 100 Continue once the handler asks for the content.
            if self.conn.continue_pending()
                && self.feed.as_ref().is_some_and(|f| {
                    f.set_driver(cx.waker());
                    f.state().wanted
                })
            {
                self.conn.accept_body();
                progress = true;
            }
            // 3. The handler.
            if self.fut_active {
                if let Some(fut) = &mut self.fut {
                    if let Poll::Ready(resp) = fut.as_mut().poll(cx) {
                        self.fut_active = false;
                        progress = true;
                        let content = resp.body.content();
                        match self.conn.send_response(resp.head, content) {
                            Ok(()) => self.response = Some(resp.body),
                            Err(_) => self.conn.abort(),
                        }
                        self.dispatch(cx);
                    }
                }
            }
            // 4. Response content.
            progress |= self.pump_response(cx);
            // 5. Output.
            let conn = &mut self.conn;
            match self
                .writer
                .poll_write(&mut self.io, cx, || conn.poll_transmit())
            {
                Ok(p) => progress |= p,
                Err(e) => return Poll::Ready(Err(Error::Io(e))),
            }
            // 6. Timer.
            progress |= poll_timer(&mut self.sleep, self.conn.poll_timeout(), cx, |now| {
                self.conn.handle_timeout(now)
            });
            // 7. Done?
            if self.conn.is_closed() && self.writer.is_empty() && self.conn.pending_output() == 0 {
                self.dispatch(cx);
                self.fut_active = false;
                return match Pin::new(&mut self.io).poll_shutdown(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(_) => Poll::Ready(match self.error {
                        Some(e) => Err(Error::Protocol(e)),
                        None => Ok(()),
                    }),
                };
            }
            if !progress {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

type ResponseReply = oneshot::Sender<Result<Response<RecvBody>, Error>>;

struct Pending {
    head: RequestHead,
    body: Body,
    reply: ResponseReply,
}

/// The client side of a driven connection. Cloning it shares the connection.
#[derive(Clone, Debug)]
pub struct Client {
    tx: mpsc::UnboundedSender<Pending>,
}

impl core::fmt::Debug for Pending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pending").field("head", &self.head).finish()
    }
}

impl Client {
    /// Sends a request and waits for the final response head; the response content follows
    /// on its [`RecvBody`]. The head must include a Host field.
    pub async fn send(&self, head: RequestHead, body: Body) -> Result<Response<RecvBody>, Error> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Pending { head, body, reply })
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Whether the connection has ended (requests will fail).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Drives a client connection over `io`. Spawn the future (it finishes when the connection
/// closes, or once every [`Client`] is dropped and nothing is in flight).
pub fn client<T>(io: T, config: Config) -> (Client, impl Future<Output = Result<(), Error>>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let mut driver = ClientDriver {
        io,
        read_buf: vec![0; 16 << 10],
        max_buffered: config.max_buffered_body,
        conn: ClientConnection::new(config, Instant::now()),
        rx,
        rx_closed: false,
        queue: VecDeque::new(),
        waiting: None,
        feed: None,
        request: None,
        writer: Writer::new(),
        read_closed: false,
        sleep: None,
    };
    (
        Client { tx },
        async move { poll_fn(|cx| driver.poll(cx)).await },
    )
}

struct ClientDriver<T> {
    io: T,
    conn: ClientConnection,
    read_buf: Vec<u8>,
    max_buffered: usize,
    rx: mpsc::UnboundedReceiver<Pending>,
    rx_closed: bool,
    queue: VecDeque<Pending>,
    /// Who waits for the response head of the request in flight.
    waiting: Option<ResponseReply>,
    feed: Option<Feed>,
    /// The request content being sent.
    request: Option<Body>,
    writer: Writer,
    read_closed: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> ClientDriver<T> {
    fn body_room(&self) -> bool {
        self.feed
            .as_ref()
            .is_none_or(|f| f.state().buffered < self.max_buffered)
    }

    /// Starts the next queued request once the connection is idle.
    fn start_next(&mut self) -> bool {
        if self.waiting.is_some() || self.feed.is_some() || !self.conn.is_idle() {
            return false;
        }
        let Some(p) = self.queue.pop_front() else {
            return false;
        };
        if p.reply.is_closed() {
            return true;
        }
        if self.conn.is_closed() {
            let _ = p.reply.send(Err(Error::Closed));
            return true;
        }
        match self.conn.send_request(p.head, p.body.content()) {
            Ok(()) => {
                self.waiting = Some(p.reply);
                self.request = Some(p.body);
            }
            Err(e) => {
                let _ = p.reply.send(Err(if self.conn.is_closed() {
                    Error::Closed
                } else {
                    Error::Command(e)
                }));
            }
        }
        true
    }

    fn pump_request(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while let Some(body) = &mut self.request {
            if self.conn.pending_output() >= OUTPUT_HIGH_WATER {
                break;
            }
            match body.poll_frame(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Frame::Data(d))) => {
                    progress = true;
                    if self.conn.send_data(d).is_err() {
                        self.request = None;
                        self.conn.close_now();
                    }
                }
                Poll::Ready(Some(Frame::End(trailers))) => {
                    progress = true;
                    self.request = None;
                    if self.conn.finish(trailers).is_err() {
                        self.conn.close_now();
                    }
                }
                Poll::Ready(None) => {
                    progress = true;
                    self.request = None;
                    self.conn.close_now();
                }
            }
        }
        progress
    }

    fn dispatch(&mut self, cx: &Context<'_>) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                ClientEvent::Response { head, body } => {
                    let recv = if body == BodyKind::Empty {
                        RecvBody::empty()
                    } else {
                        let (feed, recv) = Feed::new(cx.waker());
                        self.feed = Some(feed);
                        recv
                    };
                    if let Some(reply) = self.waiting.take() {
                        let _ = reply.send(Ok(Response { head, body: recv }));
                    }
                }
                ClientEvent::Data(d) => {
                    if let Some(f) = &self.feed {
                        if !f.data(d) {
                            // Nobody reads the rest: this connection cannot be reused.
                            self.feed = None;
                            self.conn.close_now();
                        }
                    }
                }
                ClientEvent::End { trailers } => {
                    if let Some(f) = self.feed.take() {
                        f.end(trailers);
                    }
                }
                ClientEvent::Error(e) => {
                    if let Some(reply) = self.waiting.take() {
                        let _ = reply.send(Err(Error::Protocol(e)));
                    }
                    if let Some(f) = self.feed.take() {
                        f.fail(Error::Protocol(e));
                    }
                }
                ClientEvent::Closed { error } => {
                    let e = || error.map_or(Error::Closed, Error::Protocol);
                    if let Some(reply) = self.waiting.take() {
                        let _ = reply.send(Err(e()));
                    }
                    if let Some(f) = self.feed.take() {
                        f.fail(e());
                    }
                    self.request = None;
                    for p in self.queue.drain(..) {
                        let _ = p.reply.send(Err(Error::Closed));
                    }
                    self.rx.close();
                }
                ClientEvent::Informational(_) => {}
            }
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        for _ in 0..32 {
            let mut progress = false;
            while !self.rx_closed {
                match self.rx.poll_recv(cx) {
                    Poll::Ready(Some(p)) => {
                        if self.conn.is_closed() {
                            let _ = p.reply.send(Err(Error::Closed));
                        } else {
                            self.queue.push_back(p);
                        }
                        progress = true;
                    }
                    Poll::Ready(None) => {
                        self.rx_closed = true;
                        progress = true;
                    }
                    Poll::Pending => break,
                }
            }
            if self.rx_closed
                && self.queue.is_empty()
                && self.waiting.is_none()
                && self.feed.is_none()
                && self.conn.is_idle()
                && !self.conn.is_closed()
            {
                self.conn.close_now();
            }
            progress |= self.start_next();
            progress |= self.pump_request(cx);
            if !self.read_closed && !self.conn.is_closed() && self.body_room() {
                let mut rb = ReadBuf::new(&mut self.read_buf);
                match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        progress = true;
                        if rb.filled().is_empty() {
                            self.read_closed = true;
                            self.conn.handle_eof();
                        } else {
                            let n = rb.filled().len();
                            self.conn.handle_received(&self.read_buf[..n]);
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        self.conn.close_now();
                        self.dispatch(cx);
                        return Poll::Ready(Err(Error::Io(e)));
                    }
                    Poll::Pending => {}
                }
            }
            self.dispatch(cx);
            let conn = &mut self.conn;
            match self
                .writer
                .poll_write(&mut self.io, cx, || conn.poll_transmit())
            {
                Ok(p) => progress |= p,
                Err(e) => {
                    self.conn.close_now();
                    self.dispatch(cx);
                    return Poll::Ready(Err(Error::Io(e)));
                }
            }
            progress |= poll_timer(&mut self.sleep, self.conn.poll_timeout(), cx, |now| {
                self.conn.handle_timeout(now)
            });
            if self.conn.is_closed() && self.writer.is_empty() && self.conn.pending_output() == 0 {
                self.dispatch(cx);
                return match Pin::new(&mut self.io).poll_shutdown(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(_) => Poll::Ready(Ok(())),
                };
            }
            if !progress {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::imf_fixdate;

    #[test]
    fn dates_known_answer() {
        // RFC 9110 §5.6.7's example.
        assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf_fixdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(imf_fixdate(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(imf_fixdate(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
